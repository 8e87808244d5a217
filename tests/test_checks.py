"""course_utils.checks: each check passes on a right answer and gives the specific hint on typical wrong ones."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import LogisticRegression, checks
from course_utils.checks import ExerciseError
from course_utils.models import SoftmaxRegression


def passes(check, *args) -> str:
    """Run a check that must pass; return what it printed."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        check(*args)
    out = buffer.getvalue()
    assert out.startswith("✓ ") and out.count("\n") == 1, out
    return out


def fails(check, *args, match: str) -> ExerciseError:
    with pytest.raises(ExerciseError, match=match) as info:
        check(*args)
    return info.value


def not_written(*args, **kwargs):
    raise NotImplementedError()


def test_exercise_error_is_an_assertion_error_whose_message_is_the_hint():
    assert issubclass(ExerciseError, AssertionError)
    err = fails(checks.check_my_sigmoid, not_written, match="not written yet")
    assert "raise NotImplementedError()" in str(err)


def test_checks_leave_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    checks.check_make_logistic_model_more(_make_logistic_model)
    checks.check_logistic_classifier_more(_LogisticClassifier)
    torch.testing.assert_close(torch.rand(3), expected)


_LESSON_MODULES = (checks.lesson01, checks.lesson02, checks.lesson03, checks.lesson04, checks.lesson05,
                   checks.lesson06, checks.lesson07)


