"""A catalogue of bad inputs: every public helper refuses them with the right error and a message that says
what was wrong and how to fix it. Nothing here may pass silently (a wrong result, no error) or surface as
a raw torch / torchvision / matplotlib traceback.

Each case is ``(id, call, error type, regex)``; the regex holds the words that matter in the message.
The MNIST files on disk (truncated, corrupt, swapped, .gz) have their own tests in ``test_mnist_files.py``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from course_utils import devices, features, metrics, mnist, seeding, synthetic, tabular, training  # noqa: E402
from course_utils.data import DatasetNotFoundError  # noqa: E402
from course_utils.mnist import load_mnist  # noqa: E402
from course_utils.models import LogisticRegression, SoftmaxRegression  # noqa: E402
from course_utils.plotting import binary as pbinary  # noqa: E402
from course_utils.plotting import decisions as pdecisions  # noqa: E402
from course_utils.plotting import mnist as pmnist  # noqa: E402
from course_utils.validation import TrainingDivergedError  # noqa: E402

NAN, INF = float("nan"), float("inf")


def blobs(n: int = 40):
    return synthetic.make_two_blobs(n_samples=n, seed=0)


def with_value(X: torch.Tensor, value: float, row: int = 3) -> torch.Tensor:
    X = X.clone()
    X[row, 1] = value
    return X


def model2() -> LogisticRegression:
    torch.manual_seed(0)
    return LogisticRegression(2)


def train(**kwargs):
    X, y = blobs()
    args = {"model": model2(), "X": X, "y": y, "num_epochs": 5}
    args.update(kwargs)
    return training.train_logistic_regression(**args)


def mnist_toy(n: int = 32, label: int | None = None):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    if label is not None:
        y[5] = label
    return X, y


def train_softmax(model=None, X=None, y=None, **kwargs):
    from course_utils.mnist import train_softmax_regression as run

    X0, y0 = mnist_toy()
    torch.manual_seed(0)
    kwargs.setdefault("num_epochs", 1)
    return run(model if model is not None else SoftmaxRegression(), X0 if X is None else X, y0 if y is None else y,
               progress=False, **kwargs)


def evaluate(model=None, X=None, y=None, **kwargs):
    from course_utils.mnist import evaluate as run

    X0, y0 = mnist_toy()
    return run(model if model is not None else SoftmaxRegression(), X0 if X is None else X, y0 if y is None else y,
               **kwargs)


#: Lesson 06's small case: labels and probabilities of four patients; twenty labels for the splits.
Y6, P6 = torch.tensor([1.0, 0.0, 1.0, 0.0]), torch.tensor([0.9, 0.6, 0.2, 0.1])
Y20 = torch.tensor([0.0, 1.0] * 10)


def curved_explorer(**kwargs):
    from course_utils.widgets import curved_boundary_explorer

    X, y = blobs()
    args = {"degree": 2, "weight_decay": 1e-3, "show": False, **kwargs}
    return curved_boundary_explorer(X[:30], y[:30], X[30:], y[30:], **args)


SIGMOID_MODEL = lambda: nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())  # noqa: E731  lesson 02's kind of model
SOFTMAX_MODEL = lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Softmax(dim=1))  # noqa: E731

CASES = [
    # ----------------------------------------------------------------- models
    ("LogisticRegression-n_inputs-0", lambda: LogisticRegression(0), ValueError, r"n_inputs must be a positive integer, got 0"),
    ("LogisticRegression-n_inputs-float", lambda: LogisticRegression(2.0), ValueError, r"n_inputs must be a positive integer.*without a decimal point"),
    ("LogisticRegression-n_inputs-bool", lambda: LogisticRegression(True), ValueError, r"n_inputs must be a positive integer, got True"),
    ("SoftmaxRegression-n_classes-1", lambda: SoftmaxRegression(n_classes=1), ValueError, r"n_classes must be an integer >= 2.*digits"),
    ("forward-list", lambda: model2()([[1.0, 2.0]]), TypeError, r"X must be a torch.Tensor.*torch.as_tensor"),
    ("forward-int64", lambda: model2()(torch.zeros(3, 2, dtype=torch.long)), TypeError, r"dtype torch.int64.*X.float\(\)"),
    ("forward-float64", lambda: model2()(torch.zeros(3, 2, dtype=torch.float64)), TypeError, r"float64.*weights are torch.float32.*X.float\(\)"),
    ("forward-1d", lambda: model2()(torch.zeros(4)), ValueError, r"shape \(4,\).*reshape\(-1, 1\)"),
    ("forward-3-features", lambda: model2()(torch.zeros(4, 3)), ValueError, r"3 feature\(s\).*expects 2"),
    ("predict-nan-row", lambda: model2().predict(with_value(blobs()[0], NAN)), ValueError, r"1 NaN.*row 3"),
    ("predict-inf-row", lambda: model2().predict(with_value(blobs()[0], INF)), ValueError, r"1 infinite.*row 3"),
    ("predict_proba-nan", lambda: model2().predict_proba(with_value(blobs()[0], NAN)), ValueError, r"NaN.*Remove or replace"),
    ("predict-threshold-1.5", lambda: model2().predict(torch.zeros(2, 2), threshold=1.5), ValueError, r"threshold must be a probability strictly between 0 and 1"),
    ("predict-threshold-nan", lambda: model2().predict(torch.zeros(2, 2), threshold=NAN), ValueError, r"threshold must be a probability.*finite"),
    ("softmax-predict-nan", lambda: SoftmaxRegression().predict(mnist_toy()[0].index_fill(0, torch.tensor([2]), NAN)), ValueError, r"NaN.*row 2"),
    ("softmax-forward-float64", lambda: SoftmaxRegression()(mnist_toy()[0].double()), TypeError, r"float64.*X.float\(\)"),
    ("softmax-forward-one-image", lambda: SoftmaxRegression()(torch.zeros(28, 28)[0]), ValueError, r"unsqueeze\(0\)"),
    # ----------------------------------------------------------------- binary training
    ("train-nan-in-X", lambda: train(X=with_value(blobs()[0], NAN)), ValueError, r"X contains 1 NaN.*row 3"),
    ("train-inf-in-X", lambda: train(X=with_value(blobs()[0], -INF)), ValueError, r"X contains 0 NaN and 1 infinite"),
    ("train-lr-inf", lambda: train(lr=INF), ValueError, r"lr must be a positive number, got inf; it must be a finite number"),
    ("train-lr-nan", lambda: train(lr=NAN), ValueError, r"lr must be a positive number, got nan"),
    ("train-lr-string", lambda: train(lr="0.1"), ValueError, r"lr must be a positive number, got '0.1' \(a str\)"),
    ("train-lr-zero", lambda: train(lr=0), ValueError, r"lr must be a positive number, got 0"),
    ("train-diverges", lambda: train(lr=10.0, weight_decay=1.0, num_epochs=100), TrainingDivergedError, r"Training stopped after \d+ epoch\(s\).*lr=10 is too large.*lr=1\b"),
    ("train-diverges-minibatch", lambda: train(lr=10.0, weight_decay=1.0, num_epochs=100, batch_size=8), TrainingDivergedError, r"stopped after \d+ epoch.*smaller"),
    ("train-lr-overflow", lambda: train(lr=1e38), TrainingDivergedError, r"after 1 epoch\(s\): (the loss is inf|a weight is NaN or infinite).*lr=1e\+38 is too large"),
    ("train-empty", lambda: train(X=torch.zeros(0, 2), y=torch.zeros(0, 1)), ValueError, r"X is empty.*at least one example"),
    ("train-sigmoid-model", lambda: train(model=SIGMOID_MODEL()), ValueError, r"ends in nn.Sigmoid.*BCEWithLogitsLoss.*logits.*model\[:-1\]"),
    ("train-nested-sigmoid-model", lambda: train(model=nn.Sequential(nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()))), ValueError, r"ends in nn.Sigmoid"),
    ("train-num_epochs-0", lambda: train(num_epochs=0), ValueError, r"num_epochs must be a positive integer, got 0"),
    ("train-num_epochs-float", lambda: train(num_epochs=2.5), ValueError, r"num_epochs must be a positive integer, got 2.5"),
    ("train-weight_decay-negative", lambda: train(weight_decay=-1.0), ValueError, r"weight_decay must be a number >= 0.*no penalty"),
    ("train-weight_decay-nan", lambda: train(weight_decay=NAN), ValueError, r"weight_decay must be a number >= 0, got nan"),
    ("train-batch_size-0", lambda: train(batch_size=0), ValueError, r"batch_size must be a positive integer.*None for full batch"),
    ("train-seed-negative", lambda: train(seed=-1), ValueError, r"seed must be a non-negative integer, got -1.*seed=0"),
    ("train-seed-string", lambda: train(seed="a"), ValueError, r"seed must be a non-negative integer, got 'a'"),
    ("train-not-a-module", lambda: train(model=lambda t: t), TypeError, r"model must be a torch.nn.Module.*LogisticRegression\(2\)"),
    ("train-float64-X", lambda: train(X=blobs()[0].double()), TypeError, r"float64.*X.float\(\)"),
    ("train-labels-2", lambda: train(y=2 * blobs()[1]), ValueError, r"only the labels 0 and 1"),
    ("train-labels-nan", lambda: train(y=blobs()[1].index_fill(0, torch.tensor([0]), NAN)), ValueError, r"only the labels 0 and 1"),
    ("train-labels-count", lambda: train(y=blobs()[1][:-1]), ValueError, r"y has 39 labels but X has 40 rows"),
    ("train-three-outputs", lambda: train(model=nn.Linear(2, 3)), ValueError, r"one logit per row"),
    ("train-no-parameters", lambda: train(model=nn.Identity()), ValueError, r"no trainable parameters"),
    ("lbfgs-nan-in-X", lambda: training.fit_lbfgs(model2(), with_value(blobs()[0], NAN), blobs()[1]), ValueError, r"X contains 1 NaN"),
    ("lbfgs-max_iter-0", lambda: training.fit_lbfgs(model2(), *blobs(), max_iter=0), ValueError, r"max_iter must be a positive integer"),
    ("lbfgs-sigmoid-model", lambda: training.fit_lbfgs(SIGMOID_MODEL(), *blobs()), ValueError, r"ends in nn.Sigmoid"),
    ("objective-sigmoid-model", lambda: training.objective(SIGMOID_MODEL(), *blobs()), ValueError, r"ends in nn.Sigmoid"),
    ("gradient_norm-nan-in-X", lambda: training.gradient_norm(model2(), with_value(blobs()[0], NAN), blobs()[1]), ValueError, r"NaN"),
    ("gradients_by_hand-nan-weight", lambda: training.bce_gradients_by_hand(*blobs(), torch.tensor([[NAN, 1.0]]), torch.zeros(1)), ValueError, r"weight contains 1 NaN"),
    ("bce_for_parameters-bias-string", lambda: training.bce_for_parameters(*blobs(), (1.0, 2.0), "a"), ValueError, r"bias must be a number, got 'a'"),
    ("bce_for_parameters-weight-length", lambda: training.bce_for_parameters(*blobs(), (1.0, 2.0, 3.0), 0.0), ValueError, r"weight has 3 entries but X has 2 features"),
    ("bce_for_parameters-weight-text", lambda: training.bce_for_parameters(*blobs(), "ab", 0.0), TypeError, r"weight must be a tensor or a list of numbers"),
    ("epochs_to_converge-tol-0", lambda: training.ObjectiveHistory().epochs_to_converge(0), ValueError, r"tol must be a positive number.*1e-3"),
    # ----------------------------------------------------------------- seeds: one rule everywhere
    ("set_seed-negative", lambda: seeding.set_seed(-1), ValueError, r"seed must be a non-negative integer, got -1"),
    ("set_seed-string", lambda: seeding.set_seed("a"), ValueError, r"seed must be a non-negative integer, got 'a' \(a str\)"),
    ("set_seed-float", lambda: seeding.set_seed(1.5), ValueError, r"seed must be a non-negative integer, got 1.5"),
    ("set_seed-too-large", lambda: seeding.set_seed(2**64), ValueError, r"below 2\*\*63"),
    ("make_two_blobs-seed-negative", lambda: synthetic.make_two_blobs(seed=-1), ValueError, r"seed must be a non-negative integer, got -1"),
    ("train_test_split-seed-string", lambda: synthetic.train_test_split(*blobs(), seed="a"), ValueError, r"seed must be a non-negative integer, got 'a'"),
    # ----------------------------------------------------------------- synthetic data
    ("make_two_blobs-n_samples-1", lambda: synthetic.make_two_blobs(n_samples=1), ValueError, r"n_samples must be an integer >= 2"),
    ("make_two_blobs-overlap-nan", lambda: synthetic.make_two_blobs(overlap=NAN), ValueError, r"overlap must be a positive, finite number"),
    ("make_two_blobs-centers-nan", lambda: synthetic.make_two_blobs(centers=((0, NAN), (1, 1))), ValueError, r"centers contains 1 NaN.*finite coordinates"),
    ("make_two_blobs-centers-text", lambda: synthetic.make_two_blobs(centers="ab"), ValueError, r"centers must be two \(x1, x2\) pairs"),
    ("train_test_split-fraction-1", lambda: synthetic.train_test_split(*blobs(), test_fraction=1.0), ValueError, r"test_fraction must be a number strictly between 0 and 1"),
    ("train_test_split-rows", lambda: synthetic.train_test_split(torch.zeros(5, 2), torch.zeros(4)), ValueError, r"X has 5 rows but y has 4"),
    # ----------------------------------------------------------------- metrics
    ("confusion_matrix-empty", lambda: metrics.confusion_matrix(torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)), ValueError, r"empty batch.*at least one example"),
    ("confusion_matrix-n_classes-0", lambda: metrics.confusion_matrix(torch.tensor([0]), torch.tensor([0]), n_classes=0), ValueError, r"n_classes must be a positive integer"),
    ("confusion_matrix-label-out-of-range", lambda: metrics.confusion_matrix(torch.tensor([0, 10]), torch.tensor([0, 1]), n_classes=10), ValueError, r"labels must lie in 0..9.*found labels from 0 to 10"),
    ("confusion_matrix-probabilities", lambda: metrics.confusion_matrix(torch.tensor([0, 1]), torch.tensor([0.2, 0.9])), ValueError, r"non-integer.*not probabilities"),
    ("accuracy-empty", lambda: metrics.accuracy(torch.zeros(0), torch.zeros(0)), ValueError, r"empty batch"),
    ("accuracy-logits", lambda: metrics.accuracy(torch.zeros(4, 10), torch.zeros(4)), ValueError, r"argmax\(dim=1\)"),
    ("accuracy-lengths", lambda: metrics.accuracy(torch.zeros(3), torch.zeros(4)), ValueError, r"3 labels but y_true has 4"),
    # ----------------------------------------------------------------- MNIST training
    ("train_softmax-label-10", lambda: train_softmax(y=mnist_toy(label=10)[1]), ValueError, r"label 10.*10 outputs.*0..9"),
    ("train_softmax-label-negative", lambda: train_softmax(y=mnist_toy(label=-1)[1]), ValueError, r"label -1.*0..9"),
    ("train_softmax-one-output-model", lambda: train_softmax(model=nn.Sequential(nn.Flatten(), nn.Linear(784, 1))), ValueError, r"1 output.*one score per class.*SoftmaxRegression"),
    ("train_softmax-softmax-model", lambda: train_softmax(model=SOFTMAX_MODEL(), require_logits=True), ValueError, r"ends in nn.Softmax.*CrossEntropyLoss.*logits"),
    ("train_softmax-seed-string", lambda: train_softmax(seed="a"), ValueError, r"seed must be a non-negative integer, got 'a'"),
    ("train_softmax-seed-negative", lambda: train_softmax(seed=-1), ValueError, r"seed must be a non-negative integer, got -1"),
    ("train_softmax-nan-in-X", lambda: train_softmax(X=mnist_toy()[0].index_fill(0, torch.tensor([4]), NAN)), ValueError, r"X_train contains \d+ NaN.*row 4"),
    ("train_softmax-lr-inf", lambda: train_softmax(lr=INF), ValueError, r"lr must be a positive number, got inf"),
    ("train_softmax-diverges", lambda: train_softmax(optimizer="sgd", lr=10.0, weight_decay=1.0, schedule="constant", num_epochs=20, batch_size=4), TrainingDivergedError, r"Training stopped after \d+ epoch\(s\): the loss is nan.*lr=10 is too large"),
    ("train_softmax-float-labels", lambda: train_softmax(y=mnist_toy()[1].float()), ValueError, r"y_train must hold class indices.*torch.long.*\.long\(\)"),
    ("train_softmax-float64-X", lambda: train_softmax(X=mnist_toy()[0].double()), TypeError, r"float64.*float32"),
    ("train_softmax-not-a-module", lambda: train_softmax(model=lambda t: t), TypeError, r"model must be a torch.nn.Module"),
    ("train_softmax-require_logits-string", lambda: train_softmax(require_logits="yes"), ValueError, r"require_logits must be True or False"),
    ("train_softmax-weight_decay-negative", lambda: train_softmax(weight_decay=-0.1), ValueError, r"weight_decay must be a number >= 0"),
    ("train_on_loader-empty-loader", lambda: __import__("course_utils.bench", fromlist=["x"]).train_on_loader(SoftmaxRegression(), [], torch.optim.SGD(SoftmaxRegression().parameters(), lr=0.1), num_epochs=1), ValueError, r"loader gave no batches"),
    ("train_on_loader-optimizer-string", lambda: __import__("course_utils.bench", fromlist=["x"]).train_on_loader(SoftmaxRegression(), [], "sgd", num_epochs=1), TypeError, r"optimizer must be a torch.optim.Optimizer"),
    ("train_softmax-optimizer", lambda: train_softmax(optimizer="rmsprop"), ValueError, r"optimizer must be one of \('adam', 'sgd'\)"),
    ("validation_split-seed-negative", lambda: __import__("course_utils.mnist", fromlist=["x"]).validation_split(100, 10, seed=-1), ValueError, r"seed must be a non-negative integer, got -1"),
    ("evaluate-label-10", lambda: evaluate(y=mnist_toy(label=10)[1]), ValueError, r"label 10.*0..9"),
    ("evaluate-empty", lambda: evaluate(X=torch.zeros(0, 1, 28, 28), y=torch.zeros(0, dtype=torch.long)), ValueError, r"empty"),
    # ----------------------------------------------------------------- MNIST tensors and the loader
    ("images_to_tensor-float", lambda: mnist.images_to_tensor(torch.zeros(2, 28, 28)), ValueError, r"uint8 tensor shaped \(N, height, width\)"),
    ("images_to_tensor-normalize-string", lambda: mnist.images_to_tensor(torch.zeros(2, 28, 28, dtype=torch.uint8), normalize="yes"), ValueError, r"normalize must be True or False"),
    ("images_to_tensor-device-gpu", lambda: mnist.images_to_tensor(torch.zeros(2, 28, 28, dtype=torch.uint8), device="gpu"), ValueError, r"device must name a device such as 'cpu'.*get_device"),
    ("mnist_tensors-subset-0", lambda: mnist.mnist_tensors(subset=0), ValueError, r"subset must be a positive integer"),
    ("to_tensor_loader-batch_size-0", lambda: mnist.to_tensor_loader(batch_size=0), ValueError, r"batch_size must be a positive integer"),
    ("load_mnist-train-string", lambda: load_mnist(train="yes"), TypeError, r"train must be True .* or False"),
    # ----------------------------------------------------------------- devices
    ("get_device-prefer_gpu-string", lambda: devices.get_device("yes"), ValueError, r"prefer_gpu must be True or False"),
    ("describe_device-gpu", lambda: devices.describe_device("gpu"), ValueError, r"device must name a device"),
    ("describe_device-none", lambda: devices.describe_device(None), ValueError, r"get_device\(\)"),
    # ----------------------------------------------------------------- figures
    ("plot_decision_boundary-nan-X", lambda: pbinary.plot_decision_boundary(model2(), with_value(blobs()[0], NAN), blobs()[1]), ValueError, r"X contains 1 NaN.*row 3"),
    ("plot_decision_boundary-empty-X", lambda: pbinary.plot_decision_boundary(model2(), torch.zeros(0, 2), torch.zeros(0, 1)), ValueError, r"X is empty"),
    ("plot_points_2d-inf", lambda: pbinary.plot_points_2d(with_value(blobs()[0], INF), blobs()[1]), ValueError, r"infinite"),
    ("plot_probability_surface-nan-X", lambda: pbinary.plot_probability_surface(model2(), with_value(blobs()[0], NAN), blobs()[1]), ValueError, r"NaN"),
    ("plot_class_counts-negative", lambda: pmnist.plot_class_counts(torch.tensor([0, -1, 2])), ValueError, r"labels must be class indices 0..9.*-1"),
    ("plot_digit_grid-n-0", lambda: pmnist.plot_digit_grid(torch.zeros(4, 28, 28), torch.zeros(4), n=0), ValueError, r"n must be a positive integer"),
    ("most_confident_mistakes-k-0", lambda: pmnist.most_confident_mistakes(torch.full((3, 10), 0.1), torch.zeros(3), k=0), ValueError, r"k must be a positive integer"),
    # ----------------------------------------------------------------- lesson 05: feature maps
    ("polynomial_features-degree-0", lambda: features.polynomial_features(torch.zeros(3, 2), 0), ValueError, r"degree must be an integer >= 1.*got 0.*degree=3"),
    ("polynomial_features-degree-float", lambda: features.polynomial_features(torch.zeros(3, 2), 2.0), ValueError, r"degree must be an integer >= 1.*without a decimal point, e.g. degree=2"),
    ("polynomial_features-degree-bool", lambda: features.polynomial_features(torch.zeros(3, 2), True), ValueError, r"degree must be an integer >= 1 .*got True \(a bool\)"),
    ("polynomial_features-nan", lambda: features.polynomial_features(with_value(blobs()[0], NAN), 2), ValueError, r"X contains 1 NaN.*row 3"),
    ("polynomial_features-int64", lambda: features.polynomial_features(torch.zeros(3, 2, dtype=torch.long), 2), TypeError, r"dtype torch.int64.*X.float\(\)"),
    ("polynomial_features-list", lambda: features.polynomial_features([[1.0, 2.0]], 2), TypeError, r"X must be a torch.Tensor.*torch.as_tensor"),
    ("n_polynomial_features-n_inputs-0", lambda: features.n_polynomial_features(0, 2), ValueError, r"n_inputs must be a positive integer \(the number of input columns\), got 0"),
    ("PolynomialFeatureMap-standardize-string", lambda: features.PolynomialFeatureMap(3, standardize="yes"), ValueError, r"standardize must be True or False, got 'yes'"),
    ("PolynomialFeatureMap-fit-empty", lambda: features.PolynomialFeatureMap(2).fit(torch.zeros(0, 2)), ValueError, r"X_train is empty.*at least one example"),
    ("PolynomialFeatureMap-fit-inf", lambda: features.PolynomialFeatureMap(2).fit(with_value(blobs()[0], INF)), ValueError, r"X_train contains 0 NaN and 1 infinite"),
    ("PolynomialFeatureMap-call-unfitted", lambda: features.PolynomialFeatureMap(2)(torch.zeros(3, 2)), RuntimeError, r"Fit the feature map first.*fmap.fit\(X_train\)"),
    ("PolynomialFeatureMap-call-3-features", lambda: features.PolynomialFeatureMap(2).fit(blobs()[0])(torch.zeros(3, 3)), ValueError, r"3 feature\(s\).*expects 2"),
    ("PolynomialFeatureMap-call-nan", lambda: features.PolynomialFeatureMap(2).fit(blobs()[0])(with_value(blobs()[0], NAN)), ValueError, r"X contains 1 NaN"),
    ("fit_polynomial_logistic-labels-2", lambda: features.fit_polynomial_logistic(blobs()[0], 2 * blobs()[1], 2), ValueError, r"y_train must contain only the labels 0 and 1"),
    ("fit_polynomial_logistic-weight_decay-negative", lambda: features.fit_polynomial_logistic(*blobs(), 2, weight_decay=-1.0), ValueError, r"weight_decay must be a number >= 0.*no penalty"),
    ("fit_polynomial_logistic-seed-negative", lambda: features.fit_polynomial_logistic(*blobs(), 2, seed=-1), ValueError, r"seed must be a non-negative integer, got -1"),
    ("fit_polynomial_logistic-max_iter-0", lambda: features.fit_polynomial_logistic(*blobs(), 2, max_iter=0), ValueError, r"max_iter must be a positive integer, got 0"),
    # ----------------------------------------------------------------- lesson 05: data a line cannot separate
    ("make_moons-n_samples-1", lambda: synthetic.make_moons(n_samples=1), ValueError, r"n_samples must be an integer >= 2, got 1.*One point per class"),
    ("make_moons-noise-nan", lambda: synthetic.make_moons(noise=NAN), ValueError, r"noise must be a finite number >= 0.*got nan.*noise=0.2"),
    ("make_moons-noise-string", lambda: synthetic.make_moons(noise="0.2"), ValueError, r"noise must be a finite number >= 0.*got '0.2' \(a str\)"),
    ("make_circles-factor-1", lambda: synthetic.make_circles(factor=1), ValueError, r"factor must be a number strictly between 0 and 1 \(inner radius / outer radius\), got 1"),
    ("make_circles-factor-nan", lambda: synthetic.make_circles(factor=NAN), ValueError, r"factor must be .* got nan; it must be a finite number"),
    ("make_xor-seed-float", lambda: synthetic.make_xor(seed=0.5), ValueError, r"seed must be a non-negative integer, got 0.5"),
    ("make_xor-n_samples-float", lambda: synthetic.make_xor(n_samples=100.0), ValueError, r"n_samples must be an integer >= 2.*without a decimal point, e.g. n_samples=100"),
    ("train_val_test_split-val-nan", lambda: synthetic.train_val_test_split(*blobs(), val_fraction=NAN), ValueError, r"val_fraction must be a number strictly between 0 and 1.*finite"),
    ("train_val_test_split-sum-1", lambda: synthetic.train_val_test_split(*blobs(), val_fraction=0.6, test_fraction=0.4), ValueError, r"leaves nothing to train on.*below 1"),
    ("train_val_test_split-rows", lambda: synthetic.train_val_test_split(torch.zeros(5, 2), torch.zeros(4)), ValueError, r"X has 5 rows but y has 4; they must match one to one"),
    ("train_val_test_split-0d", lambda: synthetic.train_val_test_split(torch.tensor(1.0), torch.tensor(1.0)), ValueError, r"one row per example; got a 0-d tensor"),
    ("curved_boundary_explorer-degree-13", lambda: curved_explorer(degree=13), ValueError, r"degree must be an int from 1 to 12 \(the slider's range\), got 13"),
    ("curved_boundary_explorer-weight_decay-string", lambda: curved_explorer(weight_decay="1e-3"), ValueError, r"weight_decay must be a number on the slider's grid.*got '1e-3' \(a str\)"),
    ("curved_boundary_explorer-weight_decay-off-grid", lambda: curved_explorer(weight_decay=3e-3), ValueError, r"slider's grid.*got 0.003.*nearest"),
    ("curved_boundary_explorer-show-string", lambda: curved_explorer(show="no"), ValueError, r"show must be True or False"),
    ("curved_boundary_run-nan-X_val", lambda: __import__("course_utils.widgets", fromlist=["x"]).curved_boundary_run(*blobs(), with_value(blobs()[0], NAN), blobs()[1], 2, 1e-3), ValueError, r"X_val contains 1 NaN"),
    # ----------------------------------------------------------------- lesson 06: binary metrics
    ("confusion_counts-labels-2", lambda: metrics.confusion_counts(torch.tensor([0, 2]), torch.tensor([0.1, 0.2])), ValueError, r"y_true must contain only the labels 0 and 1.*Map your classes"),
    ("confusion_counts-threshold-nan", lambda: metrics.confusion_counts(Y6, P6, threshold=NAN), ValueError, r"threshold must be a number such as 0.5.*got nan"),
    ("confusion_counts-threshold-tensor", lambda: metrics.confusion_counts(Y6, P6, threshold=torch.tensor(0.5)), ValueError, r"threshold must be a number.*threshold.item\(\)"),
    ("confusion_counts-empty", lambda: metrics.confusion_counts(torch.zeros(0), torch.zeros(0)), ValueError, r"y_score is empty.*at least one example"),
    ("confusion_counts-2-columns", lambda: metrics.confusion_counts(Y6, torch.rand(4, 2)), ValueError, r"y_score must hold one score per example.*\(4, 2\).*predict_proba"),
    ("precision_recall_f1-probabilities", lambda: metrics.precision_recall_f1(Y6, P6), ValueError, r"non-integer.*not probabilities"),
    ("precision_recall_f1-class-2", lambda: metrics.precision_recall_f1(Y6, torch.tensor([0, 1, 2, 1])), ValueError, r"y_pred must hold the predicted classes 0 and 1.*threshold the scores"),
    ("precision_recall_f1-empty", lambda: metrics.precision_recall_f1(torch.zeros(0), torch.zeros(0)), ValueError, r"y_pred is empty"),
    ("roc_auc-nan-score", lambda: metrics.roc_auc(Y6, P6.index_fill(0, torch.tensor([1]), NAN)), ValueError, r"y_score contains 1 NaN.*index \(1,\).*silently wrong.*torch.sigmoid"),
    ("roc_auc-one-class", lambda: metrics.roc_auc(torch.ones(4), P6), ValueError, r"needs both classes.*only class 1.*stratified"),
    ("roc_curve-nan-label", lambda: metrics.roc_curve(torch.tensor([0.0, NAN, 1.0, 0.0]), P6), ValueError, r"y_true must contain only the labels 0 and 1"),
    ("roc_curve-lengths", lambda: metrics.roc_curve(torch.tensor([0, 1, 1]), P6), ValueError, r"y_true has 3 labels but X has 4 rows"),
    ("auc-nan", lambda: metrics.auc(torch.tensor([0.0, NAN, 1.0]), torch.tensor([0.0, 0.5, 1.0])), ValueError, r"x contains 1 NaN.*area would be nan"),
    ("auc-not-monotonic", lambda: metrics.auc(torch.tensor([0.0, 1.0, 0.5]), torch.tensor([0.0, 0.5, 1.0])), ValueError, r"increasing or decreasing.*sort the points"),
    ("average_precision-no-positives", lambda: metrics.average_precision(torch.zeros(4), P6), ValueError, r"no positives.*recall is undefined"),
    ("average_precision-inf-score", lambda: metrics.average_precision(Y6, P6.index_fill(0, torch.tensor([2]), INF)), ValueError, r"y_score contains 0 NaN and 1 infinite"),
    ("brier_score-nan-prob", lambda: metrics.brier_score(Y6, P6.index_fill(0, torch.tensor([0]), NAN)), ValueError, r"y_prob contains 1 NaN"),
    ("brier_score-logits", lambda: metrics.brier_score(Y6, torch.tensor([-2.0, 0.5, 3.0, 0.1])), ValueError, r"y_prob must hold probabilities in \[0, 1\].*from -2 to 3.*torch.sigmoid\(logits\)"),
    ("calibration_bins-n_bins-0", lambda: metrics.calibration_bins(Y6, P6, 0), ValueError, r"n_bins must be a positive integer, got 0.*n_bins=10"),
    ("calibration_bins-n_bins-float", lambda: metrics.calibration_bins(Y6, P6, 10.0), ValueError, r"n_bins must be a positive integer.*without a decimal point"),
    ("calibration_bins-logits", lambda: metrics.calibration_bins(Y6, 5 * P6), ValueError, r"y_prob must hold probabilities in \[0, 1\].*logits"),
    ("expected_cost-cost_fn-negative", lambda: metrics.expected_cost(Y6, P6, 0.5, cost_fn=-1, cost_fp=1), ValueError, r"cost_fn must be a number >= 0, got -1.*cost of one such error"),
    ("expected_cost-cost_fp-inf", lambda: metrics.expected_cost(Y6, P6, 0.5, cost_fn=10, cost_fp=INF), ValueError, r"cost_fp must be a number >= 0, got inf; it must be a finite number"),
    ("cost_curve-nan-threshold", lambda: metrics.cost_curve(Y6, P6, torch.tensor([0.1, NAN]), 10, 1), ValueError, r"thresholds contains 1 NaN.*silently wrong.*linspace"),
    ("cost_curve-2d-thresholds", lambda: metrics.cost_curve(Y6, P6, torch.zeros(2, 2), 10, 1), ValueError, r"thresholds must be a non-empty 1-D tensor.*linspace"),
    # ----------------------------------------------------------------- lesson 06: the data and its split
    ("stratified_split-fraction-negative", lambda: tabular.stratified_split(torch.randn(20, 2), Y20, (1.2, -0.1, -0.1)), ValueError, r"fractions\[1\] must be a positive number, got -0.1.*sum to 1"),
    ("stratified_split-fractions-two", lambda: tabular.stratified_split(torch.randn(20, 2), Y20, (0.5, 0.5)), ValueError, r"fractions must be three positive numbers.*sum to 1.*\(0.6, 0.2, 0.2\)"),
    ("stratified_split-fractions-sum", lambda: tabular.stratified_split(torch.randn(20, 2), Y20, (0.6, 0.3, 0.3)), ValueError, r"which sum to 1.2"),
    ("stratified_split-seed-negative", lambda: tabular.stratified_split(torch.randn(20, 2), Y20, seed=-1), ValueError, r"seed must be a non-negative integer, got -1"),
    ("stratified_split-labels-2", lambda: tabular.stratified_split(torch.randn(20, 2), 2 * Y20), ValueError, r"y must contain only the labels 0 and 1"),
    ("stratified_split-rows", lambda: tabular.stratified_split(torch.randn(19, 2), Y20), ValueError, r"X has 19 rows but y has 20"),
    ("stratified_split-one-class", lambda: tabular.stratified_split(torch.randn(10, 2), torch.zeros(10)), ValueError, r"class 1 has 0 example\(s\).*at least 3 per class"),
    ("Standardizer-fit-nan", lambda: tabular.Standardizer().fit(with_value(blobs()[0], NAN)), ValueError, r"X_train contains 1 NaN.*row 3"),
    ("Standardizer-fit-one-row", lambda: tabular.Standardizer().fit(torch.zeros(1, 2)), ValueError, r"X_train needs at least 2 rows"),
    ("Standardizer-fit-int", lambda: tabular.Standardizer().fit(torch.zeros(3, 2, dtype=torch.long)), TypeError, r"X_train has dtype torch.int64.*X_train.float\(\)"),
    ("Standardizer-transform-unfitted", lambda: tabular.Standardizer().transform(torch.zeros(3, 2)), RuntimeError, r"not fitted yet.*fit\(X_train\)"),
    ("Standardizer-transform-inf", lambda: tabular.Standardizer().fit(blobs()[0]).transform(with_value(blobs()[0], INF)), ValueError, r"X contains 0 NaN and 1 infinite"),
    ("subsample_positives-share-1", lambda: tabular.subsample_positives(torch.randn(20, 2), Y20, positive_share=1.0), ValueError, r"positive_share must be a number strictly between 0 and 1, got 1.0.*positive_share=0.05"),
    ("subsample_positives-seed-string", lambda: tabular.subsample_positives(torch.randn(20, 2), Y20, seed="0"), ValueError, r"seed must be a non-negative integer, got '0'"),
    # ----------------------------------------------------------------- lesson 06: figures
    ("plot_roc-not-a-dict", lambda: pdecisions.plot_roc((Y6, P6)), ValueError, r"dict \{label: \(y_true, probabilities\)\}.*got tuple"),
    ("plot_roc-nan-score", lambda: pdecisions.plot_roc({"val": (Y6, P6.index_fill(0, torch.tensor([1]), NAN))}), ValueError, r"y_score contains 1 NaN"),
    ("plot_precision_recall-not-a-pair", lambda: pdecisions.plot_precision_recall({"val": Y6}), ValueError, r"curves\['val'\] must be a pair"),
    ("plot_reliability-n_bins-0", lambda: pdecisions.plot_reliability({"val": (Y6, P6)}, n_bins=0), ValueError, r"n_bins must be a positive integer"),
    ("plot_reliability-logits", lambda: pdecisions.plot_reliability({"val": (Y6, 5 * P6)}), ValueError, r"probabilities in \[0, 1\].*logits"),
    ("plot_binary_confusion-class_names-string", lambda: pdecisions.plot_binary_confusion(Y6, P6, class_names="ab"), ValueError, r"class_names must name the two classes.*two strings"),
    ("plot_binary_confusion-ax-figure", lambda: pdecisions.plot_binary_confusion(Y6, P6, ax=plt.figure()), TypeError, r"ax must be a matplotlib Axes.*plt.subplots\(\)"),
    ("plot_cost_curve-lengths", lambda: pdecisions.plot_cost_curve(torch.linspace(0, 1, 5), {"a": torch.zeros(3)}), ValueError, r"costs\['a'\] has 3 values but there are 5 thresholds.*same thresholds"),
    ("plot_cost_curve-nan-threshold", lambda: pdecisions.plot_cost_curve(torch.tensor([0.1, NAN]), {"a": torch.zeros(2)}), ValueError, r"thresholds contains 1 NaN.*finite grid"),
    ("plot_cost_curve-chosen-string", lambda: pdecisions.plot_cost_curve(torch.linspace(0, 1, 5), {"a": torch.zeros(5)}, chosen={"best": "0.3"}), ValueError, r"chosen\['best'\] must be a finite threshold, got '0.3'"),
]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_refused_clearly(call, error, match):
    with pytest.raises(error, match=match) as info:
        call()
    # never a bare torch error: our message says how to fix it
    assert len(str(info.value)) > 25
    plt.close("all")


def test_catalogue_is_large_and_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 60


def test_mistyped_data_dir_is_reported_and_not_created(monkeypatch, tmp_path):
    missing = tmp_path / "dta"  # a typo of an existing folder
    monkeypatch.setenv("COURSE_DATA_DIR", str(missing))
    with pytest.raises(DatasetNotFoundError, match=r"does not exist.*spelling of COURSE_DATA_DIR"):
        load_mnist(train=True)
    assert not missing.exists()


def test_valid_inputs_still_work_and_do_not_change():
    """The checks add errors only: good inputs give the same numbers as before."""
    X, y = blobs(200)
    history = training.train_logistic_regression(model2(), X, y, lr=1.0, num_epochs=50)
    assert history.num_epochs == 50 and all(torch.isfinite(torch.tensor(history.loss)))
    model = model2()
    assert model.predict(X).shape == (200, 1)
    assert SoftmaxRegression().predict(mnist_toy()[0]).shape == (32,)


def test_a_large_tensor_found_finite_is_checked_again_after_it_changes():
    from course_utils import validation

    X = torch.randn(1000, 1000)  # large enough to be remembered
    assert validation.check_finite(X) is X and validation._known_finite(X)
    X[:1].fill_(NAN)  # through a view: the shared version counter moves
    with pytest.raises(ValueError, match=r"X contains 1000 NaN.*row 0"):
        validation.check_finite(X)
    small = torch.zeros(3, 2)
    validation.check_finite(small)
    assert not validation._known_finite(small), "small tensors are not remembered"


def test_sigmoid_figures_refuse_non_finite_ranges():
    from course_utils.plotting import sigmoid

    with pytest.raises(ValueError, match=r"z_max must be a number, got inf; it must be a finite number"):
        sigmoid.plot_sigmoid(z_max=INF)
    with pytest.raises(ValueError, match=r"threshold must be a probability strictly between 0 and 1"):
        sigmoid.plot_sigmoid(threshold=2)
    with pytest.raises(ValueError, match=r"x_min must be smaller than x_max"):
        sigmoid.plot_sigmoid_curve(1.0, 0.0, x_min=3, x_max=-3)
    plt.close("all")
