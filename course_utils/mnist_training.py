"""Training softmax regression on MNIST: the course recipe, and the tutorial loop it replaces.

The course recipe (:data:`COURSE_RECIPE`, run by :func:`train_mnist` with its
defaults) reaches about 92.6% test accuracy in 4 epochs, a few seconds on
a laptop CPU. Lesson 07 chooses it on a validation split held out of the
training images (:func:`mnist_splits`). Three choices make it fast *and* accurate:

1. **Inputs in memory, standardized** (:func:`course_utils.mnist.images_to_tensor`):
   mini-batches are slices of one tensor. One mean and one standard deviation
   for all pixels centre the inputs and, for plain SGD, make each weight step
   (in raw-pixel units) about ``1 / 0.3081**2`` (10.5) times larger than on
   pixels in [0, 1].
2. **Adam** with ``lr = 0.01`` and batches of 256: steps scaled per parameter
   from the first batch on.
3. **A learning rate that decays linearly to 0** over the run: big steps
   early to get close, small steps late to settle into the minimum instead
   of bouncing around it.

It also runs on **one CPU thread**: each step is a tiny matrix product, so a
second thread saves almost nothing, while on a shared or busy CPU (Binder, a
laptop with a browser open) threads that wait for each other can make a run
slower. The accuracy is the same either way.

:func:`train_on_loader` is the plain loop of the tutorials (any optimizer, a
``DataLoader``), used by the benchmark's ``tutorial`` recipe.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Iterator

import torch
from torch import nn
from tqdm.auto import tqdm

from course_utils.data import load_mnist
from course_utils.mnist import images_to_tensor
from course_utils.validation import (
    check_bool,
    check_class_labels,
    check_finite,
    check_finite_training,
    check_model,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_returns_logits,
    check_seed,
    check_tensor,
)

#: The notebook's recipe; :func:`train_mnist` uses these values by default.
COURSE_RECIPE = {
    "optimizer": "adam",
    "lr": 0.01,
    "batch_size": 256,
    "num_epochs": 4,
    "schedule": "linear",
    "weight_decay": 0.0,
    "num_threads": 1,
}

OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("linear", "constant")


@dataclass
class History:
    """Per-epoch metrics of a training run. Accuracies are fractions (0.0 to 1.0).

    ``train_loss`` and ``train_accuracy`` are averages over the epoch's
    mini-batches; ``val_loss`` and ``val_accuracy`` are measured on the whole
    held-out set passed to :func:`train_mnist` (a validation split) after the
    epoch, and stay empty when none was given;
    ``lr`` is the learning rate at the start of each epoch.
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> list[int]:
        """Epoch numbers 1, 2, ... (one per recorded epoch)."""
        return list(range(1, len(self.train_loss) + 1))

    def as_dict(self) -> dict[str, list[float]]:
        """The history as a plain dict of lists (e.g. to save as JSON)."""
        return asdict(self)


