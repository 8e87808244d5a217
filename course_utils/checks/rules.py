"""The rules on *how* an answer is written, one definition per exercise, used by both judges.

Some rules of a task cannot be seen in the values an answer returns: "from the formula, not with a
ready-made sigmoid", "count TP, FP and FN yourself, without course_utils.metrics", "build the
columns yourself, not with scikit-learn". They are written here once, as the names an answer may not
use, and read in two places:

- the visible check (``checks.lessonNN``) calls :func:`enforce` on the learner's function or class: it
  reads the names its code uses (globals, attributes, imports, helper functions of the same notebook,
  aliases resolved to what they name, and the strings of code that calls ``eval``/``getattr``);
- the trusted grader (``grading.probes.source_rule``) calls :func:`source_violation` on the answer
  cell's source: the same names, read from its syntax tree (attributes, imported names and their
  aliases, strings passed to ``eval``/``exec``/``getattr``/``__import__``/``import_module``).

So the ✓ of the check cell and the grade cannot drift apart on these rules. A name computed at run
time (``getattr(torch, "sig" + "moid")``) is not caught here; the runtime checks of lesson 01 and 04
(which record the torch functions an answer calls) catch the usual ones.
"""

from __future__ import annotations

import ast
import inspect
import re
import types
from dataclasses import dataclass
from functools import partial as functools_partial
from typing import Any

from course_utils.checks.common import ExerciseError

__all__ = ["Ban", "RULES", "enforce", "names_of_object", "names_of_source", "source_violation", "violation"]


@dataclass(frozen=True)
class Ban:
    """Names an answer may not use, and the hint when it does (the concept and the lesson section)."""

    names: frozenset
    why: str


def _ban(names: str, why: str) -> Ban:
    return Ban(frozenset(names.split()), why)


# Names of dynamic lookups: a string passed to one of them is read as code.
_DYNAMIC = frozenset("eval exec compile getattr __import__ import_module attrgetter methodcaller globals vars "
                     "__getattribute__ __dict__".split())

_SIGMOID_READY = ("sigmoid sigmoid_ Sigmoid expit logistic softmax Softmax log_softmax LogSoftmax logsigmoid "
                  "LogSigmoid softplus Softplus logaddexp logaddexp2 logsumexp binary_cross_entropy_with_logits "
                  "BCEWithLogitsLoss soft_margin_loss SoftMarginLoss")
_LOGSIGMOID_READY = ("logsigmoid LogSigmoid softplus Softplus logaddexp logaddexp2 logsumexp log_softmax "
                     "LogSoftmax softmax Softmax binary_cross_entropy_with_logits binary_cross_entropy BCELoss "
                     "BCEWithLogitsLoss soft_margin_loss SoftMarginLoss cross_entropy CrossEntropyLoss "
                     "log_expit scipy")
_AUTOGRAD = ("backward autograd enable_grad set_grad_enabled func functorch vjp jvp jacrev jacfwd vmap "
             "jacobian hessian")
_LOSS_FOR_FINITE_DIFFERENCES = ("log log1p log2 log10 logsigmoid LogSigmoid softplus Softplus logaddexp logsumexp "
                                "binary_cross_entropy binary_cross_entropy_with_logits BCELoss BCEWithLogitsLoss "
                                "cross_entropy CrossEntropyLoss xlogy soft_margin_loss SoftMarginLoss")
_METRICS = ("course_utils.metrics sklearn precision_recall_f1 confusion_counts confusion_matrix "
            "precision_score recall_score f1_score precision_recall_fscore_support expected_cost cost_curve "
            "precision_recall_curve roc_curve BinaryPrecision BinaryRecall torchmetrics")

