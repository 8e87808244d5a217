"""Each lesson's estimated time is stated once and the same everywhere: the notebook's first cell (which the website
reads), the README's lessons table, and the README's total, which is their sum."""

from __future__ import annotations

import json
import re

from tests.helpers import LESSONS, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _notebook_minutes(path) -> int:
    first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    match = re.search(r"\*\*Estimated time:\*\*\s*(?:about\s+)?(\d+)\s+minutes", first)
    assert match, f"{path.name}: no '**Estimated time:** N minutes' in the first cell"
    return int(match.group(1))


def _readme_minutes(prefix: str) -> int:
    row = next(line for line in README.splitlines() if line.startswith("|") and f"**{prefix} · " in line)
    match = re.search(r"\|\s*(\d+) min\s*\|", row)
    assert match, f"README: the row of lesson {prefix} gives no time"
    return int(match.group(1))


def test_readme_table_states_each_notebooks_time() -> None:
    for path in LESSONS:
        prefix = path.name[:2]
        assert _readme_minutes(prefix) == _notebook_minutes(path), path.name


def test_readme_total_is_the_sum() -> None:
    total = sum(_notebook_minutes(path) for path in LESSONS)
    match = re.search(r"^Total: (\d+) minutes, about ([\d.]+) hours", README, re.M)
    assert match, "README: no 'Total: N minutes, about H hours' line"
    assert int(match.group(1)) == total
    assert abs(float(match.group(2)) - total / 60) < 0.01
