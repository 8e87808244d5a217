"""LogisticRegression and SoftmaxRegression: values against torch references, shapes, bad input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import LogisticRegression, set_seed
from course_utils.models import SoftmaxRegression, count_parameters


@pytest.fixture
def model() -> LogisticRegression:
    set_seed(0)
    return LogisticRegression(n_inputs=2)


def test_forward_returns_logits_of_the_linear_layer(model):
    X = torch.tensor([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]])
    expected = X @ model.linear.weight.T + model.linear.bias
    torch.testing.assert_close(model(X), expected)
    assert model(X).shape == (3, 1)


def test_predict_proba_is_sigmoid_of_logits(model):
    X = torch.randn(5, 2)
    torch.testing.assert_close(model.predict_proba(X), torch.sigmoid(model(X)))
    assert not model.predict_proba(X).requires_grad


def test_predict_uses_the_threshold(model):
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[1.0, 0.0]]))
        model.linear.bias.zero_()
    X = torch.tensor([[-2.0, 0.0], [0.0, 0.0], [0.5, 0.0], [3.0, 0.0]])  # p = .12, .5, .62, .95
    assert model.predict(X).flatten().tolist() == [0, 1, 1, 1]
    assert model.predict(X, threshold=0.9).flatten().tolist() == [0, 0, 0, 1]
    assert model.predict(X).dtype == torch.long


def test_same_function_as_nn_sequential_with_the_same_weights():
    set_seed(1)
    seq = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    custom = LogisticRegression(3)
    custom.linear.load_state_dict(seq[0].state_dict())
    X = torch.randn(8, 3)
    torch.testing.assert_close(custom.predict_proba(X), seq(X))


def test_seeded_initialization_is_reproducible():
    set_seed(7)
    a = LogisticRegression(4)
    set_seed(7)
    b = LogisticRegression(4)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(pa, pb)


def test_integer_tensor_is_refused_with_a_fix(model):
    with pytest.raises(TypeError, match=r"dtype torch.int64.*\.float\(\)"):
        model(torch.tensor([[1, 2]]))


def test_one_dimensional_input_is_refused_with_a_reshape_hint():
    with pytest.raises(ValueError, match=r"shape \(4,\).*reshape\(-1, 1\)"):
        LogisticRegression(1)(torch.tensor([1.0, 2.0, 3.0, 4.0]))


def test_wrong_feature_count_names_both_numbers(model):
    with pytest.raises(ValueError, match=r"3 feature\(s\).*expects 2.*n_inputs=3"):
        model(torch.zeros(4, 3))


def test_non_tensor_input_is_refused(model):
    with pytest.raises(TypeError, match="torch.as_tensor"):
        model([[1.0, 2.0]])


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.1, 2, True])
def test_threshold_outside_zero_one_is_refused(model, threshold):
    with pytest.raises(ValueError, match="threshold"):
        model.predict(torch.zeros(1, 2), threshold=threshold)


@pytest.mark.parametrize("n_inputs", [0, -1, 1.5, "2", True])
def test_bad_n_inputs(n_inputs):
    with pytest.raises(ValueError, match="n_inputs"):
        LogisticRegression(n_inputs)


def test_parameter_count_and_repr():
    assert count_parameters(LogisticRegression(2)) == 3
    assert "n_inputs=2" in repr(LogisticRegression(2))


def test_softmax_regression_shapes_and_probabilities():
    set_seed(0)
    model = SoftmaxRegression()
    assert count_parameters(model) == 7850
    X = torch.randn(6, 1, 28, 28)
    assert model(X).shape == (6, 10)
    torch.testing.assert_close(model(X), model(X.reshape(6, 784)))
    proba = model.predict_proba(X)
    torch.testing.assert_close(proba.sum(dim=1), torch.ones(6))
    torch.testing.assert_close(model.predict(X), proba.argmax(dim=1))


def test_softmax_regression_bad_input():
    model = SoftmaxRegression()
    with pytest.raises(ValueError, match=r"unsqueeze\(0\)"):
        model(torch.randn(784))
    with pytest.raises(TypeError, match="float"):
        model(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match="expects 784"):
        model(torch.zeros(2, 1, 14, 14))
    with pytest.raises(ValueError, match="n_classes"):
        SoftmaxRegression(784, 1)
