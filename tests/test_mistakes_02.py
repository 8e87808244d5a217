"""Mistakes catalogue, lesson 02: realistic wrong answers that the visible checks must reject with a hint.

Each case runs through the check cell of ``student/02_*.ipynb`` (what a learner
sees); the reference solutions of ``notebooks/`` must pass.
"""

from __future__ import annotations

from tests.mistakes import accepts, accepts_references, assert_rejected, has_two_mistakes_each, rejects, rejects_blanks

LESSON = "02"

MISTAKES = [
    # ---- Exercise 1: build_model_3x, a new trainable model computing sigma(3x - 1)
    ("ex1", "fill-outside-no-grad", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    model[0].weight.fill_(3.0)
    model[0].bias.fill_(-1.0)
    return model
""", r"with torch\.no_grad\(\):"),
    ("ex1", "frozen-parameters", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.fill_(3.0)
        model[0].bias.fill_(-1.0)
    model.requires_grad_(False)
    return model
""", r"does not require gradients.*requires_grad_\(False\)"),
    ("ex1", "parameter-replaced-frozen", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    model[0].weight = nn.Parameter(torch.tensor([[3.0]]), requires_grad=False)
    model[0].bias = nn.Parameter(torch.tensor([-1.0]), requires_grad=False)
    return model
""", r"does not require gradients"),
    ("ex1", "plain-tensor-assigned", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    model[0].weight = torch.tensor([[3.0]])
    model[0].bias = torch.tensor([-1.0])
    return model
""", r"cannot assign.*Hint: .*with torch\.no_grad\(\):"),
    ("ex1", "same-model-every-call", """
_model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
with torch.no_grad():
    _model[0].weight.fill_(3.0)
    _model[0].bias.fill_(-1.0)

def build_model_3x():
    return _model
""", r"same model .* NEW model on every call"),
    ("ex1", "weight-and-bias-swapped", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.fill_(-1.0)
        model[0].bias.fill_(3.0)
    return model
""", r"its weight is -1\.0000 and its bias 3\.0000, but they should be 3\.0000 and -1\.0000"),
    ("ex1", "no-sigmoid", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1))
    with torch.no_grad():
        model[0].weight.fill_(3.0)
        model[0].bias.fill_(-1.0)
    return model
""", r"1 layer\(s\); it should have two"),
    # ---- Exercise 2: make_logistic_model, any weights and any number of features
    ("ex2", "only-two-features", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([weights]))
        model[0].bias.fill_(bias)
    return model
""", r"nn\.Linear\(2, 1\); it should be nn\.Linear\(1, 1\)|expand|copy"),
    ("ex2", "two-entries-by-index", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight[0, 0] = weights[0]
        model[0].weight[0, 1] = weights[1]
        model[0].bias.fill_(bias)
    return model
""", r"list index out of range.*Hint: .*any length"),
    ("ex2", "fill-with-a-vector", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.fill_(torch.tensor(weights))
        model[0].bias.fill_(bias)
    return model
""", r"Hint: `fill_` writes ONE number.*copy_"),
    ("ex2", "fill-with-a-list", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.fill_(weights)
        model[0].bias.fill_(bias)
    return model
""", r"Hint: .*copy_"),
    ("ex2", "weight-as-a-column", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(weights).reshape(-1, 1))
        model[0].bias.fill_(bias)
    return model
""", r"output with shape \[1, 2\] doesn't match the broadcast shape \[2, 2\]"
     r".*Hint: .*one row per output.*torch\.tensor\(\[weights\]\)"),
    ("ex2", "frozen-parameters", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    model[0].weight = nn.Parameter(torch.tensor([weights]), requires_grad=False)
    model[0].bias = nn.Parameter(torch.tensor([bias]), requires_grad=False)
    return model
""", r"does not require gradients"),
    ("ex2", "bias-forgotten", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([weights]))
    return model
""", r"is wrong.*its bias .* but they should be"),
    ("ex2", "one-shared-model", """
_model = None

def make_logistic_model(weights, bias):
    global _model
    if _model is None or _model[0].in_features != len(weights):
        _model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        _model[0].weight.copy_(torch.tensor([weights]))
        _model[0].bias.fill_(bias)
    return _model
