"""Checks for the graded exercises of lesson 03: a custom nn.Module.

Each visible check tests every rule its task states; the hidden ``*_more``
checks probe other inputs of the same rules.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import torch
from torch import nn

from course_utils.checks.common import (
    ExerciseError,
    _call,
    _keeping_inputs,
    _fmt,
    _generator,
    _passed,
    _require_callable,
    _require_close,
    _require_shape,
    _require_tensor,
    keeps_random_state,
)
from course_utils.checks.rules import enforce

__all__ = [
    "check_logistic_classifier",
    "check_logistic_classifier_more",
    "check_map_state_dict",
    "check_map_state_dict_more",
    "check_decision_boundary",
    "check_decision_boundary_more",
]


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
            f"{call} has no layer called `linear`: the task names it. In __init__, after `super().__init__()`, "
            "store the nn.Linear(n_inputs, 1) layer as the attribute `linear` of self (section 1)."
        )
    if (linear.in_features, linear.out_features) != (n_inputs, 1):
        raise ExerciseError(
            f"{call}.linear is nn.Linear({linear.in_features}, {linear.out_features}); "
            f"it should be nn.Linear({n_inputs}, 1)."
        )
    names = [name for name, _ in model.named_parameters()]
    if names != ["linear.weight", "linear.bias"]:
        raise ExerciseError(
            f"{call} has the parameters {names}; logistic regression with {n_inputs} input(s) has only "
            f"['linear.weight', 'linear.bias'] ({n_inputs} weight(s) and one bias). Keep only `self.linear`."
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
    if bool(((logits >= 0) & (logits <= 1)).all()) \
            and not bool(((logits_expected >= 0) & (logits_expected <= 1)).all()):
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
                   hint="predict_proba should return torch.sigmoid of the logits, torch.sigmoid(self(X)).")
    _require_no_grad(proba, "model.predict_proba(X)")
    predict = getattr(model, "predict", None) or _missing("predict")
    for threshold in thresholds:
        if threshold == 0.5:
            call, out = "model.predict(X)", _call(predict, "predict", "model.predict(X)", X)
        else:
            call = f"model.predict(X, threshold={threshold})"
            out = _call(predict, "predict", call, X, threshold=threshold)
        out = _require_tensor(out, call)
        why = "Keep the column: compare the (batch, 1) probabilities, without .squeeze() or .flatten()."
        _require_shape(out, (n, 1), call, why if out.ndim == 1 else "")
        if out.dtype != torch.long:
            raise ExerciseError(f"{call} has dtype {out.dtype}; return classes as integers with .long().")
        proba_expected = torch.sigmoid(logits_expected)
        expected = (proba_expected >= threshold).long()
        hint = (f"A row is class 1 when its probability (not its logit) is at least the threshold "
                f"({threshold}), and a probability exactly at the threshold is class 1: compare the output of "
                f"predict_proba (not forward's logits) with the threshold argument.")
        wrong = out.ne(expected).flatten()
        at_threshold = (proba_expected - threshold).abs().flatten() < 1e-7
        if bool(wrong.any()) and bool(at_threshold[wrong].all()):
            hint = (f"This row's probability is exactly {threshold}, which counts as class 1 ('at least'): "
                    "use `>=`, not `>`.")
        _require_close(out, expected, X, call, input_name="X", atol=0, hint=hint)
        _require_no_grad(out, call)


def _require_no_grad(out: torch.Tensor, call: str) -> None:
    __tracebackhide__ = True
    if out.requires_grad:
        raise ExerciseError(
            f"{call} tracks gradients; predictions need none. Keep the `@torch.no_grad()` line above the "
            "method (or compute inside `with torch.no_grad():`)."
        )


def _missing(method: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        raise ExerciseError(f"LogisticClassifier has no method `{method}`; "
                            f"add `def {method}(self, X, ...):` to the class.")
    return fail


@keeps_random_state
def check_logistic_classifier(cls: type) -> None:
    """Visible check: forward gives logits, predict_proba probabilities, predict(threshold) classes, any n_inputs."""
    __tracebackhide__ = True
    model = _make_classifier(cls, 2, [1.0, -2.0], 0.5)
    # the row (1.5, 1.0) has logit exactly 0: probability 0.5, class 1 at threshold 0.5
    X = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-1.0, 1.0], [1.5, 1.0], [0.75, 0.5]])
    _check_classifier_outputs(model, X, thresholds=(0.5, 0.9, 0.2))
    model = _make_classifier(cls, 3, [0.5, -1.0, 2.0], -0.25)
    _check_classifier_outputs(model, torch.randn(8, 3, generator=_generator(3)), thresholds=(0.5, 0.7))
    _passed("LogisticClassifier (2 and 3 inputs): forward gives the logits, predict_proba the probabilities, "
            "predict the long classes (thresholds 0.2, 0.5, 0.7, 0.9), without tracking gradients.")


@keeps_random_state
def check_logistic_classifier_more(cls: type) -> None:
    """Hidden check: one and four inputs, other weights and thresholds, a batch of one."""
    __tracebackhide__ = True
    gen = _generator(7)
    model = _make_classifier(cls, 4, torch.randn(4, generator=gen).tolist(), 0.3)
    _check_classifier_outputs(model, torch.randn(10, 4, generator=gen), thresholds=(0.5, 0.35, 0.8))
    model = _make_classifier(cls, 1, [-1.5], 1.0)
    _check_classifier_outputs(model, torch.tensor([[0.25]]), thresholds=(0.5, 0.6))
    _passed("LogisticClassifier is right for 1 and 4 inputs, other thresholds and a batch of one too.")


def _check_mapped(map_state_dict: Callable[[dict], dict], n_inputs: int, seed: int) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    gen = _generator(seed)
    seq = nn.Sequential(nn.Linear(n_inputs, 1), nn.Sigmoid())
    with torch.no_grad():
        seq[0].weight.copy_(torch.randn(1, n_inputs, generator=gen))
        seq[0].bias.copy_(torch.randn(1, generator=gen))
    state = seq.state_dict()
    before = {key: value.clone() for key, value in state.items()}
    call = f"map_state_dict(state)  # state of nn.Sequential(nn.Linear({n_inputs}, 1), nn.Sigmoid())"
    mapped = _call(map_state_dict, "map_state_dict", call, state)
    if list(state) != list(before) or any(not torch.equal(state[k], v) for k, v in before.items()):
        raise ExerciseError(
            f"{call} changed the dictionary it was given (its keys or values); leave `state` as it is and "
            "build a new dictionary, e.g. with a dict comprehension."
        )
    if mapped is state:
        raise ExerciseError(f"{call} returned `state` itself; return a NEW dictionary.")
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
        raise ExerciseError(f"LogisticRegression({n_inputs}).load_state_dict(map_state_dict(state)) raised "
                            f"{type(err).__name__}: {err}\nHint: keep each tensor with its key: "
                            "'0.weight' -> 'linear.weight', '0.bias' -> 'linear.bias'.") from err
    for key in ("weight", "bias"):
        _require_close(mapped[f"linear.{key}"], state[f"0.{key}"], None, f"map_state_dict(state)['linear.{key}']",
                       atol=0, rtol=0, hint=f"It should hold the same tensor as state['0.{key}'].")
        if mapped[f"linear.{key}"] is not state[f"0.{key}"]:
            raise ExerciseError(
                f"map_state_dict(state)['linear.{key}'] has the right values but is a copy, not the tensor "
                f"state['0.{key}'] itself. The task asks for a new dictionary holding the same tensors: only the "
                "keys change, so put each tensor of `state` under its new key as it is (no clone, copy, detach "
                "or new tensor); the section on saving and loading shows that load_state_dict copies the values "
                "anyway.")
    X = torch.randn(8, n_inputs, generator=gen)
    _require_close(model.predict_proba(X), seq(X), X, "the loaded model's predict_proba(X)", input_name="X",
                   atol=1e-6, hint="Keep each tensor with its key: only the names change.")


@keeps_random_state
def check_map_state_dict(map_state_dict: Callable[[dict], dict]) -> None:
    """Visible check: one and three features; a new dict; ``state`` unchanged; the same tensors."""
    __tracebackhide__ = True
    _require_callable(map_state_dict, "map_state_dict")
    _check_mapped(map_state_dict, n_inputs=1, seed=4)
    _check_mapped(map_state_dict, n_inputs=3, seed=5)
    _passed("map_state_dict returns a new dict with linear.weight/linear.bias holding the same tensors "
            "(1 and 3 features), leaves its input unchanged, and the predictions match.")


@keeps_random_state
def check_map_state_dict_more(map_state_dict: Callable[[dict], dict]) -> None:
    """Hidden check: two and ten features, other values."""
    __tracebackhide__ = True
    _require_callable(map_state_dict, "map_state_dict")
    _check_mapped(map_state_dict, n_inputs=2, seed=6)
    _check_mapped(map_state_dict, n_inputs=10, seed=7)
    _passed("map_state_dict works for 2 and 10 features too.")


_MAX_MODEL_CALLS = 3  # model(0) and model(1) give b and w + b; a few calls more are a search


def _check_boundary(decision_boundary: Callable[[nn.Module], float], w: float, b: float) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    model = LogisticRegression(1)
    with torch.no_grad():
        model.linear.weight.fill_(w)
        model.linear.bias.fill_(b)
    call = f"decision_boundary(model with w = {w}, b = {b})"
    # a forward hook on the model and on each submodule counts the calls: a search (bisection, a loop over x
    # values) calls the model many times; the boundary read from the parameters needs at most a couple
    calls: dict[str, int] = {}
    hooks = [module.register_forward_hook(lambda *_, key=key: calls.__setitem__(key, calls.get(key, 0) + 1))
             for key, module in model.named_modules()]
    try:
        out = _keeping_inputs(decision_boundary, call, (model,),
                              lambda *a: _call(decision_boundary, "decision_boundary", call, *a))
    finally:
        for hook in hooks:
            hook.remove()
    if max(calls.values(), default=0) > _MAX_MODEL_CALLS:
        raise ExerciseError(
            f"{call} called the model {max(calls.values())} times: that is a search for the point where the "
            "probability crosses 0.5 (bisection or a loop over x values), not the boundary computed from the "
            "parameters. The probability is 0.5 where the logit w * x + b is 0 (sigmoid(0) = 0.5, as the task of "
            "Exercise 3 says): solve that linear equation for x by hand, with w and b read from model.linear, "
            "and call the model at most a couple of times (ideally not at all)."
        )
    if isinstance(out, torch.Tensor):
        raise ExerciseError(
            f"{call} returned a tensor of shape {tuple(out.shape)}; the task asks for a Python float. "
            "Turn the one-element result into a Python float with `.item()`."
        )
    if isinstance(out, bool) or not isinstance(out, float):
        hint = (" Did you forget the `return` statement?" if out is None
                else " Return float(...) of your result." if isinstance(out, int) else "")
        raise ExerciseError(f"{call} should return a Python float, but it returned {type(out).__name__}.{hint}")
    expected = -b / w
    if not math.isclose(out, expected, rel_tol=1e-6, abs_tol=1e-9):
        got, want = _fmt(out), _fmt(expected)
        if got == want:  # close, but not exact: show all digits
            got, want = repr(out), repr(expected)
        raise ExerciseError(
            f"{call} returned {got}, expected {want}: the probability is exactly 0.5 where "
            "the logit w * x + b is 0: solve that linear equation for x. Compute it exactly from the parameters, "
            "without round() or a search over a grid of x values: read w and b from model.linear.weight and "
            "model.linear.bias."
        )


@keeps_random_state
def check_decision_boundary(decision_boundary: Callable[[nn.Module], float]) -> None:
    """Visible check: a Python float, exact (relative error < 1e-6) for w = 2, b = -5 (x = 2.5), a negative
    weight, a zero bias, w = 3, b = -1 (x = 1/3) and w = 0.1, b = 5 (x = -50)."""
    __tracebackhide__ = True
    _require_callable(decision_boundary, "decision_boundary")
    for w, b in ((2.0, -5.0), (-0.5, 1.0), (4.0, 0.0), (3.0, -1.0), (0.1, 5.0)):
        _check_boundary(decision_boundary, w, b)
    enforce("03", "ex3", decision_boundary, "decision_boundary")
    _passed("decision_boundary returns a Python float: x = 2.5 for w = 2, b = -5, and the exact x for a "
            "negative weight, a zero bias, w = 3, b = -1 (x = 1/3) and w = 0.1, b = 5 (x = -50).")


@keeps_random_state
def check_decision_boundary_more(decision_boundary: Callable[[nn.Module], float]) -> None:
    """Hidden check: other weights and biases."""
    __tracebackhide__ = True
    _require_callable(decision_boundary, "decision_boundary")
    for w, b in ((0.25, 3.0), (-3.0, -1.5), (1.0, 0.125), (7.0, 2.0), (-0.3, 0.7)):
        _check_boundary(decision_boundary, w, b)
    enforce("03", "ex3", decision_boundary, "decision_boundary")
    _passed("decision_boundary is right for other weights and biases too.")
