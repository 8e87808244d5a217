"""Checks for the graded exercises of lesson 05: curved boundaries, overfitting and choosing by validation.

Each visible check tests every rule its task states (values, column order,
no constant column, dtype, any number of rows, train statistics only,
choosing on validation with the stated tie rule, Python return types); the
hidden ``*_more`` checks probe other inputs of the same rules.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from course_utils.checks.common import (
    ExerciseError,
    _call,
    _fmt,
    _generator,
    _passed,
    _require_callable,
    _require_close,
    _require_tensor,
    _require_unchanged,
    keeps_random_state,
)
from course_utils.checks.rules import enforce

__all__ = [
    "check_poly_features",
    "check_poly_features_more",
    "check_standardize_splits",
    "check_standardize_splits_more",
    "check_choose_setting",
    "check_choose_setting_more",
]

# --------------------------------------------------------------------------
# Exercise 1: polynomial features of two inputs
# --------------------------------------------------------------------------


def _names(degree: int) -> list[str]:
    from course_utils.features import polynomial_feature_names

    return polynomial_feature_names(2, degree)


_FEATURE_HELPERS = ("polynomial_features", "PolynomialFeatureMap", "fit_polynomial_logistic")


def _code_names(code: Any) -> set[str]:
    """Every global or attribute name a function's code (and the code nested in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def _require_own_poly_code(poly_features: Callable) -> None:
    """Exercise 1 asks for the feature map written with torch, not a call of ``course_utils.features``."""
    __tracebackhide__ = True
    code = getattr(poly_features, "__code__", None)
    if code is None:
        return
    names = _code_names(code)
    scope = getattr(poly_features, "__globals__", {})
    from_helpers = lambda name: getattr(scope[name], "__module__", "") == "course_utils.features"  # noqa: E731
    # A helper's name that is not the learner's own global (an attribute such as features.polynomial_features,
    # or an import inside the function), or any global that comes from course_utils.features.
    used = sorted(name for name in names if (name in _FEATURE_HELPERS and (name not in scope or from_helpers(name)))
                  or (name in scope and from_helpers(name)))
    if used:
        raise ExerciseError(
            f"poly_features calls {', '.join(used)} from course_utils.features; the exercise is to build the "
            "columns yourself with torch: loop over the total degree k and the power of x1 a, and stack "
            "X[:, 0] ** a * X[:, 1] ** (k - a)."
        )


