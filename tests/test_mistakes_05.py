"""Mistakes catalogue, lesson 05: realistic wrong answers that the visible checks must reject with a hint.

Each case runs through the check cell of ``student/05_*.ipynb`` (what a learner
sees); the reference solutions of ``notebooks/`` must pass, and so must other
right answers.
"""

from __future__ import annotations

from tests.mistakes import accepts, accepts_references, rejects

LESSON = "05"

MISTAKES = [
    # ---- Exercise 1: poly_features(X, degree), every monomial of degree 1..degree, in the stated order
    ("ex1", "constant-column-included", """
def poly_features(X, degree):
    columns = []
    for k in range(0, degree + 1):
        for a in range(k, -1, -1):
            columns.append(X[:, 0] ** a * X[:, 1] ** (k - a))
    return torch.stack(columns, dim=1)
""", r"first column is the constant 1.*leave it out.*bias"),
    ("ex1", "pure-powers-only", """
def poly_features(X, degree):
    columns = []
    for k in range(1, degree + 1):
        columns += [X[:, 0] ** k, X[:, 1] ** k]
    return torch.stack(columns, dim=1)
""", r"returned 4 columns; it should return 5.*pure powers.*mixed terms x1\^a \* x2\^b"),
    ("ex1", "increasing-power-of-x1", """
def poly_features(X, degree):
    columns = []
    for k in range(1, degree + 1):
        for a in range(0, k + 1):
            columns.append(X[:, 0] ** a * X[:, 1] ** (k - a))
    return torch.stack(columns, dim=1)
""", r"right columns in the wrong order.*\[x2, x1\].*decreasing power of x1"),
    ("ex1", "off-by-one-degree", """
def poly_features(X, degree):
    columns = []
    for k in range(1, degree):
        for a in range(k, -1, -1):
            columns.append(X[:, 0] ** a * X[:, 1] ** (k - a))
    return torch.stack(columns, dim=1)
""", r"made no columns at all.*range\(1, degree \+ 1\)"),
    ("ex1", "stack-dim-0", """
def poly_features(X, degree):
    columns = []
    for k in range(1, degree + 1):
        for a in range(k, -1, -1):
            columns.append(X[:, 0] ** a * X[:, 1] ** (k - a))
    return torch.stack(columns)
""", r"transpose.*torch\.stack\(columns, dim=1\)"),
    ("ex1", "list-of-columns", """
def poly_features(X, degree):
    return [X[:, 0] ** a * X[:, 1] ** (k - a) for k in range(1, degree + 1) for a in range(k, -1, -1)]
""", r"returned a list of columns.*torch\.stack\(columns, dim=1\)"),
    ("ex1", "fixed-float32-dtype", """
def poly_features(X, degree):
    out = torch.zeros(len(X), (degree + 1) * (degree + 2) // 2 - 1)
    j = 0
    for k in range(1, degree + 1):
        for a in range(k, -1, -1):
            out[:, j] = X[:, 0] ** a * X[:, 1] ** (k - a)
            j += 1
    return out
""", r"dtype torch\.float32 for an input of dtype torch\.float64; keep the input's dtype"),
    ("ex1", "caret-for-power", """
def poly_features(X, degree):
    columns = []
    for k in range(1, degree + 1):
        for a in range(k, -1, -1):
            columns.append(X[:, 0] * a * X[:, 1] * (k - a))
    return torch.stack(columns, dim=1)
""", r"Column 0 of poly_features.*should be x1.*Use \*\* for powers"),
    ("ex1", "xor-caret", """
def poly_features(X, degree):
    columns = []
    for k in range(1, degree + 1):
        for a in range(k, -1, -1):
            columns.append(X[:, 0] ^ a * X[:, 1] ^ (k - a))
    return torch.stack(columns, dim=1)
""", r"in Python `\^` is the bitwise XOR, not a power.*\*\*"),
    ("ex1", "hard-coded-degree-2", """
def poly_features(X, degree):
    x1, x2 = X[:, 0], X[:, 1]
    return torch.stack([x1, x2, x1 ** 2, x1 * x2, x2 ** 2], dim=1)
""", r"poly_features\(X, 1\).*returned 5 columns; it should return 2"),
    ("ex1", "calls-the-course-helper", """
from course_utils.features import polynomial_features

def poly_features(X, degree):
    return polynomial_features(X, degree)
""", r"calls polynomial_features from course_utils\.features; the exercise is to build the columns yourself"),
    ("ex1", "helper-through-the-module", """
import course_utils.features as cf

def poly_features(X, degree):
    return cf.polynomial_features(X, degree)
""", r"calls polynomial_features from course_utils\.features"),
    ("ex1", "feature-map-class", """
from course_utils.features import PolynomialFeatureMap

def poly_features(X, degree):
    return PolynomialFeatureMap(degree, standardize=False).fit(X)(X)
""", r"calls PolynomialFeatureMap from course_utils\.features"),
    # ---- Exercise 2: standardize_splits, training statistics only, population std, per column
    ("ex2", "row-wise-statistics", """
def standardize_splits(X_train, X_other):
    m, s = X_train.mean(1, keepdim=True), X_train.std(1, correction=0, keepdim=True)
    return (X_train - m) / s, (X_other - m) / s
""", r"size mismatch between 8 and 5 rows.*per row \(dim=1\).*Per column means reducing over the rows, dim=0"),
    ("ex2", "min-max-scaling", """
def standardize_splits(X_train, X_other):
    lo, hi = X_train.min(dim=0).values, X_train.max(dim=0).values
    return (X_train - lo) / (hi - lo), (X_other - lo) / (hi - lo)
""", r"min-max scaling.*standardization: subtract each column's mean"),
    ("ex2", "other-split-unchanged", """
def standardize_splits(X_train, X_other):
    mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
    return (X_train - mean) / std, X_other
""", r"X_other_std from .* equals X_other: apply the training mean and std to it too"),
    ("ex2", "cast-to-float32", """
def standardize_splits(X_train, X_other):
    X_train, X_other = X_train.float(), X_other.float()
    mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
    return (X_train - mean) / std, (X_other - mean) / std
""", r"dtype torch\.float32 for an input of dtype torch\.float64; keep the input's dtype"),
    ("ex2", "wrong-formula-names-the-input-value", """
def standardize_splits(X_train, X_other):
    mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
    return (X_train - mean) / std, (X_other - mean) / (2 * std)
""", r"X_other_std from .* is wrong at input value = "),
    ("ex2", "each-split-its-own-statistics", """
def standardize_splits(X_train, X_other):
    def scale(X):
        return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)
    return scale(X_train), scale(X_other)
""", r"X_other's own mean and std: it must use the training statistics only"),
    ("ex2", "pooled-statistics", """
def standardize_splits(X_train, X_other):
    both = torch.cat([X_train, X_other])
    mean, std = both.mean(dim=0), both.std(dim=0, correction=0)
    return (X_train - mean) / std, (X_other - mean) / std
""", r"statistics of X_train and X_other together.*X_train only"),
    ("ex2", "default-sample-std", """
def standardize_splits(X_train, X_other):
    mean, std = X_train.mean(dim=0), X_train.std(dim=0)
    return (X_train - mean) / std, (X_other - mean) / std
""", r"sample standard deviation \(correction=1.*X_train\.std\(dim=0, correction=0\)"),
    ("ex2", "no-dim-one-number", """
def standardize_splits(X_train, X_other):
    mean, std = X_train.mean(), X_train.std(correction=0)
    return (X_train - mean) / std, (X_other - mean) / std
""", r"one mean and one std for the whole tensor.*each column.*dim=0"),
    ("ex2", "in-place", """
def standardize_splits(X_train, X_other):
    mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
    X_other -= mean
    X_other /= std
    return (X_train - mean) / std, X_other
""", r"changed its input X_other in place"),
    ("ex2", "center-only", """
def standardize_splits(X_train, X_other):
    mean = X_train.mean(dim=0)
    return X_train - mean, X_other - mean
""", r"subtracts the mean but does not divide by the standard deviation"),
    # ---- Exercise 3: choose_setting, on validation, ties to the simpler model, Python types
    ("ex3", "sorted-on-rounded-accuracy", """
def choose_setting(results):
    best = sorted(results, key=lambda r: (-round(r["val_accuracy"], 2), r["degree"], -r["weight_decay"]))[0]
    return best["degree"], best["weight_decay"]
""", r"0\.901 is below the best, 0\.904.*only look tied when rounded"),
    ("ex3", "chosen-on-test", """
def choose_setting(results):
    best = max(results, key=lambda r: r["test_accuracy"])
    return best["degree"], best["weight_decay"]
""", r"best setting on the TEST set\. Choose on validation"),
    ("ex3", "chosen-on-train", """
def choose_setting(results):
    best = max(results, key=lambda r: r["train_accuracy"])
    return best["degree"], best["weight_decay"]
""", r"best setting on the TRAINING set.*overfitting"),
    ("ex3", "first-of-the-ties", """
def choose_setting(results):
    best = max(results, key=lambda r: r["val_accuracy"])
    return best["degree"], best["weight_decay"]
""", r"ties for the best validation accuracy.*lowest degree first.*largest weight decay.*\(4, 0\.01\)"),
    ("ex3", "ties-to-smallest-decay", """
def choose_setting(results):
    best = max(results, key=lambda r: (r["val_accuracy"], -r["degree"], -r["weight_decay"]))
    return best["degree"], best["weight_decay"]
""", r"ties for the best validation accuracy.*\(4, 0\.01\)"),
    ("ex3", "weight-decay-before-degree", """
def choose_setting(results):
    b = max(results, key=lambda r: (r['val_accuracy'], r['weight_decay'], -r['degree']))
    return b['degree'], b['weight_decay']
""", r"returned \(6, 0\.1\), which ties.*lowest degree first.*here \(3, 0\.001\)"),
    ("ex3", "sorted-weight-decay-before-degree", """
def choose_setting(results):
    b = sorted(results, key=lambda r: (-r['val_accuracy'], -r['weight_decay'], r['degree']))[0]
    return b['degree'], b['weight_decay']
""", r"returned \(6, 0\.1\), which ties.*here \(3, 0\.001\)"),
    ("ex3", "reverse-sort-highest-degree", """
def choose_setting(results):
    b = sorted(results, key=lambda r: (r['val_accuracy'], r['degree'], r['weight_decay']), reverse=True)[0]
    return b['degree'], b['weight_decay']
""", r"returned \(8, 0\.01\), which ties for the best validation accuracy.*here \(4, 0\.01\)"),
    ("ex3", "returns-the-row", """
def choose_setting(results):
    return max(results, key=lambda r: (r["val_accuracy"], -r["degree"], r["weight_decay"]))
""", r"returned a whole row; return the pair \(degree, weight_decay\)"),
    ("ex3", "sorts-in-place", """
def choose_setting(results):
    results.sort(key=lambda r: (r["val_accuracy"], -r["degree"], r["weight_decay"]))
    return results[-1]["degree"], results[-1]["weight_decay"]
""", r"changed the results it was given.*sorted\(\.\.\.\) makes a new list"),
    ("ex3", "tensor-values", """
def choose_setting(results):
    best = max(results, key=lambda r: (r["val_accuracy"], -r["degree"], r["weight_decay"]))
    return torch.tensor(best["degree"]), torch.tensor(best["weight_decay"])
""", r"returned tensors; return a Python int and a Python float"),
]


