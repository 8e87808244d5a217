"""Mistakes catalogue, lesson 07: realistic wrong answers that the visible checks must reject with a hint.

Each case runs through the check cell of ``student/07_*.ipynb`` (what a learner
sees); the reference solutions of ``notebooks/`` must pass. Exercise 3 trains on
MNIST, so its cases are few, short, and skipped when MNIST is not in the data root.
"""

from __future__ import annotations

import re

from tests.helpers import needs_mnist
from tests.mistakes import accepts, accepts_references, rejects, try_answer

LESSON = "07"

MISTAKES = [
    # ---- Exercise 1: my_log_softmax, by hand, per row, finite for logits in the thousands
    ("ex1", "logcumsumexp-last-column", """
def my_log_softmax(logits):
    return logits - torch.logcumsumexp(logits, 1)[:, -1:]
""", r"logcumsumexp"),
    ("ex1", "float-cast-of-float64", """
def my_log_softmax(logits):
    logits = logits.float()
    m = logits.max(dim=1, keepdim=True).values
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
""", r"returned torch\.float32 for torch\.float64 logits"),
    ("ex1", "naive-log-of-exp-over-sum", """
def my_log_softmax(logits):
    return torch.log(torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True))
""", r"logits in the thousands gives the value nan.*Subtract EACH ROW's maximum.*keepdim=True\)\.values"),
    ("ex1", "library-log-softmax", """
def my_log_softmax(logits):
    return torch.log_softmax(logits, dim=1)
""", r"calls torch\.log_softmax, which the task rules out"),
    ("ex1", "functional-log-softmax", """
import torch.nn.functional as F

def my_log_softmax(logits):
    return F.log_softmax(logits, dim=1)
""", r"calls F\.log_softmax.*, which the task rules out"),
    ("ex1", "logsumexp-method", """
def my_log_softmax(logits):
    return logits - logits.logsumexp(dim=1, keepdim=True)
""", r"calls Tensor\.logsumexp, which the task rules out"),
    ("ex1", "log-of-softmax", """
def my_log_softmax(logits):
    return torch.log(torch.softmax(logits, dim=1))
""", r"calls torch\.softmax, which the task rules out"),
    ("ex1", "missing-keepdim", """
def my_log_softmax(logits):
    m = logits.max(dim=1).values
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=1))
""", r"raised RuntimeError.*keepdim=True"),
    ("ex1", "max-without-values", """
def my_log_softmax(logits):
    m = logits.max(dim=1, keepdim=True)
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
""", r"return a pair \(values, indices\).*\.values"),
    ("ex1", "python-max", """
def my_log_softmax(logits):
    m = max(logits)
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
""", r"Python's `max`.*logits\.max\(dim=1, keepdim=True\)\.values"),
    ("ex1", "max-of-the-whole-batch", """
def my_log_softmax(logits):
    m = logits.max()
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
""", r"logits in the thousands gives the value inf.*EACH ROW's maximum.*not z\.max\(\)"),
    ("ex1", "reduced-over-dim-0", """
def my_log_softmax(logits):
    m = logits.max(dim=0, keepdim=True).values
    return logits - m - torch.log(torch.exp(logits - m).sum(dim=0, keepdim=True))
""", r"normalizes each column \(dim=0\).*dim=1"),
    ("ex1", "forgot-to-subtract-m-outside-the-log", """
def my_log_softmax(logits):
    m = logits.max(dim=1, keepdim=True).values
    return logits - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
""", r"is wrong.*z_k - m - log"),
    ("ex1", "log-of-the-shifted-softmax", """
def my_log_softmax(logits):
    m = logits.max(dim=1, keepdim=True).values
    e = torch.exp(logits - m)
    return torch.log(e / e.sum(dim=1, keepdim=True))
""", r"gives the value -inf.*Don't take the log of the ratio.*z - m - log\(sum\(exp\(z - m\)\)\)"),
    ("ex1", "in-place-subtraction", """
def my_log_softmax(logits):
    m = logits.max(dim=1, keepdim=True).values
    logits -= m
    return logits - torch.log(torch.exp(logits).sum(dim=1, keepdim=True))
""", r"changed the caller's logits in place.*shifted = logits - m"),
    ("ex1", "float64-result", """
def my_log_softmax(logits):
    z = logits.double()
    m = z.max(dim=1, keepdim=True).values
    return z - m - torch.log(torch.exp(z - m).sum(dim=1, keepdim=True))
""", r"returned torch\.float64 for torch\.float32 logits; the task asks for the same dtype"),
    ("ex1", "numpy-round-trip", """
import numpy as np

def my_log_softmax(logits):
    z = logits.detach().numpy()
    m = z.max(axis=1, keepdims=True)
    return torch.from_numpy(z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True)))
""", r"autograd cannot differentiate.*torch operations"),
    ("ex1", "nn-log-softmax", """
def my_log_softmax(logits):
    return nn.LogSoftmax(dim=1)(logits)
""", r"calls F\.log_softmax \(nn\.LogSoftmax calls it\), which the task rules out"),
    # ---- Exercise 2: my_accuracy, a Python float in [0, 1]
    ("ex2", "returns-a-tensor", """
def my_accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).float().mean()
""", r"returned a torch\.Tensor \(0\.6250\); the task asks for a Python float.*\.item\(\)"),
    ("ex2", "mean-of-bools", """
def my_accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).mean().item()
""", r"dtype Bool.*\.float\(\)\.mean\(\)"),
    ("ex2", "max-pair-compared-with-labels", """
def my_accuracy(logits, labels):
    return (logits.max(dim=1) == labels).float().mean().item()
""", r"one Python bool.*logits\.argmax\(dim=1\)"),
    ("ex2", "max-values-not-positions", """
def my_accuracy(logits, labels):
    return (logits.max(dim=1).values == labels).float().mean().item()
""", r"returned 0\.0000, expected 0\.6250.*not the largest logit itself"),
    ("ex2", "argmax-without-dim", """
def my_accuracy(logits, labels):
    return (logits.argmax() == labels).float().mean().item()
""", r"expected 0\.6250.*logits\.argmax\(dim=1\).*not the argmax of the whole batch"),
    ("ex2", "percentage", """
def my_accuracy(logits, labels):
    return 100 * (logits.argmax(dim=1) == labels).float().mean().item()
""", r"a percentage; return a fraction between 0 and 1"),
    ("ex2", "count-not-fraction", """
def my_accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item()
""", r"got int\. An int is a count.*divide by the number of rows"),
    ("ex2", "argmax-over-dim-0", """
def my_accuracy(logits, labels):
    return (logits.argmax(dim=0) == labels).float().mean().item()
""", r"(?!.*reshape)one entry per row.*logits\.argmax\(dim=1\)"),
    ("ex2", "argmax-keepdim", """
def my_accuracy(logits, labels):
    return (logits.argmax(dim=1, keepdim=True) == labels).float().mean().item()
""", r"\(batch, 1\).*\(batch, batch\) table.*Drop keepdim"),
]