@pytest.mark.parametrize("lesson", _LESSON_MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_the_package_exports_each_lessons_checks_themselves(lesson):
    """``checks.check_x`` is ``checks.lessonNN.check_x``: one function, decorated where it is defined."""
    public = sorted(name for name in vars(lesson) if name.startswith("check_"))
    assert public and sorted(lesson.__all__) == public
    for name in public:
        assert getattr(checks, name) is getattr(lesson, name), name
        assert name in checks.__all__
        assert getattr(lesson, name).__wrapped__.__module__ == lesson.__name__, name


def test_the_package_exports_nothing_else():
    from_lessons = [name for lesson in _LESSON_MODULES for name in lesson.__all__]
    assert sorted(checks.__all__) == sorted(["ExerciseError", *from_lessons])
    assert len(set(checks.__all__)) == len(checks.__all__)


def test_a_check_called_through_its_lesson_module_leaves_the_global_random_state_alone():
    def draws_from_the_global_generator(z):
        torch.rand(5)  # a learner's answer may draw random numbers; the check must undo it
        return _stable_sigmoid(z)

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    passes(checks.lesson01.check_my_sigmoid, draws_from_the_global_generator)
    checks.lesson02.check_make_logistic_model_more(_make_logistic_model)
    checks.lesson03.check_logistic_classifier_more(_LogisticClassifier)
    torch.testing.assert_close(torch.rand(3), expected)


# --------------------------------------------------------------------------- lesson 01


def _stable_sigmoid(z):
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _stable_log_sigmoid(z):
    e = torch.exp(torch.where(z >= 0, -z, z))
    return torch.where(z >= 0, -torch.log1p(e), z - torch.log1p(e))


def test_my_sigmoid_passes_on_a_stable_sigmoid():
    assert "z = ±1000" in passes(checks.check_my_sigmoid, _stable_sigmoid)
    passes(checks.check_my_sigmoid_extremes, _stable_sigmoid)


@pytest.mark.parametrize(
    "answer, match",
    [
        (lambda z: 1 / (1 + torch.exp(z)), r"wrong at z = -10\.0000: got 1\.0000, expected 4\.5398e-05"),
        (lambda z: _stable_sigmoid(z).reshape(-1, 1), r"shape \(208, 1\), but it should have shape \(208,\)"),
        (lambda z: None, "should return a torch.Tensor, but it returned NoneType. Did you forget the `return`"),
        (lambda z: _stable_sigmoid(z.neg_().neg_().mul_(1.5)), "changed its input z in place"),
        (lambda z: _stable_sigmoid(z).tolist(), "returned list"),
        (lambda z: 1 / 0, "raised ZeroDivisionError"),
        (lambda z: torch.sigmoid(z), "uses torch.sigmoid, which the task rules out"),
        (lambda z: torch.special.expit(z), "uses torch.special.expit"),
        (lambda z: torch.exp(nn.functional.logsigmoid(z)), "uses F.logsigmoid"),
        (lambda z: nn.Sigmoid()(z), "uses nn.Sigmoid, which the task rules out"),
    ],
)
def test_my_sigmoid_hints(answer, match):
    fails(checks.check_my_sigmoid, answer, match=match)


def test_my_sigmoid_visible_check_tests_every_rule_of_the_task():
    naive = lambda z: 1 / (1 + torch.exp(-z))  # noqa: E731 - right values, nan gradient at -1000
    fails(checks.check_my_sigmoid, naive,  # exp(100) overflows, so 1 / (1 + inf) = 0 where sigma(-100) = 3.7e-44
          match=r"wrong at z = -100\.0000: got 0\.0000, expected 3\.7201e-44.*overflows to inf for z < -88\.72")
    other_way = lambda z: torch.exp(z) / (1 + torch.exp(z))  # noqa: E731 - inf / inf at +100
    fails(checks.check_my_sigmoid, other_way,
          match=r"gives the value nan at input 100\.0000.*torch\.where\(z >= 0, -z, z\)")
    where_naive = lambda z: torch.where(z >= 0, 1 / (1 + torch.exp(-z)), torch.exp(z) / (1 + torch.exp(z)))  # noqa: E731
    fails(checks.check_my_sigmoid, where_naive, match="even in the input of torch.where that it does not select")
    with_abs = lambda z: (lambda e: torch.where(z >= 0, 1 / (1 + e), e / (1 + e)))(torch.exp(-z.abs()))  # noqa: E731
    fails(checks.check_my_sigmoid, with_abs, match=r"at z = 0 is 0\.0000, but the true slope there is 0\.25")
    fails(checks.check_my_sigmoid, lambda z: _stable_sigmoid(z.float()), match="float64 z into torch.float32")
    fails(checks.check_my_sigmoid, lambda z: 1 / (1 + torch.exp(-z.clamp(-80, 80))), match=r"wrong at z = -1000")


def test_my_sigmoid_tiny_values_are_compared_relatively_down_to_a_few_subnormal_steps():
    from course_utils.checks.lesson01 import _subnormal_atol

    assert _subnormal_atol(torch.float32) == pytest.approx(4 * 2.0 ** -149)
    assert _subnormal_atol(torch.float64) == pytest.approx(4 * 2.0 ** -1074)
    # clamped below: sigma(-87) = 1.6e-38 instead of sigma(-95) = 5.5e-42 and sigma(-100) = 3.7e-44
    fails(checks.check_my_sigmoid, lambda z: 1 / (1 + torch.exp(-z.clamp(min=-87))),
          match=r"wrong at z = -1000\.0000: got 1\.6458e-38.*Do not clamp z")
    # right in float32 (where the clamp only bites below the subnormal range) but clamped in float64
    clamped64 = lambda z: _stable_sigmoid(z if z.dtype == torch.float32 else z.clamp(min=-87))  # noqa: E731
    fails(checks.check_my_sigmoid, clamped64,
          match=r"for a torch\.float64 z is wrong at z = -500\.0000: got 1\.6458e-38, expected 7\.124\de-218")


def test_my_sigmoid_hidden_check_probes_other_inputs():
    # right on the visible inputs, wrong only on other ones: the hidden check must catch each
    def float32_only_beyond_600(z):
        return _stable_sigmoid(z) if z.dtype == torch.float32 or z.abs().max() < 600 else _stable_sigmoid(z.float())
    # the visible check now tries float64 z = -800 and 800 too (a float64 detour or clamp shows there)
    fails(checks.check_my_sigmoid, float32_only_beyond_600, match="float64 z into torch.float32")
    fails(checks.check_my_sigmoid_extremes, float32_only_beyond_600, match="float64 z into torch.float32")

    def flat_only(z):
        return _stable_sigmoid(z) if z.ndim <= 2 else _stable_sigmoid(z).reshape(-1)
    passes(checks.check_my_sigmoid, flat_only)
    fails(checks.check_my_sigmoid_extremes, flat_only, match=r"shape \(24,\), but it should have shape \(2, 3, 4\)")


def test_sigmoid_derivative():
    right = lambda z: torch.sigmoid(z) * torch.sigmoid(-z)  # noqa: E731
    passes(checks.check_sigmoid_derivative, right)
    passes(checks.check_sigmoid_derivative_tails, right)
    textbook = lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z))  # noqa: E731
    fails(checks.check_sigmoid_derivative, textbook,
          match=r"wrong at z = 20\.0000.*rounds to exactly 1.*symmetry property")
    fails(checks.check_sigmoid_derivative, lambda z: torch.sigmoid(z) ** 2, match="The derivative is sigma")
    overflowing = lambda z: torch.exp(-z) / (1 + torch.exp(-z)) ** 2  # noqa: E731
    fails(checks.check_sigmoid_derivative, overflowing, match=r"nan at input -1000.*overflows")
    fails(checks.check_sigmoid_derivative, lambda z: right(z.float()), match="float64 z into torch.float32")
    # right on the visible inputs, wrong beyond them: caught by the hidden check only
    clipped = lambda z: right(z) if z.dtype == torch.float32 else right(z.clamp(-60, 60))  # noqa: E731
    passes(checks.check_sigmoid_derivative, clipped)
    fails(checks.check_sigmoid_derivative_tails, clipped,
          match=r"sigmoid_derivative\(z\) for a 2x3x4 float64 z is wrong")