def _check_poly_case(poly_features: Callable, X: torch.Tensor, degree: int, label: str) -> None:
    __tracebackhide__ = True
    from course_utils.features import polynomial_features

    call = f"poly_features(X, {degree}) {label}"
    before = X.clone()
    try:
        out = _call(poly_features, "poly_features", call, X, degree)
    except ExerciseError as err:
        message = str(err)
        if "non-empty TensorList" in message:
            raise ExerciseError(
                f"{call} made no columns at all (torch.stack got an empty list). For degree {degree} there are "
                f"{(degree + 1) * (degree + 2) // 2 - 1} monomials: loop over the total degree k in "
                "range(1, degree + 1), which includes degree itself."
            ) from None
        if "bitwise_xor" in message:
            raise ExerciseError(
                f"{call} raised an error from `^`: in Python `^` is the bitwise XOR, not a power. "
                "Write powers with **, e.g. X[:, 0] ** a * X[:, 1] ** b."
            ) from None
        raise
    if isinstance(out, (list, tuple)):
        raise ExerciseError(
            f"{call} returned a {type(out).__name__} of columns; return one tensor: "
            "torch.stack(columns, dim=1), shaped (n, number of features)."
        )
    out = _require_tensor(out, call)
    _require_unchanged(before, X, "X", "poly_features")
    expected = polynomial_features(X, degree)
    n, k = expected.shape
    if out.ndim != 2:
        raise ExerciseError(
            f"{call} returned shape {tuple(out.shape)}; it should be 2-D, shaped ({n}, {k}): one row per point, "
            "one column per monomial. Stack the columns with torch.stack(columns, dim=1)."
        )
    if tuple(out.shape) == (k, n) and n != k:
        raise ExerciseError(
            f"{call} returned shape {tuple(out.shape)}, the transpose of ({n}, {k}): stack the columns "
            "with dim=1 (torch.stack(columns, dim=1)), not dim=0."
        )
    if out.shape[0] != n:
        raise ExerciseError(
            f"{call} returned {out.shape[0]} rows for {n} points; keep one row per point (work on whole columns "
            "X[:, 0] and X[:, 1], never on a fixed number of rows)."
        )
    if out.shape[1] != k:
        hint = ""
        if out.shape[1] == k + 1 and bool(torch.all(out[:, 0] == 1)):
            hint = (" Your first column is the constant 1 (degree 0): leave it out, the model's bias "
                    "plays that role.")
        elif out.shape[1] == 2 * degree:
            hint = (" That is the count of the pure powers x1^k and x2^k only: include the mixed terms "
                    "x1^a * x2^b with a + b = k (for k = 2: x1^2, x1 x2, x2^2).")
        else:
            hint = (f" For degree {degree} there are (degree + 1)(degree + 2) / 2 - 1 = {k} monomials of total "
                    f"degree 1 to {degree}: {', '.join(_names(degree)[:9])}{', ...' if k > 9 else ''}. "
                    "Loop over the total degree k from 1 to degree (range(1, degree + 1)), and for each k over "
                    "the power of x1 from k down to 0.")
        raise ExerciseError(f"{call} returned {out.shape[1]} columns; it should return {k}.{hint}")
    if out.dtype != X.dtype:
        raise ExerciseError(
            f"{call} returned dtype {out.dtype} for an input of dtype {X.dtype}; keep the input's dtype: build "
            "the columns from X's own columns (X[:, 0] ** a * X[:, 1] ** b) instead of creating tensors with "
            "a fixed dtype."
        )
    got = out.detach().to(torch.float64)
    want = expected.to(torch.float64)
    if not torch.allclose(got, want, rtol=1e-4, atol=1e-5):
        # Right columns, wrong order?
        matched = []
        for j in range(k):
            hits = [i for i in range(k) if torch.allclose(got[:, j], want[:, i], rtol=1e-4, atol=1e-5)]
            matched.append(hits[0] if hits else None)
        if None not in matched and sorted(matched) == list(range(k)):
            names = _names(degree)
            raise ExerciseError(
                f"{call} has the right columns in the wrong order: yours are "
                f"[{', '.join(names[i] for i in matched)}], the task's order is [{', '.join(names)}]: "
                "by total degree first, then by decreasing power of x1."
            )
        for j in range(k):
            if not torch.allclose(got[:, j], want[:, j], rtol=1e-4, atol=1e-5):
                row = int((~torch.isclose(got[:, j], want[:, j], rtol=1e-4, atol=1e-5)).nonzero()[0])
                raise ExerciseError(
                    f"Column {j} of {call} should be {_names(degree)[j]}, but for row {row} "
                    f"(x1 = {_fmt(float(X[row, 0]))}, x2 = {_fmt(float(X[row, 1]))}) it is {_fmt(float(got[row, j]))} "
                    f"instead of {_fmt(float(want[row, j]))}. Use ** for powers (x1 ** a * x2 ** b), not ^ or *."
                )


