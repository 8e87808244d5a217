"""Lesson 06's mistakes catalogue: realistic wrong answers that the student version's visible checks must reject
with a hint naming the fix, and the reference solutions they must accept (see tests/mistakes.py)."""

from __future__ import annotations

from tests.mistakes import accepts, accepts_references, rejects

LESSON = "06"

PR_HEAD = "def precision_recall(y_true, y_pred):\n"
STD_HEAD = "def standardize(X_train, X):\n"
CT_HEAD = "def choose_threshold(y_true, p, cost_fn, cost_fp):\n"
CT_BODY = (
    "    y_true, p = y_true.reshape(1, -1), p.reshape(1, -1)\n"
    "    predicted = p {op} THRESHOLDS.reshape(-1, 1)\n"
    "    misses = (~predicted & (y_true == 1)).sum(dim=1)\n"
    "    false_alarms = (predicted & (y_true == 0)).sum(dim=1)\n"
    "    costs = ({a} * misses + {b} * false_alarms) / y_true.numel()\n"
    "    return {ret}\n"
)


def _ct(op=">=", a="cost_fn", b="cost_fp", ret="THRESHOLDS[costs.argmin()].item()", use="y_val, p_val"):
    return (CT_HEAD + CT_BODY.format(op=op, a=a, b=b, ret=ret)
            + f"\nbest_threshold = choose_threshold({use}, cost_fn=10, cost_fp=1)\n")


