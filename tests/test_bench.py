"""The benchmark (python -m course_utils.bench): options, JSON shape, the scikit-learn row.

Without scikit-learn its row is skipped with a note.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_utils import bench
from tests.helpers import needs_mnist

REPO = Path(__file__).resolve().parent.parent


def _check_rows(rows, recipes):
    assert isinstance(rows, list)
    assert [row["recipe"] for row in rows] == list(recipes)
    for row in rows:
        assert set(row) == set(bench.JSON_KEYS)
        assert 0.0 <= row["test_accuracy"] <= 100.0
        assert row["train_seconds"] > 0
        assert row["peak_mb"] > 0


@needs_mnist
def test_json_rows_on_a_tiny_subset(capsys):
    assert bench.main(["--json", "--subset", "300", "--epochs", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    rows = json.loads(out)
    expected = bench.RECIPES if bench.sklearn_available() else ("tutorial", "course")
    _check_rows(rows, expected)


@needs_mnist
def test_missing_scikit_learn_skips_its_row_with_a_note(monkeypatch, capsys):
    monkeypatch.setattr(bench, "sklearn_available", lambda: False)
    bench.main(["--json", "--subset", "200", "--epochs", "1", "--recipes", "course,sklearn"])
    captured = capsys.readouterr()
    _check_rows(json.loads(captured.out), ["course"])
    assert "scikit-learn is not installed" in captured.err
    assert "pip install -e ." in captured.err and ".[bench]" not in captured.err


@needs_mnist
def test_command_line_prints_the_json_rows():
    """``python -m course_utils.bench`` as a learner runs it, in a fresh interpreter."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-m", "course_utils.bench", "--json", "--subset", "200", "--epochs", "1",
         "--recipes", "course", "--threads", "1"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    _check_rows(json.loads(result.stdout), ["course"])


def test_table_is_markdown_with_the_speed_ratio():
    rows = [
        {"recipe": "tutorial", "test_accuracy": 82.5, "train_seconds": 30.0, "peak_mb": 900.0},
        {"recipe": "course", "test_accuracy": 92.66, "train_seconds": 1.0, "peak_mb": 1000.0},
        {"recipe": "sklearn", "test_accuracy": 92.56, "train_seconds": 40.0, "peak_mb": 1100.0},
    ]
    table = bench.format_table(rows, header="header")
    lines = table.splitlines()
    assert lines[0] == "header"
    assert lines[2].startswith("| recipe | test accuracy (%) | train seconds | peak MB |")
    assert "| course | 92.66 | 1.00 | 1000 |" in table
    assert "course trains in 1/40 of scikit-learn's time." in table


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--recipes", "keras"], "unknown recipe"),
        (["--subset", "0"], "--subset must be a positive integer"),
        (["--epochs", "-1"], "--epochs must be a positive integer"),
    ],
)
def test_bad_options_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert message in capsys.readouterr().err


def test_memory_helpers_report_megabytes():
    assert 1 < bench.current_rss_mb() <= bench.max_rss_mb() * 1.01 + 1


def test_peak_memory_sees_an_allocation_inside_the_block():
    import mmap

    from course_utils.bench import PeakMemory, current_rss_mb

    with PeakMemory() as memory:
        before = current_rss_mb()
        # 50 MiB of fresh anonymous pages, touched: unlike a tensor, it cannot reuse memory that earlier tests
        # freed but the allocator kept resident (then the resident size would not grow).
        block = mmap.mmap(-1, 50 * 2**20)
        block.write(b"\x01" * (50 * 2**20))
        deadline = time.monotonic() + 5.0  # on a busy machine the sampler thread may wait to be scheduled
        while memory.peak_mb < before + 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        block.close()
    assert memory.peak_mb >= before + 40


def test_repeat_must_be_positive():
    from course_utils.bench import parse_args, run_recipe

    with pytest.raises(ValueError, match="repeat must be a positive integer"):
        run_recipe("course", subset=100, epochs=1, repeat=0)
    with pytest.raises(SystemExit):
        parse_args(["--repeat", "0"])
    assert parse_args([]).repeat == 3
