"""Checks for the graded exercises of lesson 03: a custom nn.Module."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import torch
from torch import nn

from course_utils.checks.common import (
    ExerciseError,
    _call,
    _fmt,
    _generator,
    _passed,
    _require_callable,
    _require_close,
    _require_shape,
    _require_tensor,
)


def _make_classifier(cls: Any, n_inputs: int, weight: Sequence[float], bias: float) -> nn.Module:
    __tracebackhide__ = True
    _require_callable(cls, "LogisticClassifier")
    call = f"LogisticClassifier(n_inputs={n_inputs})"
    model = _call(cls, "LogisticClassifier", call, n_inputs)
    if not isinstance(model, nn.Module):
        raise ExerciseError(f"{call} is a {type(model).__name__}; the class must subclass nn.Module.")
    linear = getattr(model, "linear", None)
    if not isinstance(linear, nn.Linear):
        raise ExerciseError(
            f"{call} has no layer called `linear`: create it in __init__ with "
            f"`self.linear = nn.Linear(n_inputs, 1)` (after `super().__init__()`)."
        )
    if (linear.in_features, linear.out_features) != (n_inputs, 1):
        raise ExerciseError(
            f"{call}.linear is nn.Linear({linear.in_features}, {linear.out_features}); "
            f"it should be nn.Linear({n_inputs}, 1)."
        )
    n_params = sum(p.numel() for p in model.parameters())
    if n_params != n_inputs + 1:
        raise ExerciseError(
            f"{call} has {n_params} parameters; logistic regression with {n_inputs} input(s) has "
            f"{n_inputs + 1} ({n_inputs} weight(s) and one bias). Keep only `self.linear`."
        )
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([list(weight)]))
        linear.bias.fill_(bias)
    return model


def _check_classifier_outputs(model: nn.Module, X: torch.Tensor, thresholds: Sequence[float]) -> None:
    __tracebackhide__ = True
    linear = model.linear
    logits_expected = X @ linear.weight.detach().T + linear.bias.detach()
    n = X.shape[0]
    logits = _require_tensor(_call(model, "forward", "model(X)", X), "model(X)")
    _require_shape(logits, (n, 1), "model(X)")
    if bool(((logits >= 0) & (logits <= 1)).all()) and not bool(((logits_expected >= 0) & (logits_expected <= 1)).all()):
        raise ExerciseError(
            "model(X) returns values between 0 and 1: forward applies the sigmoid. "
            "forward must return the logits self.linear(X); predict_proba applies the sigmoid."
        )
    _require_close(logits, logits_expected, X, "model(X) (the logits)", input_name="X", atol=1e-5,
                   hint="forward should return self.linear(X).")
    if not logits.requires_grad:
        raise ExerciseError("model(X) does not track gradients, so the model could not be trained; "
                            "do not use torch.no_grad() or .detach() in forward.")
    proba = _require_tensor(_call(getattr(model, "predict_proba", None) or _missing("predict_proba"),
                                  "predict_proba", "model.predict_proba(X)", X), "model.predict_proba(X)")
    _require_shape(proba, (n, 1), "model.predict_proba(X)")
    _require_close(proba, torch.sigmoid(logits_expected), X, "model.predict_proba(X)", input_name="X", atol=1e-6,
                   hint="predict_proba should return torch.sigmoid of the logits.")
    predict = getattr(model, "predict", None) or _missing("predict")
    for threshold in thresholds:
        if threshold == 0.5:
            call, out = "model.predict(X)", _call(predict, "predict", "model.predict(X)", X)
        else:
            call = f"model.predict(X, threshold={threshold})"
            out = _call(predict, "predict", call, X, threshold=threshold)
        out = _require_tensor(out, call)
        _require_shape(out, (n, 1), call)
        if out.dtype != torch.long:
            raise ExerciseError(f"{call} has dtype {out.dtype}; return classes as integers with .long().")
        expected = (torch.sigmoid(logits_expected) >= threshold).long()
        _require_close(out, expected, X, call, input_name="X", atol=0,
                       hint=f"A row is class 1 when its probability is at least the threshold ({threshold}).")


def _missing(method: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        raise ExerciseError(f"LogisticClassifier has no method `{method}`; add `def {method}(self, X, ...):` to the class.")
    return fail


def check_logistic_classifier(cls: type) -> None:
    """Visible check: forward gives logits, predict_proba probabilities, predict(threshold=0.5) classes."""
    __tracebackhide__ = True
    model = _make_classifier(cls, 2, [1.0, -2.0], 0.5)
    X = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-1.0, 1.0], [0.5, 0.5]])
    _check_classifier_outputs(model, X, thresholds=(0.5,))
    _passed("LogisticClassifier(2): forward gives the logits, predict_proba the probabilities, predict the classes.")


def check_logistic_classifier_more(cls: type) -> None:
    """Hidden check: three inputs, other thresholds, long classes without gradient tracking."""
    __tracebackhide__ = True
    model = _make_classifier(cls, 3, [0.5, -1.0, 2.0], -0.25)
    X = torch.randn(12, 3, generator=_generator(3))
    _check_classifier_outputs(model, X, thresholds=(0.5, 0.9, 0.1))
    for method in ("predict_proba", "predict"):
        out = getattr(model, method)(X)
        if out.requires_grad:
            raise ExerciseError(
                f"model.{method}(X) tracks gradients; predictions need none. Decorate it with "
                "@torch.no_grad() (or compute inside `with torch.no_grad():`)."
            )
    _passed("LogisticClassifier(3) is right for thresholds 0.1, 0.5 and 0.9, and its predictions track no gradients.")


def _check_mapped(map_state_dict: Callable[[dict], dict], n_inputs: int, seed: int) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    gen = _generator(seed)
    seq = nn.Sequential(nn.Linear(n_inputs, 1), nn.Sigmoid())
    with torch.no_grad():
        seq[0].weight.copy_(torch.randn(1, n_inputs, generator=gen))
        seq[0].bias.copy_(torch.randn(1, generator=gen))
    state = seq.state_dict()
    keys_before = list(state)
    call = "map_state_dict(seq_model.state_dict())"
    mapped = _call(map_state_dict, "map_state_dict", call, state)
    if list(state) != keys_before:
        raise ExerciseError(f"{call} changed the dictionary it was given; build and return a new dictionary.")
    if not isinstance(mapped, dict):
        hint = " Did you forget the `return` statement?" if mapped is None else ""
        raise ExerciseError(f"{call} should return a dict, but it returned {type(mapped).__name__}.{hint}")
    wanted = {"linear.weight", "linear.bias"}
    if set(mapped) != wanted:
        raise ExerciseError(
            f"{call} has the keys {sorted(mapped)}, but LogisticRegression expects {sorted(wanted)}: "
            "replace the prefix '0.' with 'linear.' in every key."
        )
    model = LogisticRegression(n_inputs)
    try:
        model.load_state_dict(mapped)
    except Exception as err:  # noqa: BLE001
        raise ExerciseError(f"LogisticRegression({n_inputs}).load_state_dict({call}) raised "
                            f"{type(err).__name__}: {err}") from err
    X = torch.randn(8, n_inputs, generator=gen)
    _require_close(model.predict_proba(X), seq(X), X, "the loaded model's predict_proba(X)", input_name="X",
                   atol=1e-6, hint="Keep each tensor with its key: only the names change.")


def check_map_state_dict(map_state_dict: Callable[[dict], dict]) -> None:
    """Visible check: the mapped state_dict of a one-feature ``nn.Sequential`` loads into ``LogisticRegression``."""
    __tracebackhide__ = True
    _require_callable(map_state_dict, "map_state_dict")
    _check_mapped(map_state_dict, n_inputs=1, seed=4)
    _passed("map_state_dict renames 0.weight/0.bias to linear.weight/linear.bias; the predictions match.")


def check_map_state_dict_more(map_state_dict: Callable[[dict], dict]) -> None:
    """Hidden check: three features, and the input dictionary is left unchanged."""
    __tracebackhide__ = True
    _require_callable(map_state_dict, "map_state_dict")
    _check_mapped(map_state_dict, n_inputs=3, seed=5)
    _passed("map_state_dict works for three features and leaves its input unchanged.")


def _check_boundary(decision_boundary: Callable[[nn.Module], float], w: float, b: float) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    model = LogisticRegression(1)
    with torch.no_grad():
        model.linear.weight.fill_(w)
        model.linear.bias.fill_(b)
    call = f"decision_boundary(model with w = {w}, b = {b})"
    out = _call(decision_boundary, "decision_boundary", call, model)
    if isinstance(out, torch.Tensor):
        if out.numel() != 1:
            raise ExerciseError(f"{call} returned a tensor of shape {tuple(out.shape)}; return one number (use .item()).")
        out = out.item()
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        hint = " Did you forget the `return` statement?" if out is None else ""
        raise ExerciseError(f"{call} should return a number, but it returned {type(out).__name__}.{hint}")
    expected = -b / w
    if not math.isclose(out, expected, rel_tol=1e-5, abs_tol=1e-6):
        raise ExerciseError(
            f"{call} returned {_fmt(float(out))}, expected {_fmt(expected)}: the boundary is where "
            "w * x + b = 0, that is x = -b / w. Read w and b from model.linear.weight and model.linear.bias."
        )


def check_decision_boundary(decision_boundary: Callable[[nn.Module], float]) -> None:
    """Visible check: w = 2, b = -5 gives the boundary x = 2.5."""
    __tracebackhide__ = True
    _require_callable(decision_boundary, "decision_boundary")
    _check_boundary(decision_boundary, 2.0, -5.0)
    _passed("decision_boundary gives x = 2.5 for w = 2, b = -5.")


def check_decision_boundary_more(decision_boundary: Callable[[nn.Module], float]) -> None:
    """Hidden check: negative weights and a zero bias."""
    __tracebackhide__ = True
    _require_callable(decision_boundary, "decision_boundary")
    for w, b in ((-0.5, 1.0), (4.0, 0.0), (0.25, 3.0)):
        _check_boundary(decision_boundary, w, b)
    _passed("decision_boundary is right for negative weights and a zero bias too.")