MISTAKES = [
    # exercise 1: precision and recall
    ("ex1", "naive division (ZeroDivisionError)", PR_HEAD + (
        "    tp = int(((y_pred == 1) & (y_true == 1)).sum()); fp = int(((y_pred == 1) & (y_true == 0)).sum())\n"
        "    fn = int(((y_pred == 0) & (y_true == 1)).sum())\n"
        "    return tp / (tp + fp), tp / (tp + fn)\n"), r"return 0\.0"),
    ("ex1", "tensors, not floats", PR_HEAD + (
        "    tp = ((y_pred == 1) & (y_true == 1)).sum().float(); fp = ((y_pred == 1) & (y_true == 0)).sum().float()\n"
        "    fn = ((y_pred == 0) & (y_true == 1)).sum().float()\n"
        "    return tp / (tp + fp), tp / (tp + fn)\n"), r"Python float.*\.item\(\)"),
    ("ex1", "tensor division gives nan", PR_HEAD + (
        "    tp = ((y_pred == 1) & (y_true == 1)).sum().float(); fp = ((y_pred == 1) & (y_true == 0)).sum().float()\n"
        "    fn = ((y_pred == 0) & (y_true == 1)).sum().float()\n"
        "    return (tp / (tp + fp)).item(), (tp / (tp + fn)).item()\n"), r"nan.*0\.0"),
    ("ex1", "precision and recall swapped", PR_HEAD + (
        "    tp = int(((y_pred == 1) & (y_true == 1)).sum()); fp = int(((y_pred == 1) & (y_true == 0)).sum())\n"
        "    fn = int(((y_pred == 0) & (y_true == 1)).sum())\n"
        "    p = tp / (tp + fp) if tp + fp else 0.0\n    r = tp / (tp + fn) if tp + fn else 0.0\n"
        "    return r, p\n"), r"swapped"),
    ("ex1", "fn mask copied from fp", PR_HEAD + (
        "    tp = int(((y_pred == 1) & (y_true == 1)).sum()); fp = int(((y_pred == 1) & (y_true == 0)).sum())\n"
        "    fn = int(((y_pred == 1) & (y_true == 0)).sum())\n"
        "    p = tp / (tp + fp) if tp + fp else 0.0\n    r = tp / (tp + fn) if tp + fn else 0.0\n"
        "    return p, r\n"), r"the recall is .*tp / \(tp \+ fn\).*predicted 0 that are 1"),
    ("ex1", "mean of a bool tensor", PR_HEAD + (
        "    precision = (y_true[y_pred == 1] == 1).mean().item() if (y_pred == 1).any() else 0.0\n"
        "    recall = (y_pred[y_true == 1] == 1).mean().item() if (y_true == 1).any() else 0.0\n"
        "    return precision, recall\n"), r"\.float\(\)\.mean\(\)"),
    # exercise 2: standardize with the training statistics
    ("ex2", "statistics of X itself",
     STD_HEAD + "    return (X - X.mean(dim=0, keepdim=True)) / X.std(dim=0, correction=0, keepdim=True)\n",
     r"training split only"),
    ("ex2", "unbiased std (torch default)", STD_HEAD + "    return (X - X_train.mean(dim=0)) / X_train.std(dim=0)\n",
     r"divides by n - 1.*correction argument"),
    ("ex2", "no dim: one mean over everything",
     STD_HEAD + "    return (X - X_train.mean()) / X_train.std(correction=0)\n", r"dim=0"),
    ("ex2", "dim=1 without keepdim (shape mismatch)",
     STD_HEAD + "    return (X - X_train.mean(dim=1)) / X_train.std(dim=1, correction=0)\n",
     r"Hint|keepdim|shape"),
    # exercise 3: the cost-minimizing threshold, chosen on validation
    ("ex3", "strict > instead of >=", _ct(op=">"), r"p >= threshold"),
    ("ex3", "costs swapped", _ct(a="cost_fp", b="cost_fn"), r"costs are swapped"),
    ("ex3", "largest threshold on ties", _ct(ret="THRESHOLDS[len(costs) - 1 - costs.flip(0).argmin()].item()"),
     r"smallest"),
    ("ex3", "returns a tensor", _ct(ret="THRESHOLDS[costs.argmin()]"), r"Python float"),
    ("ex3", "chosen on the test split", _ct(use="y_test, p_test"), r"TEST split.*validation"),
    # a reviewing learner's first attempts
    ("ex1", "& on float labels (a PyTorch NotImplementedError, not the stub)", PR_HEAD + (
        "    tp = (y_true & y_pred).sum().item(); pp = y_pred.sum().item(); ap = y_true.sum().item()\n"
        "    return (tp / pp if pp else 0.0, tp / ap if ap else 0.0)\n"),
     r"(?s)bitwise_and.*Hint:.*\(y_true == 1\) & \(y_pred == 1\)"),
    ("ex1", "shortcut: course_utils.metrics", "from course_utils import metrics\n" + PR_HEAD + (
        "    return tuple(metrics.precision_recall_f1(y_true, y_pred)[:2])\n"),
     r"metrics\.precision_recall_f1.*yourself"),
    ("ex1", "a list, not a tuple", PR_HEAD + (
        "    tp = int(((y_pred == 1) & (y_true == 1)).sum()); fp = int(((y_pred == 1) & (y_true == 0)).sum())\n"
        "    fn = int(((y_pred == 0) & (y_true == 1)).sum())\n"
        "    return [tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0]\n"), r"list.*tuple"),
    ("ex2", "dim=1: one statistic per row", STD_HEAD + (
        "    return (X - X_train.mean(dim=1, keepdim=True)) / X_train.std(dim=1, correction=0, keepdim=True)\n"),
     r"dim=1.*per row.*dim=0"),
    ("ex2", "shortcut: Standardizer", STD_HEAD + "    return Standardizer().fit(X_train).transform(X)\n",
     r"Standardizer\.fit.*yourself"),
    ("ex3", "only y_true flattened: (n, n) broadcast", CT_HEAD + (
        "    y = y_true.reshape(-1)\n    costs = []\n    for t in THRESHOLDS:\n        pred = p >= t\n"
        "        costs.append((cost_fn * ((y == 1) & ~pred).sum() + cost_fp * ((y == 0) & pred).sum()) / len(y))\n"
        "    return THRESHOLDS[torch.stack(costs).argmin()].item()\n"
        "best_threshold = choose_threshold(y_val, p_val, 10, 1)\n"), r"broadcast to an \(n, n\).*Flatten BOTH"),
    ("ex3", "home-made grid (np.linspace)", "import numpy as np\n" + CT_HEAD + (
        "    y, p = y_true.reshape(-1), p.reshape(-1)\n    best, best_cost = None, None\n"
        "    for t in np.linspace(0.01, 0.99, 99):\n        pred = p >= float(t)\n"
        "        cost = (cost_fn * ((y == 1) & ~pred).sum() + cost_fp * ((y == 0) & pred).sum()).item() / len(y)\n"
        "        if best_cost is None or cost < best_cost:\n            best, best_cost = float(t), cost\n"
        "    return best\n"
        "best_threshold = choose_threshold(y_val, p_val, cost_fn=10, cost_fp=1)\n"),
     r"not one of the values of THRESHOLDS.*THRESHOLDS tensor itself"),
    ("ex3", "home-made grid (torch.arange / 100)", "GRID = torch.arange(1, 100) / 100\n" + _ct().replace(
        "THRESHOLDS", "GRID"), r"not one of the values of THRESHOLDS"),
    ("ex3", "shortcut: metrics.cost_curve", "from course_utils import metrics\n" + CT_HEAD + (
        "    return THRESHOLDS[int(metrics.cost_curve(y_true, p, THRESHOLDS, cost_fn=cost_fn, cost_fp=cost_fp)"
        ".argmin())].item()\n"
        "best_threshold = choose_threshold(y_val, p_val, cost_fn=10, cost_fp=1)\n"), r"metrics\.cost_curve.*yourself"),
    ("ex3", "best_threshold hard-coded to another value", CT_HEAD + CT_BODY.format(
        op=">=", a="cost_fn", b="cost_fp", ret="THRESHOLDS[costs.argmin()].item()") + "\nbest_threshold = 0.5\n",
     r"your function gives 0\.07.*Set it to what your function returns"),
]

