"""The class report (grading-report.html) in a real browser: it opens offline, its figures show, and its
numbers match grades.csv.

The results are made here (no sandbox): a class of 13 with every outcome (passed, failed with shared and
with unique messages, timeout, crashed, missing, invalid), and text from a hostile submission.
"""

from __future__ import annotations

import csv
import math
from collections import Counter

import pytest

from course_utils.grading.grade import ExerciseResult, LessonResult, write_outputs
from tests.helpers import CHROMIUM, IN_CI, headless_chromium

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI, reason=f"no {CHROMIUM}")

POINTS = {"01_logistic_function": [("ex1", 2.0), ("ex2", 1.0), ("ex3", 2.0)],
          "02_nn_sequential": [("ex1", 2.0), ("ex2", 2.0), ("ex3", 1.0)]}
SHARED = "the grader's own test: my_sigmoid(<tensor (104,) float32>) is wrong at position 0"


def _class() -> dict[str, list[LessonResult]]:
    results = {}
    for i in range(13):
        student = f"s{i:02d}"
        lessons = []
        for lesson, exercises in POINTS.items():
            res = LessonResult(student, lesson)
            for j, (ex, pts) in enumerate(exercises):
                kind = (i + 3 * j + len(lesson)) % 7
                status, msg = {0: ("passed", ""), 1: ("passed", ""), 2: ("failed", SHARED),
                               3: ("failed", f"unique message {i}"), 4: ("timeout", "stopped after 30 s"),
                               5: ("crashed", "the process ended"), 6: ("passed", "")}[kind]
                if i == 12:
                    status, msg = "invalid", "notebook not read: 01_logistic_function.ipynb is a link: not read"
                if i == 11 and lesson.startswith("02"):
                    status, msg = "missing", "no answer cell found"
                res.exercises.append(ExerciseResult(ex, pts if status == "passed" else 0.0, pts, status, msg))
            lessons.append(res)
        results[student] = lessons
    for i in (0, 1, 2, 4, 5):  # 01 ex1's most common failure
        results[f"s{i:02d}"][0].exercises[0] = ExerciseResult("ex1", 0.0, 2.0, "failed", SHARED)
    results["s03"][0].exercises[0] = ExerciseResult("ex1", 0.0, 2.0, "failed",
                                                    "<script>alert(1)</script> \x1b[2J \ud800")
    return results


@needs_chromium
def test_report_opens_offline_figures_show_numbers_match(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    results = _class()
    write_outputs(course, results, skipped={"bad\\xff": "its name is not valid UTF-8"})
    rows = list(csv.DictReader(open(course / "grades.csv", encoding="utf-8")))
    scores = {r["student_id"]: float(r["score"]) for r in rows}
    url = (course / "grading-report.html").as_uri()
    requests = []
    with headless_chromium() as browser:
        page = browser.new_page()
        page.on("request", lambda req: requests.append(req.url))
        page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
        page.goto(url)
        assert requests == [url]  # nothing fetched: self-contained
        for figure in ("#score-distribution", "#pass-rates"):
            box = page.locator(figure).bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100, (figure, box)
        # the histogram: one bar per whole point, counts as in grades.csv, drawn in proportion
        bars = page.eval_on_selector_all("#score-distribution rect.bar", "els => els.map(e => [+e.dataset.score, "
                                         "+e.dataset.count, e.getBoundingClientRect().height])")
        want = Counter(math.floor(s) for s in scores.values())
        assert {score: count for score, count, _ in bars if count} == dict(want)
        tallest = max(h for _, _, h in bars)
        for _, count, height in bars:
            assert abs(height - tallest * count / max(want.values())) < 1.5
        # pass rates per exercise, as in the results
        rates = page.eval_on_selector_all("#pass-rates rect.rate", "els => els.map(e => [e.dataset.exercise, "
                                          "+e.dataset.passed, +e.dataset.total, e.getBoundingClientRect().width])")
        for name, passed, total, _ in rates:
            lesson = next(stem for stem in POINTS if stem.startswith(name[:2]))
            got = [next(e for e in r.exercises if e.exercise == name[3:]) for s in results for r in results[s]
                   if r.lesson == lesson]
            assert (passed, total) == (sum(e.status == "passed" for e in got), len(got)), name
        assert len(rates) == 6 and any(w > 0 for *_, w in rates)
        # every student's score, as in grades.csv
        shown = page.eval_on_selector_all("#scores tr.student", "els => els.map(e => [e.querySelector('.id')"
                                          ".textContent, +e.querySelector('.score').textContent])")
        assert dict(shown) == scores
        # the most common failure message of 01 ex1, with its count
        table = page.locator("table.failures[data-exercise='01 ex1']")
        first = table.locator("tr").nth(1)
        shared = sum(1 for s in results if results[s][0].exercises[0].message == SHARED)
        assert shared >= 5 and first.locator(".count").text_content() == str(shared) and SHARED in first.text_content()
        # who timed out, crashed, or had a missing or invalid notebook
        problems = page.locator("#problems").text_content()
        for s, lessons in results.items():
            for r in lessons:
                for e in r.exercises:
                    if e.status in ("timeout", "crashed", "missing", "invalid"):
                        assert s in problems and e.status in problems
        assert "not valid UTF-8" in page.locator("#skipped").text_content()
        text = page.content()
        assert "<script>" not in text.split("<body>", 1)[1] and "\x1b" not in text