def test_my_log_sigmoid():
    passes(checks.check_my_log_sigmoid, _stable_log_sigmoid)
    passes(checks.check_my_log_sigmoid_extremes, _stable_log_sigmoid)
    naive = lambda z: torch.log(torch.sigmoid(z))  # noqa: E731
    fails(checks.check_my_log_sigmoid, naive, match=r"gives the value -inf at input -1000.*log1p")
    fails(checks.check_my_log_sigmoid, lambda z: torch.log(1 + torch.exp(z)), match=r"wrong at z = -10")
    clamp_abs = lambda z: torch.clamp(z, max=0) - torch.log1p(torch.exp(-z.abs()))  # noqa: E731
    fails(checks.check_my_log_sigmoid, clamp_abs, match=r"at z = 0 is 0\.0000, but the true slope there is 0\.5")
    fails(checks.check_my_log_sigmoid, nn.functional.logsigmoid, match="uses F.logsigmoid")
    fails(checks.check_my_log_sigmoid, lambda z: nn.LogSigmoid()(z), match="uses nn.LogSigmoid")
    log_not_log1p = lambda z: (lambda e: torch.where(z >= 0, -torch.log(1 + e), z - torch.log(1 + e)))(  # noqa: E731
        torch.exp(torch.where(z >= 0, -z, z)))
    fails(checks.check_my_log_sigmoid, log_not_log1p,
          match=r"wrong at z = 20\.0000: got -0\.0000e\+00, expected -2\.0612e-09 \(relative error 100\.0%.*log1p")
    fails(checks.check_my_log_sigmoid, lambda z: -nn.functional.softplus(-z), match="uses F.softplus")
    # right on the visible inputs, wrong on other shapes: caught by the hidden check only
    flat_only = lambda z: _stable_log_sigmoid(z) if z.ndim <= 2 else _stable_log_sigmoid(z).reshape(-1)  # noqa: E731
    passes(checks.check_my_log_sigmoid, flat_only)
    fails(checks.check_my_log_sigmoid_extremes, flat_only, match=r"shape \(24,\)")


# --------------------------------------------------------------------------- lesson 02


def _build_model_3x(w: float = 3.0, b: float = -1.0, last: nn.Module | None = None):
    def build():
        model = nn.Sequential(nn.Linear(1, 1), last if last is not None else nn.Sigmoid())
        with torch.no_grad():
            model[0].weight.fill_(w)
            model[0].bias.fill_(b)
        return model
    return build


def test_model_3x():
    passes(checks.check_model_3x, _build_model_3x())
    passes(checks.check_model_3x_details, _build_model_3x())
    fails(checks.check_model_3x, _build_model_3x(w=1.0),
          match=r"its weight is 1\.0000 and its bias -1\.0000, but they should be 3\.0000 and -1\.0000")
    fails(checks.check_model_3x, _build_model_3x(last=nn.ReLU()),
          match="last layer .* is ReLU; it should be nn.Sigmoid")
    fails(checks.check_model_3x, lambda: nn.Linear(1, 1), match="should give an nn.Sequential")
    fails(checks.check_model_3x, lambda: nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()),
          match=r"should be nn\.Linear\(1, 1\)")

    def frozen():
        model = _build_model_3x()()
        model[0].weight.requires_grad_(False)
        return model
    fails(checks.check_model_3x, frozen, match="does not require gradients")  # the task says trainable: visible
    fails(checks.check_model_3x_details, frozen, match="does not require gradients")

    shared = _build_model_3x()()
    fails(checks.check_model_3x, lambda: shared, match="same model .* NEW model on every call")

    def without_no_grad():
        model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
        model[0].weight.fill_(3.0)
        return model
    fails(checks.check_model_3x, without_no_grad, match=r"(?s)leaf Variable.*Hint: .*with torch\.no_grad\(\):")

    def float64():
        return _build_model_3x()().double()
    fails(checks.check_model_3x, float64, match="dtype torch.float64; keep nn.Linear's float32 parameters")


def _make_logistic_model(weights, bias):
    model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([weights]))
        model[0].bias.fill_(bias)
    return model