# Right answers written differently: a list comprehension over the thresholds and Python's min.
RIGHT_ALTERNATIVES = [
    ("ex3", "Python min on the costs", CT_HEAD + (
        "    y_true, p = y_true.reshape(-1), p.reshape(-1)\n"
        "    costs = [(cost_fn * ((p < t) & (y_true == 1)).sum() + cost_fp * ((p >= t) & (y_true == 0)).sum()).item()"
        " for t in THRESHOLDS]\n"
        "    return THRESHOLDS[costs.index(min(costs))].item()\n"
        "best_threshold = choose_threshold(y_val, p_val, cost_fn=10, cost_fp=1)\n")),
]


# Round 3 (issue 23): scikit-learn's scorers and course_utils.metrics through aliases; Standardizer.
ROUND3 = [
    # the caller's inputs changed in place (the grader compares them after every call)
    ("ex1", "predictions-rewritten", """
def precision_recall(y_true, y_pred):
    y_pred.mul_(2)
    tp = ((y_true == 1) & (y_pred == 2)).sum().item()
    fp = ((y_true == 0) & (y_pred == 2)).sum().item()
    fn = ((y_true == 1) & (y_pred == 0)).sum().item()
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
""", r"changed its input `y_pred` in place"),
    ("ex3", "probabilities-clamped-in-place", """
def choose_threshold(y_true, p, cost_fn, cost_fp):
    y, q = y_true.reshape(-1), p.reshape(-1)
    q.clamp_(0.0, 1.0)
    best, best_cost = None, None
    for t in THRESHOLDS:
        pred = q >= t
        cost = (cost_fn * ((y == 1) & ~pred).sum().item() + cost_fp * ((y == 0) & pred).sum().item()) / len(y)
        if best_cost is None or cost < best_cost:
            best, best_cost = t.item(), cost
    q.mul_(0.5)
    return best


best_threshold = choose_threshold(y_val, p_val, 10, 1)
""", r"changed its input `p` in place"),
    ("ex1", "sklearn-scorers", """
from sklearn.metrics import precision_score, recall_score

def precision_recall(y_true, y_pred):
    return (float(precision_score(y_true, y_pred, zero_division=0)),
            float(recall_score(y_true, y_pred, zero_division=0)))
""", r"uses precision_score.*count TP, FP and FN yourself.*section 5"),
    ("ex1", "course-metrics-alias", """
from course_utils import metrics as m

def precision_recall(y_true, y_pred):
    p, r, _ = m.precision_recall_f1(y_true, y_pred)
    return float(p), float(r)
""", r"calls course_utils\.metrics\.precision_recall_f1.*yourself"),
    ("ex2", "the-lesson-standardizer", """
def standardize(X_train, X):
    return Standardizer().fit(X_train).transform(X)
""", r"Standardizer.*yourself"),
    ("ex2", "sklearn-scaler", """
from sklearn.preprocessing import StandardScaler

def standardize(X_train, X):
    return torch.as_tensor(StandardScaler().fit(X_train.numpy()).transform(X.numpy()), dtype=X.dtype)
""", r"uses StandardScaler"),
    ("ex3", "course-expected-cost", """
from course_utils.metrics import confusion_counts as cc

def choose_threshold(y_true, p, cost_fn, cost_fp):
    y, q = y_true.reshape(-1), p.reshape(-1)
    costs = []
    for t in THRESHOLDS:
        c = cc(y, q, float(t))
        costs.append((cost_fn * c["fn"] + cost_fp * c["fp"]) / len(y))
    return float(THRESHOLDS[int(torch.tensor(costs).argmin())])


best_threshold = choose_threshold(y_val, p_val, 10, 1)
""", r"uses confusion_counts.*count the misses"),
    ("ex3", "sklearn-confusion-matrix", """
from sklearn.metrics import confusion_matrix

def choose_threshold(y_true, p, cost_fn, cost_fp):
    y, q = y_true.reshape(-1).long().numpy(), p.reshape(-1)
    best, best_cost = None, None
    for t in THRESHOLDS:
        tn, fp, fn, tp = confusion_matrix(y, (q >= t).long().numpy(), labels=[0, 1]).ravel()
        cost = (cost_fn * fn + cost_fp * fp) / len(y)
        if best_cost is None or cost < best_cost:
            best, best_cost = float(t), cost
    return best


best_threshold = choose_threshold(y_val, p_val, 10, 1)
""", r"uses confusion_matrix|sklearn"),
]


test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3)
test_reference_solution_is_accepted = accepts_references(LESSON)
test_other_right_answers_are_accepted = accepts(LESSON, RIGHT_ALTERNATIVES)
