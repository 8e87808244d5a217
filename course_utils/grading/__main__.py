"""``python -m course_utils.grading``: grade every submission (see docs/instructors.md).

Exit status: 0 graded; 1 ``--merge`` found students without a result; 2 the machine cannot grade (nothing
written, nothing changed in the gradebook); 3 graded, but some folders of ``submitted/`` were not (their
names are not usable as student ids; listed on stderr and in the report).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
from pathlib import Path

from course_utils.grading import grade
from course_utils.grading.sandbox import available, rootless


def _shard(text: str) -> tuple[int, int]:
    try:
        index, shares = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write it as i/N, e.g. 0/4 (shares 0 to 3 of 4)") from None
    if shares < 1 or not 0 <= index < shares:
        raise argparse.ArgumentTypeError(f"{text!r}: i must be between 0 and N-1 (0/{max(shares, 1)} ... "
                                         f"{max(shares, 1) - 1}/{max(shares, 1)})")
    return index, shares


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1 (the number of students graded at once)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value}: more than 0 seconds")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course.py grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, default=Path.cwd(),
                        help="the course folder (holds notebooks/ and submitted/); default: the current folder")
    parser.add_argument("--assignment", default="notebooks")
    parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1,
                        help="students graded at once (default: cores)")
    parser.add_argument("--exercise-limit", type=_seconds, default=grade.EXERCISE_LIMIT_S,
                        help="seconds per exercise: answer cell, its tests and the grader's probes")
    parser.add_argument("--student", action="append", help="grade only these students (repeatable)")
    parser.add_argument("--shard", type=_shard, metavar="i/N",
                        help="grade share i of N (0 <= i < N; stable by student id) and save the results only; "
                             "then run --merge once all shares are done")
    parser.add_argument("--merge", action="store_true",
                        help="grade nothing: write grades.csv, feedback/, the reports and the gradebook from the "
                             "saved results of every student (e.g. the shares')")
    parser.add_argument("--results", type=Path, help="where each student's result is saved "
                                                     "(default: <course>/grading-results)")
    parser.add_argument("--regrade", action="store_true", help="grade again even where a saved result fits")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    results_dir = (args.results or course / "grading-results").resolve()
    source, submitted = course / args.assignment, course / "submitted"
    if not source.is_dir() or not submitted.is_dir():
        print(f"Cannot grade: {course} needs {args.assignment}/ (the source notebooks) and submitted/<student>/"
              f"{args.assignment}/ (nbgrader collect puts them there).", file=sys.stderr)
        return 2
    students, skipped = grade.scan(submitted)
    for name, why in sorted(skipped.items()):
        print(f"Not graded: submitted/{name}: {why} (rename the folder).", file=sys.stderr)
    if args.student:
        unknown = [s for s in args.student if s not in students]
        if unknown:
            for s in unknown:
                near = difflib.get_close_matches(s, students, n=3)
                print(f"No student {grade.clean(s, 100)!r} in {submitted}"
                      + (f"; did you mean {', '.join(near)}?" if near else "."), file=sys.stderr)
            return 2
        students = [s for s in students if s in args.student]
    if args.shard:
        index, shares = args.shard
        students = [s for s in students if grade.shard_of(s, shares) == index]
    started = time.monotonic()
    if not args.merge:
        problem = available()
        if problem:
            print(f"Cannot grade: {problem}", file=sys.stderr)
            return 2
        print(f"Grading {len(students)} student(s) with --jobs {args.jobs} "
              f"({'rootless: a user namespace per sandbox' if rootless() else 'root: a uid per sandbox slot'}).")
        try:
            grade.grade_class(source, submitted, args.assignment, args.jobs, os.environ.get("COURSE_DATA_DIR"),
                              {"exercise": args.exercise_limit}, students, results_dir=results_dir,
                              resume=not args.regrade)
        except grade.EnvironmentFailure as err:
            print(f"Cannot grade: {err}\nNothing was written: no grades.csv, no feedback, no gradebook change. "
                  f"Results of students finished before the stop are kept in {results_dir} and reused next time.",
                  file=sys.stderr)
            return 2
        grade._chown_like(course, [results_dir])
        if args.shard:
            print(f"Share {args.shard[0]}/{args.shard[1]}: {len(students)} student(s) graded in "
                  f"{time.monotonic() - started:.1f} s; results saved in {results_dir}. When every share is done "
                  f"(their result folders copied into one), run: course.py grade --merge")
            return 0
    everyone = grade.discover(submitted)
    lessons = [grade.load_lesson(p) for p in grade.lesson_notebooks(source)]
    sources = {lesson.stem: (source / f"{lesson.stem}.ipynb").read_bytes() for lesson in lessons}
    limits = {"exercise": args.exercise_limit}
    results, missing = {}, []
    for s in everyone:
        key = grade.result_key(lessons, sources, submitted, s, args.assignment, limits)
        saved = grade.load_result(results_dir, s, key)
        if saved is None:
            missing.append(s)
        else:
            results[s] = saved
    if missing and args.merge:
        print(f"Cannot merge: {len(missing)} student(s) have no up-to-date result in {results_dir}: "
              f"{', '.join(missing[:20])}{' ...' if len(missing) > 20 else ''}. Grade their share (or them: "
              f"--student), copy its results here, and merge again. Nothing was written.", file=sys.stderr)
        return 1
    if missing:
        print(f"Not in the outputs (not graded yet, or changed since): {', '.join(missing[:20])}"
              f"{' ...' if len(missing) > 20 else ''}", file=sys.stderr)
    grade.write_outputs(course, results, args.assignment, skipped=skipped)
    print(grade.update_gradebook(course, results, args.assignment))
    print(grade.summary_table(results))
    print(f"{len(results)} submission(s) in {time.monotonic() - started:.1f} s; grades.csv, "
          f"feedback/<student>/{args.assignment}/, grading-report.html and grading-report.json written.")
    return 3 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
