"""Mistakes catalogue, lesson 03: realistic wrong answers that the visible checks must reject with a hint.

Each case runs through the check cell of ``student/03_*.ipynb`` (what a learner
sees); the reference solutions of ``notebooks/`` must pass.
"""

from __future__ import annotations

from tests.mistakes import accepts, accepts_references, has_two_mistakes_each, rejects, rejects_blanks

LESSON = "03"

_CLASS = '''
class LogisticClassifier(nn.Module):
    def __init__(self, n_inputs):
        super().__init__()
        {init}

    def forward(self, X):
        {forward}

    {proba_decorator}
    def predict_proba(self, X):
        {proba}

    @torch.no_grad()
    def predict(self, X, threshold=0.5):
        {predict}
'''


def _classifier(init="self.linear = nn.Linear(n_inputs, 1)", forward="return self.linear(X)",
                proba="return torch.sigmoid(self(X))", predict="return (self.predict_proba(X) >= threshold).long()",
                proba_decorator="@torch.no_grad()") -> str:
    return _CLASS.format(init=init, forward=forward, proba=proba, predict=predict, proba_decorator=proba_decorator)


MISTAKES = [
    # ---- Exercise 1: LogisticClassifier
    ("ex1", "sigmoid-in-forward", _classifier(forward="return torch.sigmoid(self.linear(X))",
                                              proba="return self(X)"), r"forward applies the sigmoid"),
    ("ex1", "threshold-ignored", _classifier(predict="return (self.predict_proba(X) >= 0.5).long()"),
     r"threshold=0\.9\) is wrong.*at least the threshold"),
    ("ex1", "strictly-greater", _classifier(predict="return (self.predict_proba(X) > threshold).long()"),
     r"exactly 0\.5, which counts as class 1.*use `>=`, not `>`"),
    ("ex1", "threshold-on-logits", _classifier(predict="return (self(X) >= threshold).long()"),
     r"is wrong.*probability \(not its logit\).*output of predict_proba \(not forward.s logits\) with the threshold"),
    ("ex1", "bool-classes", _classifier(predict="return self.predict_proba(X) >= threshold"),
     r"dtype torch\.bool; return classes as integers with \.long\(\)"),
    ("ex1", "float-classes", _classifier(predict="return (self.predict_proba(X) >= threshold).float()"),
     r"dtype torch\.float32; return classes as integers with \.long\(\)"),
    ("ex1", "flattened-classes", _classifier(predict="return (self.predict_proba(X) >= threshold).long().squeeze()"),
     r"shape \(6,\).*without \.squeeze\(\)"),
    ("ex1", "two-features-only", _classifier(init="self.linear = nn.Linear(2, 1)"),
     r"nn\.Linear\(2, 1\); it should be nn\.Linear\(3, 1\)"),
    ("ex1", "proba-tracks-gradients", _classifier(proba_decorator=""), r"tracks gradients.*@torch\.no_grad\(\)"),
    ("ex1", "extra-sigmoid-layer", _classifier(init="self.linear = nn.Linear(n_inputs, 1)\n        "
                                               "self.out = nn.Linear(1, 1)"), r"Keep only `self\.linear`"),
    ("ex1", "layer-named-otherwise", _classifier(init="self.fc = nn.Linear(n_inputs, 1)",
                                                 forward="return self.fc(X)"), r"no layer called `linear`"),
    # ---- Exercise 2: map_state_dict
    ("ex2", "renamed-in-place", """
def map_state_dict(state):
    for key in list(state):
        state[key.replace("0.", "linear.")] = state.pop(key)
    return state
""", r"changed the dictionary it was given"),
    ("ex2", "same-dict-returned", """
def map_state_dict(state):
    return state
""", r"returned `state` itself; return a NEW dictionary"),
    ("ex2", "keys-unchanged", """
def map_state_dict(state):
    return dict(state)
""", r"replace the prefix '0\.' with 'linear\.'"),
    ("ex2", "dot-lost", """
def map_state_dict(state):
    return {key.replace("0.", "linear"): value for key, value in state.items()}
""", r"\['linearbias', 'linearweight'\].*replace the prefix"),
    ("ex2", "tensors-swapped", """
def map_state_dict(state):
    return {"linear.weight": state["0.bias"], "linear.bias": state["0.weight"]}
""", r"load_state_dict.*size mismatch.*keep each tensor with its key"),
    ("ex2", "a-model-not-a-dict", """
def map_state_dict(state):
    model = LogisticRegression(state["0.weight"].shape[1])
    model.load_state_dict({key.replace("0.", "linear."): v for key, v in state.items()})
    return model
""", r"should return a dict, but it returned LogisticRegression"),
    ("ex2", "values-changed", """
def map_state_dict(state):
    return {"linear.weight": torch.zeros_like(state["0.weight"]), "linear.bias": state["0.bias"]}
""", r"should hold the same tensor as state\['0\.weight'\]"),
    # ---- Exercise 3: decision_boundary
    ("ex3", "returns-a-tensor", """
def decision_boundary(model):
    return -model.linear.bias / model.linear.weight
""", r"returned a tensor .* Python float.*\.item\(\)"),
    ("ex3", "returns-a-0d-tensor", """
def decision_boundary(model):
    return (-model.linear.bias / model.linear.weight).squeeze()
""", r"returned a tensor of shape \(\).*\.item\(\)"),
    ("ex3", "sign-wrong", """
def decision_boundary(model):
    return (model.linear.bias / model.linear.weight).item()
""", r"returned -2\.5000, expected 2\.5000.*w \* x \+ b is 0"),
    ("ex3", "w-over-b", """
def decision_boundary(model):
    return (-model.linear.weight / model.linear.bias).item()
""", r"expected 2\.5000.*w \* x \+ b is 0"),
    ("ex3", "hard-coded", """
def decision_boundary(model):
    return 2.5
""", r"w = -0\.5, b = 1\.0\) returned 2\.5000, expected 2\.0000"),
    ("ex3", "item-of-weight-matrix-missing", """
def decision_boundary(model):
    return -model.linear.bias.item() / model.linear.weight
""", r"returned a tensor.*\.item\(\)"),
    ("ex3", "rounded-to-two-decimals", """
def decision_boundary(model):
    return round((-model.linear.bias / model.linear.weight).item(), 2)
""", r"w = 3\.0, b = -1\.0\) returned 0\.3300, expected 0\.3333.*exactly.*without round\(\) or a search"),
    ("ex3", "grid-search", """
def decision_boundary(model):
    xs = torch.linspace(-10, 10, 2001).reshape(-1, 1)
    with torch.no_grad():
        p = torch.sigmoid(model(xs))
    return xs[(p - 0.5).abs().argmin()].item()
""", r"returned .*, expected .*without round\(\) or a search over a grid"),
    ("ex3", "no-return", """
def decision_boundary(model):
    x = (-model.linear.bias / model.linear.weight).item()
""", r"should return a Python float, but it returned NoneType.*`return`"),
]


