"""Benchmark: three ways to fit softmax regression on MNIST, side by side.

Run ``python -m course_utils.bench`` (add ``--json`` for machine-readable
rows). The recipes, all on the same MNIST files:

``tutorial``
    The usual tutorial: a ``DataLoader`` applying ``ToTensor()`` to each image,
    batches of 100, plain SGD with ``lr=0.001``, 5 epochs, no normalization.
``course``
    Lesson 07's recipe, through the same functions the notebook calls:
    :func:`course_utils.mnist.images_to_tensor` and
    :func:`course_utils.mnist.train_softmax_regression` with its defaults.
``sklearn``
    ``sklearn.linear_model.LogisticRegression()`` with its defaults on pixels
    scaled to [0, 1]. scikit-learn is one of the course's dependencies (``pyproject.toml``);
    in an environment without it the row is skipped with a note.

What is measured
    ``train_seconds``: wall-clock time from the loaded ``uint8`` dataset to a
    trained model, so it includes each recipe's own input preparation
    (per-image transforms; normalizing into one tensor; scaling for
    scikit-learn). Reading the files and the test evaluation are not timed
    (``course`` trains through ``train_softmax_regression`` without a held-out set, so the
    per-epoch validation evaluation the notebook shows is left out). ``test_accuracy`` is in percent on the
    10,000 test images. ``peak_mb`` is the peak resident memory while the
    recipe ran (see below).

Timing, fairly
    All recipes run in one process on the same loaded data, one after the
    other. Each is trained ``--repeat`` times (default 3, from the same seed,
    so the accuracy is the same every time) and the fastest run is reported,
    as ``timeit`` does: the minimum is the time the work takes, the rest is
    noise from whatever else the machine was doing.

Memory, fairly
    ``tracemalloc`` does not see torch's allocations, and ``ru_maxrss`` is a
    high-water mark that earlier recipes would leave behind. So while a recipe
    runs (the first of its repeats), a background thread samples the process's
    resident memory every 5 ms (``/proc/self/statm``); ``peak_mb`` is the
    highest sample, which includes the interpreter and the imported libraries.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:
    import torch
    from torch import nn

RECIPES = ("tutorial", "course", "sklearn")
JSON_KEYS = ("recipe", "test_accuracy", "train_seconds", "peak_mb")
SKLEARN_MISSING = (
    "scikit-learn is not installed, so the sklearn row is skipped; "
    "it is one of the course's dependencies: reinstall them with `python3 course.py lab` "
    '(or `pip install -e .` from the repository root)'
)


def max_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def current_rss_mb() -> float:
    """Resident memory of this process now, in MB (``/proc`` on Linux; the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return max_rss_mb()


class PeakMemory:
    """Context manager: the highest resident memory (MB) of this process while the block runs.

    A daemon thread samples :func:`current_rss_mb` every ``interval`` seconds;
    allocations shorter than that can be missed, so the result is a lower bound.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, current_rss_mb())
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self.peak_mb = current_rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, current_rss_mb())


def sklearn_available() -> bool:
    """True when scikit-learn can be imported."""
    return importlib.util.find_spec("sklearn") is not None


def _splits(subset: int | None):
    from course_utils.mnist import load_mnist

    train, test = load_mnist(train=True), load_mnist(train=False)
    n_train = len(train) if subset is None else min(subset, len(train))
    n_test = len(test) if subset is None else min(subset, len(test))
    return train, test, n_train, n_test


def train_on_loader(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    num_epochs: int,
    loss_fn: nn.Module | None = None,
    device: torch.device | str | None = None,
) -> list[float]:
    """The tutorial recipe's loop: for each epoch, for each ``(images, labels)`` batch of ``loader``, one step.

    Returns the mean training loss of each epoch (averaged over batches).
    Batches are moved to ``device`` (the model's device when ``None``).
    """
    import torch
    from torch import nn

    from course_utils.validation import check_finite_training, check_model, check_positive_int

    num_epochs = check_positive_int(num_epochs, "num_epochs")
    check_model(model, example="SoftmaxRegression()")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError("optimizer must be a torch.optim.Optimizer, e.g. torch.optim.SGD(model.parameters(), "
                        f"lr=0.1); got {type(optimizer).__name__}.")
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    if device is None:
        device = next(model.parameters()).device
    losses = []
    model.train()
    for _ in range(num_epochs):
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


def _recipe_tutorial(subset: int | None, epochs: int | None, seed: int, threads: int | None) -> tuple[float, float]:
    import torch
    from torch.utils.data import DataLoader, Subset

    from course_utils.devices import get_device
    from course_utils.mnist import evaluate, images_to_tensor, to_tensor_transform
    from course_utils.models import SoftmaxRegression
    from course_utils.seeding import set_seed

    train, test, n_train, n_test = _splits(subset)
    device = get_device()
    generator = set_seed(seed)
    model = SoftmaxRegression().to(device)
    start = time.perf_counter()
    train.transform = to_tensor_transform(normalize=False)
    loader = DataLoader(Subset(train, range(n_train)), batch_size=100, shuffle=True, generator=generator)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    train_on_loader(model, loader, optimizer, num_epochs=epochs or 5, device=device)
    seconds = time.perf_counter() - start
    X_test = images_to_tensor(test.data[:n_test], normalize=False, device=device)
    _, acc = evaluate(model, X_test, test.targets[:n_test].to(device))
    return acc, seconds


def _recipe_course(subset: int | None, epochs: int | None, seed: int, threads: int | None) -> tuple[float, float]:
    from course_utils.devices import get_device
    from course_utils.mnist import COURSE_RECIPE, evaluate, images_to_tensor, train_softmax_regression
    from course_utils.models import SoftmaxRegression
    from course_utils.seeding import set_seed

    train, test, n_train, n_test = _splits(subset)
    device = get_device()
    set_seed(seed)
    model = SoftmaxRegression().to(device)
    start = time.perf_counter()
    X_train = images_to_tensor(train.data[:n_train], device=device)
    y_train = train.targets[:n_train].to(device)
    # No held-out set during training: the notebook's per-epoch validation evaluation is monitoring, not training.
    train_softmax_regression(model, X_train, y_train, num_epochs=epochs or COURSE_RECIPE["num_epochs"], seed=seed,
                             progress=False, num_threads=threads or COURSE_RECIPE["num_threads"])
    if device.type == "cuda":
        import torch

        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    X_test = images_to_tensor(test.data[:n_test], device=device)
    _, acc = evaluate(model, X_test, test.targets[:n_test].to(device))
    return acc, seconds


def _recipe_sklearn(subset: int | None, epochs: int | None, seed: int, threads: int | None) -> tuple[float, float]:
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # installed with scikit-learn; limits=None changes nothing

    train, test, n_train, n_test = _splits(subset)
    start = time.perf_counter()
    X_train = train.data[:n_train].numpy().reshape(n_train, -1).astype(np.float32) / 255.0
    y_train = train.targets[:n_train].numpy()
    with warnings.catch_warnings(), threadpool_limits(limits=threads):
        # With its defaults (100 L-BFGS iterations) it stops before converging and says so.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression().fit(X_train, y_train)
    seconds = time.perf_counter() - start
    X_test = test.data[:n_test].numpy().reshape(n_test, -1).astype(np.float32) / 255.0
    acc = float((clf.predict(X_test) == test.targets[:n_test].numpy()).mean())
    return acc, seconds


_RUNNERS = {"tutorial": _recipe_tutorial, "course": _recipe_course, "sklearn": _recipe_sklearn}


def run_recipe(
    name: str,
    subset: int | None = None,
    epochs: int | None = None,
    seed: int = 0,
    threads: int | None = None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Run one recipe ``repeat`` times in this process; return its row with the fastest time.

    ``peak_mb`` is the highest resident memory sampled while the recipe ran
    (:class:`PeakMemory`). ``threads`` sets PyTorch's CPU threads for every
    recipe (and the course recipe's own ``num_threads``); ``None`` keeps the defaults.
    """
    if name not in _RUNNERS:
        raise ValueError(f"unknown recipe {name!r}; choose from {', '.join(RECIPES)}.")
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        raise ValueError(f"repeat must be a positive integer, got {repeat!r}.")
    from course_utils.devices import torch_threads

    times = []
    with torch_threads(threads):
        with PeakMemory() as memory:  # sampled during the first run only: the sampler costs a little time
            acc, seconds = _RUNNERS[name](subset, epochs, seed, threads)
        times.append(seconds)
        for _ in range(repeat - 1):
            acc, seconds = _RUNNERS[name](subset, epochs, seed, threads)
            times.append(seconds)
    return {
        "recipe": name,
        "test_accuracy": round(100.0 * acc, 2),
        "train_seconds": round(min(times), 3),
        "peak_mb": round(memory.peak_mb, 1),
    }


def run_benchmark(
    recipes: Sequence[str] = RECIPES,
    subset: int | None = None,
    epochs: int | None = None,
    seed: int = 0,
    threads: int | None = None,
    repeat: int = 1,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Run the recipes; return the rows and notes (e.g. a skipped recipe)."""
    rows, notes = [], []
    for name in recipes:
        if name not in RECIPES:
            raise ValueError(f"unknown recipe {name!r}; choose from {', '.join(RECIPES)}.")
        if name == "sklearn" and not sklearn_available():
            notes.append(SKLEARN_MISSING)
            continue
        rows.append(run_recipe(name, subset, epochs, seed, threads, repeat))
    return rows, notes


def format_table(rows: list[dict[str, Any]], header: str = "") -> str:
    """The rows as a Markdown table (ready for the README)."""
    cols = ["recipe", "test accuracy (%)", "train seconds", "peak MB"]
    lines = ([header, ""] if header else []) + [
        "| " + " | ".join(cols) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|",
    ]
    for r in rows:
        cells = [r["recipe"], f"{r['test_accuracy']:.2f}", f"{r['train_seconds']:.2f}", f"{r['peak_mb']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    by_name = {r["recipe"]: r for r in rows}
    if "course" in by_name and "sklearn" in by_name and by_name["course"]["train_seconds"] > 0:
        ratio = by_name["sklearn"]["train_seconds"] / by_name["course"]["train_seconds"]
        lines += ["", f"course trains in 1/{ratio:.0f} of scikit-learn's time."]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.bench",
        description="Softmax regression on MNIST: tutorial vs course recipe vs scikit-learn.",
    )
    parser.add_argument("--json", action="store_true",
                        help="print the rows as one JSON list (keys: " + ", ".join(JSON_KEYS) + ")")
    parser.add_argument("--recipes", default=",".join(RECIPES),
                        help="comma-separated recipes to run (default: %(default)s)")
    parser.add_argument("--subset", type=int, default=None, metavar="N",
                        help="use only the first N training and N test images (for quick checks)")
    parser.add_argument("--epochs", type=int, default=None, metavar="N",
                        help="override the epochs of the torch recipes (tutorial: 5, course: 4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="CPU threads for every recipe: torch.set_num_threads, and threadpoolctl for "
                             "scikit-learn's BLAS (default: each library's default; the course recipe uses 1)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="train each recipe N times and report the fastest (default: %(default)s)")
    args = parser.parse_args(argv)
    args.recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
    unknown = [r for r in args.recipes if r not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(unknown)}; choose from {', '.join(RECIPES)}")
    for name in ("subset", "epochs", "threads", "repeat"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be a positive integer, got {value}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows, notes = run_benchmark(args.recipes, args.subset, args.epochs, args.seed, args.threads, args.repeat)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps([{key: row[key] for key in JSON_KEYS} for row in rows]))
        return 0
    import torch

    threads = (f"{args.threads} CPU thread(s) for every recipe" if args.threads else
               f"default threads (torch {torch.get_num_threads()}; the course recipe 1)")
    size = "all 60,000 / 10,000 images" if args.subset is None else f"first {args.subset} train / test images"
    where = f"all recipes in one process, fastest of {args.repeat} run(s)"
    header = (f"MNIST softmax regression, {size}; torch {torch.__version__}, {threads}, "
              f"{os.cpu_count()} CPU(s), {platform.machine()}; {where}.")
    print(format_table(rows, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