#: Every exercise's rules on how its answer is written: (lesson, exercise) -> the bans.
RULES: dict[tuple[str, str], tuple[Ban, ...]] = {
    ("01", "ex1"): (_ban(_SIGMOID_READY,
                         "the task asks for the logistic function built from its formula with torch.exp (and "
                         "torch.where), not a ready-made sigmoid nor another stable function that contains one "
                         "(softmax, softplus, log-sigmoid, BCE with logits): section 7 builds it from exp(-|z|)"),),
    ("01", "ex3"): (_ban(_LOGSIGMOID_READY,
                         "the task asks for log(sigma(z)) built from its formula (exp, log1p, where), not a "
                         "ready-made log-sigmoid nor another stable loss or log-add-exp that computes it for you: "
                         "section 7 shows the pieces"),),
    ("03", "ex3"): (_ban("linspace arange bisect brentq fsolve root_scalar newton minimize minimize_scalar "
                         "scipy round",
                         "the task asks for the boundary computed from the parameters (where w x + b = 0, "
                         "section 3), not searched on a grid, solved numerically or rounded"),),
    ("04", "ex1"): (_ban(_AUTOGRAD,
                         "the task asks for the gradient from the formula, without autograd (no backward(), "
                         "torch.autograd.grad, torch.func or torch.enable_grad()): section 3 derives it"),
                    _ban(_LOSS_FOR_FINITE_DIFFERENCES,
                         "the gradient formula needs no loss and no logarithm: an answer that computes the loss "
                         "itself is estimating the gradient numerically (finite differences), which the task "
                         "rules out; section 3 derives the gradient from p - y")),
    ("03", "ex2"): (_ban("clone deepcopy detach copy_ tensor as_tensor new_tensor Tensor",
                         "the task asks for a new dictionary holding the same tensors (only the keys change, "
                         "section 4), not copies of them"),),
    ("04", "ex2"): (_ban("train_logistic_regression train_softmax_regression fit LBFGS Adam AdamW RMSprop",
                         "the task asks you to write the loop yourself, stepping with torch.optim.SGD "
                         "(section 4), not a ready-made trainer or another optimizer"),
                    _ban("DataLoader TensorDataset minibatches randperm chunk split",
                         "the task asks for full-batch gradient descent: one loss on all of X and one step per "
                         "epoch (section 4), not mini-batches (section 7)"),
                    _ban("grad no_grad sub_ add_ data",
                         "the task asks you to step with optimizer.step() of torch.optim.SGD (section 4), not to "
                         "update the parameters by hand")),
    ("05", "ex1"): (_ban("polynomial_features PolynomialFeatureMap PolynomialFeatures course_utils.features "
                         "sklearn fit_polynomial_logistic n_polynomial_features",
                         "the task asks you to build the columns yourself with torch (section 3 shows the "
                         "monomials), not with course_utils.features or scikit-learn"),
                    _ban("numpy from_numpy",
                         "the task asks you to build the columns with torch (section 3): a NumPy detour leaves "
                         "PyTorch, so the result no longer tracks gradients nor stays on the tensor's device")),
    ("05", "ex2"): (_ban("Standardizer StandardScaler sklearn course_utils.features course_utils.tabular",
                         "the task asks you to compute the training statistics yourself with torch (section 3), "
                         "not with a ready-made scaler"),),
    ("06", "ex1"): (_ban(_METRICS,
                         "the task asks you to count TP, FP and FN yourself with masks (section 5), not with "
                         "course_utils.metrics or scikit-learn"),),
    ("06", "ex2"): (_ban("Standardizer StandardScaler sklearn course_utils.tabular course_utils.features",
                         "the task asks you to compute the statistics of X_train yourself (section 3), not with "
                         "Standardizer or scikit-learn's scaler"),),
    ("06", "ex3"): (_ban(_METRICS + " brier_score roc_auc",
                         "the task asks you to count the misses and false alarms yourself with masks "
                         "(section 6), not with course_utils.metrics or scikit-learn"),),
    ("07", "ex1"): (_ban("log_softmax LogSoftmax softmax Softmax softmin logsumexp logcumsumexp logaddexp logaddexp2 "
                         "cross_entropy CrossEntropyLoss nll_loss scipy",
                         "the task asks for the log-sum-exp trick written out (section 2), not a ready-made "
                         "softmax, log-softmax, logsumexp or a loss that contains one"),),
}


# ------------------------------------------------------------------------------------------- reading names


def _dotted(name: str) -> set[str]:
    """'a.b.c' -> {'a', 'b', 'c', 'a.b', 'a.b.c', 'b.c'}: every part and every dotted run of parts."""
    parts = name.split(".")
    out = set()
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            out.add(".".join(parts[i:j]))
    return out


def _code_words(text: str) -> set[str]:
    """The names in a string that is run or looked up as code."""
    return set(re.findall(r"[A-Za-z_][\w.]*", text)) | {p for w in re.findall(r"[A-Za-z_][\w.]*", text)
                                                          for p in _dotted(w)}


def _object_names(obj: Any) -> set[str]:
    """What a global refers to: a module's dotted name, or an object's module and name."""
    out: set[str] = set()
    if isinstance(obj, types.ModuleType):
        return _dotted(obj.__name__)
    for attr in ("__name__", "__qualname__"):
        value = getattr(obj, attr, None)
        if isinstance(value, str):
            out.add(value)
    module = getattr(obj, "__module__", None)
    if isinstance(module, str):
        out |= _dotted(module)
    if isinstance(obj, types.MethodType):
        out |= _object_names(obj.__func__)
    return out