MNIST_MISTAKES = [
    # ---- Exercise 3: a trained softmax regression that returns logits, >= 92% on validation
    ("ex3", "softmax-inside-the-model", """
set_seed(0)
mnist_model = nn.Sequential(SoftmaxRegression(), nn.Softmax(dim=1)).to(device)
_ = train_softmax_regression(mnist_model, X_train, y_train, num_epochs=1, progress=False, require_logits=False)
""", r"returns probabilities.*must return logits.*Remove nn\.Softmax"),
    ("ex3", "untrained", """
set_seed(0)
mnist_model = SoftmaxRegression().to(device)
""", r"validation images right; it needs at least 91\.8%\. It looks untrained"
     r".*Adam with lr = 0\.01.*after every batch"),
    ("ex3", "tutorial-settings", """
set_seed(0)
mnist_model = SoftmaxRegression().to(device)
_ = train_softmax_regression(mnist_model, X_train, y_train, optimizer="sgd", lr=0.001, batch_size=100,
                             schedule="constant", num_epochs=1, progress=False)
""", r"it needs at least 91\.8%\. The notebook's recipe"
     r".*train_softmax_regression\(mnist_model, X_train, y_train\).*batches of 256"),
    ("ex3", "hidden-layer", """
set_seed(0)
mnist_model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10)).to(device)
""", r"25,450 parameters; softmax regression on MNIST has 7,850"),
    ("ex3", "not-assigned", """
mnist_model = None
set_seed(0)
model = SoftmaxRegression().to(device)
_ = train_softmax_regression(model, X_train, y_train, num_epochs=1, progress=False)
""", r"mnist_model is None"),
    ("ex3", "assigned-the-history", """
set_seed(0)
model = SoftmaxRegression().to(device)
mnist_model = train_softmax_regression(model, X_train, y_train, num_epochs=1, progress=False)
""", r"mnist_model is an EpochMetrics.*returns its EpochMetrics.*mnist_model = model"),
    # Training on the validation images passes the visible check (it cannot tell); the hidden check, run here at
    # the end of the answer as the grader runs it, catches it.
    ("ex3", "trained-on-the-validation-images", """
set_seed(0)
mnist_model = SoftmaxRegression().to(device)
_ = train_softmax_regression(mnist_model, torch.cat([X_train, X_val]), torch.cat([y_train, y_val]), X_val, y_val,
                             progress=False)
checks.check_mnist_classifier_more(mnist_model, X_test, y_test, X_val, y_val)
""", r"93\.32% of the validation images right but only 92\.59% of the test images.*Did you train on X_val"),
]