def _check_pair(X: object, y: object, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    X = check_tensor(X, f"X_{name}")
    y = check_tensor(y, f"y_{name}")
    if not torch.is_floating_point(X):
        raise TypeError(
            f"X_{name} has dtype {X.dtype}; the model needs float inputs. "
            "Use course_utils.mnist.mnist_tensors(), which returns normalized float32 images."
        )
    if y.dtype != torch.long or y.ndim != 1:
        raise ValueError(
            f"y_{name} must hold class indices as a 1-D torch.long tensor (what CrossEntropyLoss expects); "
            f"got dtype {y.dtype} and shape {tuple(y.shape)}. Use y.long().reshape(-1)."
        )
    if len(X) != len(y):
        raise ValueError(f"X_{name} has {len(X)} rows but y_{name} has {len(y)} labels; they must match.")
    if len(y) == 0:
        raise ValueError(f"X_{name} is empty; pass at least one example.")
    check_finite(X, f"X_{name}")  # one reduction over X: NaN or inf would make every loss NaN
    return X, y


def _check_classifier(model: object, X: torch.Tensor, y: torch.Tensor, name: str,
                      require_logits: bool = False) -> nn.Module:
    """A module returning one score per class, and labels within its classes.

    With ``require_logits``, a model ending in ``nn.Softmax`` is refused too.

    The number of classes is read from the model's output on one row, in ``eval()`` mode and without
    gradients (nothing about the model or the random state changes).
    """
    model = check_model(model, example="SoftmaxRegression()")
    if require_logits:
        check_returns_logits(model, "CrossEntropyLoss")
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(X[:1])
    model.train(was_training)
    if out.ndim != 2 or out.shape[1] < 2:
        width = out.shape[1] if out.ndim == 2 else 1
        raise ValueError(
            f"model gives {width} output(s) per example (shape {tuple(out.shape)} for one row), but "
            "CrossEntropyLoss needs one score per class, shaped (batch, n_classes). For MNIST use 10 outputs, "
            "e.g. SoftmaxRegression() or nn.Sequential(nn.Flatten(), nn.Linear(784, 10))."
        )
    check_class_labels(y, n_classes=out.shape[1], name=f"y_{name}")
    return model


def validation_split(n: int, n_val: int = 5_000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random split of ``n`` examples: ``(train_idx, val_idx)``, sorted index tensors.

    ``n_val`` examples go to validation, the other ``n - n_val`` to training;
    the same ``seed`` gives the same split on every machine.
    """
    n = check_positive_int(n, "n")
    n_val = check_positive_int(n_val, "n_val")
    if n_val >= n:
        raise ValueError(f"n_val = {n_val} leaves no training examples out of n = {n}; choose n_val < n.")
    seed = check_seed(seed)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:].sort().values, order[:n_val].sort().values


def mnist_splits(
    n_val: int = 5_000,
    seed: int = 0,
    device: torch.device | str | None = None,
    root: str | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """MNIST as normalized in-memory tensors: ``X_train, y_train, X_val, y_val, X_test, y_test``.

    The 60,000 training images are split by :func:`validation_split` into
    ``60,000 - n_val`` for training and ``n_val`` for validation; the 10,000
    test images stay apart. The split is taken on the ``uint8`` images before
    the conversion to float32, so no full-size float copy is ever made.
    Images are ``(N, 1, 28, 28)`` float32, standardized as by
    :func:`course_utils.mnist.mnist_tensors`; labels are ``torch.long``.
    """
    train = load_mnist(train=True, root=root)
    train_idx, val_idx = validation_split(len(train.targets), n_val, seed)
    test = load_mnist(train=False, root=root)
    out = []
    for images, labels in ((train.data[train_idx], train.targets[train_idx]),
                           (train.data[val_idx], train.targets[val_idx]),
                           (test.data, test.targets)):
        out += [images_to_tensor(images, device=device), labels.to(device=device, dtype=torch.long)]
    return tuple(out)


def minibatches(
    X: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    generator: torch.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(X_batch, y_batch)`` slices of in-memory tensors, in a shuffled order.

    The order comes from ``torch.randperm`` with ``generator``, so a seeded
    generator gives the same batches on every run. The last batch may be smaller.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    n = len(X)
    if shuffle:
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            # index_select copies whole rows; on the CPU it is about twice as fast as X[idx]
            yield torch.index_select(X, 0, idx), torch.index_select(y, 0, idx)
    else:
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]


@torch.no_grad()
def evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: nn.Module | None = None,
    batch_size: int = 10_000,
) -> tuple[float, float]:
    """Return ``(mean loss, accuracy)`` of ``model`` on ``(X, y)``; accuracy is a fraction.

    The model is put in ``eval()`` mode and back into the mode it was in.
    Chunks of ``batch_size`` rows keep the memory small.
    """
    X, y = _check_pair(X, y, "eval")
    _check_classifier(model, X, y, "eval")
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    for X_batch, y_batch in minibatches(X, y, batch_size, shuffle=False):
        logits = model(X_batch)
        total_loss += loss_fn(logits, y_batch).item() * len(y_batch)
        correct += (logits.argmax(dim=1) == y_batch).sum().item()
    model.train(was_training)
    return total_loss / len(y), correct / len(y)


def make_optimizer(
    model: nn.Module, name: str = "adam", lr: float = 0.01, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """``torch.optim.Adam`` (``"adam"``) or plain ``torch.optim.SGD`` (``"sgd"``) over the model's parameters."""
    check_positive(lr, "lr")
    check_nonnegative(weight_decay, "weight_decay", hint="0 means no penalty.")
    if name == "adam":
        # fused: one kernel updates each parameter (instead of a dozen small operations per step)
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, fused=True)
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}.")


def make_schedule(
    optimizer: torch.optim.Optimizer, name: str, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """``"linear"``: the learning rate falls in a straight line to 0 over ``total_steps``; ``"constant"``: none."""
    if name == "constant":
        return None
    if name == "linear":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1.0 - step / total_steps))
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}.")