def _own(obj: Any, globals_: dict) -> bool:
    """Whether ``obj`` is a function or class written in the same notebook (to be read, not named)."""
    code = getattr(obj, "__code__", None)
    if code is not None:
        return getattr(obj, "__globals__", None) is globals_
    if isinstance(obj, type):
        return obj.__module__ == globals_.get("__name__")
    return False


def names_of_object(obj: Any) -> set[str]:
    """Every name the code of a function or class uses, and what its globals refer to.

    Helper functions and classes of the same notebook are read too (recursively); names of the
    notebook's own definitions are not counted (a helper may be called ``sigmoid``).
    """
    names: set[str] = set()
    seen: set[int] = set()

    def read_code(code: types.CodeType, globals_: dict, doc: Any) -> None:
        if id(code) in seen:
            return
        seen.add(id(code))
        dynamic = bool(_DYNAMIC & set(code.co_names))
        for name in code.co_names:
            if name in globals_:
                target = globals_[name]
                if _own(target, globals_):
                    read(target)
                    continue
                if not (callable(target) or isinstance(target, types.ModuleType)):
                    continue  # a variable of the notebook (data, a number): its name means nothing
                names.update(_object_names(target))
            names.add(name)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                read_code(const, globals_, None)
            elif isinstance(const, str) and dynamic and const is not doc:
                names.update(_code_words(const))

    def read(target: Any) -> None:
        if id(target) in seen:
            return
        seen.add(id(target))
        if isinstance(target, (staticmethod, classmethod)):
            target = target.__func__
        if isinstance(target, functools_partial):
            read(target.func)
            return
        if isinstance(target, type):
            for value in vars(target).values():
                if callable(value) or isinstance(value, (staticmethod, classmethod, property)):
                    if isinstance(value, property):
                        for f in (value.fget, value.fset):
                            if f is not None:
                                read(f)
                    else:
                        read(value)
            for base in target.__bases__:
                if base.__module__ == target.__module__:
                    read(base)
                else:
                    names.update(_object_names(base))
            return
        wrapped = inspect.unwrap(target) if callable(target) else target
        code = getattr(wrapped, "__code__", None)
        if code is None:
            names.update(_object_names(target))
            return
        read_code(code, getattr(wrapped, "__globals__", {}), getattr(wrapped, "__doc__", None))
        for cell in getattr(wrapped, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if callable(value) and getattr(value, "__code__", None) is not None:
                read(value)
            elif not isinstance(value, (int, float, str, bool)):
                names.update(_object_names(value))

    read(obj)
    return names


def names_of_source(source: str) -> set[str]:
    """Every name an answer cell's source uses: attributes, imports (with the names their aliases stand for),
    global names it does not define itself, and the strings it passes to eval/exec/getattr/import helpers."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"[A-Za-z_]\w*", source))
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            defined.add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in defined:
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            chain, inner = [node.attr], node.value
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name):
                chain.append(inner.id)
            names.update(_dotted(".".join(reversed(chain))))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names.update(_dotted(alias.name))
        elif isinstance(node, ast.ImportFrom):
            names.update(_dotted(node.module or ""))
            for alias in node.names:
                names.add(alias.name)
                if node.module:
                    names.update(_dotted(f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if fname in _DYNAMIC:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    for sub in ast.walk(arg):
                        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                            names.update(_code_words(sub.value))
    names.discard("")
    return names


def violation(lesson: str, exercise: str, names: set[str]) -> str:
    """"" when ``names`` (what an answer uses) follow the exercise's rules, else the hint."""
    for ban in RULES.get((lesson, exercise), ()):
        used = sorted(ban.names & names)
        if used:
            return f"the answer uses {', '.join(used[:3])}: {ban.why}."
    return ""


def source_violation(lesson: str, exercise: str, source: str) -> str:
    """The grader's reading of the rules: "" when the answer cell ``source`` follows them, else the hint."""
    if (lesson, exercise) not in RULES:
        return ""
    return violation(lesson, exercise, names_of_source(source))


def enforce(lesson: str, exercise: str, answer: Any, name: str) -> None:
    """The visible check's reading of the rules: raise :class:`ExerciseError` when ``answer`` breaks one."""
    __tracebackhide__ = True
    if (lesson, exercise) not in RULES:
        return
    try:
        names = names_of_object(answer)
    except Exception:  # noqa: BLE001 - an unreadable answer is judged by its values alone
        return
    broken = violation(lesson, exercise, names)
    if broken:
        raise ExerciseError(f"{name}: {broken}.".replace("..", "."))

