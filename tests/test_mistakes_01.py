"""Mistakes catalogue, lesson 01: realistic wrong answers that the visible checks must reject with a hint.

Each case runs through the check cell of ``student/01_*.ipynb`` (what a learner
sees); the reference solutions of ``notebooks/`` must pass.
"""

from __future__ import annotations

from tests.mistakes import accepts, accepts_references, rejects

LESSON = "01"

MISTAKES = [
    # ---- Exercise 1: my_sigmoid, from the formula, right and finite with right finite gradients
    ("ex1", "naive-formula", """
def my_sigmoid(z):
    return 1 / (1 + torch.exp(-z))
""", r"wrong at z = -100\.0000: got 0\.0000, expected 3\.7201e-44.*overflows.*torch\.where\(z >= 0, -z, z\)"),
    ("ex1", "exp-abs-gradient-0-at-0", """
def my_sigmoid(z):
    e = torch.exp(-z.abs())
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
""", r"at z = 0 is 0\.0000, but the true slope there is 0\.25.*z\.abs\(\).*torch\.where\(z >= 0, -z, z\)"),
    ("ex1", "where-of-two-naive-branches", """
def my_sigmoid(z):
    return torch.where(z >= 0, 1 / (1 + torch.exp(-z)), torch.exp(z) / (1 + torch.exp(z)))
""", r"nan at input -1000.*even in the input of torch\.where that it does not select"),
    ("ex1", "exp-z-over-1-plus-exp-z", """
def my_sigmoid(z):
    return torch.exp(z) / (1 + torch.exp(z))
""", r"gives the value nan at input 100\.0000.*overflows.*torch\.where\(z >= 0, -z, z\)"),
    ("ex1", "torch-sigmoid", """
def my_sigmoid(z):
    return torch.sigmoid(z)
""", r"uses torch\.sigmoid, which the task rules out: write the logistic function from its formula"),
    ("ex1", "tensor-method-sigmoid", """
def my_sigmoid(z):
    return z.sigmoid()
""", r"uses z\.sigmoid\(\).*rules out"),
    ("ex1", "nn-sigmoid-layer", """
from torch import nn

def my_sigmoid(z):
    return nn.Sigmoid()(z)
""", r"uses nn\.Sigmoid, which the task rules out"),
    ("ex1", "special-expit", """
def my_sigmoid(z):
    return torch.special.expit(z)
""", r"uses torch\.special\.expit.*rules out"),
    ("ex1", "clamped-logit", """
def my_sigmoid(z):
    return 1 / (1 + torch.exp(-z.clamp(-30, 30)))
""", r"wrong at z = -1000\.0000: got 9\.3576e-14, expected 0\.0000.*relative tolerance"),
    ("ex1", "clamp-below-only", """
def my_sigmoid(z):
    return 1 / (1 + torch.exp(-z.clamp(min=-87)))
""", r"wrong at z = -1000\.0000: got 1\.6458e-38, expected 0\.0000.*Do not clamp z"),
    ("ex1", "computed-in-float32-for-float64", """
def my_sigmoid(z):
    z32 = z.float()
    e = torch.exp(torch.where(z32 >= 0, -z32, z32))
    return torch.where(z32 >= 0, 1 / (1 + e), e / (1 + e)).to(z.dtype)
""", r"for a torch\.float64 z is wrong at z = -500\.0000: got 0\.0000, expected 7\.124\de-218.*relative tolerance"),
    ("ex1", "one-minus-in-the-left-tail", """
def my_sigmoid(z):
    return 0.5 * (1 + torch.tanh(z / 2))
""", r"wrong at z = -10\.0000.*avoid 1 - \(a number close to 1\)"),
    ("ex1", "python-if-on-a-tensor", """
def my_sigmoid(z):
    if z >= 0:
        return 1 / (1 + torch.exp(-z))
    return torch.exp(z) / (1 + torch.exp(z))
""", r"Boolean value of Tensor.*Hint: .*torch\.where\(condition, a, b\)"),
    ("ex1", "math-exp", """
import math

def my_sigmoid(z):
    return 1 / (1 + math.exp(-z))
""", r"Hint: `math\.exp` and `math\.log` work on ONE Python number; use `torch\.exp`"),
    ("ex1", "numpy-exp", """
import numpy as np

def my_sigmoid(z):
    e = np.exp(-np.abs(z))
    return torch.as_tensor(np.where(z >= 0, 1 / (1 + e), e / (1 + e)))
""", r"NumPy functions .* leave PyTorch, so autograd cannot differentiate them"),
    ("ex1", "float32-result-for-float64", """
def my_sigmoid(z):
    z = z.float()
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
""", r"turned a torch\.float64 z into torch\.float32; the result must keep the dtype of z"),
    ("ex1", "detached-result", """
def my_sigmoid(z):
    z = z.detach()
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
""", r"not differentiable"),
    # ---- Exercise 2: sigmoid_derivative, accurate (relative error < 0.1%) in both tails
    ("ex2", "textbook-s-times-1-minus-s", """
def sigmoid_derivative(z):
    s = torch.sigmoid(z)
    return s * (1 - s)
""", r"wrong at z = 20\.0000: got 0\.0000, expected 2\.0612e-09.*symmetry property"),
    ("ex2", "s-minus-s-squared", """
def sigmoid_derivative(z):
    return torch.sigmoid(z) - torch.sigmoid(z) ** 2
""", r"wrong at z = 20\.0000.*symmetry property"),
    ("ex2", "exp-formula-overflows", """
def sigmoid_derivative(z):
    return torch.exp(-z) / (1 + torch.exp(-z)) ** 2
""", r"nan at input -1000\.0000.*overflows.*symmetry property"),
    ("ex2", "autograd-of-torch-sigmoid", """
def sigmoid_derivative(z):
    z = z.detach().clone().requires_grad_(True)
    torch.sigmoid(z).sum().backward()
    return z.grad
""", r"wrong at z = 20\.0000.*symmetry property"),
    ("ex2", "sigmoid-squared", """
def sigmoid_derivative(z):
    return torch.sigmoid(z) ** 2
""", r"wrong at z = -10\.0000.*The derivative is sigma\(z\) times \(1 - sigma\(z\)\)"),
    ("ex2", "float32-result-for-float64", """
def sigmoid_derivative(z):
    z = z.float()
    return torch.sigmoid(z) * torch.sigmoid(-z)
""", r"float64 z into torch\.float32"),
    # ---- Exercise 3: my_log_sigmoid, right and finite from -1000 to 1000, right finite gradients
    ("ex3", "log-of-sigmoid", """
def my_log_sigmoid(z):
    return torch.log(torch.sigmoid(z))
""", r"gives the value -inf at input -1000\.0000.*torch\.log1p"),
    ("ex3", "minus-log-1-plus-exp", """
def my_log_sigmoid(z):
    return -torch.log1p(torch.exp(-z))
""", r"-inf at input -1000\.0000.*log\(1 \+ exp\(-z\)\) becomes inf"),
    ("ex3", "clamp-and-abs-gradient-0-at-0", """
def my_log_sigmoid(z):
    return torch.clamp(z, max=0) - torch.log1p(torch.exp(-z.abs()))
""", r"at z = 0 is 0\.0000, but the true slope there is 0\.5.*torch\.clamp\(z, max=0\)"),
    ("ex3", "where-of-two-naive-branches", """
def my_log_sigmoid(z):
    return torch.where(z >= 0, -torch.log1p(torch.exp(-z)), z - torch.log1p(torch.exp(z)))
""", r"gradient of my_log_sigmoid\(z\) gives the value nan at input -1000.*does not select"),
    ("ex3", "python-min", """
def my_log_sigmoid(z):
    return min(z, 0) - torch.log1p(torch.exp(-z.abs()))
""", r"Boolean value of Tensor.*Hint: .*torch\.minimum"),
    ("ex3", "logsigmoid", """
import torch.nn.functional as F

def my_log_sigmoid(z):
    return F.logsigmoid(z)
""", r"uses F\.logsigmoid.*rules out"),
    ("ex3", "softplus", """
import torch.nn.functional as F

def my_log_sigmoid(z):
    return -F.softplus(-z)
""", r"uses F\.softplus.*rules out"),
    ("ex3", "log-of-a-stable-sigmoid", """
def my_log_sigmoid(z):
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.log(torch.where(z >= 0, 1 / (1 + e), e / (1 + e)))
""", r"-inf at input -1000\.0000"),
    ("ex3", "log-instead-of-log1p", """
def my_log_sigmoid(z):
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.where(z >= 0, -torch.log(1 + e), z - torch.log(1 + e))
""", r"wrong at z = 20\.0000: got -0\.0000e\+00, expected -2\.0612e-09.*torch\.log1p\(e\) keeps the digits"),
    ("ex3", "log-sigmoid-layer", """
from torch import nn

def my_log_sigmoid(z):
    return nn.LogSigmoid()(z)
""", r"uses nn\.LogSigmoid, which the task rules out"),
    ("ex3", "float32-result-for-float64", """
def my_log_sigmoid(z):
    z = z.float()
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.where(z >= 0, -torch.log1p(e), z - torch.log1p(e))
""", r"float64 z into torch\.float32"),
]


