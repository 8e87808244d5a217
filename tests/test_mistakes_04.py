"""Mistakes catalogue, lesson 04: realistic wrong answers that the visible checks must reject with a hint.

Each case runs through the check cell of ``student/04_*.ipynb`` (what a learner
sees); the reference solutions of ``notebooks/`` must pass.
"""

from __future__ import annotations

from tests.mistakes import accepts_references, has_two_mistakes_each, rejects

LESSON = "04"

# The loop of Exercise 2 with one line changed; {zero}, {forward}, {loss_fn}, {backward}, {step},
# {record} are filled in per mistake.
_LOOP = """
def train(model, X, y, lr, num_epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr={lr})
    loss_fn = {loss_fn}
    losses = []
    for epoch in range(num_epochs):
        {zero}
        loss = loss_fn({forward}, y)
        {backward}
        {step}
        losses.append({record})
    return losses
"""
_RIGHT = dict(lr="lr", loss_fn="nn.BCEWithLogitsLoss()", zero="optimizer.zero_grad()", forward="model(X)",
              backward="loss.backward()", step="optimizer.step()", record="loss.item()")


def _loop(**changes: str) -> str:
    return _LOOP.format(**{**_RIGHT, **changes})


MISTAKES = [
    # ---- Exercise 1: bce_gradients from the formula, any number of features, shaped like weight and bias
    ("ex1", "sum-not-mean", """
def bce_gradients(X, y, weight, bias):
    error = torch.sigmoid(X @ weight.T + bias) - y
    return (error * X).sum(dim=0, keepdim=True), error.sum(dim=0)
""", r"sums over the rows.*mean"),
    ("ex1", "wrong-sign", """
def bce_gradients(X, y, weight, bias):
    error = y - torch.sigmoid(X @ weight.T + bias)
    return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
""", r"sign is flipped.*p - y"),
    ("ex1", "logits-not-probabilities", """
def bce_gradients(X, y, weight, bias):
    error = (X @ weight.T + bias) - y
    return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
""", r"logits .* in place of the probabilities.*torch\.sigmoid"),
    ("ex1", "missing-keepdim", """
def bce_gradients(X, y, weight, bias):
    error = torch.sigmoid(X @ weight.T + bias) - y
    return (error * X).mean(dim=0), error.mean(dim=0)
""", r"shape \(2,\), but it should have shape \(1, 2\).*keepdim=True"),
    ("ex1", "mean-over-everything", """
def bce_gradients(X, y, weight, bias):
    error = torch.sigmoid(X @ weight.T + bias) - y
    return (error * X).mean(dim=0, keepdim=True), error.mean()
""", r"shape \(\), but it should have shape \(1,\).*dim=0"),
    ("ex1", "no-transpose", """
def bce_gradients(X, y, weight, bias):
    error = torch.sigmoid(X @ weight + bias) - y
    return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
""", r"X @ weight\.T"),
    ("ex1", "autograd-instead-of-formula", """
def bce_gradients(X, y, weight, bias):
    w = weight.clone().requires_grad_(True)
    b = bias.clone().requires_grad_(True)
    nn.BCEWithLogitsLoss()(X @ w.T + b, y).backward()
    return w.grad, b.grad
""", r"from the formula, without autograd"),
    ("ex1", "autograd-under-enable-grad", """
def bce_gradients(X, y, weight, bias):
    with torch.enable_grad():
        w = weight.detach().clone().requires_grad_(True)
        b = bias.detach().clone().requires_grad_(True)
        loss = nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y)
        gw, gb = torch.autograd.grad(loss, (w, b))
    return gw, gb
""", r"gradients enabled.*from the formula, without autograd.*torch\.sigmoid"),
    ("ex1", "torch-func-grad", """
def bce_gradients(X, y, weight, bias):
    return torch.func.grad(lambda w, b: nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y),
                           argnums=(0, 1))(weight, bias)
""", r"torch\.func\.grad.*from the formula, without autograd"),
    ("ex1", "imported-func-grad", """
from torch.func import grad

def bce_gradients(X, y, weight, bias):
    return grad(lambda w, b: nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y),
                argnums=(0, 1))(weight, bias)
""", r"from the formula, without autograd"),
    ("ex1", "squeezed-probabilities", """
def bce_gradients(X, y, weight, bias):
    p = torch.sigmoid(X @ weight.T + bias).squeeze()
    error = p - y
    return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
""", r"\(n, 1\) like y.*\(n, n\).*squeeze.*error\.shape"),
    ("ex1", "numpy-arrays", """
def bce_gradients(X, y, weight, bias):
    error = torch.sigmoid(X @ weight.T + bias) - y
    return (error * X).mean(dim=0, keepdim=True).numpy(), error.mean(dim=0).numpy()
""", r"grad_weight \(element 0 of what .* returned\) should be a torch\.Tensor, but it is a ndarray"),
    ("ex1", "returns-dot-grad", """
def bce_gradients(X, y, weight, bias):
    return weight.grad, bias.grad
""", r"grad_weight .* is None\. `weight\.grad` is None here.*formula"),
    ("ex1", "two-features-only", """
def bce_gradients(X, y, weight, bias):
    logits = X[:, 0:1] * weight[0, 0] + X[:, 1:2] * weight[0, 1] + bias
    error = torch.sigmoid(logits) - y
    return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
""", r"with 3 features.*any number of features.*X @ weight\.T"),
    # ---- Exercise 2: the training loop
    ("ex2", "no-zero-grad", _loop(zero="pass"), r"never clears the gradients.*optimizer\.zero_grad\(\)"),
    ("ex2", "sigmoid-with-bce-with-logits", _loop(forward="torch.sigmoid(model(X))"),
     r"sigmoid before nn\.BCEWithLogitsLoss.*loss_fn\(model\(X\), y\)"),
    ("ex2", "bce-loss-on-probabilities", _loop(loss_fn="nn.BCELoss()", forward="torch.sigmoid(model(X))"),
     r"nn\.BCELoss on probabilities.*nn\.BCEWithLogitsLoss\(\)"),
    ("ex2", "no-step", _loop(step="pass"), r"did not change the model's weights.*optimizer\.step\(\)"),
    ("ex2", "no-backward", _loop(backward="pass"), r"did not change the model's weights.*loss\.backward\(\)"),
    ("ex2", "zero-grad-after-backward", _loop(zero="pass", backward="loss.backward(); optimizer.zero_grad()"),
     r"cleared before the step.*zero_grad first"),
    ("ex2", "tensors-in-history", _loop(record="loss"), r"list of tensors.*loss\.item\(\)"),
    ("ex2", "fixed-learning-rate", _loop(lr="1.0"), r"with the lr given"),
    ("ex2", "trains-on-x-train", """
def train(model, X, y, lr, num_epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(num_epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X_train), y_train)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
""", r"the untrained model's loss on the X, y given.*not X_train"),
    ("ex2", "forgot-return", """
def train(model, X, y, lr, num_epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(num_epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
""", r"returned None.*return that list after the loop"),
    ("ex2", "calls-the-helper", """
from course_utils.training import train_logistic_regression

def train(model, X, y, lr, num_epochs):
    return train_logistic_regression(model, X, y, lr=lr, num_epochs=num_epochs)
""", r"called course_utils\.training\.train_logistic_regression.*write the loop yourself"),
    ("ex2", "calls-the-helper-returns-losses", """
from course_utils.training import train_logistic_regression

def train(model, X, y, lr, num_epochs):
    return train_logistic_regression(model, X, y, lr=lr, num_epochs=num_epochs).loss[:num_epochs]
""", r"called course_utils\.training\.train_logistic_regression.*write the loop yourself"),
    ("ex2", "manual-update-not-sgd", """
def train(model, X, y, lr, num_epochs):
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(num_epochs):
        model.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
""", r"no torch\.optim\.SGD took a step.*optimizer\.step\(\)"),
    ("ex2", "adam-not-sgd", _loop().replace("torch.optim.SGD", "torch.optim.Adam"),
     r"torch\.optim\.Adam.*torch\.optim\.SGD"),
    # ---- Exercise 3: predict_point returns a Python float and an int
    # changes the caller's X or y in place after the loop: the weights and losses are right, the data are not
    ("ex2", "zeroes-x-after-training", _loop().replace("    return losses", "    X.zero_()\n    return losses"),
     r"changed its input `X` in place"),
    ("ex2", "fills-y-after-training", _loop().replace("    return losses", "    y.fill_(0.5)\n    return losses"),
     r"changed its input `y` in place"),
    ("ex2", "scales-x-after-training", _loop().replace("    return losses", "    X.mul_(2)\n    return losses"),
     r"changed its input `X` in place"),
    ("ex3", "probability-of-class-0", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    p = model.predict_proba(X_new).item()
    return 1 - p, int(p >= 0.5)
""", r"probability of class 0.*shape \(1, 2\)"),
    ("ex3", "returns-tensors", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    return model.predict_proba(X_new), model.predict(X_new)
""", r"returned \(Tensor, Tensor\).*\.item\(\).*int\("),
    ("ex3", "class-as-tensor", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    return model.predict_proba(X_new).item(), model.predict(X_new)
""", r"returned \(float, Tensor\).*int\("),
    ("ex3", "logit-threshold-0.5", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    logit = model(X_new).item()
    return model.predict_proba(X_new).item(), int(logit >= 0.5)
""", r"logit's threshold is 0"),
    ("ex3", "strict-greater", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    p = model.predict_proba(X_new).item()
    return p, int(p > 0.5)
""", r"exactly 0\.5 here.*at least 0\.5"),
    ("ex3", "round-the-probability", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    p = model.predict_proba(X_new).item()
    return p, round(p)
""", r"round\(0\.5\) is 0"),
    ("ex3", "integer-tensor", """
def predict_point(model, point):
    X_new = torch.tensor([point])
    return model.predict_proba(X_new).item(), int(model.predict(X_new).item())
""", r"\(2, 0\).*(float32|\.float\(\))"),
    ("ex3", "bool-class", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    p = model.predict_proba(X_new).item()
    return p, p >= 0.5
""", r"int 0 or 1; got bool.*int\("),
    ("ex3", "logit-as-probability", """
def predict_point(model, point):
    X_new = torch.tensor([point], dtype=torch.float32)
    z = model(X_new).item()
    return z, int(z >= 0)
""", r"returned the logit .* apply the sigmoid"),
]


# Round 3 (issue 23): finite differences; mini-batch loops; model.double(); hand-written updates.
_FINITE_DIFFERENCES = """
def bce_gradients(X, y, weight, bias):
    Xd, yd, w, b = X.double(), y.double(), weight.double(), bias.double()

    def loss(w, b):
        p = 1 / (1 + torch.exp(-(Xd @ w.T + b)))
        return -(yd * torch.log(p) + (1 - yd) * torch.log(1 - p)).mean()

    h = 1e-6
    gw = torch.zeros_like(w)
    for j in range(w.shape[1]):
        e = torch.zeros_like(w)
        e[0, j] = h
        gw[0, j] = (loss(w + e, b) - loss(w - e, b)) / (2 * h)
    gb = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    return gw.to(weight.dtype), gb.reshape(1).to(bias.dtype)
"""
ROUND3 = [
    # the caller's inputs changed in place (the grader compares them after every call)
    ("ex1", "X-overwritten-in-place", """
def bce_gradients(X, y, weight, bias):
    error = torch.sigmoid(X @ weight.T + bias) - y
    X.mul_(error)
    return X.mean(dim=0, keepdim=True), error.mean(dim=0)
""", r"changed its input `X` in place"),
    ("ex1", "y-reused-for-the-error", """
def bce_gradients(X, y, weight, bias):
    y.sub_(torch.sigmoid(X @ weight.T + bias)).neg_()
    return (y * X).mean(dim=0, keepdim=True), y.mean(dim=0)
""", r"changed its input `y` in place"),
    ("ex3", "model-weights-rescaled", """
def predict_point(model, point):
    with torch.no_grad():
        model.linear.weight.mul_(1.5)
    X_new = torch.tensor([point], dtype=torch.float32)
    p = model.predict_proba(X_new).item()
    return p, int(p >= 0.5)
""", r"changed its input `model` in place"),
    ("ex1", "finite-differences-by-hand", _FINITE_DIFFERENCES, r"uses log.*finite differences.*section 3"),
    ("ex1", "finite-differences-with-a-torch-loss", """
import torch.nn.functional as F

def bce_gradients(X, y, weight, bias):
    loss = lambda w, b: F.binary_cross_entropy_with_logits(X.double() @ w.T + b, y.double())
    w, b, h = weight.double(), bias.double(), 1e-6
    steps = h * torch.eye(w.shape[1], dtype=torch.float64)
    gw = torch.stack([(loss(w + steps[j:j + 1], b) - loss(w - steps[j:j + 1], b)) / (2 * h)
                      for j in range(w.shape[1])]).reshape(1, -1)
    gb = ((loss(w, b + h) - loss(w, b - h)) / (2 * h)).reshape(1)
    return gw.to(weight.dtype), gb.to(bias.dtype)
""", r"uses binary_cross_entropy_with_logits.*needs no loss"),
    ("ex2", "mini-batches-of-64", """
def train(model, X, y, lr, num_epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(num_epochs):
        for i in range(0, len(X), 64):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + 64]), y[i:i + 64])
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    return losses
""", r"steps per epoch on 1031 rows.*mini-batches.*full-batch"),
    ("ex2", "split-into-batches-of-256", """
def train(model, X, y, lr, num_epochs):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(num_epochs):
        for Xb, yb in zip(X.split(256), y.split(256)):
            optimizer.zero_grad()
            loss = loss_fn(model(Xb), yb)
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
    return losses
""", r"steps per epoch.*mini-batches"),
    ("ex2", "model-double", """
def train(model, X, y, lr, num_epochs):
    model.double()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(num_epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X.double()), y.double())
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
""", r"turned the model's parameter linear\.weight into torch\.float64.*float32"),
    ("ex2", "model-to-float64-and-back", """
def train(model, X, y, lr, num_epochs):
    model.to(torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(num_epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X.double()), y.double())
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
""", r"into torch\.float64"),
]


test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3)
test_reference_solution_is_accepted = accepts_references(LESSON)
test_every_exercise_has_at_least_two_mistakes = has_two_mistakes_each(MISTAKES + ROUND3)