RIGHT_ALTERNATIVES = [
    ("ex2", "dict-literal", """
def map_state_dict(state):
    return {"linear.weight": state["0.weight"], "linear.bias": state["0.bias"]}
"""),
    ("ex3", "item-division", """
def decision_boundary(model):
    return -model.linear.bias.item() / model.linear.weight.item()
"""),
]


# Round 3 (issue 23): copies where the task asks for the same tensors; a boundary searched, not computed.
ROUND3 = [
    # the caller's inputs changed in place (the grader compares them after every call)
    ("ex3", "bias-flipped-in-place", """
def decision_boundary(model):
    with torch.no_grad():
        model.linear.bias.neg_()
        return (model.linear.bias / model.linear.weight).item()
""", r"changed its input `model` in place \(its linear\.bias changed\)"),
    ("ex2", "cloned-tensors", """
def map_state_dict(state):
    return {"linear.weight": state["0.weight"].clone(), "linear.bias": state["0.bias"].clone()}
""", r"right values but is a copy.*same tensors"),
    ("ex2", "deep-copy", """
import copy

def map_state_dict(state):
    state = copy.deepcopy(state)
    return {key.replace("0.", "linear."): value for key, value in state.items()}
""", r"is a copy, not the tensor"),
    ("ex2", "detached-tensors", """
def map_state_dict(state):
    return {"linear." + key.split(".")[1]: value.detach() for key, value in state.items()}
""", r"is a copy, not the tensor"),
    ("ex3", "bisection-with-linspace", """
def decision_boundary(model):
    xs = torch.linspace(-100, 100, 2_000_001).reshape(-1, 1)
    with torch.no_grad():
        p = model.predict_proba(xs).reshape(-1)
    return xs[(p - 0.5).abs().argmin()].item()
""", r"returned 2\.0000023.*expected 2\.0.*without round\(\) or a search over a grid"),
    ("ex3", "scipy-root", """
from scipy.optimize import brentq

def decision_boundary(model):
    w, b = model.linear.weight.item(), model.linear.bias.item()
    return float(brentq(lambda x: w * x + b, -1e6, 1e6, xtol=1e-14))
""", r"uses brentq.*computed from the parameters"),
]


# Seen by the visible check only: the grader compares returned values, and a long bisection's value is within
# float32 rounding of the exact one; the check counts the model's forward calls (tests/test_grader_agrees.py
# reads MISTAKES and ROUND3 only).
VISIBLE_ONLY = [
    ("ex3", "bisection-200-steps", """
def decision_boundary(model):
    lo, hi = -1e4, 1e4
    with torch.no_grad():
        up = model(torch.tensor([[hi]])).item() > 0
        for _ in range(200):
            mid = (lo + hi) / 2
            if (model(torch.tensor([[mid]])).item() > 0) == up:
                hi = mid
            else:
                lo = mid
    return (lo + hi) / 2
""", r"called the model \d+ times.*search.*w \* x \+ b is 0"),
]


test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3 + VISIBLE_ONLY)
test_reference_solution_is_accepted = accepts_references(LESSON)
test_other_right_answers_are_accepted = accepts(LESSON, RIGHT_ALTERNATIVES)
test_untouched_answer_says_it_is_not_written_yet = rejects_blanks(LESSON)
test_every_exercise_has_at_least_two_mistakes = has_two_mistakes_each(MISTAKES + ROUND3)