RIGHT_ALTERNATIVES = [
    ("ex1", "subtract-first", """
def my_log_softmax(logits):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    return shifted - shifted.exp().sum(dim=1, keepdim=True).log()
"""),
    ("ex1", "amax", """
def my_log_softmax(logits):
    m = torch.amax(logits, dim=1, keepdim=True)
    return logits - m - torch.log(torch.sum(torch.exp(logits - m), dim=1, keepdim=True))
"""),
    ("ex2", "sum-over-len", """
def my_accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / len(labels)
"""),
    ("ex2", "float-of-mean", """
def my_accuracy(logits, labels):
    return float((logits.max(dim=1).indices == labels).float().mean())
"""),
]


# Round 3 (issue 23): ready-made log-sum-exp through other names.
ROUND3 = [
    # the caller's inputs changed in place (the grader compares them after every call)
    ("ex2", "logits-shifted-in-place", """
def my_accuracy(logits, labels):
    logits.sub_(logits.max(dim=1, keepdim=True).values)
    return (logits.argmax(dim=1) == labels).float().mean().item()
""", r"changed its input `logits` in place"),
    ("ex1", "special-logsumexp", """
def my_log_softmax(logits):
    return logits - torch.special.logsumexp(logits, dim=1, keepdim=True)
""", r"logsumexp.*rules out|uses logsumexp"),
    ("ex1", "cross-entropy-per-class", """
import torch.nn.functional as F

def my_log_softmax(logits):
    n, k = logits.shape
    rows = logits.repeat_interleave(k, dim=0)
    targets = torch.arange(k).repeat(n)
    return -F.cross_entropy(rows, targets, reduction="none").reshape(n, k)
""", r"uses cross_entropy|log_softmax.*rules out"),
    ("ex1", "logaddexp-fold", """
def my_log_softmax(logits):
    total = logits[:, :1]
    for j in range(1, logits.shape[1]):
        total = torch.logaddexp(total, logits[:, j:j + 1])
    return logits - total
""", r"uses logaddexp.*log-sum-exp trick written out"),
]

MNIST_ROUND3 = [
    ("ex3", "sigmoid-inside-the-model", """
set_seed(0)
mnist_model = nn.Sequential(SoftmaxRegression(), nn.Sigmoid()).to(device)
_ = train_softmax_regression(mnist_model, X_train, y_train, num_epochs=1, progress=False, require_logits=False)
""", r"all >= 0.*sigmoid.*not logits"),
    ("ex3", "trained-on-the-validation-images-only", """
set_seed(0)
mnist_model = SoftmaxRegression().to(device)
_ = train_softmax_regression(mnist_model, X_val, y_val, num_epochs=30, progress=False)
""", r"of the 5,000 validation images right: more than softmax regression reaches.*trained on the validation"),
]


#: The exercise that trains on MNIST runs only where the MNIST files are.
MARKS = {"ex3": needs_mnist}

test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3 + MNIST_MISTAKES + MNIST_ROUND3, MARKS)
test_reference_solution_is_accepted = accepts_references(LESSON, MARKS)
test_other_right_answers_are_accepted = accepts(LESSON, RIGHT_ALTERNATIVES)


@needs_mnist
def test_train_softmax_regression_itself_refuses_a_softmax_model_with_the_fix():
    """The plain attempt never reaches the check: train_softmax_regression stops it with a message naming the fix."""
    outcome = try_answer(LESSON, "ex3", """
set_seed(0)
mnist_model = nn.Sequential(SoftmaxRegression(), nn.Softmax(dim=1)).to(device)
_ = train_softmax_regression(mnist_model, X_train, y_train, X_val, y_val, progress=False)
""")
    assert not outcome.passed and outcome.error_type == "ValueError", outcome
    assert re.search(r"ends in nn\.Softmax.*CrossEntropyLoss.*must return logits.*Drop the last layer",
                     outcome.message), outcome
