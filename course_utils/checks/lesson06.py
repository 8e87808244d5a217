"""Checks for the graded exercises of lesson 06: from probabilities to decisions.

Each visible check tests every rule its task states (values, Python floats,
the zero-division case, training statistics only, ``>=``, the tie rule, the
validation split); the ``_more`` checks probe other inputs of the same rules.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Callable, Iterator

import torch

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
    "check_precision_recall",
    "check_precision_recall_more",
    "check_standardize",
    "check_standardize_more",
    "check_choose_threshold",
    "check_choose_threshold_more",
]

#: The candidate thresholds of exercise 3 (the same grid as the notebook's ``THRESHOLDS``).
THRESHOLDS = torch.linspace(0.01, 0.99, 99)


#: The course helpers that would do an exercise's work; the tasks ask to compute it without them.
_SHORTCUTS = {
    "precision_recall": ("metrics", ("precision_recall_f1", "confusion_counts")),
    "standardize": ("tabular", ("Standardizer",)),
    "choose_threshold": ("metrics", ("cost_curve", "expected_cost", "confusion_counts")),
}


@contextlib.contextmanager
def _without_shortcuts(name: str) -> Iterator[None]:
    """While the learner's ``name`` runs, the course helpers that would do its work raise a hint instead.

    They are replaced on their module (``metrics.precision_recall_f1``) and, for
    ``Standardizer``, on the class itself, so ``from ... import`` copies of the
    class are caught too.
    """
    from course_utils import metrics, tabular

    module_name, helpers = _SHORTCUTS.get(name, ("metrics", ()))
    module = metrics if module_name == "metrics" else tabular

    def refuse(helper: str) -> Callable:
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise ExerciseError(
                f"{name} calls course_utils.{module_name}.{helper}, which does the exercise's work. The task asks you "
                "to compute it yourself from the tensors (masks, sums, means); write it without that helper."
            )
        return refused

    saved: list[tuple[Any, str, Any]] = []
    try:
        for helper in helpers:
            if helper == "Standardizer":
                for method in ("fit", "transform"):
                    saved.append((tabular.Standardizer, method, tabular.Standardizer.__dict__[method]))
                    setattr(tabular.Standardizer, method, refuse(f"Standardizer.{method}"))
            else:
                saved.append((module, helper, getattr(module, helper)))
                setattr(module, helper, refuse(helper))
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def _call06(fn: Callable, name: str, call: str, *args: Any) -> Any:
    """``_call`` with the course shortcuts refused, plus the lesson's own hint for dividing by zero."""
    __tracebackhide__ = True
    try:
        with _without_shortcuts(name):
            return _call(fn, name, call, *args)
    except ExerciseError as err:
        if isinstance(err.__cause__, ZeroDivisionError):
            raise ExerciseError(
                f"{call} divided by zero. The task's rule: when a denominator is 0 (no predicted positive for "
                "precision, no actual positive for recall) return 0.0; test the denominator before dividing "
                "(a conditional expression, or an if statement, for each of the two values)."
            ) from None
        raise


def _require_python_float(value: Any, what: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, torch.Tensor):
        raise ExerciseError(
            f"{what} is a torch.Tensor ({_fmt(value) if value.numel() < 5 else tuple(value.shape)}); the task asks "
            "for a Python float. Convert a one-element tensor with `.item()` or `float(...)`."
        )
    if isinstance(value, bool) or not isinstance(value, (float, int)):
        raise ExerciseError(f"{what} should be a Python float, but it is a {type(value).__name__}.")
    if isinstance(value, int):
        raise ExerciseError(
            f"{what} is the int {value}; the task asks for a Python float. Divide with `/` (not `//`) "
            "or wrap it in `float(...)`."
        )
    return float(value)


# --------------------------------------------------------------------------- exercise 1


