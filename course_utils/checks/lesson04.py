"""Checks for the graded exercises of lesson 04: training with binary cross-entropy.

Each visible check tests every rule its task states; the hidden checks
(``*_more``) try other inputs of the same rules.

- ``bce_gradients``: the values of the formula, for any number of features,
  shaped like the weight ``(1, d)`` and the bias ``(1,)``, computed without
  autograd: the check runs it under ``torch.no_grad()`` and under a
  ``TorchFunctionMode`` that fails on any operation run with gradients enabled
  (``torch.enable_grad()``, ``torch.func.grad``), with ``backward``,
  ``torch.autograd.grad`` and the ``torch.func`` transforms replaced by functions
  that fail.
- ``train``: the four steps of the full-batch loop (``zero_grad``, forward and
  loss with ``BCEWithLogitsLoss`` on the logits, ``backward``, ``step``), with
  the ``lr`` and ``num_epochs`` given, on the model given, returning one Python
  float per epoch. The loop is the learner's own: ``train_logistic_regression``
  and ``fit_lbfgs`` of ``course_utils.training`` fail during the check, and the
  steps must be taken by a ``torch.optim.SGD`` (counted by a global optimizer
  step hook), not by a hand-written update. It is compared with the reference loop run from the same
  start; a mismatch is explained by replaying the usual mistakes (no
  ``zero_grad``, a sigmoid before ``BCEWithLogitsLoss``, ``BCELoss``, the loss
  recorded after the step) and naming the one that matches.
- ``predict_point``: a Python ``float`` and an ``int``, class 1 exactly when the
  probability is at least 0.5, integer coordinates accepted.
"""

from __future__ import annotations

import contextlib
import copy
import math
import sys
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook
from torch.overrides import TorchFunctionMode

from course_utils.checks.common import (
    _BROADCAST,
    ExerciseError,
    _call,
    _keeping_inputs,
    _fmt,
    _generator,
    _passed,
    _require_callable,
    _require_shape,
    keeps_random_state,
)
from course_utils.checks.rules import enforce

__all__ = [
    "check_bce_gradients",
    "check_bce_gradients_more",
    "check_train",
    "check_train_more",
    "check_predict_point",
    "check_predict_point_more",
]

# --------------------------------------------------------------------------- Exercise 1: bce_gradients


def _formula_gradients(X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor):
    """The reference: autograd's gradient of BCEWithLogitsLoss (float64)."""
    X, y = X.double(), y.double().reshape(-1, 1)
    w = weight.detach().double().clone().requires_grad_(True)
    b = bias.detach().double().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = X @ w.reshape(-1, 1) + b.reshape(1, 1)
        nn.functional.binary_cross_entropy_with_logits(logits, y).backward()
    return w.grad, b.grad


