"""The statistics lessons 05 and 06 compute in torch, checked against statsmodels and scikit-learn.

Lesson 06 fits a small unpenalized logistic regression (four standardized features of the breast-cancer training
split) and reads standard errors from the inverse Fisher information, Wald intervals and a likelihood-ratio test;
it also fits Platt scaling (a one-feature logistic regression on a model's validation logits). Lesson 05 scores
settings by stratified 5-fold cross-validation. These tests redo the lessons' computations and compare them with
statsmodels' ``Logit`` and scikit-learn.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from course_utils import LogisticRegression, set_seed
from course_utils.tabular import Standardizer, load_breast_cancer, stratified_split, subsample_positives
from course_utils.training import fit_lbfgs

sm = pytest.importorskip("statsmodels.api")

SMALL_FEATURES = ["worst radius", "worst texture", "worst concave points", "worst smoothness"]


def _fit_unpenalized(Z: torch.Tensor, y: torch.Tensor) -> LogisticRegression:
    """Lesson 06's unpenalized float64 fit."""
    set_seed(0)
    model = LogisticRegression(n_inputs=Z.shape[1]).double()
    fit_lbfgs(model, Z, y, weight_decay=0.0, max_iter=1000, tolerance_grad=1e-12)
    return model


def _log_likelihood(model: LogisticRegression, Z: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return -nn.functional.binary_cross_entropy_with_logits(model(Z), y, reduction="sum").item()


@pytest.fixture(scope="module")
def lesson06():
    data = load_breast_cancer()
    X_train, X_val, X_test, y_train, y_val, y_test = stratified_split(data.X, data.y, (0.6, 0.2, 0.2), seed=0)
    scaler = Standardizer().fit(X_train)
    cols = [data.feature_names.index(name) for name in SMALL_FEATURES]
    Z_small = scaler.transform(X_train)[:, cols].double()
    return {"Z_small": Z_small, "y": y_train.double(), "X_train": X_train, "y_train": y_train,
            "X_val": X_val, "y_val": y_val}


def test_wald_standard_errors_and_intervals_match_statsmodels(lesson06):
    Z, y = lesson06["Z_small"], lesson06["y"]
    model = _fit_unpenalized(Z, y)
    X1 = torch.cat([Z, torch.ones(len(Z), 1, dtype=torch.float64)], dim=1)
    with torch.no_grad():
        p = torch.sigmoid(model(Z))
    fisher = (X1 * p * (1 - p)).T @ X1
    se = torch.linalg.inv(fisher).diagonal().sqrt().numpy()
    coef = torch.cat([model.linear.weight.detach().ravel(), model.linear.bias.detach()]).numpy()

    result = sm.Logit(y.numpy().ravel(), sm.add_constant(Z.numpy(), prepend=False)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(coef, result.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(se, result.bse, rtol=1e-5)
    np.testing.assert_allclose(coef / se, result.tvalues, rtol=1e-5)
    # Wald 95% intervals (the lesson uses 1.96; statsmodels the exact normal quantile) and their odds ratios
    np.testing.assert_allclose(np.c_[coef - 1.96 * se, coef + 1.96 * se], result.conf_int(0.05), rtol=1e-3)
    np.testing.assert_allclose(np.exp(coef[:-1]), np.exp(result.params[:-1]), rtol=1e-5)
    # the two-sided Wald p-value the lesson computes with erfc
    z = coef[3] / se[3]
    assert math.erfc(abs(z) / math.sqrt(2)) == pytest.approx(result.pvalues[3], rel=1e-5)
    # the numbers the lesson's prose quotes
    assert 0.97 < float((torch.sigmoid(model(Z)) >= 0.5).double().eq(y).double().mean()) < 1  # not separable
    assert round(float(coef[0]), 2) == 5.71 and round(float(se[0]), 2) == 1.28


def test_likelihood_ratio_test_matches_statsmodels(lesson06):
    Z, y = lesson06["Z_small"], lesson06["y"]
    full, reduced = _fit_unpenalized(Z, y), _fit_unpenalized(Z[:, :3], y)
    ll_full, ll_reduced = _log_likelihood(full, Z, y), _log_likelihood(reduced, Z[:, :3], y)
    lr_stat = 2 * (ll_full - ll_reduced)
    y_np = y.numpy().ravel()
    res_full = sm.Logit(y_np, sm.add_constant(Z.numpy(), prepend=False)).fit(disp=0, tol=1e-12)
    res_reduced = sm.Logit(y_np, sm.add_constant(Z[:, :3].numpy(), prepend=False)).fit(disp=0, tol=1e-12)
    assert ll_full == pytest.approx(res_full.llf, rel=1e-8)
    assert ll_reduced == pytest.approx(res_reduced.llf, rel=1e-8)
    from scipy.stats import chi2

    stat = 2 * (res_full.llf - res_reduced.llf)  # one parameter fewer: chi-squared with 1 degree of freedom
    assert lr_stat == pytest.approx(stat, rel=1e-6)
    assert math.erfc(math.sqrt(lr_stat / 2)) == pytest.approx(chi2.sf(stat, df=1), rel=1e-6)
    assert round(lr_stat, 2) == 2.81


def test_platt_scaling_matches_statsmodels_and_sklearn(lesson06):
    """Platt scaling: an unpenalized logistic regression of the labels on one column, the model's logits."""
    from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

    X_rare, y_rare = subsample_positives(lesson06["X_train"], lesson06["y_train"], positive_share=0.05, seed=0)
    rare_scaler = Standardizer().fit(X_rare)
    set_seed(0)
    rare_model = LogisticRegression(n_inputs=30)
    fit_lbfgs(rare_model, rare_scaler.transform(X_rare), y_rare, weight_decay=3e-3, max_iter=500)
    with torch.no_grad():
        logits = rare_model(rare_scaler.transform(lesson06["X_val"])).double()
    y_val = lesson06["y_val"].double()
    platt = _fit_unpenalized(logits, y_val)
    a, b = platt.linear.weight.item(), platt.linear.bias.item()
    result = sm.Logit(y_val.numpy().ravel(), sm.add_constant(logits.numpy(), prepend=False)).fit(disp=0, tol=1e-12)
    assert (a, b) == pytest.approx(tuple(result.params), rel=1e-5)
    sk = SklearnLogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logits.numpy(), y_val.numpy().ravel())
    assert (a, b) == pytest.approx((sk.coef_[0, 0], sk.intercept_[0]), rel=1e-4)


def test_prior_shift_is_the_log_ratio_of_prior_odds():
    """Bayes' rule: moving from prior pi_train to pi adds log-odds(pi) - log-odds(pi_train) to every logit."""
    pi_train, pi = 11 / 226, 128 / 343
    shift = math.log(pi / (1 - pi)) - math.log(pi_train / (1 - pi_train))
    # p(x | y) unchanged: the posterior odds scale by the ratio of prior odds
    for p_train in (0.01, 0.3, 0.9):
        odds = p_train / (1 - p_train) * (pi / (1 - pi)) / (pi_train / (1 - pi_train))
        corrected = torch.sigmoid(torch.logit(torch.tensor(p_train, dtype=torch.float64)) + shift).item()
        assert corrected == pytest.approx(odds / (1 + odds), rel=1e-12)
    assert round(shift, 2) == 2.45


def test_stratified_folds_keep_class_shares():
    """Lesson 05's folds: scikit-learn's StratifiedKFold keeps each fold's class share within one point of the whole."""
    from sklearn.model_selection import StratifiedKFold

    from course_utils.synthetic import make_moons, train_val_test_split

    X, y = make_moons(n_samples=300, noise=0.3, seed=2)
    X_train, X_val, _, y_train, y_val, _ = train_val_test_split(X, y, val_fraction=0.3, test_fraction=0.3, seed=2)
    y_pool = torch.cat([y_train, y_val]).ravel().numpy()
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(len(y_pool)), y_pool))
    assert sorted(np.concatenate([va for _, va in folds]).tolist()) == list(range(len(y_pool)))
    for _, va in folds:
        assert abs(y_pool[va].mean() - y_pool.mean()) <= 1 / len(va) + 1e-12