def test_make_logistic_model():
    passes(checks.check_make_logistic_model, _make_logistic_model)
    passes(checks.check_make_logistic_model_more, _make_logistic_model)
    two_only = lambda w, b: _make_logistic_model([*w, 0.0][:2], b)  # noqa: E731
    fails(checks.check_make_logistic_model, two_only,  # any number of features: checked visibly
          match=r"nn\.Linear\(2, 1\); it should be nn\.Linear\(1, 1\)")
    fails(checks.check_make_logistic_model_more, two_only, match=r"nn\.Linear\(2, 1\); it should be nn\.Linear\(5, 1\)")
    fails(checks.check_make_logistic_model, lambda w, b: _make_logistic_model(w, 0.0), match="its bias 0.0000")

    def frozen(weights, bias):
        return _make_logistic_model(weights, bias).requires_grad_(False)
    fails(checks.check_make_logistic_model, frozen, match="does not require gradients")

    def fill_vector(weights, bias):
        model = nn.Sequential(nn.Linear(len(weights), 1), nn.Sigmoid())
        with torch.no_grad():
            model[0].weight.fill_(torch.tensor(weights))
        return model
    fails(checks.check_make_logistic_model, fill_vector, match=r"(?s)fill_ only supports.*Hint: .*copy_")


def test_prepare_input():
    right = lambda v: torch.as_tensor(v, dtype=torch.float32).reshape(-1, 1)  # noqa: E731
    passes(checks.check_prepare_input, right)
    passes(checks.check_prepare_input_more, right)
    fails(checks.check_prepare_input, lambda v: torch.tensor(v, dtype=torch.float32), match=r"\.reshape\(-1, 1\)")
    fails(checks.check_prepare_input, lambda v: torch.tensor([v], dtype=torch.float32), match=r"That is a row")
    fails(checks.check_prepare_input, lambda v: torch.tensor(v).reshape(-1, 1),
          match="dtype torch.int64; a model needs floats")
    fails(checks.check_prepare_input, lambda v: torch.tensor(v, dtype=torch.float64).reshape(-1, 1),
          match="use torch.float32")
    fails(checks.check_prepare_input, lambda v: torch.as_tensor(v, dtype=torch.float32).reshape(4, 1),
          match=r"prepare_input\(\(0\.5, -2\.0\)\) raised RuntimeError")
    lists_only = lambda v: v.reshape(-1, 1) if isinstance(v, torch.Tensor) else right(v)  # noqa: E731
    fails(checks.check_prepare_input, lists_only,
          match=r"prepare_input\(torch\.tensor\(\[5, -6, 7\]\)\) has dtype torch\.int64")
    fails(checks.check_prepare_input_more, lambda v: v.reshape(-1, 1) if isinstance(v, torch.Tensor) else right(v),
          match=r"float64")


# --------------------------------------------------------------------------- lesson 03


class _LogisticClassifier(nn.Module):
    def __init__(self, n_inputs):
        super().__init__()
        self.linear = nn.Linear(n_inputs, 1)

    def forward(self, X):
        return self.linear(X)

    @torch.no_grad()
    def predict_proba(self, X):
        return torch.sigmoid(self(X))

    @torch.no_grad()
    def predict(self, X, threshold=0.5):
        return (self.predict_proba(X) >= threshold).long()


def test_logistic_classifier():
    passes(checks.check_logistic_classifier, _LogisticClassifier)
    passes(checks.check_logistic_classifier_more, _LogisticClassifier)

    class SigmoidInForward(_LogisticClassifier):
        def forward(self, X):
            return torch.sigmoid(self.linear(X))
    fails(checks.check_logistic_classifier, SigmoidInForward, match="forward applies the sigmoid")

    class FloatClasses(_LogisticClassifier):
        @torch.no_grad()
        def predict(self, X, threshold=0.5):
            return (self.predict_proba(X) >= threshold).float()
    fails(checks.check_logistic_classifier, FloatClasses,
          match=r"dtype torch\.float32; return classes as integers with \.long\(\)")

    class IgnoresThreshold(_LogisticClassifier):
        @torch.no_grad()
        def predict(self, X, threshold=0.5):
            return (self.predict_proba(X) >= 0.5).long()
    fails(checks.check_logistic_classifier, IgnoresThreshold,
          match=r"threshold=0\.9\) is wrong.*at least the threshold")

    class StrictlyGreater(_LogisticClassifier):
        @torch.no_grad()
        def predict(self, X, threshold=0.5):
            return (self.predict_proba(X) > threshold).long()
    fails(checks.check_logistic_classifier, StrictlyGreater, match=r"exactly 0\.5.*use `>=`, not `>`")

    class TracksGradients(_LogisticClassifier):
        def predict_proba(self, X):
            return torch.sigmoid(self(X))
    fails(checks.check_logistic_classifier, TracksGradients, match="tracks gradients")  # stated in the task: visible

    class TwoInputsOnly(_LogisticClassifier):
        def __init__(self, n_inputs):
            super().__init__(2)
    fails(checks.check_logistic_classifier, TwoInputsOnly, match=r"nn\.Linear\(2, 1\); it should be nn\.Linear\(3, 1\)")

    class OtherName(nn.Module):
        def __init__(self, n_inputs):
            super().__init__()
            self.layer = nn.Linear(n_inputs, 1)
    fails(checks.check_logistic_classifier, OtherName, match="no layer called `linear`")

    class NotWritten(_LogisticClassifier):
        def __init__(self, n_inputs):
            raise NotImplementedError()
    fails(checks.check_logistic_classifier, NotWritten, match="not written yet")


