"""The common-attempt hints of ``course_utils.checks.common._call``.

Each test makes a learner-style function raise the real PyTorch error of a
common wrong attempt, runs it through ``_call`` as every check does, and
requires an ExerciseError that keeps the original error text and adds the hint
that names what to write instead.
"""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from course_utils.checks.common import ExerciseError, _accuracy_of, _call, _hint_for


def _message(fn, *args) -> str:
    with pytest.raises(ExerciseError) as info:
        _call(fn, "answer", "answer(...)", *args)
    return str(info.value)


def _original(fn, *args) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(*args)
    return info.value


def _relu_with_python_max(z):
    return max(z, torch.zeros_like(z))


def _clip_with_python_min(z):
    return min(z, torch.ones_like(z))


def _log_softmax_without_values(Z):
    return Z - Z.max(dim=1, keepdim=True)


def _shift_without_values_reversed(Z):
    return Z.max(dim=1) - Z


def _exp_of_namedtuple(Z):
    return torch.exp(Z.max(dim=1))


def _attribute_of_namedtuple(Z):
    return Z.max(dim=1).log()


def _add_number_to_namedtuple(Z):
    return Z.min(dim=1) + 1


def _log_softmax_without_keepdim(Z):
    return Z - Z.logsumexp(dim=1)


def _normalize_without_keepdim(Z):
    return Z / Z.sum(dim=1)


def _accuracy_of_bools(pred, y):
    return (pred == y).mean()


def _mean_of_longs(pred, y):
    return (pred == y).long().mean()


def _fill_with_vector(weights):
    layer = nn.Linear(len(weights), 1)
    with torch.no_grad():
        layer.weight.fill_(torch.tensor(weights))
    return layer


def _fill_with_list(weights):
    layer = nn.Linear(len(weights), 1)
    with torch.no_grad():
        layer.weight.fill_(weights)
    return layer


def _logits_without_transpose(X):
    layer = nn.Linear(X.shape[1], 1)
    return X @ layer.weight + layer.bias


def _set_weight_outside_no_grad():
    layer = nn.Linear(1, 1)
    layer.weight.fill_(3.0)
    return layer


def _set_weight_entry_outside_no_grad():
    layer = nn.Linear(2, 1)
    layer.weight[0, 0] = 3.0
    return layer


def _negate_input_in_place(z):
    return z.neg_()


def _integer_input(values):
    return nn.Linear(1, 1)(torch.tensor(values).reshape(-1, 1))


def _item_of_vector(z):
    return z.item()


Z = torch.arange(12.0).reshape(4, 3)
PRED, Y = torch.tensor([1, 0, 1]), torch.tensor([1, 1, 1])

CASES = [
    # (function, args, part of the original PyTorch message, what the hint must say)
    (_relu_with_python_max, (torch.tensor([-1.0, 2.0]),), "Boolean value of Tensor", r"torch\.maximum.*torch\.clamp"),
    (_clip_with_python_min, (torch.tensor([-1.0, 2.0]),), "Boolean value of Tensor", r"torch\.minimum"),
    (_log_softmax_without_values, (Z,), "torch.return_types.max", r"\.values"),
    (_shift_without_values_reversed, (Z,), "torch.return_types.max", r"\.values"),
    (_exp_of_namedtuple, (Z,), "torch.return_types.max", r"\.values"),
    (_attribute_of_namedtuple, (Z,), "torch.return_types.max", r"\.values"),
    (_add_number_to_namedtuple, (Z,), "can only concatenate tuple", r"\.values"),
    (_log_softmax_without_keepdim, (Z,), "must match the size of tensor b (4) at non-singleton dimension 1",
     r"keepdim=True"),
    (_normalize_without_keepdim, (Z,), "at non-singleton dimension 1", r"keepdim=True"),
    (_accuracy_of_bools, (PRED, Y), "could not infer output dtype", r"Bool.*\.float\(\)\.mean\(\)"),
    (_mean_of_longs, (PRED, Y), "could not infer output dtype", r"Long.*\.float\(\)\.mean\(\)"),
    (_fill_with_vector, ([2.0, -1.0],), "fill_ only supports 0-dimension value tensor", r"copy_.*torch\.no_grad"),
    (_fill_with_list, ([2.0, -1.0],), "fill_() received an invalid combination", r"copy_"),
    (_logits_without_transpose, (torch.ones(5, 3),), "mat1 and mat2 shapes cannot be multiplied (5x3 and 1x3)",
     r"X @ weight\.T"),
    (_set_weight_outside_no_grad, (), "leaf Variable that requires grad", r"with torch\.no_grad\(\):"),
    (_set_weight_entry_outside_no_grad, (), "view of a leaf Variable", r"with torch\.no_grad\(\):"),
    (_negate_input_in_place, (torch.ones(3, requires_grad=True),), "leaf Variable", r"-z.*not `z\.neg_\(\)`"),
    (_integer_input, ([1, 2, 3],), "must have the same dtype", r"\.float\(\)"),
    (_item_of_vector, (torch.ones(3),), "cannot be converted to Scalar", r"ONE-element"),
]