def _gradient_mistakes(X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor):
    """(grad_w, grad_b, hint) of the usual wrong formulas, to name the one a learner wrote."""
    X, y = X.double(), y.double().reshape(-1, 1)
    logits = X @ weight.double().reshape(-1, 1) + bias.double().reshape(1, 1)
    error = torch.sigmoid(logits) - y
    n = X.shape[0]
    right_w, right_b = (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
    yield n * right_w, n * right_b, (
        "These are the sums over the rows, n times too large: the loss is the MEAN over the n rows, so its "
        "gradient is a mean over the rows too (the 1/n of the formula, section 3).")
    yield -right_w, -right_b, (
        "The sign is flipped: the error is p - y (prediction minus label), not y - p.")
    no_sigmoid = logits - y
    yield (no_sigmoid * X).mean(dim=0, keepdim=True), no_sigmoid.mean(dim=0), (
        "You used the logits X @ weight.T + bias in place of the probabilities: "
        "p = torch.sigmoid(X @ weight.T + bias), then the error p - y.")


_AUTOGRAD_HINT = (
    "the task asks for the gradient from the formula, without autograd (no backward(), "
    "torch.autograd.grad, torch.func or torch.enable_grad()). Section 3 derives it: the probabilities p with "
    "torch.sigmoid, the error p - y of each row, then the averages of the task's two formulas.")


class _NoAutogradMode(TorchFunctionMode):
    """Fail on any torch operation run while gradients are enabled (enable_grad, torch.func.grad)."""

    def __init__(self, call: str) -> None:
        super().__init__()
        self.call = call

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001 - torch's protocol
        if torch.is_grad_enabled():
            raise ExerciseError(f"{self.call} runs torch operations with gradients enabled: {_AUTOGRAD_HINT}")
        return func(*args, **(kwargs or {}))


def _forbidden(call: str, name: str) -> Callable:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise ExerciseError(f"{call} called {name}: {_AUTOGRAD_HINT}")
    return fail


@contextlib.contextmanager
def _autograd_forbidden(call: str) -> Iterator[None]:
    """Replace backward, torch.autograd.grad and the torch.func transforms by functions that fail."""
    import torch.func

    targets = [(torch.Tensor, "backward", "backward()"), (torch.autograd, "grad", "torch.autograd.grad"),
               (torch.autograd, "backward", "torch.autograd.backward")]
    targets += [(torch.func, name, f"torch.func.{name}") for name in
                ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian") if hasattr(torch.func, name)]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in targets]
    try:
        for owner, attr, label in targets:
            setattr(owner, attr, _forbidden(call, label))
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


_SQUEEZE_HINT = (
    "The probabilities p must stay a column (n, 1) like y: if p is squeezed or flattened to (n,), then "
    "(n,) - (n, 1) broadcasts to an (n, n) table. Don't squeeze p; print error.shape, it should be (n, 1).")


def _call_without_autograd(fn: Callable, call: str, *args: Any) -> Any:
    """Call ``fn`` under ``torch.no_grad()`` with autograd's entry points made to fail: a formula works."""
    __tracebackhide__ = True
    n = args[0].shape[0]
    try:
        with torch.no_grad(), _autograd_forbidden(call), _NoAutogradMode(call):
            return _call(fn, "bce_gradients", call, *args)
    except ExerciseError as err:
        cause = err.__cause__
        if isinstance(cause, RuntimeError) and ("does not require grad" in str(cause) or "grad_fn" in str(cause)):
            raise ExerciseError(
                f"{call} used autograd (backward() or torch.autograd.grad): {_AUTOGRAD_HINT}"
            ) from cause
        mismatch = _BROADCAST.search(str(cause)) if isinstance(cause, RuntimeError) else None
        if mismatch and n in (int(mismatch.group(1)), int(mismatch.group(2))) and int(mismatch.group(3)) >= 1:
            raise ExerciseError(f"{call} raised RuntimeError: {cause}\nHint: a dimension of size n = {n} met "
                                f"another size at dimension {mismatch.group(3)}. {_SQUEEZE_HINT}") from cause
        raise


def _element_hint(out: Any, index: int, call: str) -> torch.Tensor:
    """The element ``index`` of the pair returned, as a tensor, or a hint naming it in words."""
    __tracebackhide__ = True
    name = ("grad_weight", "grad_bias")[index]
    what = f"{name} (element {index} of what {call} returned)"
    if out is None:
        attr = ("weight", "bias")[index]
        raise ExerciseError(
            f"{what} is None. `{attr}.grad` is None here (no autograd runs in this exercise): compute the gradient "
            "from the task's formulas with torch operations (section 3): the probabilities with torch.sigmoid, "
            "the error p - y, then the two averages over the rows.")
    if not isinstance(out, torch.Tensor):
        raise ExerciseError(f"{what} should be a torch.Tensor, but it is a {type(out).__name__}: compute it with "
                            "torch operations on the tensors given (no .numpy(), no .item(), no Python lists).")
    return out


def _shape_hint(out: torch.Tensor, want: Sequence[int], what: str) -> str:
    got = tuple(out.shape)
    if got == ():
        return (f"A plain .mean() averages over every entry and gives one number; {what} needs the mean over "
                "the rows only: .mean(dim=0), with keepdim=True to keep the leading 1.")
    if len(got) == len(want) - 1 and got == tuple(want)[1:]:
        return ".mean(dim=0) drops the row dimension; keep it with .mean(dim=0, keepdim=True)."
    if len(want) == 1 and got == (1, 1):
        return "keepdim=True keeps a dimension too many here: the bias is shaped (1,), so use error.mean(dim=0)."
    return f"Return it shaped like the {what.split()[-1]}: e.g. .reshape({what.split()[-1]}.shape)."


def _check_gradients(bce_gradients: Callable, X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor,
                     bias: torch.Tensor, label: str) -> None:
    __tracebackhide__ = True
    call = f"bce_gradients(X, y, weight, bias) {label}"
    out = _keeping_inputs(bce_gradients, call, (X.clone(), y.clone(), weight.clone(), bias.clone()),
                          lambda *a: _call_without_autograd(bce_gradients, call, *a))
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = "None (did you forget `return`?)" if out is None else type(out).__name__
        raise ExerciseError(f"{call} should return two tensors, (grad_weight, grad_bias); got {got}.")
    grad_w, grad_b = (_element_hint(t, i, call) for i, t in enumerate(out))
    n = X.shape[0]
    for name, t in (("grad_weight", grad_w), ("grad_bias", grad_b)):
        if n > 1 and t.dim() >= 2 and t.shape[0] == n and t.shape[1] == n:
            raise ExerciseError(f"{name} from {call} has shape {tuple(t.shape)}: an (n, n) table, n = {n}. "
                                f"{_SQUEEZE_HINT}")
    _require_shape(grad_w, weight.shape, f"grad_weight from {call}", _shape_hint(grad_w, weight.shape, "the weight"))
    _require_shape(grad_b, bias.shape, f"grad_bias from {call}", _shape_hint(grad_b, bias.shape, "the bias"))
    for name, t in (("grad_weight", grad_w), ("grad_bias", grad_b)):
        if not bool(torch.isfinite(t.detach()).all()):
            raise ExerciseError(f"{name} from {call} contains {_fmt(t.detach())}: nan or inf. Compute "
                                "p = torch.sigmoid(X @ weight.T + bias), which never overflows.")
    want_w, want_b = _formula_gradients(X, y, weight, bias)
    got_w, got_b = grad_w.detach().double(), grad_b.detach().double()

    def close(a: torch.Tensor, b: torch.Tensor) -> bool:
        return bool(torch.allclose(a, b, atol=1e-5, rtol=1e-4))

    if close(got_w, want_w) and close(got_b, want_b):
        return
    for mistake_w, mistake_b, hint in _gradient_mistakes(X, y, weight, bias):
        if close(got_w, mistake_w) and close(got_b, mistake_b):
            raise ExerciseError(f"{call} is wrong: got grad_weight {_fmt(got_w)}, grad_bias {_fmt(got_b)}; "
                                f"expected {_fmt(want_w)} and {_fmt(want_b)}. {hint}")
    any_d = (f" It must work for any number of features (here {X.shape[1]}): compute the logits with "
             "X @ weight.T + bias, not feature by feature.") if X.shape[1] != 2 else ""
    if not close(got_b, want_b):
        raise ExerciseError(
            f"grad_bias from {call} is {_fmt(got_b)}, expected {_fmt(want_b)}. dL/db = mean(p - y) with "
            f"p = torch.sigmoid(X @ weight.T + bias): check the sign, and take the mean, not the sum.{any_d}")
    raise ExerciseError(
        f"grad_weight from {call} is {_fmt(got_w)}, expected {_fmt(want_w)} (grad_bias is right). "
        "dL/dw_j is the mean over the rows of (p_i - y_i) times feature j of row i (section 3): each row's "
        f"error, a column (n, 1), scales that row's features X (n, d), and the mean is over the rows.{any_d} "
        "Print error.shape: it should be (n, 1); if p was squeezed to (n,), p - y is an (n, n) table.")


def _gradient_case(seed: int, n: int, d: int, scale: float = 1.0, dtype: torch.dtype = torch.float32):
    gen = _generator(seed)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64).to(dtype)
    y = (torch.rand(n, 1, generator=gen) < 0.5).to(dtype)
    weight = (scale * torch.randn(1, d, generator=gen, dtype=torch.float64)).round(decimals=2).to(dtype)
    bias = (0.5 * torch.randn(1, generator=gen, dtype=torch.float64)).round(decimals=2).to(dtype)
    return X, y, weight, bias


@keeps_random_state
def check_bce_gradients(bce_gradients: Callable) -> None:
    """Visible check: the formula's values on 2 and on 3 features, the shapes (1, d) and (1,), no autograd."""
    __tracebackhide__ = True
    _require_callable(bce_gradients, "bce_gradients")
    _check_gradients(bce_gradients, *_gradient_case(40, 20, 2), "on 20 points with 2 features")
    _check_gradients(bce_gradients, *_gradient_case(42, 15, 3), "on 15 points with 3 features")
    enforce("04", "ex1", bce_gradients, "bce_gradients")
    _passed("bce_gradients gives the formula's gradient, shaped like the weight and the bias, "
            "for 2 and 3 features, without autograd.")


@keeps_random_state
def check_bce_gradients_more(bce_gradients: Callable) -> None:
    """Hidden check: 1 and 5 features, a single row, large weights (saturated sigmoid), float64 inputs."""
    __tracebackhide__ = True
    _require_callable(bce_gradients, "bce_gradients")
    _check_gradients(bce_gradients, *_gradient_case(43, 30, 1), "with 1 feature")
    _check_gradients(bce_gradients, *_gradient_case(44, 25, 5), "with 5 features")
    _check_gradients(bce_gradients, *_gradient_case(45, 1, 3), "on a single row")
    _check_gradients(bce_gradients, *_gradient_case(46, 30, 3, scale=50.0), "with large weights")
    _check_gradients(bce_gradients, *_gradient_case(47, 20, 2, dtype=torch.float64), "on float64 inputs")
    enforce("04", "ex1", bce_gradients, "bce_gradients")
    _passed("bce_gradients is right for 1 and 5 features, a single row, saturated predictions and float64.")


# --------------------------------------------------------------------------- Exercise 2: train


_LOOP = ("the four steps of section 4 in order (optimizer.zero_grad(), the loss of model(X) against y, "
         "loss.backward(), optimizer.step()), then record that loss as a Python float")


def _reference_loop(model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float, num_epochs: int,
                    mistake: str = "") -> list[float]:
    """The loop of section 4, or one of its usual mistakes (to name what a learner's loop did)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCELoss() if mistake == "bce_loss" else nn.BCEWithLogitsLoss()
    losses = []
    with torch.enable_grad():
        for _ in range(num_epochs):
            if mistake != "no_zero_grad":
                optimizer.zero_grad()
            out = model(X)
            if mistake in ("sigmoid", "bce_loss"):
                out = torch.sigmoid(out)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            if mistake == "after_step":
                with torch.no_grad():
                    losses.append(nn.functional.binary_cross_entropy_with_logits(model(X), y).item())
            else:
                losses.append(loss.item())
    return losses


_LOOP_MISTAKES = (
    ("no_zero_grad",
     "Your loop never clears the gradients: PyTorch ADDS each new gradient into .grad, so without "
     "optimizer.zero_grad() at the start of every epoch each step uses the sum of all the gradients so far "
     "(the steps grow and the weights go wrong). Call optimizer.zero_grad() first in the loop."),
    ("sigmoid",
     "Your loop applies a sigmoid before nn.BCEWithLogitsLoss, which applies its own: the loss then sees "
     "sigmoid(sigmoid(z)) and trains the wrong thing. The model returns logits; pass them straight to the "
     "loss: loss_fn(model(X), y)."),
    ("bce_loss",
     "Your loop uses nn.BCELoss on probabilities. The task asks for nn.BCEWithLogitsLoss on the logits: "
     "on a confident mistake (a logit of 40 on a class-0 point) sigmoid rounds to 1.0, BCELoss clamps "
     "the loss at 100 and the gradient vanishes. Use loss_fn = nn.BCEWithLogitsLoss() and "
     "loss_fn(model(X), y)."),
    ("after_step",
     "Your weights are right, but the losses are recorded after optimizer.step(): record the loss of "
     "each epoch's forward pass, loss.item(), the one you backpropagate."),
)


def _params(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def _same(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> bool:
    return all(torch.allclose(x, y, atol=1e-5, rtol=1e-4) for x, y in zip(a, b, strict=False))


def _same_losses(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(math.isclose(u, v, rel_tol=1e-4, abs_tol=1e-5) for u, v in zip(a, b, strict=True))


def _check_losses_type(losses: Any, num_epochs: int, call: str) -> list[float]:
    __tracebackhide__ = True
    if losses is None:
        raise ExerciseError(f"{call} returned None. Collect the loss of every epoch in a list "
                            "(each as a Python float, loss.item()) and return that list after the loop.")
    if isinstance(losses, torch.Tensor) or not isinstance(losses, (list, tuple)):
        raise ExerciseError(f"{call} returned a {type(losses).__name__}; it should return a list of Python floats, "
                            "one per epoch: add each epoch's loss.item() to a list in the loop, then return the list.")
    if len(losses) != num_epochs:
        raise ExerciseError(f"{call} returned {len(losses)} losses; it should return one per epoch, "
                            f"{num_epochs}: append loss.item() once in each epoch of "
                            "`for epoch in range(num_epochs):`.")
    for value in losses:
        if isinstance(value, torch.Tensor):
            raise ExerciseError(
                f"{call} returned a list of tensors; the task asks for Python floats: append loss.item(), "
                "not loss (a tensor that also keeps the whole computation graph of its epoch in memory).")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExerciseError(f"{call} returned a list holding {type(value).__name__}; append loss.item() (a float).")
    return [float(v) for v in losses]


_COURSE_LOOPS = ("train_logistic_regression", "fit_lbfgs")


@contextlib.contextmanager
def _course_training_forbidden(call: str, train: Callable) -> Iterator[None]:
    """Make ``course_utils.training``'s loops fail wherever the learner's code can reach them."""
    from course_utils import training

    originals = {getattr(training, name): name for name in _COURSE_LOOPS}
    spaces = [vars(m) for name, m in list(sys.modules.items())
              if m is not None and (name == "course_utils" or name.startswith("course_utils.") or name == "__main__")]
    spaces.append(getattr(train, "__globals__", {}))
    patched: list[tuple[dict, str, Any]] = []

    def forbidden(name: str) -> Callable:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise ExerciseError(
                f"{call} called course_utils.training.{name}. The task asks you to write the loop yourself: "
                "create the optimizer and the loss the task names, then in each epoch "
                f"{_LOOP} (section 4).")
        return fail

    try:
        for space in spaces:
            for key, value in list(space.items()):
                if callable(value) and any(value is f for f in originals):
                    patched.append((space, key, value))
                    space[key] = forbidden(originals[value])
        yield
    finally:
        for space, key, value in patched:
            space[key] = value


def _check_train(train: Callable, model: nn.Module, X: torch.Tensor, y: torch.Tensor, lr: float,
                 num_epochs: int, label: str) -> None:
    __tracebackhide__ = True
    call = f"train(model, X, y, lr={lr:g}, num_epochs={num_epochs}) {label}"
    learner_model = copy.deepcopy(model)
    start = _params(model)
    backward_calls: list[int] = []  # a hook on each parameter counts the backward passes that reach it
    for p in learner_model.parameters():
        p.register_hook(lambda grad: backward_calls.append(1))
    steps: list[str] = []  # the class name of every optimizer that takes a step during the call
    step_hook = register_optimizer_step_pre_hook(
        lambda optimizer, *_: steps.append(type(optimizer).__name__))
    try:
        with torch.enable_grad(), _course_training_forbidden(call, train):
            # the caller's X and y stay as they were, after the call as well as during it (the grader compares them)
            out = _keeping_inputs(train, call, (X.clone(), y.clone()),
                                  lambda Xc, yc: _call(train, "train", call, learner_model, Xc, yc, lr, num_epochs),
                                  names=("X", "y"))
    except ExerciseError as err:
        if "Target size" in str(err) or "must be the same as input size" in str(err):
            raise ExerciseError(
                f"{err}\nHint: the loss compares the model's logits (n, 1) with the labels y (n, 1): train on "
                "the X and y given as arguments (not on X_train), and do not reshape or flatten either.") from err
        raise
    finally:
        step_hook.remove()
    losses = _check_losses_type(out, num_epochs, call)
    changed = [(n, p.dtype) for n, p in learner_model.named_parameters() if p.dtype != torch.float32]
    if changed:
        raise ExerciseError(
            f"{call} turned the model's parameter {changed[0][0]} into {changed[0][1]} (e.g. with model.double() "
            "or .to(torch.float64)). Train the model as it is given, in float32, on X and y as they are: a "
            "model that changes its dtype no longer accepts the float32 inputs of the rest of the lesson, and the "
            "exercise is the plain loop of section 4.")
    after = _params(learner_model)
    if _same(after, start):
        grads = [p.grad for p in learner_model.parameters()]
        if not backward_calls:
            why = ("no gradient ever reached its parameters: call loss.backward() in every epoch, then "
                   "optimizer.step(), on the model given (do not create a new one), with the optimizer made from it: "
                   "torch.optim.SGD(model.parameters(), lr=lr).")
        elif all(g is None or bool((g == 0).all()) for g in grads):
            why = ("the gradients are cleared before the step can use them: the order is optimizer.zero_grad(), "
                   "forward, loss, loss.backward(), optimizer.step() (zero_grad first, not between backward and "
                   "step), then optimizer.step() after loss.backward().")
        else:
            why = ("the gradients are there but no step used them: call optimizer.step() after loss.backward(), "
                   "with the optimizer made from this model's parameters: torch.optim.SGD(model.parameters(), lr=lr).")
        raise ExerciseError(f"{call} did not change the model's weights: {why}")
    others = sorted(set(steps) - {"SGD"})
    if others:
        raise ExerciseError(f"{call} stepped with torch.optim.{others[0]}; the task asks for plain gradient descent: "
                            "optimizer = torch.optim.SGD(model.parameters(), lr=lr) and optimizer.step().")
    if steps.count("SGD") > num_epochs and steps.count("SGD") % num_epochs == 0:
        raise ExerciseError(
            f"{call}: torch.optim.SGD took {steps.count('SGD') // num_epochs} steps per epoch on {len(X)} rows: "
            "the loop splits X into mini-batches. The task asks for full-batch gradient descent: each epoch "
            "computes ONE loss on all of X and y and takes ONE step (section 4; mini-batches come in section 7).")
    if steps.count("SGD") != num_epochs:
        did = ("no torch.optim.SGD took a step: the weights were updated by hand" if not steps else
               f"torch.optim.SGD took {len(steps)} steps")
        raise ExerciseError(
            f"{call}: {did}. The task asks for one optimizer.step() per epoch ({num_epochs} here) of "
            "optimizer = torch.optim.SGD(model.parameters(), lr=lr), created once before the loop; "
            "replace any update like `p -= lr * p.grad` with optimizer.step().")

    ref_model = copy.deepcopy(model)
    ref_losses = _reference_loop(ref_model, X, y, lr, num_epochs)
    ref = _params(ref_model)
    if _same(after, ref) and _same_losses(losses, ref_losses):
        return
    for mistake, hint in _LOOP_MISTAKES:
        wrong_model = copy.deepcopy(model)
        wrong_losses = _reference_loop(wrong_model, X, y, lr, num_epochs, mistake)
        if _same(after, _params(wrong_model)) and _same_losses(losses, wrong_losses):
            raise ExerciseError(f"{call}: {hint}")
    if _same(after, ref):
        raise ExerciseError(
            f"{call} trains the right weights, but its losses ({_fmt(losses[0])}, ...) are not those of the loop "
            f"({_fmt(ref_losses[0])}, ...): record loss.item() of each epoch's loss, the mean "
            "nn.BCEWithLogitsLoss() of model(X) against y.")
    if not math.isclose(losses[0], ref_losses[0], rel_tol=1e-4, abs_tol=1e-5):
        raise ExerciseError(
            f"{call}: the first loss is {_fmt(losses[0])}, but the untrained model's loss on the X, y given is "
            f"{_fmt(ref_losses[0])}. Train the model given (do not create a new one), on the arguments X and y "
            "(not X_train), with loss_fn = nn.BCEWithLogitsLoss() on the logits model(X).")
    raise ExerciseError(
        f"{call} ends with weights {_fmt(torch.cat([p.flatten() for p in after]))}, but {num_epochs} epochs of "
        f"full-batch gradient descent from the same start give {_fmt(torch.cat([p.flatten() for p in ref]))}. "
        f"Use torch.optim.SGD(model.parameters(), lr=lr) with the lr given (no momentum), all of X in every "
        f"step (no mini-batches), and in each epoch: {_LOOP}.")


def _train_case(seed: int, n: int, d: int, scale: float = 1.0, model: nn.Module | None = None):
    from course_utils.models import LogisticRegression

    gen = _generator(seed)
    X = torch.randn(n, d, generator=gen)
    y = (X[:, :1] + 0.5 * torch.randn(n, 1, generator=gen) > 0).float()
    model = LogisticRegression(d) if model is None else model
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(scale * torch.randn(p.shape, generator=gen))
    return model, X, y


def _confident_mistakes_case():
    """Two features; the start gives some points a logit beyond +-20 on the wrong side."""
    model, X, y = _train_case(52, 30, 2)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[-12.0, 6.0]]))
        model.linear.bias.fill_(1.0)
    return model, X, y


@keeps_random_state
def check_train(train: Callable) -> None:
    """Visible check: the loop's weights and losses from the same start, on 2 and 3 features, with a confident start."""
    __tracebackhide__ = True
    _require_callable(train, "train")
    _check_train(train, *_train_case(50, 40, 2), lr=0.5, num_epochs=5, label="on 40 points with 2 features")
    _check_train(train, *_confident_mistakes_case(), lr=0.1, num_epochs=3,
                 label="from a start with confident mistakes (logits beyond 20)")
    _check_train(train, *_train_case(51, 25, 3), lr=2.0, num_epochs=8, label="on 25 points with 3 features")
    _check_train(train, *_train_case(53, 1031, 2), lr=0.5, num_epochs=2, label="on 1031 points")
    enforce("04", "ex2", train, "train")
    _passed("train runs zero_grad, forward, BCEWithLogitsLoss, backward and step: the same weights and "
            "losses as the reference loop, for 2 and 3 features.")


@keeps_random_state
def check_train_more(train: Callable) -> None:
    """Hidden check: one epoch, another lr, 4 features, an nn.Linear model, a longer run."""
    __tracebackhide__ = True
    _require_callable(train, "train")
    _check_train(train, *_train_case(60, 50, 2), lr=1.3, num_epochs=1, label="for one epoch")
    _check_train(train, *_train_case(61, 30, 4, model=nn.Linear(4, 1)), lr=0.7, num_epochs=6,
                 label="on an nn.Linear(4, 1) model")
    _check_train(train, *_train_case(62, 60, 2, scale=3.0), lr=0.05, num_epochs=40, label="for 40 epochs")
    enforce("04", "ex2", train, "train")
    _passed("train is right for one epoch, another model and 40 epochs.")


# --------------------------------------------------------------------------- Exercise 3: predict_point


def _check_point(predict_point: Callable, w: Sequence[float], b: float, point: Sequence[float]) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    model = LogisticRegression(2)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([list(w)]))
        model.linear.bias.fill_(b)
    call = f"predict_point(model, {tuple(point)}) with w = {list(w)}, b = {b}"
    out = _keeping_inputs(predict_point, call, (model, tuple(point)),
                          lambda *a: _call(predict_point, "predict_point", call, *a))
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        got = "None (did you forget `return`?)" if out is None else repr(out)
        raise ExerciseError(f"{call} should return two numbers, (probability, predicted_class); got {got}.")
    prob, cls = out
    z = w[0] * point[0] + w[1] * point[1] + b
    expected = 1 / (1 + math.exp(-z))
    if isinstance(prob, torch.Tensor) or isinstance(cls, torch.Tensor):
        raise ExerciseError(
            f"{call} returned ({type(prob).__name__}, {type(cls).__name__}); the task asks for a Python float "
            "and an int: take the number out of the tensor with .item() for the probability and int(...) "
            "for the class (a one-element tensor's number comes out with .item()).")
    if isinstance(prob, bool) or not isinstance(prob, float):
        raise ExerciseError(f"The probability from {call} should be a Python float; got {type(prob).__name__} "
                            f"{prob!r}. Use model.predict_proba(X_new).item().")
    if math.isclose(prob, z, abs_tol=1e-5) and not math.isclose(z, expected, abs_tol=1e-5):
        raise ExerciseError(f"{call} returned the logit {_fmt(prob)} as the probability: apply the sigmoid, "
                            "model.predict_proba(X_new), or torch.sigmoid(model(X_new)).")
    if not math.isclose(prob, expected, abs_tol=1e-5):
        hint = (" That is the probability of class 0; return p(class 1)."
                if math.isclose(prob, 1 - expected, abs_tol=1e-5) else "")
        raise ExerciseError(
            f"The probability from {call} is {_fmt(prob)}, expected {_fmt(expected)} = sigmoid({_fmt(z)}).{hint} "
            "The model takes a batch: make the point a float32 tensor of shape (1, 2) (one row, two features), "
            "and use model.predict_proba on it.")
    if isinstance(cls, bool) or not isinstance(cls, int):
        raise ExerciseError(f"The class from {call} should be the int 0 or 1; got {type(cls).__name__} {cls!r}. "
                            "Convert it with int(...).")
    want = int(expected >= 0.5)
    if cls != want:
        at = " (exactly 0.5 here: round(0.5) is 0 in Python, and > misses it)" if z == 0 else ""
        logit = (" Thresholding the logit at 0.5 is a mistake: the logit's threshold is 0, the probability's 0.5."
                 if 0 < z < 0.5 else "")
        raise ExerciseError(f"The class from {call} is {cls!r}, but the probability is {_fmt(expected)}{at}: "
                            f"class 1 exactly when the probability is at least 0.5 (model.predict does this).{logit}")


