"""The class report: one self-contained HTML page (no script, no network; inline SVG figures).

Written by ``course.py grade`` (and ``--merge``) as ``grading-report.html`` beside ``grades.csv``:

- the distribution of the total scores (a histogram);
- each exercise's pass rate (bars, and a table);
- the most common failure messages of each exercise, with counts;
- who timed out, crashed, or had a missing or invalid notebook;
- every student's score (the numbers of ``grades.csv``).

The page holds nothing that changes from one run to the next for the same results (no date, no
seconds), so shares merged give the same page as one run. Every text from a submission is escaped.
"""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter

from course_utils.grading.grade import LessonResult, clean

TOP_MESSAGES = 5
_PROBLEMS = ("timeout", "crashed", "missing", "invalid")


def _esc(text: object, limit: int = 300) -> str:
    return html.escape(clean(text, limit))


def _gist(message: str) -> str:
    """A failure message reduced to what students share: its first line, numbers of addresses removed."""
    first = message.strip().splitlines()[0] if message.strip() else "(no message)"
    first = re.sub(r"0x[0-9a-f]+", "0x…", first)
    return first[:200]


def _histogram(totals: list[float], max_score: float) -> str:
    top = int(max_score) if max_score == int(max_score) else int(max_score) + 1
    counts = Counter(min(top, max(0, int(t))) for t in totals)
    width, height, pad = 640, 220, 30
    n = top + 1
    bar_w = (width - 2 * pad) / n
    tallest = max(counts.values(), default=1)
    parts = [f'<svg id="score-distribution" role="img" aria-label="score distribution" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
             f'viewBox="0 0 {width} {height + 40}">',
             f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#333"/>']
    for score in range(n):
        c = counts.get(score, 0)
        h = (height - pad) * c / tallest
        x = pad + score * bar_w
        parts.append(f'<rect class="bar" data-score="{score}" data-count="{c}" x="{x + 2:.1f}" y="{height - h:.1f}" '
                     f'width="{bar_w - 4:.1f}" height="{h:.1f}" fill="#4878a8"><title>{c} student(s) with '
                     f'{score} point(s)</title></rect>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height + 15}" font-size="11" '
                     f'text-anchor="middle">{score}</text>')
        if c:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - h - 4:.1f}" font-size="11" '
                         f'text-anchor="middle">{c}</text>')
    parts.append(f'<text x="{width / 2}" y="{height + 34}" font-size="12" text-anchor="middle">total points '
                 f'(whole points, rounded down)</text></svg>')
    return "".join(parts)


def _pass_bars(rates: list[tuple[str, int, int]]) -> str:
    row_h, label_w, width = 22, 120, 640
    height = row_h * len(rates) + 10
    parts = [f'<svg id="pass-rates" role="img" aria-label="pass rate per exercise" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for i, (name, passed, total) in enumerate(rates):
        rate = passed / total if total else 0.0
        y = 5 + i * row_h
        bar = (width - label_w - 60) * rate
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{_esc(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{width - label_w - 60}" height="{row_h - 6}" '
                     f'fill="#eee"/>')
        parts.append(f'<rect class="rate" data-exercise="{_esc(name)}" data-passed="{passed}" data-total="{total}" '
                     f'x="{label_w}" y="{y + 3}" width="{bar:.1f}" height="{row_h - 6}" fill="#59a14f">'
                     f'<title>{passed} of {total} passed</title></rect>')
        parts.append(f'<text x="{width - 55}" y="{y + 15}" font-size="12">{100 * rate:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_report(results: dict[str, list[LessonResult]], skipped: dict[str, str] | None = None) -> str:
    """The class report for ``results`` (student -> lessons), and the folders ``skipped`` (name -> why)."""
    students = sorted(results)
    totals = {s: sum(r.score for r in results[s]) for s in students}
    maxes = {s: sum(e.max_points for r in results[s] for e in r.exercises) for s in students}
    max_score = max(maxes.values(), default=0.0)
    exercises: dict[str, list] = {}
    problems = []
    for s in students:
        for r in results[s]:
            for e in r.exercises:
                exercises.setdefault(f"{r.lesson[:2]} {e.exercise}", []).append((s, r, e))
                if e.status in _PROBLEMS:
                    problems.append((s, r.lesson, e.exercise, e.status, e.message or r.note))
    names = sorted(exercises)
    rates = [(n, sum(e.status == "passed" for _, _, e in exercises[n]), len(exercises[n])) for n in names]
    values = list(totals.values())
    summary = (f"<p id='summary'>{len(students)} student(s) graded; mean <span id='mean'>"
               f"{statistics.mean(values) if values else 0:.2f}</span>, median "
               f"{statistics.median(values) if values else 0:g}, out of {max_score:g} points.</p>")
    fails = []
    for n in names:
        counter = Counter(_gist(e.message) for _, _, e in exercises[n] if e.status != "passed")
        if not counter:
            continue
        items = "".join(f"<tr><td class='count'>{c}</td><td><code>{_esc(m)}</code></td></tr>"
                        for m, c in sorted(counter.items(), key=lambda mc: (-mc[1], mc[0]))[:TOP_MESSAGES])
        fails.append(f"<h3>{_esc(n)}</h3><table class='failures' data-exercise='{_esc(n)}'>"
                     f"<tr><th>students</th><th>message</th></tr>{items}</table>")
    rate_rows = "".join(f"<tr><td>{_esc(n)}</td><td>{p}</td><td>{t}</td><td>{100 * p / t if t else 0:.0f}%</td></tr>"
                        for n, p, t in rates)
    problem_rows = "".join(f"<tr><td>{_esc(s)}</td><td>{_esc(lesson)}</td><td>{_esc(ex)}</td><td>{_esc(st)}</td>"
                           f"<td>{_esc(msg, 200)}</td></tr>" for s, lesson, ex, st, msg in problems)
    score_rows = "".join(f"<tr class='student'><td class='id'>{_esc(s)}</td><td class='score'>{totals[s]:g}</td>"
                         f"<td class='max'>{maxes[s]:g}</td></tr>" for s in students)
    skipped_html = "".join(f"<li><code>{_esc(n)}</code>: {_esc(why)}</li>"
                           for n, why in sorted((skipped or {}).items()))
    style = ("body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
             "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:2px 6px;"
             "text-align:left;vertical-align:top}code{white-space:pre-wrap}")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Class report</title>"
            f"<style>{style}</style></head><body><h1>Class report</h1>{summary}"
            f"<h2>Score distribution</h2>{_histogram(list(totals.values()), max_score)}"
            f"<h2>Pass rate per exercise</h2>{_pass_bars(rates)}"
            f"<table id='rates'><tr><th>exercise</th><th>passed</th><th>graded</th><th>rate</th></tr>"
            f"{rate_rows}</table>"
            f"<h2>Most common failure messages</h2>{''.join(fails) or '<p>None.</p>'}"
            f"<h2>Timed out, crashed, missing or invalid</h2>"
            + (f"<table id='problems'><tr><th>student</th><th>lesson</th><th>exercise</th><th>what</th>"
               f"<th>detail</th></tr>{problem_rows}</table>" if problems else "<p id='problems'>None.</p>")
            + (f"<h2>Folders not graded</h2><ul id='skipped'>{skipped_html}</ul>" if skipped else "")
            + f"<h2>Scores</h2><table id='scores'><tr><th>student</th><th>score</th><th>max</th></tr>{score_rows}"
            f"</table></body></html>\n")
