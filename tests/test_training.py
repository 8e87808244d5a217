"""Binary training: the BCE gradient by hand, the gradient-descent loop, LBFGS, weight decay."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import LogisticRegression, set_seed
from course_utils.synthetic import make_two_blobs, train_test_split
from course_utils.training import (
    ObjectiveHistory,
    bce_for_parameters,
    bce_gradients_by_hand,
    fit_lbfgs,
    gradient_norm,
    objective,
    train_logistic_regression,
)


@pytest.fixture(scope="module")
def overlapping():
    X, y = make_two_blobs(n_samples=300, overlap=1.0, seed=0)
    X_train, _, y_train, _ = train_test_split(X, y, seed=0)
    return X_train, y_train


@pytest.fixture(scope="module")
def separable():
    return make_two_blobs(n_samples=200, overlap=0.25, seed=0)


def fresh_model(seed: int = 0) -> LogisticRegression:
    set_seed(seed)
    return LogisticRegression(2)


# --------------------------------------------------------------------------- gradient by hand


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_by_hand_matches_autograd(overlapping, seed):
    X, y = overlapping
    model = fresh_model(seed)
    nn.BCEWithLogitsLoss()(model(X), y).backward()
    grad_w, grad_b = bce_gradients_by_hand(X, y, model.linear.weight, model.linear.bias)
    assert grad_w.shape == model.linear.weight.shape and grad_b.shape == model.linear.bias.shape
    torch.testing.assert_close(grad_w, model.linear.weight.grad)
    torch.testing.assert_close(grad_b, model.linear.bias.grad)


def test_gradient_by_hand_accepts_flat_parameters_and_1d_labels():
    X = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -2.0]])
    y = torch.tensor([1.0, 0.0, 1.0])
    w = torch.tensor([0.3, -0.2], requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    nn.functional.binary_cross_entropy_with_logits(X @ w + b, y).backward()
    grad_w, grad_b = bce_gradients_by_hand(X, y, w, b)
    torch.testing.assert_close(grad_w, w.grad)
    torch.testing.assert_close(grad_b, b.grad)


def test_gradient_by_hand_is_zero_at_a_perfect_fit_of_balanced_points():
    """At w = 0, b = 0 every p is 0.5; symmetric points give a zero weight gradient by the formula."""
    X = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    y = torch.tensor([[1.0], [1.0]])
    grad_w, grad_b = bce_gradients_by_hand(X, y, torch.zeros(1, 2), torch.zeros(1))
    torch.testing.assert_close(grad_w, torch.zeros(1, 2))
    torch.testing.assert_close(grad_b, torch.tensor([-0.5]))  # mean(p - y) = 0.5 - 1


def test_gradient_by_hand_bad_inputs():
    X, y = torch.zeros(4, 2), torch.zeros(4)
    with pytest.raises(ValueError, match="weight has 3 entries but X has 2 features"):
        bce_gradients_by_hand(X, y, torch.zeros(1, 3), torch.zeros(1))
    with pytest.raises(ValueError, match="bias must hold a single number"):
        bce_gradients_by_hand(X, y, torch.zeros(1, 2), torch.zeros(2))
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        bce_gradients_by_hand(X, torch.tensor([0.0, 1.0, 2.0, 1.0]), torch.zeros(1, 2), torch.zeros(1))
    with pytest.raises(TypeError, match="floating-point"):
        bce_gradients_by_hand(X.long(), y, torch.zeros(1, 2), torch.zeros(1))


def test_bce_for_parameters_matches_the_module_loss(overlapping):
    X, y = overlapping
    model = fresh_model(3)
    expected = nn.BCEWithLogitsLoss()(model(X), y).item()
    w, b = model.linear.weight.detach()[0].tolist(), model.linear.bias.item()
    assert bce_for_parameters(X, y, w, b) == pytest.approx(expected, rel=1e-6)
    assert bce_for_parameters(X, y, (0.0, 0.0), 0.0) == pytest.approx(torch.log(torch.tensor(2.0)).item())
    with pytest.raises(ValueError, match="one per feature"):
        bce_for_parameters(X, y, (1.0, 2.0, 3.0), 0.0)


# --------------------------------------------------------------------------- the training loop


def test_training_reaches_the_optimum_on_overlapping_data(overlapping):
    X, y = overlapping
    model = fresh_model()
    history = train_logistic_regression(model, X, y, lr=1.0, num_epochs=300)
    assert history.grad_norm[-1] < 1e-3
    assert gradient_norm(model, X, y) == pytest.approx(history.grad_norm[-1], rel=1e-4, abs=1e-8)
    assert history.loss[-1] < history.loss[0]
    assert history.loss[-1] == pytest.approx(objective(model, X, y), rel=1e-6)
    assert history.epochs_to_converge(1e-3) is not None and history.epochs_to_converge(1e-3) <= 300


def test_history_has_one_entry_per_epoch_plus_the_start(overlapping):
    X, y = overlapping
    model = fresh_model()
    start = [p.detach().clone() for p in model.parameters()]
    history = train_logistic_regression(model, X, y, lr=0.5, num_epochs=7)
    assert isinstance(history, ObjectiveHistory)
    assert history.num_epochs == 7
    for values in (history.loss, history.objective, history.grad_norm, history.weight_norm, history.params):
        assert len(values) == 8
    assert history.params[0] == pytest.approx(torch.cat([p.flatten() for p in start]).tolist())
    assert history.params[-1] == pytest.approx(torch.cat([p.detach().flatten() for p in model.parameters()]).tolist())
    assert history.weight_norm[-1] == pytest.approx(model.linear.weight.norm().item(), rel=1e-6)


def test_loop_takes_plain_gradient_steps(overlapping):
    """One epoch of full-batch training is one step w <- w - lr * grad, with the gradient by hand."""
    X, y = overlapping
    model = fresh_model()
    w0, b0 = model.linear.weight.detach().clone(), model.linear.bias.detach().clone()
    grad_w, grad_b = bce_gradients_by_hand(X, y, w0, b0)
    train_logistic_regression(model, X, y, lr=0.7, num_epochs=1)
    torch.testing.assert_close(model.linear.weight.detach(), w0 - 0.7 * grad_w)
    torch.testing.assert_close(model.linear.bias.detach(), b0 - 0.7 * grad_b)


def test_small_learning_rate_is_far_from_converged_after_the_same_epochs(overlapping):
    X, y = overlapping
    good = train_logistic_regression(fresh_model(), X, y, lr=1.0, num_epochs=200)
    tiny = train_logistic_regression(fresh_model(), X, y, lr=0.01, num_epochs=200)
    assert good.grad_norm[-1] < 1e-3 < tiny.grad_norm[-1]


def test_training_is_reproducible(overlapping):
    X, y = overlapping
    first = train_logistic_regression(fresh_model(), X, y, lr=0.5, num_epochs=20, batch_size=16, seed=1)
    second = train_logistic_regression(fresh_model(), X, y, lr=0.5, num_epochs=20, batch_size=16, seed=1)
    assert first.params == second.params


def test_history_entries_are_appended_together_from_epoch_0():
    history = ObjectiveHistory()
    history.append(loss=0.7, objective=0.8, grad_norm=0.5, weight_norm=0.0, params=[0.0, 0.0, 0.0])
    history.append(loss=0.4, objective=0.5, grad_norm=0.1, weight_norm=1.0, params=[1.0, 0.0, 0.1])
    assert history.epochs == [0, 1] and history.num_epochs == 1
    assert history.loss == [0.7, 0.4] and history.params[-1] == [1.0, 0.0, 0.1]
    assert history.epochs_to_converge(0.2) == 1 and history.epochs_to_converge(0.05) is None


def test_full_batch_history_matches_a_fresh_measurement(overlapping):
    """Each entry recorded from the step's own backward pass equals an independent measurement."""
    X, y = overlapping
    model = fresh_model()
    history = train_logistic_regression(model, X, y, lr=1.0, num_epochs=5, weight_decay=0.1)
    assert history.objective[-1] == pytest.approx(objective(model, X, y, weight_decay=0.1), rel=1e-6)
    assert history.grad_norm[-1] == pytest.approx(gradient_norm(model, X, y, weight_decay=0.1), rel=1e-5)
    replay = fresh_model()
    for epoch in range(5):
        assert history.grad_norm[epoch] == pytest.approx(gradient_norm(replay, X, y, weight_decay=0.1), rel=1e-5)
        train_logistic_regression(replay, X, y, lr=1.0, num_epochs=1, weight_decay=0.1)