def _reference_pr(y_true: torch.Tensor, y_pred: torch.Tensor) -> tuple[float, float]:
    t, p = y_true.reshape(-1).long(), y_pred.reshape(-1).long()
    tp = int(((p == 1) & (t == 1)).sum())
    fp = int(((p == 1) & (t == 0)).sum())
    fn = int(((p == 0) & (t == 1)).sum())
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def _check_pr_case(precision_recall: Callable, y_true: torch.Tensor, y_pred: torch.Tensor, label: str) -> None:
    __tracebackhide__ = True
    call = f"precision_recall(y_true, y_pred) {label}"
    out = _keeping_inputs(precision_recall, call, (y_true.clone(), y_pred.clone()),
                          lambda *a: _call06(precision_recall, "precision_recall", call, *a))
    if isinstance(out, list) and len(out) == 2:
        raise ExerciseError(f"{call} returned a list; the task asks for a tuple: `return precision, recall`.")
    if not isinstance(out, tuple) or len(out) != 2:
        raise ExerciseError(f"{call} should return a tuple of two numbers, (precision, recall); "
                            f"got {type(out).__name__}.")
    got_p = _require_python_float(out[0], f"The precision from {call}")
    got_r = _require_python_float(out[1], f"The recall from {call}")
    want_p, want_r = _reference_pr(y_true, y_pred)
    if math.isnan(got_p) or math.isnan(got_r):
        raise ExerciseError(
            f"{call} gives nan: a 0 / 0 division. The task's rule: return 0.0 when the denominator is 0 "
            "(no predicted positive for precision, no actual positive for recall)."
        )
    ok_p, ok_r = math.isclose(got_p, want_p, abs_tol=1e-6), math.isclose(got_r, want_r, abs_tol=1e-6)
    if ok_p and ok_r:
        return
    if math.isclose(got_p, want_r, abs_tol=1e-6) and math.isclose(got_r, want_p, abs_tol=1e-6):
        raise ExerciseError(
            f"{call} returned (precision, recall) = ({_fmt(got_p)}, {_fmt(got_r)}): the two are swapped. "
            "Precision = tp / (tp + fp) (of the tumors flagged malignant, the share that are); "
            "recall = tp / (tp + fn) (of the malignant tumors, the share flagged)."
        )
    which = "precision" if not ok_p else "recall"
    got, want = (got_p, want_p) if not ok_p else (got_r, want_r)
    formula = "tp / (tp + fp)" if which == "precision" else "tp / (tp + fn)"
    raise ExerciseError(
        f"{call}: the {which} is {_fmt(got)}, expected {_fmt(want)}. {which.capitalize()} = {formula}, with "
        "tp counting the rows predicted 1 that are 1, fp those predicted 1 that are 0 and fn those predicted "
        "0 that are 1 (boolean masks combined with &, section 5); return 0.0 when the denominator is 0."
    )