""", r"checked again after the other calls.*new model on every call"),
    ("ex2", "copy-outside-no-grad", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    model[0].weight.copy_(torch.tensor([weights]))
    model[0].bias.fill_(bias)
    return model
""", r"Hint: .*with torch\.no_grad\(\):"),
    # ---- Exercise 3: prepare_input, a float32 column from a list, tuple or tensor
    ("ex3", "keeps-integers", """
def prepare_input(values):
    return torch.tensor(values).reshape(-1, 1)
""", r"dtype torch\.int64; a model needs floats"),
    ("ex3", "flat-vector", """
def prepare_input(values):
    return torch.tensor(values, dtype=torch.float32)
""", r"shape \(4,\).*\.reshape\(-1, 1\)"),
    ("ex3", "a-row-not-a-column", """
def prepare_input(values):
    return torch.tensor([values], dtype=torch.float32)
""", r"That is a row .*\.reshape\(-1, 1\)"),
    ("ex3", "hard-coded-four", """
def prepare_input(values):
    return torch.tensor(values, dtype=torch.float32).reshape(4, 1)
""", r"shape '\[4, 1\]' is invalid"),
    ("ex3", "float64", """
def prepare_input(values):
    return torch.tensor(values, dtype=torch.float64).reshape(-1, 1)
""", r"use torch\.float32"),
    ("ex3", "float-of-list-only", """
def prepare_input(values):
    return torch.FloatTensor(values).reshape(-1, 1) if not isinstance(values, torch.Tensor) else values.reshape(-1, 1)
""", r"dtype torch\.int64"),
]


RIGHT_ALTERNATIVES = [
    # replacing a parameter by a new trainable nn.Parameter is legitimate PyTorch: the task does not forbid it
    ("ex1", "new-trainable-parameters", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    model[0].weight = nn.Parameter(torch.tensor([[3.0]]))
    model[0].bias = nn.Parameter(torch.tensor([-1.0]))
    return model
"""),
    ("ex1", "data-fill", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    model[0].weight.data.fill_(3.0)
    model[0].bias.data.fill_(-1.0)
    return model
"""),
    ("ex3", "torch-tensor-then-float", """
def prepare_input(values):
    return torch.as_tensor(values).float().reshape(-1, 1)
"""),
]


# Round 3 (issue 23): the caller's list and tensor changed in place.
ROUND3 = [
    ("ex2", "bias-appended-to-the-callers-list", """
def make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    weights.append(bias)
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([weights[:-1]]))
        model[0].bias.fill_(weights[-1])
    return model
""", r"changed the list `weights` it was given.*section 6"),
    ("ex2", "weights-popped-from-the-callers-list", """
def make_logistic_model(weights, bias):
    d = len(weights)
    model = nn.Sequential(nn.Linear(d, 1), nn.Sigmoid())
    with torch.no_grad():
        for j in range(d):
            model[0].weight[0, j] = weights.pop(0)
        model[0].bias.fill_(bias)
    return model
""", r"changed the list `weights` it was given"),
    ("ex3", "unsqueeze-in-place", """
def prepare_input(values):
    t = torch.as_tensor(values)
    if t.dtype != torch.float32:
        t = t.float()
    return t.unsqueeze_(1)
""", r"changed the tensor it was given.*unsqueeze_.*without the trailing underscore"),
    ("ex3", "resize-in-place", """
def prepare_input(values):
    t = torch.as_tensor(values, dtype=torch.float32)
    t.resize_(len(t), 1)
    return t
""", r"changed the tensor it was given"),
]


test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON, MISTAKES + ROUND3)
test_reference_solution_is_accepted = accepts_references(LESSON)
test_other_right_answers_are_accepted = accepts(LESSON, RIGHT_ALTERNATIVES)
test_untouched_answer_says_it_is_not_written_yet = rejects_blanks(LESSON)
test_every_exercise_has_at_least_two_mistakes = has_two_mistakes_each(MISTAKES + ROUND3)


def test_frozen_parameter_hint_does_not_forbid_replacing():
    outcome = assert_rejected(LESSON, "ex1", """
def build_model_3x():
    model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.fill_(3.0)
        model[0].bias.fill_(-1.0)
    model.requires_grad_(False)
    return model
""", r"do not freeze the parameter")
    assert "replacing" not in outcome.message