@keeps_random_state
def check_predict_point(predict_point: Callable) -> None:
    """Visible check: (float, int) for float and integer points, classes 1 and 0, the probability exactly 0.5."""
    __tracebackhide__ = True
    _require_callable(predict_point, "predict_point")
    w, b = (1.0, 2.0), -2.0
    _check_point(predict_point, w, b, (1.0, 1.0))   # logit 1
    _check_point(predict_point, w, b, (1.0, 0.625))  # logit 0.25: class 1
    _check_point(predict_point, w, b, (0.0, 0.5))   # logit -1: class 0
    _check_point(predict_point, w, b, (2, 0))       # integer coordinates, logit 0: p = 0.5, class 1
    _passed("predict_point returns a float and an int, right for (1, 1), (1, 0.625), (0, 0.5) and the integer "
            "point (2, 0) where p = 0.5.")


@keeps_random_state
def check_predict_point_more(predict_point: Callable) -> None:
    """Hidden check: other weights and points, negative integer coordinates, a large logit."""
    __tracebackhide__ = True
    _require_callable(predict_point, "predict_point")
    _check_point(predict_point, (-1.5, 0.5), 0.25, (2, -3))
    _check_point(predict_point, (0.5, 0.5), -0.5, (0.5, 0.5))
    _check_point(predict_point, (0.5, -0.25), 0.0, (0.5, 1.0))
    _check_point(predict_point, (4.0, 3.0), 1.0, (3, 2))
    _passed("predict_point is right for other points and weights, including integer coordinates.")