@keeps_random_state
def check_precision_recall(precision_recall: Callable) -> None:
    """Visible check: values on a small example (long and float labels), Python floats, both zero-division cases."""
    __tracebackhide__ = True
    _require_callable(precision_recall, "precision_recall")
    y_true = torch.tensor([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = torch.tensor([1, 1, 0, 0, 0, 1, 0, 0, 0, 0])  # tp 2, fp 1, fn 3
    _check_pr_case(precision_recall, y_true, y_pred, "(tp = 2, fp = 1, fn = 3)")
    _check_pr_case(precision_recall, y_true.float(), y_pred.float(), "with float labels 0.0/1.0")
    _check_pr_case(precision_recall, y_true, torch.zeros(10, dtype=torch.long), "when nothing is predicted positive")
    _check_pr_case(precision_recall, torch.zeros(6, dtype=torch.long), torch.tensor([1, 0, 1, 0, 0, 0]),
                   "when y_true has no positive")
    enforce("06", "ex1", precision_recall, "precision_recall")
    _passed("precision_recall gives precision and recall as floats, with 0.0 when a denominator is 0.")


@keeps_random_state
def check_precision_recall_more(precision_recall: Callable) -> None:
    """Hidden check: random labels of other lengths and dtypes (int32, float64), all predicted positive."""
    __tracebackhide__ = True
    _require_callable(precision_recall, "precision_recall")
    gen = _generator(61)
    for n, dtype in ((37, torch.int32), (100, torch.float64), (1, torch.long)):
        y_true = (torch.rand(n, generator=gen) < 0.4).to(dtype)
        y_pred = (torch.rand(n, generator=gen) < 0.5).to(dtype)
        _check_pr_case(precision_recall, y_true, y_pred, f"on {n} random labels ({dtype})")
    y_true = torch.tensor([0, 1, 0, 1, 1])
    _check_pr_case(precision_recall, y_true, torch.ones(5, dtype=torch.long), "when everything is predicted positive")
    enforce("06", "ex1", precision_recall, "precision_recall")
    _passed("precision_recall is right on other labels, lengths and dtypes.")


# --------------------------------------------------------------------------- exercise 2


def _check_standardize_case(standardize: Callable, X_train: torch.Tensor, X: torch.Tensor, label: str) -> None:
    __tracebackhide__ = True
    call = f"standardize(X_train, X) {label}"
    before_train, before_X = X_train.clone(), X.clone()
    try:
        out = _require_tensor(_call06(standardize, "standardize", call, X_train, X), call)
    except ExerciseError as err:
        n_train, (m, d) = X_train.shape[0], X.shape
        text = str(err.__cause__) if isinstance(err.__cause__, RuntimeError) else ""
        if "must match the size of tensor" in text and f"({n_train})" in text and n_train not in (m, d):
            raise ExerciseError(
                f"{call} raised RuntimeError: {text}\nHint: a tensor with one entry per ROW of X_train "
                f"({n_train}) met X ({m} x {d}): a statistic "
                "over `dim=1` gives one value per row (per tumor). Per feature (column) means reducing over the "
                "rows, `dim=0`, keeping a (1, d) row (section 3)."
            ) from None
        raise
    if not (torch.equal(before_train, X_train) and torch.equal(before_X, X)):
        raise ExerciseError(f"{call} changed its inputs in place; compute a new tensor, e.g. `(X - mean) / std`.")
    _require_shape(out, X.shape, call, "It should have one row per row of X and one column per feature.")
    mean = X_train.mean(dim=0, keepdim=True)
    want = (X - mean) / X_train.std(dim=0, correction=0, keepdim=True)
    if bool(torch.allclose(out.double(), want.double(), atol=1e-4, rtol=1e-4)):
        return
    own = (X - X.mean(dim=0, keepdim=True)) / X.std(dim=0, correction=0, keepdim=True)
    unbiased = (X - mean) / X_train.std(dim=0, keepdim=True)
    overall = (X - X_train.mean()) / X_train.std(correction=0)
    if bool(torch.allclose(out.double(), own.double(), atol=1e-4, rtol=1e-4)):
        raise ExerciseError(
            f"{call} used the mean and standard deviation of X itself. The rule: statistics come from the "
            "training split only (section 3): compute the per-feature mean and standard deviation from X_train, "
            "then apply them to X."
        )
    if bool(torch.allclose(out.double(), unbiased.double(), atol=1e-4, rtol=1e-4)):
        raise ExerciseError(
            f"{call} used torch's default standard deviation, which divides by n - 1. The task asks for the "
            "population standard deviation (divide by n, as StandardScaler does, section 3): see the correction "
            "argument of torch.std."
        )
    if bool(torch.allclose(out.double(), overall.double(), atol=1e-4, rtol=1e-4)):
        raise ExerciseError(
            f"{call} used one mean and one standard deviation over all entries of X_train. Each feature (column) "
            "gets its own: reduce over the rows with `dim=0` (and `keepdim=True` to keep a (1, d) row)."
        )
    _require_close(out, want, None, call, atol=1e-4, rtol=1e-4,
                   hint="Compute (X - mean) / std with the per-feature (over the rows) mean and population "
                        "standard deviation of X_train (section 3).")


@keeps_random_state
def check_standardize(standardize: Callable) -> None:
    """Visible check: X differs from X_train (other rows, other scales), three features of very different scales."""
    __tracebackhide__ = True
    _require_callable(standardize, "standardize")
    gen = _generator(62)
    scales = torch.tensor([[0.01, 1.0, 1000.0]])
    X_train = torch.randn(20, 3, generator=gen) * scales + torch.tensor([[0.1, 5.0, 700.0]])
    X = torch.randn(8, 3, generator=gen) * scales * 2 + torch.tensor([[0.2, 4.0, 900.0]])
    _check_standardize_case(standardize, X_train, X, "(X_train 20 x 3, X 8 x 3)")
    enforce("06", "ex2", standardize, "standardize")
    _passed("standardize rescales X with the per-feature mean and standard deviation of X_train.")


@keeps_random_state
def check_standardize_more(standardize: Callable) -> None:
    """Hidden check: other shapes (one row of X, five features), float64, X equal to X_train."""
    __tracebackhide__ = True
    _require_callable(standardize, "standardize")
    gen = _generator(63)
    X_train = torch.randn(50, 5, generator=gen, dtype=torch.float64) * 3 + 1
    _check_standardize_case(standardize, X_train, torch.randn(1, 5, generator=gen, dtype=torch.float64),
                            "(one row, float64)")
    X_train = torch.rand(30, 2, generator=gen) * 100
    _check_standardize_case(standardize, X_train, X_train.clone(), "(X is X_train)")
    enforce("06", "ex2", standardize, "standardize")
    _passed("standardize is right for other shapes and dtypes.")


# --------------------------------------------------------------------------- exercise 3


def _reference_threshold(y_true: torch.Tensor, p: torch.Tensor, cost_fn: float, cost_fp: float) -> float:
    y = y_true.reshape(1, -1).double()
    predicted = p.reshape(1, -1).double() >= THRESHOLDS.double().reshape(-1, 1)
    cost = (cost_fn * (~predicted & (y == 1)).sum(dim=1) + cost_fp * (predicted & (y == 0)).sum(dim=1)).double()
    return float(THRESHOLDS[int(torch.argmin(cost))])


def _check_threshold_case(choose_threshold: Callable, y: torch.Tensor, p: torch.Tensor, cost_fn: float,
                          cost_fp: float, label: str) -> None:
    __tracebackhide__ = True
    call = f"choose_threshold(y_true, p, cost_fn={cost_fn:g}, cost_fp={cost_fp:g}) {label}"
    out = _keeping_inputs(choose_threshold, call, (y.clone(), p.clone(), cost_fn, cost_fp),
                          lambda *a: _call06(choose_threshold, "choose_threshold", call, *a))
    got = _require_python_float(out, f"The result of {call}")
    want = _reference_threshold(y, p, cost_fn, cost_fp)
    if math.isclose(got, want, abs_tol=1e-6):
        return
    _explain_wrong_threshold(got, want, y, p, cost_fn, cost_fp, call)


def _broadcast_threshold(y: torch.Tensor, p: torch.Tensor, cost_fn: float, cost_fp: float) -> float:
    """What an answer returns when one of y_true, p is flat and the other an (n, 1) column: (n, n) masks."""
    n = y.numel()
    positives = float((y.reshape(-1) == 1).sum())
    predicted = (p.reshape(1, -1).double() >= THRESHOLDS.double().reshape(-1, 1)).sum(dim=1).double()
    cost = (cost_fn * positives * (n - predicted) + cost_fp * (n - positives) * predicted) / n
    return float(THRESHOLDS[int(torch.argmin(cost))])


def _explain_wrong_threshold(got: float, want: float, y: torch.Tensor, p: torch.Tensor, cost_fn: float,
                             cost_fp: float, call: str) -> None:
    """Raise the ExerciseError for a wrong threshold ``got``, naming the likely mistake."""
    __tracebackhide__ = True
    if got not in THRESHOLDS.tolist():
        raise ExerciseError(
            f"{call} returned {got!r}, which is not one of the values of THRESHOLDS. Return an entry of the "
            "THRESHOLDS tensor itself, e.g. `THRESHOLDS[i].item()`: a grid you build yourself (np.linspace, "
            "torch.arange(1, 100) / 100) differs from it by float rounding, and a probability exactly on the grid "
            "then falls on the wrong side."
        )
    if math.isclose(got, _broadcast_threshold(y, p, cost_fn, cost_fp), abs_tol=1e-6):
        raise ExerciseError(
            f"{call} returned {got:.2f}, expected {want:.2f}: a flat (n,) tensor and an (n, 1) column were combined, "
            "and they broadcast to an (n, n) table, so every count is wrong. Flatten BOTH y_true and p first, "
            "e.g. `y_true, p = y_true.reshape(-1), p.reshape(-1)`."
        )
    options = {
        "strict": ("you predict malignant only when p > threshold; the rule is p >= threshold (a probability equal "
                   "to the threshold counts as malignant)."),
        "largest": ("several thresholds tie for the lowest cost and you returned a later one; the rule is the "
                    "smallest: `torch.argmin` returns the first minimum, which is the smallest threshold."),
        "swapped": ("the two costs are swapped: cost_fn is the cost of a miss (a malignant tumor, y = 1, "
                    "predicted benign) and cost_fp the cost of a false alarm (y = 0 predicted malignant)."),
    }
    costs = {}
    yy, pp = y.reshape(1, -1).double(), p.reshape(1, -1).double()
    grid = THRESHOLDS.double().reshape(-1, 1)
    for name, pred in (("strict", pp > grid), ("normal", pp >= grid)):
        costs[name] = (cost_fn * (~pred & (yy == 1)).sum(dim=1) + cost_fp * (pred & (yy == 0)).sum(dim=1)).double()
    candidates = {
        "strict": float(THRESHOLDS[int(torch.argmin(costs["strict"]))]),
        "largest": float(THRESHOLDS[int(len(THRESHOLDS) - 1 - torch.argmin(costs["normal"].flip(0)))]),
        "swapped": _reference_threshold(y, p, cost_fp, cost_fn),
    }
    for name, value in candidates.items():
        if math.isclose(got, value, abs_tol=1e-6) and not math.isclose(value, want, abs_tol=1e-6):
            raise ExerciseError(f"{call} returned {got:.2f}, expected {want:.2f}: {options[name]}")
    raise ExerciseError(
        f"{call} returned {got:.4f}, expected {want:.2f}. For each t in THRESHOLDS, predict malignant where "
        "p >= t, count misses (y = 1 predicted 0) and false alarms (y = 0 predicted 1), and compute "
        "(cost_fn * misses + cost_fp * false_alarms) / n; return the t with the lowest cost (the smallest on ties)."
    )


def _threshold_rules(choose_threshold: Callable) -> None:
    __tracebackhide__ = True
    t = THRESHOLDS
    # p exactly on grid values: p >= t and p > t disagree; a flat minimum tests the tie rule.
    _check_threshold_case(choose_threshold, torch.tensor([1.0, 0.0]), torch.stack([t[79], t[29]]), 1, 1,
                          "(p equal to grid values 0.80 and 0.30)")
    _check_threshold_case(choose_threshold, torch.tensor([1.0, 0.0, 0.0, 0.0]), torch.tensor([0.2, 0.3, 0.4, 0.5]),
                          10, 1, "(a miss costs 10 false alarms)")
    _check_threshold_case(choose_threshold, torch.tensor([1.0, 0.0, 0.0, 0.0]), torch.tensor([0.2, 0.3, 0.4, 0.5]),
                          1, 10, "(a false alarm costs 10 misses)")
    gen = _generator(65)
    y = (torch.rand(12, 1, generator=gen) < 0.5).float()
    p = torch.clamp(0.5 * y + 0.6 * torch.rand(12, 1, generator=gen), 0, 1)
    _check_threshold_case(choose_threshold, y, p, 3, 1, "(columns shaped (n, 1))")
    _check_threshold_case(choose_threshold, y.reshape(-1), p, 3, 1, "(y_true shaped (n,), p shaped (n, 1))")


@keeps_random_state
def check_choose_threshold(choose_threshold: Callable, best_threshold: Any, y_val: torch.Tensor,
                           p_val: torch.Tensor, y_test: torch.Tensor, p_test: torch.Tensor) -> None:
    """Visible check: the rules on small cases (>=, ties, the cost order, a float), then ``best_threshold``
    chosen on validation."""
    __tracebackhide__ = True
    _require_callable(choose_threshold, "choose_threshold")
    _threshold_rules(choose_threshold)
    if best_threshold is None:
        raise ExerciseError("best_threshold is None: "
                            "assign it `choose_threshold(y_val, p_val, cost_fn=10, cost_fp=1)`.")
    got = _require_python_float(best_threshold, "best_threshold")
    want = _reference_threshold(y_val, p_val, 10, 1)
    on_test = _reference_threshold(y_test, p_test, 10, 1)
    call = "choose_threshold(y_val, p_val, cost_fn=10, cost_fp=1)"
    yours = _require_python_float(
        _keeping_inputs(choose_threshold, call, (y_val.clone(), p_val.clone(), 10, 1),
                        lambda *a: _call06(choose_threshold, "choose_threshold", call, *a)),
        f"The result of {call}")
    if not math.isclose(yours, want, abs_tol=1e-6) and math.isclose(got, yours, abs_tol=1e-6):
        # the function passed the small rule cases but is wrong on the real columns: say why
        _explain_wrong_threshold(yours, want, y_val, p_val, 10, 1,
                                 f"{call} (y_val and p_val are shaped {tuple(y_val.shape)}; "
                                 "the small rule cases passed)")
    if math.isclose(yours, want, abs_tol=1e-6) and not math.isclose(got, yours, abs_tol=1e-6) \
            and not math.isclose(got, on_test, abs_tol=1e-6):
        raise ExerciseError(
            f"best_threshold = {got:.4f}, but your function gives {yours:.2f} on the validation split. Set it to what "
            "your function returns for the lesson's validation labels and probabilities, with the task's costs "
            "(not a number typed in, nor another split)."
        )
    if not math.isclose(got, want, abs_tol=1e-6):
        if math.isclose(got, on_test, abs_tol=1e-6):
            raise ExerciseError(
                f"best_threshold = {got:.2f} is the threshold that is best on the TEST split. Settings are chosen "
                "on the validation split (section 6): the test split is kept for the final, honest report "
                "(section 9)."
            )
        raise ExerciseError(
            f"best_threshold = {got:.4f}, but the cost-minimizing threshold on the validation split with "
            f"cost_fn=10, cost_fp=1 is {want:.2f}. Call your function on the validation split with the task's "
            "costs (a miss costs 10, a false alarm 1) and assign what it returns."
        )
    enforce("06", "ex3", choose_threshold, "choose_threshold")
    _passed(f"choose_threshold follows the rules, and best_threshold = {got:.2f} is chosen on validation.")


@keeps_random_state
def check_choose_threshold_more(choose_threshold: Callable) -> None:
    """Hidden check: random labels and probabilities, other cost ratios, (n, 1) columns, float64."""
    __tracebackhide__ = True
    _require_callable(choose_threshold, "choose_threshold")
    gen = _generator(64)
    for n, ratio in ((40, 5.0), (200, 20.0), (15, 0.5)):
        y = (torch.rand(n, generator=gen) < 0.4).float()
        p = torch.clamp(0.6 * y + 0.5 * torch.rand(n, generator=gen), 0, 1)
        _check_threshold_case(choose_threshold, y, p, ratio, 1.0, f"on {n} random patients")
    y = (torch.rand(30, 1, generator=gen) < 0.5).float()
    p = torch.rand(30, 1, generator=gen)
    _check_threshold_case(choose_threshold, y, p, 3.0, 2.0, "(columns shaped (n, 1))")
    enforce("06", "ex3", choose_threshold, "choose_threshold")
    _passed("choose_threshold is right on other patients and cost ratios.")