def test_map_state_dict():
    right = lambda s: {k.replace("0.", "linear.", 1): v for k, v in s.items()}  # noqa: E731
    passes(checks.check_map_state_dict, right)
    passes(checks.check_map_state_dict_more, right)
    fails(checks.check_map_state_dict, dict, match=r"has the keys \['0.bias', '0.weight'\].*replace the prefix")

    def in_place(state):
        for key in list(state):
            state[key.replace("0.", "linear.")] = state.pop(key)
        return state
    fails(checks.check_map_state_dict, in_place, match="changed the dictionary it was given")
    fails(checks.check_map_state_dict, lambda s: s, match="returned `state` itself")
    changed = lambda s: {"linear.weight": s["0.weight"] * 0 + 1, "linear.bias": s["0.bias"]}  # noqa: E731
    fails(checks.check_map_state_dict, changed, match=r"should hold the same tensor as state\['0\.weight'\]")
    swapped = lambda s: {"linear.weight": s["0.bias"], "linear.bias": s["0.weight"]}  # noqa: E731
    fails(checks.check_map_state_dict, swapped, match="(?s)size mismatch.*keep each tensor with its key")


def test_decision_boundary():
    right = lambda m: (-m.linear.bias / m.linear.weight).item()  # noqa: E731
    passes(checks.check_decision_boundary, right)
    passes(checks.check_decision_boundary_more, right)
    fails(checks.check_decision_boundary, lambda m: -m.linear.bias[0] / m.linear.weight[0, 0],  # the task says float
          match=r"returned a tensor of shape \(\); the task asks for a Python float.*\.item\(\)")
    fails(checks.check_decision_boundary, lambda m: (m.linear.bias / m.linear.weight).item(),
          match=r"returned -2\.5000, expected 2\.5000.*w \* x \+ b is 0")
    fails(checks.check_decision_boundary, lambda m: 2.5,
          match=r"w = -0\.5, b = 1\.0\) returned 2\.5000, expected 2\.0000")
    fails(checks.check_decision_boundary, lambda m: round((-m.linear.bias / m.linear.weight).item()),
          match="should return a Python float, but it returned int")
    fails(checks.check_decision_boundary, lambda m: None, match="should return a Python float.*`return`")
    # approximate answers: exact at two decimals for 2.5, 2.0 and 0.0, but not for 1/3 or outside a grid
    fails(checks.check_decision_boundary, lambda m: round((-m.linear.bias / m.linear.weight).item(), 2),
          match=r"w = 3\.0, b = -1\.0\) returned 0\.3300, expected 0\.3333.*without round\(\)")
    fails(checks.check_decision_boundary, lambda m: max(-10.0, min(10.0, (-m.linear.bias / m.linear.weight).item())),
          match=r"w = 0\.1, b = 5\.0\) returned -10\.0000, expected -50\.0000")
    # close but not exact: all digits are shown
    fails(checks.check_decision_boundary, lambda m: (-m.linear.bias / m.linear.weight).item() * (1 + 1e-5),
          match=r"returned 2\.50002\d*, expected 2\.5:")


# --------------------------------------------------------------------------- lesson 04


def _bce_gradients(X, y, weight, bias):
    p = torch.sigmoid(X @ weight.reshape(-1, 1) + bias)
    error = p - y.reshape(-1, 1)
    return (error * X).mean(dim=0).reshape(weight.shape), error.mean().reshape(bias.shape)


def test_bce_gradients():
    passes(checks.check_bce_gradients, _bce_gradients)
    passes(checks.check_bce_gradients_more, _bce_gradients)

    def summed(X, y, weight, bias):
        gw, gb = _bce_gradients(X, y, weight, bias)
        return gw * len(X), gb * len(X)
    fails(checks.check_bce_gradients, summed, match="sums over the rows")
    fails(checks.check_bce_gradients, lambda X, y, w, b: tuple(-g for g in _bce_gradients(X, y, w, b)),
          match="sign is flipped")
    fails(checks.check_bce_gradients,
          lambda X, y, w, b: (_bce_gradients(X, y, w, b)[0].flatten(), _bce_gradients(X, y, w, b)[1]),
          match=r"shape \(2,\), but it should have shape \(1, 2\).*keepdim=True")

    def with_autograd(X, y, weight, bias):
        w, b = weight.clone().requires_grad_(True), bias.clone().requires_grad_(True)
        nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y).backward()
        return w.grad, b.grad
    fails(checks.check_bce_gradients, with_autograd, match="from the formula, without autograd")

    def two_features_only(X, y, weight, bias):
        error = torch.sigmoid(X[:, :1] * weight[0, 0] + X[:, 1:2] * weight[0, 1] + bias) - y
        return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
    fails(checks.check_bce_gradients, two_features_only, match="with 3 features.*any number of features")

    def naive_sigmoid(X, y, weight, bias):
        p = 1 / (1 + torch.exp(-(X @ weight.reshape(-1, 1) + bias)))
        error = p - y
        return (error * X).mean(dim=0).reshape(weight.shape), error.mean().reshape(bias.shape)
    passes(checks.check_bce_gradients, naive_sigmoid)
    passes(checks.check_bce_gradients_more, naive_sigmoid)