RIGHT_ALTERNATIVES = [
    ("ex1", "itertools-and-prod", """
import itertools

def poly_features(X, degree):
    cols = []
    for k in range(1, degree + 1):
        for b in range(0, k + 1):
            cols.append(torch.pow(X[:, 0], k - b) * torch.pow(X[:, 1], b))
    return torch.stack(cols, dim=1)
"""),
    ("ex2", "keepdim-and-unbiased-false", """
def standardize_splits(X_train, X_other):
    mean = X_train.mean(dim=0, keepdim=True)
    std = X_train.std(dim=0, keepdim=True, unbiased=False)
    return (X_train - mean) / std, (X_other - mean) / std
"""),
    ("ex2", "returns-a-list", """
def standardize_splits(X_train, X_other):
    mean, std = X_train.mean(dim=0), X_train.std(dim=0, correction=0)
    return [(X_train - mean) / std, (X_other - mean) / std]
"""),
    ("ex1", "own-helper-named-like-the-course-one", """
def polynomial_features(X, degree):
    return torch.stack([X[:, 0] ** a * X[:, 1] ** (k - a)
                        for k in range(1, degree + 1) for a in range(k, -1, -1)], dim=1)

def poly_features(X, degree):
    return polynomial_features(X, degree)
"""),
    ("ex3", "sorted-copy", """
def choose_setting(results):
    ranked = sorted(results, key=lambda r: (-r["val_accuracy"], r["degree"], -r["weight_decay"]))
    return int(ranked[0]["degree"]), float(ranked[0]["weight_decay"])
"""),
]