@pytest.mark.parametrize("fn, args, original, hint", CASES, ids=[case[0].__name__.lstrip("_") for case in CASES])
def test_common_attempt_gets_a_hint(fn, args, original, hint):
    error = _original(fn, *args)
    assert original in str(error), f"PyTorch's message changed: {error}"  # the pattern matches the real text
    message = _message(fn, *args)
    assert message.startswith(f"answer(...) raised {type(error).__name__}: {error}")  # the original error is kept
    assert "\nHint: " in message
    assert re.search(hint, message.split("\nHint: ", 1)[1], re.S), message


def test_feature_mismatch_is_not_called_a_missing_transpose():
    message = _message(lambda X: nn.Linear(3, 1)(X), torch.ones(5, 2))
    assert "5x2 and 3x1" in message
    hint = message.split("\nHint: ", 1)[1]
    assert "weight.T" not in hint
    assert "2 feature(s) per row but the layer expects 3" in hint


def test_broadcast_mismatch_along_the_rows_suggests_reshaping():
    message = _message(lambda a, b: a + b, torch.ones(4), torch.ones(3))
    hint = message.split("\nHint: ", 1)[1]
    assert "keepdim" not in hint and "reshape" in hint


def test_unknown_errors_keep_their_message_without_a_hint():
    def broken(z):
        raise KeyError("no such thing")

    message = _message(broken, torch.ones(1))
    assert message == "answer(...) raised KeyError: 'no such thing'"
    assert _hint_for(ValueError("something else")) == ""


def test_not_implemented_and_exercise_errors_pass_through():
    def blank():
        raise NotImplementedError()

    assert "not written yet" in _message(blank)

    def own():
        raise ExerciseError("a check's own message")

    assert _message(own) == "a check's own message"


def test_accuracy_of_adds_the_hint_too():
    class WrongShapes(nn.Module):
        def forward(self, X):
            return X @ torch.ones(1, X.shape[1])

    with pytest.raises(ExerciseError, match=r"(?s)model\(X\) raised RuntimeError: mat1 and mat2.*X @ weight\.T"):
        _accuracy_of(WrongShapes(), torch.ones(4, 3), torch.zeros(4, dtype=torch.long), "model", binary=True)


def test_assigning_a_plain_tensor_to_a_parameter_gets_a_hint():
    def assign():
        layer = nn.Linear(1, 1)
        layer.weight = torch.tensor([[3.0]])
        return layer

    message = _message(assign)
    assert "cannot assign 'torch.FloatTensor' as parameter 'weight'" in message
    assert re.search(r"Hint: .*with torch\.no_grad\(\):.*layer\.weight\.copy_", message, re.S)


@pytest.mark.parametrize("fn", [lambda w: w[1], lambda w: torch.tensor(w)[1]], ids=["list", "tensor"])
def test_fixed_number_of_entries_gets_a_hint(fn):
    message = _message(fn, [3.0])
    assert re.search(r"index.*out of (range|bounds)", message)
    assert "any length" in message.split("\nHint: ", 1)[1]


@pytest.mark.parametrize("fn", [lambda y_true, y_pred: (y_true & y_pred).sum(),
                                lambda y_true, y_pred: (y_true | y_pred).sum(),
                                lambda y_true, y_pred: (~y_pred).sum()], ids=["and", "or", "invert"])
def test_bitwise_operators_on_float_tensors_are_a_wrong_attempt_not_the_stub(fn):
    labels = torch.tensor([1.0, 0.0, 1.0])
    original = _original(fn, labels, labels)
    message = _message(fn, labels, labels)
    assert "not written yet" not in message
    assert str(original) in message
    assert "(y_true == 1) & (y_pred == 1)" in message.split("\nHint: ", 1)[1]


def test_only_the_empty_stub_raised_by_the_answer_counts_as_not_written_yet():
    def with_a_message():
        raise NotImplementedError("my own reason")

    message = _message(with_a_message)
    assert "not written yet" not in message and "my own reason" in message

    class NoForward(nn.Module):
        pass  # torch's Module.__call__ raises NotImplementedError from torch's own code

    message = _message(lambda X: NoForward()(X), torch.ones(2, 1))
    assert "not written yet" not in message and "forward" in message


