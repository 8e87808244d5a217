"""``python -m course_utils.grading``: grade every submission (see docs/instructors.md)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from course_utils.grading import grade
from course_utils.grading.sandbox import available


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course.py grade", description=__doc__)
    parser.add_argument("--course", type=Path, default=Path.cwd(),
                        help="the course folder (holds notebooks/ and submitted/); default: the current folder")
    parser.add_argument("--assignment", default="notebooks")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="lessons graded at once (default: cores)")
    parser.add_argument("--exercise-limit", type=float, default=grade.EXERCISE_LIMIT_S,
                        help="seconds per exercise: answer cell, its tests and the grader's probes")
    parser.add_argument("--student", action="append", help="grade only these students (repeatable)")
    args = parser.parse_args(argv)
    problem = available()
    if problem:
        print(f"Cannot grade: {problem}", file=sys.stderr)
        return 2
    course = args.course.resolve()
    source, submitted = course / args.assignment, course / "submitted"
    if not source.is_dir() or not submitted.is_dir():
        print(f"Cannot grade: {course} needs {args.assignment}/ (the source notebooks) and submitted/<student>/"
              f"{args.assignment}/ (nbgrader collect puts them there).", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = grade.grade_class(source, submitted, args.assignment, args.jobs,
                                os.environ.get("COURSE_DATA_DIR"), {"exercise": args.exercise_limit}, args.student)
    grade.write_outputs(course, results, args.assignment)
    print(grade.update_gradebook(course, results, args.assignment))
    print(grade.summary_table(results))
    print(f"{len(results)} submission(s) in {time.monotonic() - started:.1f} s with --jobs {args.jobs}; "
          f"grades.csv, feedback/<student>/{args.assignment}/feedback.md, grading-report.json written.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