# Round 3 (issue 23): scikit-learn's polynomial features and scaler, course_utils through an alias.
ROUND3 = [
    ("ex1", "sklearn-polynomial-features", """
from sklearn.preprocessing import PolynomialFeatures as PF

def poly_features(X, degree):
    out = PF(degree, include_bias=False).fit_transform(X.numpy())
    return torch.as_tensor(out, dtype=X.dtype)
""", r"uses PolynomialFeatures.*build the columns yourself.*section 3"),
    ("ex1", "course-features-module-alias", """
import course_utils.features as cf

def poly_features(X, degree):
    return cf.polynomial_features(X, degree)
""", r"polynomial_features|course_utils\.features"),
    ("ex1", "numpy-detour", """
import numpy as np

def poly_features(X, degree):
    A = X.numpy()
    cols = [A[:, 0] ** a * A[:, 1] ** (k - a) for k in range(1, degree + 1) for a in range(k, -1, -1)]
    return torch.from_numpy(np.stack(cols, axis=1))
""", r"uses from_numpy, numpy.*with torch.*NumPy detour"),
    ("ex2", "sklearn-standard-scaler", """
from sklearn.preprocessing import StandardScaler

def standardize_splits(X_train, X_other):
    scaler = StandardScaler().fit(X_train.numpy())
    return (torch.as_tensor(scaler.transform(X_train.numpy()), dtype=X_train.dtype),
            torch.as_tensor(scaler.transform(X_other.numpy()), dtype=X_other.dtype))
""", r"uses StandardScaler.*training statistics yourself"),
    ("ex2", "course-standardizer", """
from course_utils.tabular import Standardizer

def standardize_splits(X_train, X_other):
    s = Standardizer().fit(X_train)
    return s.transform(X_train), s.transform(X_other)
""", r"uses Standardizer"),
    ("ex3", "sorted-in-place", """
def choose_setting(results):
    results.sort(key=lambda r: (-r["val_accuracy"], r["degree"], -r["weight_decay"]))
    return int(results[0]["degree"]), float(results[0]["weight_decay"])
""", r"changed the results it was given"),
    ("ex3", "rows-edited-in-place", """
def choose_setting(results):
    for r in results:
        r["score"] = (r["val_accuracy"], -r["degree"], r["weight_decay"])
    best = max(results, key=lambda r: r["score"])
    return int(best["degree"]), float(best["weight_decay"])
""", r"changed the results it was given"),
]


test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3)
test_reference_solution_is_accepted = accepts_references(LESSON)
test_other_right_answers_are_accepted = accepts(LESSON, RIGHT_ALTERNATIVES)