def test_in_place_write_of_the_wrong_shape_gets_a_hint():
    def copy_a_column(weights):
        layer = nn.Linear(len(weights), 1)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(weights).reshape(-1, 1))
        return layer

    original = _original(copy_a_column, [2.0, -1.0])
    message = _message(copy_a_column, [2.0, -1.0])
    assert "output with shape [1, 2] doesn't match the broadcast shape [2, 2]" in str(original)
    assert str(original) in message
    hint = message.split("\nHint: ", 1)[1]
    assert "[1, 2]" in hint and "[2, 2]" in hint and "torch.tensor([weights])" in hint


# --------------------------------------------------------------------------
# A hint points at the mistake and the lesson's section; it does not hand over a line of the reference solution
# that the task itself does not give (issue 23). Every wrong answer of the catalogue is tried (lesson 07's
# Exercise 3, which trains on MNIST, is left out).
# --------------------------------------------------------------------------


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


#: Lines a hint may state although the task does not: the common-slip hints that the README promises.
_ALLOWED = {
    "m=logits.max(dim=1,keepdim=True).values": "Python's max, or .max(dim=...) without .values (lesson 07)",
}


def _solution_lines_not_in_the_task(lesson: str, exercise: str) -> list[str]:
    from tests import mistakes

    task = "".join(source for _, grade_id, source in mistakes._cells("student", lesson)
                   if grade_id.endswith("-task") or grade_id in (f"{exercise}-answer", "exercises-intro"))
    lines = [_squeezed(line.split("#")[0]) for line in mistakes.solution(lesson, f"{exercise}-answer").splitlines()]
    lines = [line.removeprefix("return") for line in lines]
    return [line for line in lines if len(line) >= 18 and not line.startswith(("def", "class", '"""'))
            and not line.endswith(":") and line not in _ALLOWED and line not in _squeezed(task)]


def _catalogue_cases():
    import importlib

    for lesson in ("01", "02", "03", "04", "05", "06", "07"):
        module = importlib.import_module(f"tests.test_mistakes_{lesson}")
        for exercise, name, answer, _ in [*module.MISTAKES, *getattr(module, "ROUND3", []),
                                          *getattr(module, "VISIBLE_ONLY", [])]:
            yield pytest.param(lesson, exercise, answer, id=f"{lesson}-{exercise}-{name}")


@pytest.mark.parametrize("lesson, exercise, answer", list(_catalogue_cases()))
def test_hint_does_not_paste_the_solution(lesson: str, exercise: str, answer: str) -> None:
    from tests.mistakes import try_answer

    message = _squeezed(try_answer(lesson, exercise, answer).message)
    pasted = [line for line in _solution_lines_not_in_the_task(lesson, exercise) if line in message]
    assert not pasted, f"{lesson} {exercise}: the hint hands over the solution line(s) {pasted}"


#: Solution lines (squeezed) that hints used to paste, and that the rule above missed: shorter than its 18
#: characters, or written differently from the reference (a learner pass found them). No hint of the exercise
#: may contain them.
_PASTED_BEFORE = {
    ("01", "ex2"): ["sigma(z)*sigma(-z)"],
    ("03", "ex1"): ["self.predict_proba(X)>=threshold", "predict_proba(X)>=threshold"],
    ("03", "ex3"): ["x=-b/w", "(-b/w).item()", "-b/w"],
    ("04", "ex3"): ["torch.tensor([point],dtype=torch.float32)", "int(model.predict(X_new).item())"],
    ("06", "ex1"): ["((y_pred==1)&(y_true==1)).sum()", "((y_pred==1)&(y_true==0)).sum()",
                    "((y_pred==0)&(y_true==1)).sum()"],
    ("06", "ex2"): ["X_train.mean(dim=0,keepdim=True)", "X_train.std(dim=0,correction=0,keepdim=True)"],
    ("07", "ex2"): ["(predicted==labels).float().mean().item()", "(predicted==labels).float().mean()"],
}


@pytest.mark.parametrize("lesson, exercise, answer", [
    case for case in _catalogue_cases() if tuple(case.values[:2]) in _PASTED_BEFORE])
def test_hint_does_not_paste_a_known_solution_line(lesson: str, exercise: str, answer: str) -> None:
    from tests.mistakes import try_answer

    message = _squeezed(try_answer(lesson, exercise, answer).message)
    pasted = [line for line in _PASTED_BEFORE[(lesson, exercise)] if line in message]
    assert not pasted, f"{lesson} {exercise}: the hint hands over the solution line(s) {pasted}"