RIGHT_ALTERNATIVES = [
    ("ex1", "where-on-safe-inputs", """
def my_sigmoid(z):
    pos = z >= 0
    return torch.where(pos, 1 / (1 + torch.exp(-torch.where(pos, z, 0.0))),
                       torch.exp(torch.where(pos, 0.0, z)) / (1 + torch.exp(torch.where(pos, 0.0, z))))
"""),
    ("ex2", "symmetric-exp", """
def sigmoid_derivative(z):
    e = torch.exp(-z.abs())
    return e / (1 + e) ** 2
"""),
    ("ex3", "half-sum-form", """
def my_log_sigmoid(z):
    return (z - z.abs()) / 2 - torch.log1p(torch.exp(-z.abs()))
"""),
]


# Round 3 (issue 23): ready-made stand-ins found through aliases, attributes and strings; float64 detours;
# a > / >= mismatch at z = 0.
ROUND3 = [
    ("ex1", "softplus-alias", """
import torch.nn.functional as F

def my_sigmoid(z):
    return torch.exp(-F.softplus(-z))
""", r"uses softplus.*built from its formula.*section 7"),
    ("ex1", "softmax-of-two", """
def my_sigmoid(z):
    both = torch.stack([torch.zeros_like(z), z])
    return torch.softmax(both, dim=0)[1]
""", r"gradient of my_sigmoid\(z\) is wrong at z = 20|uses softmax"),
    ("ex1", "sigmoid-through-getattr", """
def my_sigmoid(z):
    return getattr(torch, "sigmoid")(z)
""", r"sigmoid.*rules out|uses sigmoid"),
    ("ex1", "logaddexp-helper", """
def _log1pexp(z):
    return torch.logaddexp(torch.zeros_like(z), z)

def my_sigmoid(z):
    return torch.exp(-_log1pexp(-z))
""", r"uses logaddexp"),
    ("ex1", "float64-detour-with-clamp", """
def my_sigmoid(z):
    zd = z.double().clamp(-700, 700)
    return (1 / (1 + torch.exp(-zd))).to(z.dtype)
""", r"float64 z is wrong at z = -800\.0000.*Do not clamp z"),
    ("ex1", "strict-and-non-strict-conditions", """
def my_sigmoid(z):
    e = torch.exp(torch.where(z > 0, -z, z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
""", r"at z = 0 is -0\.2500.*wrong sign.*`z > 0`.*`z >= 0`.*section 7"),
    ("ex3", "logaddexp", """
def my_log_sigmoid(z):
    return -torch.logaddexp(torch.zeros_like(z), -z)
""", r"uses logaddexp.*log-add-exp"),
    ("ex3", "bce-with-logits-loss", """
import torch.nn.functional as F

def my_log_sigmoid(z):
    return -F.binary_cross_entropy_with_logits(z, torch.ones_like(z), reduction="none")
""", r"uses binary_cross_entropy_with_logits.*stable loss"),
    ("ex3", "soft-margin-loss", """
from torch.nn.functional import soft_margin_loss as sml

def my_log_sigmoid(z):
    return -sml(z, torch.ones_like(z), reduction="none")
""", r"-inf at input -1000|uses soft_margin_loss"),
    ("ex3", "log-softmax-of-two", """
def my_log_sigmoid(z):
    return torch.log_softmax(torch.stack([torch.zeros_like(z), z]), dim=0)[1]
""", r"wrong at z = 20\.0000.*log1p|uses log_softmax"),
    ("ex3", "strict-and-non-strict-conditions", """
def my_log_sigmoid(z):
    e = torch.exp(torch.where(z > 0, -z, z))
    return torch.where(z >= 0, -torch.log1p(e), z - torch.log1p(e))
""", r"at z = 0 is -0\.5000.*wrong sign.*`z > 0`"),
]


test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3)
test_reference_solution_is_accepted = accepts_references(LESSON)
test_other_right_answers_are_accepted = accepts(LESSON, RIGHT_ALTERNATIVES)
