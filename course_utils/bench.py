"""Benchmark: three ways to fit softmax regression on MNIST, side by side.

Run ``python -m course_utils.bench`` (add ``--json`` for machine-readable
rows). The recipes, all on the same MNIST files:

``tutorial``
    The usual tutorial: a ``DataLoader`` applying ``ToTensor()`` to each image,
    batches of 100, plain SGD with ``lr=0.001``, 5 epochs, no normalization.
``course``
    Lesson 07's recipe, through the same functions the notebook calls:
    :func:`course_utils.mnist.images_to_tensor` and
    :func:`course_utils.mnist_training.train_mnist` with its defaults.
``sklearn``
    ``sklearn.linear_model.LogisticRegression()`` with its defaults on pixels
    scaled to [0, 1]. scikit-learn is one of the course's dependencies (``pyproject.toml``);
    in an environment without it the row is skipped with a note.

What is measured
    ``train_seconds``: wall-clock time from the loaded ``uint8`` dataset to a
    trained model, so it includes each recipe's own input preparation
    (per-image transforms; normalizing into one tensor; scaling for
    scikit-learn). Reading the files and the test evaluation are not timed
    (``course`` trains through ``train_mnist`` without a held-out set, so the
    per-epoch validation evaluation the notebook shows is left out). ``test_accuracy`` is in percent on the
    10,000 test images. ``peak_mb`` is the peak resident memory (``ru_maxrss``)
    of the process that ran the recipe.

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
    resident memory every 5 ms (``/proc/self/statm``); ``peak_mb`` is the highest sample, which
    includes the interpreter and the imported libraries. ``--isolate`` runs each
    recipe in a fresh child process instead (multiprocessing "spawn") and reports
    the child's exact ``ru_maxrss``; the text table then also shows the child's
    memory right after its imports and data loading, so the recipe's own share
    can be read off.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import platform
import resource
import sys
import threading
import time
from typing import Any, Sequence

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
    from course_utils.data import load_mnist

    train, test = load_mnist(train=True), load_mnist(train=False)
    n_train = len(train) if subset is None else min(subset, len(train))
    n_test = len(test) if subset is None else min(subset, len(test))
    return train, test, n_train, n_test


def _recipe_tutorial(subset: int | None, epochs: int | None, seed: int, threads: int | None) -> tuple[float, float]:
    import torch
    from torch.utils.data import DataLoader, Subset

    from course_utils.devices import get_device
    from course_utils.mnist import images_to_tensor, to_tensor_transform
    from course_utils.mnist_training import evaluate, train_on_loader
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
    from course_utils.mnist import images_to_tensor
    from course_utils.mnist_training import COURSE_RECIPE, evaluate, train_mnist
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
    train_mnist(model, X_train, y_train, num_epochs=epochs or COURSE_RECIPE["num_epochs"], seed=seed,
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
    import torch

    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    times = []
    try:
        with PeakMemory() as memory:  # sampled during the first run only: the sampler costs a little time
            acc, seconds = _RUNNERS[name](subset, epochs, seed, threads)
        times.append(seconds)
        for _ in range(repeat - 1):
            acc, seconds = _RUNNERS[name](subset, epochs, seed, threads)
            times.append(seconds)
    finally:
        torch.set_num_threads(previous)
    return {
        "recipe": name,
        "test_accuracy": round(100.0 * acc, 2),
        "train_seconds": round(min(times), 3),
        "peak_mb": round(memory.peak_mb, 1),
    }


def _child(name: str, subset: int | None, epochs: int | None, seed: int, threads: int | None,
           repeat: int) -> dict[str, Any]:
    """Entry point of a spawned child: set thread counts, load, run, report (with the baseline memory)."""
    import torch  # noqa: F401  (imported before measuring the baseline)

    if name == "sklearn":
        import sklearn.linear_model  # noqa: F401
    else:
        import torchvision  # noqa: F401
    _splits(subset)  # the same reads the recipe does: counted in the baseline, not the recipe
    baseline = current_rss_mb()
    row = run_recipe(name, subset, epochs, seed, threads, repeat)
    row["peak_mb"] = round(max_rss_mb(), 1)  # exact in a fresh process
    row["baseline_mb"] = round(baseline, 1)
    return row


def _child_main(connection, *args) -> None:
    """Run :func:`_child` and send its row (or the error) back through a pipe."""
    try:
        connection.send(("ok", _child(*args)))
    except BaseException as exc:  # report any failure to the parent instead of dying silently
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


def run_isolated(name: str, subset: int | None, epochs: int | None, seed: int, threads: int | None,
                 repeat: int = 1) -> dict[str, Any]:
    """Run one recipe in a fresh ``spawn`` child process and return its row."""
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child_main, args=(sender, name, subset, epochs, seed, threads, repeat))
    process.start()
    sender.close()
    try:
        status, payload = receiver.recv()
    except EOFError:
        status, payload = "error", "the child process ended without a result"
    process.join()
    if status != "ok":
        raise RuntimeError(f"recipe {name!r} failed in its child process: {payload}")
    return payload


def run_benchmark(
    recipes: Sequence[str] = RECIPES,
    subset: int | None = None,
    epochs: int | None = None,
    seed: int = 0,
    isolate: bool = False,
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
        if isolate:
            rows.append(run_isolated(name, subset, epochs, seed, threads, repeat))
        else:
            rows.append(run_recipe(name, subset, epochs, seed, threads, repeat))
    return rows, notes


def format_table(rows: list[dict[str, Any]], header: str = "") -> str:
    """The rows as a Markdown table (ready for the README)."""
    with_base = all("baseline_mb" in r for r in rows)
    cols = ["recipe", "test accuracy (%)", "train seconds", "peak MB"] + (["after imports+data MB"] if with_base else [])
    lines = ([header, ""] if header else []) + [
        "| " + " | ".join(cols) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|",
    ]
    for r in rows:
        cells = [r["recipe"], f"{r['test_accuracy']:.2f}", f"{r['train_seconds']:.2f}", f"{r['peak_mb']:.0f}"]
        if with_base:
            cells.append(f"{r['baseline_mb']:.0f}")
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
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--isolate", action="store_true",
                       help="run each recipe in a fresh child process (exact peak memory per recipe)")
    group.add_argument("--in-process", action="store_true",
                       help="run all recipes in this process, on the same data (the default)")
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
    rows, notes = run_benchmark(args.recipes, args.subset, args.epochs, args.seed,
                                isolate=args.isolate, threads=args.threads, repeat=args.repeat)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps([{key: row[key] for key in JSON_KEYS} for row in rows]))
        return 0
    import torch

    threads = (f"{args.threads} CPU thread(s) for every recipe" if args.threads else
               f"default threads (torch {torch.get_num_threads()}; the course recipe 1)")
    size = "all 60,000 / 10,000 images" if args.subset is None else f"first {args.subset} train / test images"
    where = "each recipe in its own process" if args.isolate else "all recipes in one process"
    where += f", fastest of {args.repeat} run(s)"
    header = (f"MNIST softmax regression, {size}; torch {torch.__version__}, {threads}, "
              f"{os.cpu_count()} CPU(s), {platform.machine()}; {where}.")
    print(format_table(rows, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