@pytest.mark.parametrize(("degree", "lam"), [(3, 1e-4), (3, 1e-3), (5, 1e-3)])
def test_cross_validated_log_loss_matches_sklearn_pipeline(degree, lam):
    """Lesson 05's 5-fold CV log-loss (torch fits) equals scikit-learn's PolynomialFeatures + StandardScaler +
    LogisticRegression(C = 1 / (n lambda)) pipeline on the same stratified folds."""
    from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    from course_utils.features import fit_polynomial_logistic
    from course_utils.synthetic import make_moons, train_val_test_split

    X, y = make_moons(n_samples=300, noise=0.3, seed=2)
    X_train, X_val, _, y_train, y_val, _ = train_val_test_split(X, y, val_fraction=0.3, test_fraction=0.3, seed=2)
    X_pool, y_pool = torch.cat([X_train, X_val]), torch.cat([y_train, y_val])
    y_np = y_pool.ravel().numpy()
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(X_pool.numpy(), y_np)
    ours, theirs = [], []
    for tr, va in folds:
        tr_t, va_t = torch.as_tensor(tr), torch.as_tensor(va)
        model, fmap = fit_polynomial_logistic(X_pool[tr_t], y_pool[tr_t], degree=degree, weight_decay=lam)
        with torch.no_grad():
            logits = model(fmap(X_pool[va_t])).double()
        ours.append(nn.functional.binary_cross_entropy_with_logits(logits, y_pool[va_t].double()).item())
        pipe = make_pipeline(PolynomialFeatures(degree, include_bias=False), StandardScaler(),
                             SklearnLogisticRegression(C=1 / (len(tr) * lam), tol=1e-10, max_iter=100_000))
        pipe.fit(X_pool[tr_t].double().numpy(), y_np[tr])
        theirs.append(log_loss(y_np[va], pipe.predict_proba(X_pool[va_t].double().numpy())[:, 1]))
    assert np.mean(ours) == pytest.approx(np.mean(theirs), rel=2e-3)