def test_mini_batches_get_near_the_optimum(overlapping):
    X, y = overlapping
    full = train_logistic_regression(fresh_model(), X, y, lr=1.0, num_epochs=400)
    mini = train_logistic_regression(fresh_model(), X, y, lr=0.2, num_epochs=40, batch_size=20)
    assert mini.num_epochs == 40 and mini.epochs == list(range(41))
    assert mini.loss[-1] < full.loss[-1] + 0.01
    assert torch.dist(torch.tensor(mini.params[-1]), torch.tensor(full.params[-1])) < 0.3


def test_training_restores_the_thread_count(overlapping):
    X, y = overlapping
    before = torch.get_num_threads()
    train_logistic_regression(fresh_model(), X, y, num_epochs=2)
    assert torch.get_num_threads() == before


# --------------------------------------------------------------------------- one optimum, separable data


def test_lbfgs_reaches_the_same_weights_as_gradient_descent(overlapping):
    X, y = overlapping
    sgd_model, lbfgs_model = fresh_model(0), fresh_model(1)
    train_logistic_regression(sgd_model, X, y, lr=1.0, num_epochs=400)
    history = fit_lbfgs(lbfgs_model, X, y)
    assert len(history.loss) == 2 and history.grad_norm[-1] < 1e-4
    for p_sgd, p_lbfgs in zip(sgd_model.parameters(), lbfgs_model.parameters(), strict=True):
        torch.testing.assert_close(p_sgd, p_lbfgs, atol=1e-4, rtol=1e-4)