def _poly_inputs(seed: int, n: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return (2 * torch.rand(n, 2, generator=_generator(seed), dtype=torch.float64) - 1).mul(1.5).to(dtype)


@keeps_random_state
def check_poly_features(poly_features: Callable) -> None:
    """Visible check: degrees 1 to 4 on 5 points, one point, float64 input; values, order, shape, dtype."""
    __tracebackhide__ = True
    _require_callable(poly_features, "poly_features")
    _require_own_poly_code(poly_features)
    X = _poly_inputs(50, 5)
    for degree in (1, 2, 3, 4):
        _check_poly_case(poly_features, X.clone(), degree, "on 5 points")
    _check_poly_case(poly_features, X[:1].clone(), 3, "on a single point")
    _check_poly_case(poly_features, _poly_inputs(51, 4, torch.float64), 2, "on float64 points")
    enforce("05", "ex1", poly_features, "poly_features")
    _passed("poly_features gives every monomial of degree 1 to 4 in the right order, for 5 points, "
            "1 point and float64 inputs.")


@keeps_random_state
def check_poly_features_more(poly_features: Callable) -> None:
    """Hidden check: degrees 5 and 7, other points, 13 rows, float64."""
    __tracebackhide__ = True
    _require_callable(poly_features, "poly_features")
    _require_own_poly_code(poly_features)
    _check_poly_case(poly_features, _poly_inputs(52, 13), 5, "on 13 points")
    _check_poly_case(poly_features, _poly_inputs(53, 7, torch.float64), 7, "on 7 float64 points")
    _check_poly_case(poly_features, _poly_inputs(54, 2), 1, "on 2 points")
    enforce("05", "ex1", poly_features, "poly_features")
    _passed("poly_features is right for degrees 1, 5 and 7 on other points.")


# --------------------------------------------------------------------------
# Exercise 2: standardize with the training statistics only
# --------------------------------------------------------------------------


def _check_standardize_case(standardize_splits: Callable, X_train: torch.Tensor, X_other: torch.Tensor,
                            label: str) -> None:
    __tracebackhide__ = True
    call = f"standardize_splits(X_train, X_other) {label}"
    train_before, other_before = X_train.clone(), X_other.clone()
    try:
        out = _call(standardize_splits, "standardize_splits", call, X_train, X_other)
    except ExerciseError as err:
        # Statistics along dim=1 are one per training row, shaped (n_train, 1) (or (n_train,)); they cannot
        # meet X_other, which has another number of rows, and the generic broadcasting hint points elsewhere.
        n_train, n_other = X_train.shape[0], X_other.shape[0]
        if "must match the size of tensor" in str(err) and n_train != n_other and str(n_train) in str(err):
            raise ExerciseError(
                f"{call} raised a size mismatch between {n_train} and {n_other} rows: the statistics were "
                f"probably computed per row (dim=1), one per training point, shaped ({n_train}, 1). "
                "Per column means reducing over the rows, dim=0: statistics with one entry per feature "
                "broadcast over the rows of both splits.\n\n" + str(err)
            ) from None
        raise
    _require_unchanged(train_before, X_train, "X_train", "standardize_splits")
    _require_unchanged(other_before, X_other, "X_other", "standardize_splits")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ExerciseError(
            f"{call} should return two tensors, (X_train_std, X_other_std); got {type(out).__name__}."
        )
    train_std, other_std = (_require_tensor(t, f"{call}[{i}]") for i, t in enumerate(out))
    for name, got, ref in (("X_train_std", train_std, X_train), ("X_other_std", other_std, X_other)):
        if tuple(got.shape) != tuple(ref.shape):
            raise ExerciseError(
                f"{name} from {call} has shape {tuple(got.shape)}; it should keep the shape {tuple(ref.shape)} "
                "of its input. Compute the mean and std per column (dim=0) and broadcast them over the rows."
            )
        if got.dtype != ref.dtype:
            raise ExerciseError(
                f"{name} from {call} has dtype {got.dtype} for an input of dtype {ref.dtype}; keep the input's "
                "dtype (no .float() or .double(), no new tensors with a fixed dtype): (X - mean) / std does."
            )
    mean = X_train.mean(dim=0)
    std = X_train.std(dim=0, correction=0)
    want_train = (X_train - mean) / std
    want_other = (X_other - mean) / std
    close = lambda a, b: bool(torch.allclose(a.detach().double(), b.double(), rtol=1e-4, atol=1e-4))  # noqa: E731
    if close(train_std, want_train) and close(other_std, want_other):
        return
    # Diagnose the usual mistakes, most specific first.
    own = (X_other - X_other.mean(dim=0)) / X_other.std(dim=0, correction=0) if X_other.shape[0] > 1 else None
    both = torch.cat([X_train, X_other])
    pooled_mean, pooled_std = both.mean(dim=0), both.std(dim=0, correction=0)
    unbiased = X_train.std(dim=0)
    if own is not None and close(other_std, own):
        raise ExerciseError(
            f"X_other_std from {call} was standardized with X_other's own mean and std: it must use the "
            "training statistics only (mean and std of X_train), as if X_other were data arriving later. "
            "Compute X_train's column means and standard deviations once, and apply them to both."
        )
    if close(train_std, (X_train - pooled_mean) / pooled_std) or close(other_std, (X_other - pooled_mean) / pooled_std):
        raise ExerciseError(
            f"{call} used the statistics of X_train and X_other together: the other split must not shape "
            "the preprocessing. Use the mean and std of X_train only."
        )
    if close(train_std, (X_train - mean) / unbiased):
        raise ExerciseError(
            f"{call} divides by the sample standard deviation (correction=1, torch's default for .std()); the "
            "task asks for the population one: X_train.std(dim=0, correction=0), as scikit-learn's StandardScaler."
        )
    if close(train_std, (X_train - X_train.mean()) / X_train.std(correction=0)) or close(
        train_std, (X_train - X_train.mean()) / X_train.std()
    ):
        raise ExerciseError(
            f"{call} used one mean and one std for the whole tensor; standardize each column (feature) on its "
            "own: X_train.mean(dim=0) and X_train.std(dim=0, correction=0)."
        )
    if close(train_std, X_train - mean):
        raise ExerciseError(f"{call} subtracts the mean but does not divide by the standard deviation.")
    if close(train_std, want_train) and close(other_std, X_other):
        raise ExerciseError(
            f"X_other_std from {call} equals X_other: apply the training mean and std to it too, "
            "(X_other - mean) / std with the mean and std of X_train."
        )
    lo, hi = X_train.min(dim=0).values, X_train.max(dim=0).values
    if close(train_std, (X_train - lo) / (hi - lo)):
        raise ExerciseError(
            f"{call} rescales each column to [0, 1] with its minimum and maximum (min-max scaling); the task "
            "asks for standardization: subtract each column's mean over the rows of X_train and divide by its "
            "population standard deviation (the task gives the std call)."
        )
    which, got, want, ref = (("X_train_std", train_std, want_train, X_train) if not close(train_std, want_train)
                             else ("X_other_std", other_std, want_other, X_other))
    _require_close(got, want, ref, f"{which} from {call}", input_name="input value", atol=1e-4, rtol=1e-4,
                   hint="Subtract the column means of X_train and divide by the population standard deviation "
                        "the task gives, both computed over the rows (dim=0) of X_train only.")


def _standardize_inputs(seed: int, n_train: int, n_other: int, d: int, dtype=torch.float32):
    gen = _generator(seed)
    scale = torch.linspace(0.5, 3.0, d, dtype=torch.float64)
    X_train = (torch.randn(n_train, d, generator=gen, dtype=torch.float64) * scale + 2.0).to(dtype)
    # The other split comes from a shifted, wider distribution, so its own statistics differ clearly.
    X_other = (torch.randn(n_other, d, generator=gen, dtype=torch.float64) * 2 * scale - 3.0).to(dtype)
    return X_train, X_other


@keeps_random_state
def check_standardize_splits(standardize_splits: Callable) -> None:
    """Visible check: 8 training rows and 5 other rows with 3 columns, from different distributions; float64."""
    __tracebackhide__ = True
    _require_callable(standardize_splits, "standardize_splits")
    X_train, X_other = _standardize_inputs(60, 8, 5, 3)
    _check_standardize_case(standardize_splits, X_train, X_other, "with 8 training rows, 5 other rows, 3 columns")
    X_train, X_other = _standardize_inputs(63, 6, 4, 2, torch.float64)
    _check_standardize_case(standardize_splits, X_train, X_other, "with float64 inputs")
    enforce("05", "ex2", standardize_splits, "standardize_splits")
    _passed("standardize_splits rescales both splits with the training split's mean and population std, per column, "
            "and keeps the dtype.")


@keeps_random_state
def check_standardize_splits_more(standardize_splits: Callable) -> None:
    """Hidden check: other sizes, 5 columns, float64, a single other row."""
    __tracebackhide__ = True
    _require_callable(standardize_splits, "standardize_splits")
    X_train, X_other = _standardize_inputs(61, 20, 1, 5, torch.float64)
    _check_standardize_case(standardize_splits, X_train, X_other, "with 20 float64 training rows and 1 other row")
    X_train, X_other = _standardize_inputs(62, 3, 9, 2)
    _check_standardize_case(standardize_splits, X_train, X_other, "with 3 training rows and 9 other rows")
    enforce("05", "ex2", standardize_splits, "standardize_splits")
    _passed("standardize_splits is right for other shapes, float64 and a single row.")


# --------------------------------------------------------------------------
# Exercise 3: choose the setting on validation
# --------------------------------------------------------------------------


def _row(degree: int, decay: float, train: float, val: float, test: float) -> dict[str, float]:
    return {"degree": degree, "weight_decay": decay, "train_accuracy": train, "val_accuracy": val,
            "test_accuracy": test}


def _best(rows: Sequence[dict[str, float]], key: str) -> tuple[int, float]:
    best = max(rows, key=lambda r: (r[key], -r["degree"], r["weight_decay"]))
    return best["degree"], best["weight_decay"]


def _check_choice(choose_setting: Callable, rows: list[dict[str, float]], label: str) -> None:
    __tracebackhide__ = True
    call = f"choose_setting(results) {label}"
    copies = [dict(r) for r in rows]
    out = _call(choose_setting, "choose_setting", call, copies)
    if copies != rows:
        raise ExerciseError(f"{call} changed the results it was given (e.g. sorted or edited the rows in place); "
                            "read them without changing them (sorted(...) makes a new list).")
    if isinstance(out, dict):
        raise ExerciseError(f"{call} returned a whole row; return the pair (degree, weight_decay), "
                            "e.g. (best['degree'], best['weight_decay']).")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ExerciseError(f"{call} should return a pair (degree, weight_decay); got {out!r}.")
    degree, decay = out
    if isinstance(degree, torch.Tensor) or isinstance(decay, torch.Tensor):
        raise ExerciseError(f"{call} returned tensors; return a Python int and a Python float (use .item()).")
    if isinstance(degree, bool) or not isinstance(degree, int):
        raise ExerciseError(f"The degree from {call} should be a Python int; got {type(degree).__name__} {degree!r}.")
    if isinstance(decay, bool) or not isinstance(decay, (int, float)):
        raise ExerciseError(f"The weight decay from {call} should be a Python float; "
                            f"got {type(decay).__name__} {decay!r}.")
    got = (degree, float(decay))
    want = _best(rows, "val_accuracy")
    if got == want:
        return
    best_val = max(r["val_accuracy"] for r in rows)
    tied = [(r["degree"], r["weight_decay"]) for r in rows if r["val_accuracy"] == best_val]
    # A setting tied for the best validation accuracy was chosen on validation, whatever else it is best at:
    # only the tie rule is wrong.
    if got in tied:
        raise ExerciseError(
            f"{call} returned {got}, which ties for the best validation accuracy ({best_val:.3f}) with {tied}. "
            f"The task's tie rule picks the simplest model: the lowest degree first, and only among the settings "
            f"of that degree the largest weight decay, here {want}. Compare the degree before the weight decay, "
            "and mind the direction of each: a lower degree wins, a larger weight decay wins (section 7)."
        )
    if got == _best(rows, "test_accuracy"):
        raise ExerciseError(
            f"{call} returned {got}, the best setting on the TEST set. Choose on validation (val_accuracy): "
            "a test score used to choose is no longer an honest estimate of new data."
        )
    if got == _best(rows, "train_accuracy"):
        raise ExerciseError(
            f"{call} returned {got}, the best setting on the TRAINING set. Training accuracy rewards overfitting "
            "(it keeps rising with the degree); choose the highest val_accuracy."
        )
    chosen = [r["val_accuracy"] for r in rows if (r["degree"], r["weight_decay"]) == got]
    if chosen and chosen[0] < best_val and round(chosen[0], 2) == round(best_val, 2):
        raise ExerciseError(
            f"{call} returned {got}, whose val_accuracy {chosen[0]:.3f} is below the best, {best_val:.3f} of "
            f"{want}; they only look tied when rounded. Compare the accuracies as they are (no round() or "
            "formatting before comparing): the tie rule is for accuracies that are exactly equal.")
    raise ExerciseError(f"{call} returned {got}; the setting with the highest val_accuracy is {want}.")


@keeps_random_state
def check_choose_setting(choose_setting: Callable) -> None:
    """Visible check: two tables where train, validation and test pick different settings, one with ties."""
    __tracebackhide__ = True
    _require_callable(choose_setting, "choose_setting")
    rows = [
        _row(1, 0.0001, 0.80, 0.78, 0.81),
        _row(3, 0.001, 0.91, 0.90, 0.88),
        _row(6, 0.0001, 0.96, 0.85, 0.92),
        _row(10, 0.00001, 0.99, 0.80, 0.84),
    ]
    _check_choice(choose_setting, rows, "on a degree sweep")
    tied = [
        _row(8, 0.1, 0.86, 0.88, 0.83),
        _row(4, 0.001, 0.93, 0.90, 0.86),
        _row(8, 0.01, 0.95, 0.90, 0.91),
        _row(4, 0.01, 0.92, 0.90, 0.85),
        _row(2, 0.001, 0.85, 0.84, 0.93),
    ]
    _check_choice(choose_setting, tied, "with ties on validation")
    # The degree comes first in the tie rule: a larger weight decay at a higher degree must not win.
    priority = [
        _row(6, 0.1, 0.90, 0.90, 0.84),
        _row(3, 0.001, 0.92, 0.90, 0.85),
        _row(6, 0.01, 0.94, 0.90, 0.86),
        _row(12, 0.0001, 0.99, 0.83, 0.92),
        _row(2, 0.01, 0.84, 0.86, 0.88),
    ]
    _check_choice(choose_setting, priority, "with ties at different degrees and weight decays")
    # Accuracies that differ only in the third decimal are not tied: rounding them first picks the simpler model.
    close = [
        _row(3, 0.01, 0.91, 0.901, 0.89),
        _row(5, 0.001, 0.93, 0.904, 0.87),
        _row(8, 0.0001, 0.97, 0.86, 0.90),
    ]
    _check_choice(choose_setting, close, "with validation accuracies 0.901 and 0.904")
    _passed("choose_setting picks the best validation accuracy, breaks ties towards the simpler model, "
            "and ignores train and test.")


@keeps_random_state
def check_choose_setting_more(choose_setting: Callable) -> None:
    """Hidden check: a single row, an unsorted weight-decay sweep with ties, a degree x weight-decay grid."""
    __tracebackhide__ = True
    _require_callable(choose_setting, "choose_setting")
    _check_choice(choose_setting, [_row(2, 0.0, 0.9, 0.8, 0.7)], "on a single row")
    rows = [_row(5, lam, tr, va, te) for lam, tr, va, te in (
        (0.3, 0.82, 0.80, 0.90), (1e-5, 0.97, 0.83, 0.84), (0.01, 0.90, 0.89, 0.86),
        (0.001, 0.93, 0.89, 0.88), (0.1, 0.86, 0.85, 0.87))]
    _check_choice(choose_setting, rows, "on a weight-decay sweep")
    grid = [_row(d, lam, tr, va, te) for d, lam, tr, va, te in (
        (10, 0.003, 0.91, 0.922, 0.90), (5, 0.003, 0.91, 0.922, 0.88), (3, 0.0001, 0.92, 0.911, 0.93),
        (5, 0.001, 0.92, 0.922, 0.87), (3, 0.001, 0.91, 0.922, 0.89), (1, 1.0, 0.80, 0.70, 0.72),
        (12, 1e-5, 0.94, 0.844, 0.86))]
    _check_choice(choose_setting, grid, "on a degree x weight-decay grid with ties")
    _passed("choose_setting is right on a single row, on an unsorted weight-decay sweep with ties and on a "
            "degree x weight-decay grid with ties.")