def train_mnist(
    model: nn.Module,
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    *,
    num_epochs: int = COURSE_RECIPE["num_epochs"],
    batch_size: int = COURSE_RECIPE["batch_size"],
    lr: float = COURSE_RECIPE["lr"],
    optimizer: str = COURSE_RECIPE["optimizer"],
    schedule: str = COURSE_RECIPE["schedule"],
    weight_decay: float = COURSE_RECIPE["weight_decay"],
    loss_fn: nn.Module | None = None,
    seed: int = 0,
    progress: bool = True,
    num_threads: int | None = COURSE_RECIPE["num_threads"],
    require_logits: bool = True,
) -> History:
    """Train ``model`` on in-memory tensors; return the per-epoch :class:`History`.

    With its defaults this is the course recipe (:data:`COURSE_RECIPE`):
    Adam, ``lr=0.01``, batches of 256 shuffled by a generator seeded with
    ``seed``, the learning rate decaying linearly to 0 over ``num_epochs``.
    After every epoch it records the training loss and accuracy, averaged
    over the epoch's batches as they were trained on (free to compute, but
    measured while the weights were still changing), and the loss and
    accuracy on the whole held-out set ``(X_val, y_val)``, when one is given
    (a validation split: choose settings on it, keep the test set for the end).
    The learning rate is multiplied by ``1 - step / total_steps`` after every
    batch (``schedule="linear"``), so it reaches 0 after the last batch. ``progress=True`` shows a
    ``tqdm.auto`` bar (a widget in Jupyter, text in a terminal).

    The model's parameters must already be on the device of ``X_train``.
    Seed the model's initial weights yourself (``set_seed``) before building it.
    ``num_threads`` limits PyTorch's CPU threads during training (restored
    afterwards); ``None`` leaves them as they are.

    Inputs are checked first: finite float images, ``torch.long`` labels within the model's
    classes, a model with at least two outputs, a non-negative integer ``seed``. A NaN or
    infinite loss or weight stops training after the epoch it appears in
    (:class:`~course_utils.validation.TrainingDivergedError`). A model ending in ``nn.Softmax`` is
    refused (``CrossEntropyLoss`` applies the softmax itself); ``require_logits=False`` trains it
    anyway, which lesson 07 does once on purpose to show what the bug costs.
    """
    X_train, y_train = _check_pair(X_train, y_train, "train")
    _check_classifier(model, X_train, y_train, "train", require_logits=check_bool(require_logits, "require_logits"))
    has_val = X_val is not None or y_val is not None
    if has_val:
        X_val, y_val = _check_pair(X_val, y_val, "val")
        _check_classifier(model, X_val, y_val, "val")
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    if num_threads is not None:
        num_threads = check_positive_int(num_threads, "num_threads")
    seed = check_seed(seed)

    opt = make_optimizer(model, optimizer, lr, weight_decay)
    steps_per_epoch = -(-len(X_train) // batch_size)
    scheduler = make_schedule(opt, schedule, num_epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(seed)
    history = History()

    previous_threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    bar = tqdm(total=num_epochs * steps_per_epoch, desc="training", unit="batch", disable=not progress)
    try:
        model.train()
        for epoch in range(num_epochs):
            history.lr.append(opt.param_groups[0]["lr"])
            loss_sum = torch.zeros((), device=X_train.device)
            correct = torch.zeros((), dtype=torch.long, device=X_train.device)
            for X_batch, y_batch in minibatches(X_train, y_train, batch_size, generator):
                logits = model(X_batch)
                loss = loss_fn(logits, y_batch)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if scheduler is not None:
                    scheduler.step()
                with torch.no_grad():  # running totals, kept on the device: no sync per batch
                    loss_sum += loss.detach() * len(y_batch)
                    correct += (logits.argmax(dim=1) == y_batch).sum()
                bar.update(1)
            train_loss, train_acc = loss_sum.item() / len(y_train), correct.item() / len(y_train)
            # a NaN/inf loss or weight stops the run here, once per epoch (the loss is read anyway)
            check_finite_training(train_loss, epoch + 1, lr=lr, parameters=list(model.parameters()))
            history.train_loss.append(train_loss)
            history.train_accuracy.append(train_acc)
            postfix = {"train_acc": f"{train_acc:.4f}"}
            if has_val:
                val_loss, val_acc = evaluate(model, X_val, y_val, loss_fn)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
                postfix["val_acc"] = f"{val_acc:.4f}"
            bar.set_postfix(postfix)
    finally:
        bar.close()
        torch.set_num_threads(previous_threads)
    return history


def train_on_loader(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    num_epochs: int,
    loss_fn: nn.Module | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
) -> list[float]:
    """The tutorials' loop: for each epoch, for each ``(images, labels)`` batch of ``loader``, one step.

    Returns the mean training loss of each epoch (averaged over batches).
    Batches are moved to ``device`` (the model's device when ``None``).
    """
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    check_model(model, example="SoftmaxRegression()")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, e.g. torch.optim.SGD(model.parameters(), lr=0.1); "
                        f"got {type(optimizer).__name__}.")
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    if device is None:
        device = next(model.parameters()).device
    losses = []
    model.train()
    for _ in tqdm(range(num_epochs), desc="training", unit="epoch", disable=not progress):
        total, batches = 0.0, 0
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        if batches == 0:
            raise ValueError("loader gave no batches: it is empty. Pass a DataLoader over a non-empty dataset.")
        losses.append(total / batches)
        check_finite_training(losses[-1], len(losses), parameters=list(model.parameters()))
    return losses