def test_separable_data_weights_keep_growing_without_weight_decay(separable):
    X, y = separable
    history = train_logistic_regression(fresh_model(), X, y, lr=1.0, num_epochs=2000)
    norms = history.weight_norm
    assert norms[100] < norms[500] < norms[1000] < norms[2000]
    assert history.loss[-1] < 2e-3


def test_weight_decay_gives_a_finite_optimum_on_separable_data(separable):
    X, y = separable
    model = fresh_model()
    history = train_logistic_regression(model, X, y, lr=1.0, num_epochs=1000, weight_decay=0.01)
    assert history.grad_norm[-1] < 1e-5
    assert history.weight_norm[-1] == pytest.approx(history.weight_norm[500], rel=1e-4)
    assert history.objective[-1] > history.loss[-1]
    assert gradient_norm(model, X, y, weight_decay=0.01) < 1e-5
    # LBFGS on the same penalized objective agrees: the weight decay does not touch the bias.
    # LBFGS stops at a gradient norm of about 5e-6; there the objective is so flat along the bias that
    # moving b by 2e-4 changes it by one float32 step (7e-9). So the objectives agree to 1e-6 and the
    # parameters to 5e-4.
    other = fresh_model(5)
    lbfgs = fit_lbfgs(other, X, y, weight_decay=0.01)
    assert lbfgs.objective[-1] == pytest.approx(history.objective[-1], abs=1e-6)
    torch.testing.assert_close(other.linear.weight, model.linear.weight, atol=5e-4, rtol=1e-4)
    torch.testing.assert_close(other.linear.bias, model.linear.bias, atol=5e-4, rtol=1e-4)


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr": 0}, ValueError, "lr must be a positive number"),
        ({"lr": -0.1}, ValueError, "lr must be a positive number"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be a positive integer"),
        ({"num_epochs": 2.5}, ValueError, "num_epochs must be a positive integer"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay must be a number >= 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
    ],
)
def test_bad_hyperparameters_explain_themselves(overlapping, kwargs, error, match):
    X, y = overlapping
    with pytest.raises(error, match=match):
        train_logistic_regression(fresh_model(), X, y, **kwargs)


def test_bad_data_and_models_explain_themselves(overlapping):
    X, y = overlapping
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train_logistic_regression(lambda t: t, X, y)
    with pytest.raises(ValueError, match="X has 1 feature.*the model expects 2"):
        train_logistic_regression(fresh_model(), X[:, :1], y)
    with pytest.raises(TypeError, match="floating-point"):
        train_logistic_regression(fresh_model(), X.long(), y)
    with pytest.raises(ValueError, match="y has 199 labels but X has 200 rows"):
        train_logistic_regression(fresh_model(), X, y[:-1])
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        train_logistic_regression(fresh_model(), X, 2 * y)
    with pytest.raises(ValueError, match="one logit per row"):
        train_logistic_regression(nn.Linear(2, 3), X, y)
    with pytest.raises(ValueError, match="tol must be a positive number"):
        ObjectiveHistory().epochs_to_converge(0)