def _grad_under_enable_grad(X, y, weight, bias):
    with torch.enable_grad():
        w, b = weight.detach().clone().requires_grad_(True), bias.detach().clone().requires_grad_(True)
        return torch.autograd.grad(nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y), (w, b))


def _grad_with_torch_func(X, y, weight, bias):
    loss = lambda w, b: nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y)  # noqa: E731
    return torch.func.grad(loss, argnums=(0, 1))(weight, bias)


@pytest.mark.parametrize("check", [checks.check_bce_gradients, checks.check_bce_gradients_more])
@pytest.mark.parametrize("answer", [_grad_under_enable_grad, _grad_with_torch_func])
def test_bce_gradients_rejects_autograd_in_both_checks(check, answer):
    fails(check, answer, match="from the formula, without autograd")
    assert torch.is_grad_enabled()  # the check restores autograd afterwards
    w = torch.ones(1, requires_grad=True)
    (2 * w).sum().backward()
    assert w.grad.item() == 2.0


def test_bce_gradients_hints_for_squeeze_and_element_types():
    def squeezed(X, y, weight, bias):
        error = torch.sigmoid(X @ weight.T + bias).squeeze() - y
        return (error * X).mean(dim=0, keepdim=True), error.mean(dim=0)
    fails(checks.check_bce_gradients, squeezed, match=r"\(n, 1\) like y.*\(n, n\)")
    fails(checks.check_bce_gradients, lambda X, y, w, b: tuple(g.numpy() for g in _bce_gradients(X, y, w, b)),
          match=r"grad_weight \(element 0 of what .*\) should be a torch\.Tensor, but it is a ndarray")
    fails(checks.check_bce_gradients, lambda X, y, w, b: (w.grad, b.grad), match=r"`weight\.grad` is None here")


def _train(model, X, y, lr, num_epochs, *, zero_grad=True, sigmoid=False, step=True):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(num_epochs):
        if zero_grad:
            optimizer.zero_grad()
        out = model(X)
        loss = loss_fn(torch.sigmoid(out) if sigmoid else out, y)
        loss.backward()
        if step:
            optimizer.step()
        losses.append(loss.item())
    return losses


