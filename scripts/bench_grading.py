#!/usr/bin/env python3
"""Benchmark the trusted grader: N complete submissions (all lessons, reference answers), one table.

    COURSE_DATA_DIR=/path/to/data .venv/bin/python scripts/bench_grading.py [--n 10] [--jobs 2]

As root it measures root mode (a uid per sandbox); as an ordinary user, rootless mode (a user namespace
per sandbox), e.g. `setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp .venv/bin/python ...`.
Everything happens in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.grading import grade  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        course = Path(tmp)
        shutil.copytree(ROOT / "notebooks", course / "notebooks", ignore=shutil.ignore_patterns("*.pt"))
        for i in range(args.n):
            folder = course / "submitted" / f"student-{i:02d}" / "notebooks"
            folder.mkdir(parents=True)
            for nb in grade.lesson_notebooks(ROOT / "notebooks"):
                shutil.copy(nb, folder)
        lessons = [grade.load_lesson(p) for p in grade.lesson_notebooks(course / "notebooks")]
        t0 = time.monotonic()
        for lesson in lessons:
            grade.reference(lesson)
        t_ref = time.monotonic() - t0
        t0 = time.monotonic()
        results = grade.grade_class(course / "notebooks", course / "submitted", jobs=args.jobs,
                                    data_dir=os.environ.get("COURSE_DATA_DIR"), log=lambda *a: None)
        wall = time.monotonic() - t0
    print(f"{'submission':<12} {'score':>6} {'sandbox s':>10}  per lesson (s)")
    for student, lessons_ in sorted(results.items()):
        per = " ".join(f"{r.lesson[:2]}:{r.seconds:4.1f}" for r in lessons_)
        print(f"{student:<12} {sum(r.score for r in lessons_):6.1f} {sum(r.seconds for r in lessons_):10.1f}  {per}")
    print("(each student's first lesson, 01, includes starting their sandbox: imports, MNIST read once)")
    print(f"reference solutions (once per batch): {t_ref:.1f} s")
    print(f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    from course_utils.grading.sandbox import rootless

    print(f"{'rootless' if rootless() else 'root'} mode, "
          f"{args.n} submissions, --jobs {args.jobs}, {os.cpu_count()} cores: {wall:.1f} s wall, "
          f"{wall / args.n:.1f} s per submission")


if __name__ == "__main__":
    main()