def test_train():
    passes(checks.check_train, _train)
    passes(checks.check_train_more, _train)
    fails(checks.check_train, lambda *a: _train(*a, zero_grad=False), match="never clears the gradients.*zero_grad")
    fails(checks.check_train, lambda *a: _train(*a, sigmoid=True), match="sigmoid before nn.BCEWithLogitsLoss")
    fails(checks.check_train, lambda *a: _train(*a, step=False),
          match=r"did not change the model's weights.*optimizer\.step\(\)")
    fails(checks.check_train, lambda m, X, y, lr, n: _train(m, X, y, 1.0, n), match="with the lr given")
    fails(checks.check_train, lambda m, X, y, lr, n: None, match="returned None")
    fails(checks.check_train, lambda m, X, y, lr, n: _train(m, X, y, lr, n + 1), match="one per epoch")
    fails(checks.check_train, not_written, match="not written yet")

    def bce_loss(model, X, y, lr, num_epochs):
        optimizer, losses = torch.optim.SGD(model.parameters(), lr=lr), []
        for _ in range(num_epochs):
            optimizer.zero_grad()
            loss = nn.BCELoss()(torch.sigmoid(model(X)), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses
    fails(checks.check_train, bce_loss, match="nn.BCELoss on probabilities")

    def new_model(model, X, y, lr, num_epochs):
        return _train(LogisticRegression(X.shape[1]), X, y, lr, num_epochs)
    fails(checks.check_train, new_model, match="did not change the model's weights")


def _train_with_helper(model, X, y, lr, num_epochs):
    from course_utils.training import train_logistic_regression
    return train_logistic_regression(model, X, y, lr=lr, num_epochs=num_epochs).loss[:num_epochs]


def _train_by_hand(model, X, y, lr, num_epochs):
    loss_fn, losses = nn.BCEWithLogitsLoss(), []
    for _ in range(num_epochs):
        model.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("check", [checks.check_train, checks.check_train_more])
def test_train_rejects_the_helper_and_a_hand_written_update(check):
    from course_utils import training
    original = training.train_logistic_regression
    fails(check, _train_with_helper, match=r"called course_utils\.training\.train_logistic_regression")
    assert training.train_logistic_regression is original  # restored after the check
    fails(check, _train_by_hand, match=r"no torch\.optim\.SGD took a step")


def test_predict_point():
    def right(model, point):
        p = model.predict_proba(torch.tensor([point], dtype=torch.float32)).item()
        return p, int(p >= 0.5)
    passes(checks.check_predict_point, right)
    passes(checks.check_predict_point_more, right)
    fails(checks.check_predict_point, lambda m, pt: (right(m, pt)[0], 0),
          match="class 1 exactly when the probability is at least 0.5")
    fails(checks.check_predict_point, lambda m, pt: (m(torch.tensor([pt])).item(), 1), match="returned the logit")
    fails(checks.check_predict_point, lambda m, pt: tuple(torch.tensor(v) for v in right(m, pt)),
          match=r"\.item\(\).*int\(")
    fails(checks.check_predict_point, lambda m, pt: (right(m, pt)[0], bool(right(m, pt)[1])),
          match="int 0 or 1; got bool")
    fails(checks.check_predict_point, lambda m, pt: (right(m, pt)[0], round(right(m, pt)[0])),
          match=r"round\(0\.5\) is 0")
    fails(checks.check_predict_point_more, lambda m, pt: right(m, [float(v) for v in pt][:1] * 2), match="expected")


# --------------------------------------------------------------------------- lesson 07


def test_my_log_softmax():
    def right(z):
        m = z.max(dim=1, keepdim=True).values
        return z - m - torch.log(torch.exp(z - m).sum(dim=1, keepdim=True))
    passes(checks.check_my_log_softmax, right)
    passes(checks.check_my_log_softmax_extremes, right)
    naive = lambda z: torch.log(torch.exp(z) / torch.exp(z).sum(dim=1, keepdim=True))  # noqa: E731
    fails(checks.check_my_log_softmax, naive, match="logits in the thousands gives the value nan.*EACH ROW's maximum")
    fails(checks.check_my_log_softmax, lambda z: torch.log_softmax(z, dim=0),
          match="calls torch.log_softmax, which the task rules out")
    fails(checks.check_my_log_softmax, lambda z: z - torch.logsumexp(z, dim=1), match="calls torch.logsumexp")
    global_max = lambda z: z - z.max() - torch.log(torch.exp(z - z.max()).sum(dim=1, keepdim=True))  # noqa: E731
    fails(checks.check_my_log_softmax, global_max, match=r"not z\.max\(\)")
    def by_column(z):
        m = z.max(dim=0, keepdim=True).values
        return z - m - torch.log(torch.exp(z - m).sum(dim=0, keepdim=True))
    fails(checks.check_my_log_softmax, by_column, match="each column \\(dim=0\\)")
    def log_of_ratio(z):  # subtracts each row's max, but takes the log of the softmax: log(0) = -inf
        e = torch.exp(z - z.max(dim=1, keepdim=True).values)
        return torch.log(e / e.sum(dim=1, keepdim=True))
    fails(checks.check_my_log_softmax, log_of_ratio, match=r"gives the value -inf.*Don't take the log of the ratio")
    def in_place(z):
        z -= z.max(dim=1, keepdim=True).values
        return z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    fails(checks.check_my_log_softmax, in_place, match="changed the caller's logits in place")
    fails(checks.check_my_log_softmax, lambda z: right(z.double()), match="returned torch.float64 for torch.float32")
    fails(checks.check_my_log_softmax, lambda z: torch.from_numpy(right(z).detach().numpy()),
          match="autograd cannot differentiate")
    fails(checks.check_my_log_softmax, lambda z: nn.LogSoftmax(dim=1)(z), match=r"nn\.LogSoftmax calls it")
    # the library functions are restored after the check
    torch.testing.assert_close(torch.log_softmax(torch.zeros(1, 2), dim=1), torch.log(torch.full((1, 2), 0.5)))
    torch.testing.assert_close(torch.zeros(1, 2).softmax(dim=1), torch.full((1, 2), 0.5))


def test_my_log_softmax_hidden_probes_other_inputs():
    def squeezed(z):  # breaks for a batch of one row
        m = z.max(dim=1).values.squeeze()[:, None]
        return z - m - torch.log(torch.exp(z - m).sum(dim=1, keepdim=True))
    passes(checks.check_my_log_softmax, squeezed)
    fails(checks.check_my_log_softmax_extremes, squeezed, match="for a single row raised")


def test_my_accuracy():
    right = lambda logits, labels: (logits.argmax(dim=1) == labels).float().mean().item()  # noqa: E731
    passes(checks.check_my_accuracy, right)
    passes(checks.check_my_accuracy_more, right)
    fails(checks.check_my_accuracy, lambda lo, la: 100 * right(lo, la), match="a percentage")
    fails(checks.check_my_accuracy, lambda lo, la: (lo.argmax(dim=1) == la).sum().item(), match="got int.*a count")
    fails(checks.check_my_accuracy, lambda lo, la: (lo.argmax(dim=1) == la).float().mean(),
          match=r"returned a torch\.Tensor \(0\.6250\); the task asks for a Python float.*\.item\(\)")
    fails(checks.check_my_accuracy, lambda lo, la: (lo.argmax(dim=0) == la[:10]).float().mean().item(),
          match="raised|logits.argmax\\(dim=1\\)")
    with pytest.raises(checks.ExerciseError, match=r"one entry per row.*argmax\(dim=1\)") as info:
        checks.check_my_accuracy(lambda lo, la: (lo.argmax(dim=0) == la).float().mean().item())
    assert "reshape" not in str(info.value)  # the generic broadcasting advice would mislead here
    fails(checks.check_my_accuracy, lambda lo, la: (lo.argmax(dim=1, keepdim=True) == la).float().mean().item(),
          match=r"\(batch, batch\) table.*Drop keepdim")
    fails(checks.check_my_accuracy, lambda lo, la: (lo.argmax(dim=1) == la).mean().item(),
          match=r"\.float\(\)\.mean\(\)")


def _mnist_like(n: int = 300):
    """Random 'images' whose labels a known SoftmaxRegression classifies perfectly."""
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(n, 1, 28, 28, generator=gen)
    model = SoftmaxRegression()
    with torch.no_grad():
        model.linear.weight.copy_(torch.randn(10, 784, generator=gen))
        model.linear.bias.zero_()
        y = model(X).argmax(dim=1)
    return model, X, y


class _Scaled(nn.Module):
    def __init__(self, inner: nn.Module, factor: float) -> None:
        super().__init__()
        self.inner, self.factor = inner, factor

    def forward(self, X):
        return self.factor * self.inner(X)


def test_mnist_classifier():
    model, X, y = _mnist_like()
    # the synthetic digits are easy (100%): lift the bar a linear model cannot pass on real held-out digits
    passes(lambda *a: checks.check_mnist_classifier(*a, maximum=1.0), model, X, y)
    fails(checks.check_mnist_classifier, model, X, y,
          match=r"100\.00% of the 300 validation images.*out of reach for a linear model.*trained on the validation")
    passes(checks.check_mnist_classifier_more, model, X, y)
    fails(checks.check_mnist_classifier, SoftmaxRegression(), X, y,
          match=r"validation images right; it needs at least 91\.8%.*Adam")
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))
    fails(checks.check_mnist_classifier, mlp, X, y, match="25,450 parameters; softmax regression on MNIST has 7,850")
    with_softmax = nn.Sequential(model, nn.Softmax(dim=1))
    fails(checks.check_mnist_classifier, with_softmax, X, y, match="returns probabilities.*must return logits")
    fails(checks.check_mnist_classifier_more, with_softmax, X, y, match="ends with a softmax")
    fails(checks.check_mnist_classifier, None, X, y, match="mnist_model is None")
    with_log_softmax = nn.Sequential(model, nn.LogSoftmax(dim=1))  # log-probabilities are logits too
    passes(lambda *a: checks.check_mnist_classifier(*a, maximum=1.0), with_log_softmax, X, y)
    fails(checks.check_mnist_classifier, nn.Sequential(model, nn.Sigmoid()), X, y,
          match=r"all >= 0.*sigmoid.*not logits")
    fails(checks.check_mnist_classifier, _Scaled(nn.Sequential(model, nn.Softmax(dim=1)), 10.0), X, y,
          match=r"sum to the same number: rescaled probabilities")
    from course_utils.mnist import EpochMetrics
    fails(checks.check_mnist_classifier, EpochMetrics(), X, y, match=r"is an EpochMetrics.*mnist_model = model")


def test_mnist_classifier_hidden_check_suspects_training_on_validation():
    model, X, y = _mnist_like(1000)
    y_test = y.clone()
    y_test[:60] = (y_test[:60] + 1) % 10  # 94% on "test", 100% on "validation"
    passes(checks.check_mnist_classifier_more, model, X, y_test)  # without validation data: the old check
    fails(checks.check_mnist_classifier_more, model, X, y_test, X, y,
          match="suspiciously higher.*Did you train on X_val")
    y_val = y.clone()
    y_val[:63] = (y_val[:63] + 1) % 10  # 93.7% on validation: 0.3 points above test is allowed
    passes(checks.check_mnist_classifier_more, model, X, y_test, X, y_val)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        checks.check_mnist_classifier_more(model, X, y_test, X)
