"""Build the course website: stage the committed notebooks, then run Sphinx (MyST-NB, sphinx-book-theme).

    .venv/bin/python site/build.py                      # into build/site/ (staging in build/site_src/)
    .venv/bin/python site/build.py --out /tmp/site      # somewhere else

Nothing is executed and nothing is downloaded: the pages show the outputs
committed in ``notebooks/`` (which strict nbval checks), and every asset the
pages load (theme, search, MathJax 3) is a local file of the built site. MathJax 3
comes from npm (site/package.json; ``npm ci --prefix site`` runs once when
site/node_modules/ is missing). Code cells are shown without their ``# NBVAL_...``
markers and the ``# Why:`` line after each (the notebooks keep them for nbval).

The staging step never writes to ``notebooks/`` or ``student/``. It copies:

- each lesson ``notebooks/NN_name.ipynb`` to ``lessons/NN_name.ipynb``, with,
  under its title, a Binder button and downloads of the student version and of
  the full lesson; each graded exercise shows the student version's answer
  cell (the stub) followed by the solution in a closed dropdown; hidden-test
  regions are removed from the check cells (and their outputs, which the
  hidden tests printed into); widget outputs become a note (an explorer needs
  a running kernel, and the static figure beside it is kept);
- ``index.md``, generated from README.md (the introduction, the quick start and
  the exercises section) and a card per lesson (thumbnail ``assets/thumb_NN.png``,
  title, what you build from the README's lesson table, or else the lesson's first
  sentence, and the estimated time from the lesson's first cell);
- ``instructors.md`` from ``docs/instructors.md``; ``assets/``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = ROOT / "build" / "site"
DEFAULT_STAGE = ROOT / "build" / "site_src"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BINDER_RE = re.compile(r"https://mybinder\.org/v2/gh/(?P<repo>[^/\s]+/[^/\s]+)/(?P<ref>[^?\s]+)\?urlpath=")
HIDDEN_TESTS_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                             re.MULTILINE | re.DOTALL)
NBVAL_RE = re.compile(r"^#\s*NBVAL_[A-Z_]+")
SOLUTION_MARK_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
#: The estimate: from the marker to the end of its paragraph (the site shows its first sentence).
TIME_RE = re.compile(r"\*\*Estimated time:?\*\*:?[ \t]*(?P<time>.+?)(?:\n[ \t]*\n|\Z)", re.DOTALL)
#: README sections copied to the home page, in this order (besides the introduction above the first one).
HOME_SECTIONS = ("Quick start", "Learning on your own: exercises and solutions")
#: A cell that shows an interactive explorer (as tests/test_browser.py recognizes them).
EXPLORER_RE = re.compile(r"\b\w*explorer\s*\(|\binteract(ive)?\s*\(")
WIDGET_NOTE = ("*An interactive explorer with sliders appears here when the notebook runs (launch it on Binder, "
               "button at the top of the page). The static figure nearby shows the same on this page.*")


class SiteError(RuntimeError):
    """Something in the repository stops the site from being built; the message says how to fix it."""


@dataclass
class Lesson:
    """One lesson as the site shows it."""

    stem: str  # 01_logistic_function
    number: str  # 01
    title: str  # 01 · The logistic function
    time: str  # 20 minutes
    summary: str  # first sentence of the introduction
    thumbnail: Path


# --------------------------------------------------------------------------- reading the repository


def _read_notebook(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SiteError(f"cannot read the notebook {path}: {err}") from err


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def discover_lessons(root: Path = ROOT) -> list[Path]:
    """The lessons, ``notebooks/NN_*.ipynb`` in order; an error when there are none."""
    lessons = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not lessons:
        raise SiteError(f"no lessons found: expected notebooks named notebooks/NN_name.ipynb under {root}")
    return lessons


def lesson_info(path: Path, root: Path = ROOT) -> Lesson:
    """Title (first markdown heading), estimated time (first cell) and thumbnail of a lesson."""
    nb = _read_notebook(path)
    cells = nb.get("cells", [])
    if not cells or cells[0].get("cell_type") != "markdown":
        raise SiteError(f"{path.name}: the first cell must be markdown with the title and '**Estimated time:** ...'")
    first = _source(cells[0])
    heading = re.search(r"^#\s+(.+?)\s*$", first, re.MULTILINE)
    if not heading:
        raise SiteError(f"{path.name}: the first cell has no '# Title' heading; start it with '# NN · Title'")
    found = TIME_RE.search(first)
    estimate = re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(found.group("time").split()))[0] if found else ""
    estimate = estimate.rstrip(".")
    if not re.search(r"\d", estimate):
        raise SiteError(f"{path.name}: the first cell has no '**Estimated time:** N minutes' line; add one")
    after = first[heading.end():].strip().split("\n\n")[0].replace("\n", " ")
    summary = re.split(r"(?<=[.!?])\s", after, maxsplit=1)[0]
    number = path.stem[:2]
    thumb = root / "assets" / f"thumb_{number}.png"
    if not thumb.exists():
        raise SiteError(f"{path.name}: its thumbnail {thumb.relative_to(root)} is missing; "
                        "draw it with scripts/make_assets.py (or add a 400x300 PNG)")
    return Lesson(stem=path.stem, number=number, title=heading.group(1), time=estimate,
                  summary=summary, thumbnail=thumb)


def binder_repo(readme: str) -> tuple[str, str]:
    """``(owner/name, ref)`` of the repository from the README's Binder links (one place to change in a fork)."""
    found = BINDER_RE.search(readme)
    if not found:
        raise SiteError("README.md has no Binder link of the form https://mybinder.org/v2/gh/OWNER/NAME/REF?urlpath=..."
                        "; the site takes the repository for its Binder buttons from it")
    return found.group("repo"), found.group("ref")


def readme_sections(readme: str) -> tuple[str, dict[str, str]]:
    """The README's introduction (between the title and the first ``##``) and its ``##`` sections by heading."""
    parts = re.split(r"^## +(.+?)\s*$", readme, flags=re.MULTILINE)
    intro = re.sub(r"^# .*\n", "", parts[0], count=1)
    intro = "\n".join(line for line in intro.splitlines() if not line.startswith("[![")).strip()
    return intro, {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


# --------------------------------------------------------------------------- staging


def _md_cell(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def _fence(code: str, lang: str = "python") -> str:
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def _solution_dropdown(cell: dict, cell_id: str) -> dict:
    """A markdown cell with the solution of an answer cell in a closed dropdown."""
    code = SOLUTION_MARK_RE.sub("", _source(cell))
    body = _fence(code) if cell.get("cell_type") == "code" else code.strip()
    colons = ":" * max(3, max((len(m) for m in re.findall(r"^:{3,}", body, re.MULTILINE)), default=0) + 1)
    return _md_cell(f"{colons}{{dropdown}} Show the solution\n:class-container: course-solution\n\n"
                    f"{body}\n{colons}\n", cell_id)


def strip_test_markers(src: str) -> str:
    """A code cell without its ``# NBVAL_...`` marker lines and the ``# Why: ...`` comment right after each one.

    The notebooks keep them (strict nbval reads them); readers of the site never see test machinery.
    """
    kept, after_marker = [], False
    for line in src.split("\n"):
        stripped = line.strip()
        if NBVAL_RE.match(stripped) or (after_marker and re.match(r"#\s*why\b", stripped, re.IGNORECASE)):
            after_marker = True
            continue
        after_marker = False
        kept.append(line)
    return "\n".join(kept)


def figure_alt(code: str, heading: str) -> str:
    """An alt text for the figures a code cell draws: its plot title, else its first comment, else the section."""
    title = re.search(r"""\btitle\s*=\s*r?f?r?(["'])(.+?)\1""", code)
    comment = next((ln.strip().lstrip("#").strip() for ln in code.splitlines()
                    if ln.strip().startswith("#") and not NBVAL_RE.match(ln.strip())), "")
    what = (title.group(2) if title else "") or comment or f"section {heading}"
    what = re.sub(r"\{[^{}]*\}", "", what)  # f-string fields: their values are not known here
    what = re.sub(r"[$`{}\\]", "", what).replace("\\n", " ").strip()
    return f"Figure: {what}"


def _widget_outputs_to_notes(cell: dict) -> None:
    """Replace widget outputs (they need a kernel) by a note; an explorer cell without output gets the note too."""
    note = {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": WIDGET_NOTE}}
    outputs = [copy.deepcopy(note) if WIDGET_VIEW in out.get("data", {}) else out for out in cell.get("outputs", [])]
    if EXPLORER_RE.search(_source(cell)) and note not in outputs:
        outputs.append(note)
    cell["outputs"] = outputs


def stage_lesson(path: Path, student_path: Path, repo: str, ref: str) -> dict:
    """The page version of one lesson: buttons under the title, exercises as stub + hidden solution."""
    nb = copy.deepcopy(_read_notebook(path))
    if not student_path.exists():
        raise SiteError(f"{path.name} has no student version {student_path}: "
                        "run .venv/bin/python scripts/make_student_versions.py")
    student = _read_notebook(student_path)
    stubs = {c["metadata"]["nbgrader"]["grade_id"]: c for c in student.get("cells", [])
             if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
    nb.get("metadata", {}).pop("widgets", None)  # widget state needs the ipywidgets JS from a CDN
    stem = path.stem
    binder = f"https://mybinder.org/v2/gh/{repo}/{ref}?urlpath=lab/tree/student/{stem}.ipynb"
    buttons = (
        f"\n\n```{{button-link}} {binder}\n:color: primary\n:class: course-binder\n\n"
        f"Launch on Binder (student version)\n```\n"
        f"{{download}}`Download the student version <../downloads/student/{stem}_student.ipynb>` (exercises blank) · "
        f"{{download}}`Download the full lesson <../downloads/notebooks/{stem}.ipynb>` (with solutions and outputs)\n"
    )
    cells_out, heading_text = [], ""
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "markdown":
            # One numbering style on the site: "## 1 Title" (01-03 write "## 1. Title").
            cell["source"] = re.sub(r"^(#{2,4} \d+(?:\.\d+)*)\.(?=\s)", r"\1", _source(cell), flags=re.MULTILINE)
            found = re.findall(r"^#{1,4}\s+(.+?)\s*$", _source(cell), re.MULTILINE)
            heading_text = found[-1].replace("`", "") if found else heading_text
        if cell.get("cell_type") == "code" and any(
                {"image/png", "image/svg+xml"} & set(out.get("data", {})) for out in cell.get("outputs", [])):
            cell.setdefault("metadata", {}).setdefault("mystnb", {}).setdefault("image", {})["alt"] = \
                figure_alt(_source(cell), heading_text)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if index == 0:
            src = _source(cell)
            heading = re.search(r"^#\s+.+$", src, re.MULTILINE)
            cell["source"] = src[:heading.end()] + buttons + src[heading.end():]
        if cell.get("cell_type") == "code":
            _widget_outputs_to_notes(cell)
            if "NBVAL_" in _source(cell):
                cell["source"] = strip_test_markers(_source(cell))
        if meta.get("solution"):
            grade_id = meta.get("grade_id")
            stub = stubs.get(grade_id)
            if stub is None:
                raise SiteError(f"{student_path.name} has no cell '{grade_id}': student/ is out of date; "
                                "run .venv/bin/python scripts/make_student_versions.py")
            shown = copy.deepcopy(cell)
            shown["source"] = _source(stub)
            if shown.get("cell_type") == "code":
                shown["outputs"], shown["execution_count"] = [], None
            cells_out += [shown, _solution_dropdown(cell, f"solution-{grade_id}")]
            continue
        if meta.get("grade") and cell.get("cell_type") == "code":
            src = _source(cell)
            if "### BEGIN HIDDEN TESTS" in src:
                cell["source"] = HIDDEN_TESTS_RE.sub("", src).rstrip("\n")
            cell["outputs"], cell["execution_count"] = [], None  # the committed output includes the hidden tests'
        cells_out.append(cell)
    nb["cells"] = cells_out
    return nb


def _rewrite_readme_links(text: str, repo: str, ref: str, lessons: list[Lesson]) -> str:
    """README links made right for the site: lessons and the guide are pages, other files link to GitHub."""
    pages = {f"notebooks/{lesson.stem}.ipynb": f"lessons/{lesson.stem}.ipynb" for lesson in lessons}
    pages["docs/instructors.md"] = "instructors.md"

    def fix(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"^[a-z]+:|^#|^assets/", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        if path in pages:
            return f"[{label}]({pages[path]}{'#' + anchor if anchor else ''})"
        return f"[{label}](https://github.com/{repo}/blob/{ref}/{target})"

    return re.sub(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)", fix, text)


def readme_descriptions(readme: str) -> dict[str, str]:
    """Lesson stem -> the "What you build" cell of the README's lesson table (for the lessons it lists)."""
    rows = [line for line in readme.splitlines() if line.startswith("|")]
    header = next((r for r in rows if "What you build" in r), None)
    if header is None:
        return {}
    column = [c.strip() for c in header.strip().strip("|").split("|")].index("What you build")
    found = {}
    for row in rows:
        link = re.search(r"\(notebooks/(\d\d_[^)/]+)\.ipynb\)", row)
        cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
        if link and len(cells) > column:
            found[link.group(1)] = cells[column]
    return found


def lesson_minutes(lesson: Lesson) -> int:
    """The minutes of a lesson's estimate: the first number of "about 100 minutes (90 to 105)" (100)."""
    found = re.search(r"\d+", lesson.time)
    if not found:
        raise SiteError(f"{lesson.stem}: its estimated time {lesson.time!r} has no number of minutes")
    return int(found.group(0))


def total_minutes(lessons: list[Lesson]) -> int:
    """The sum of the lessons' estimated times (the home page states it; README.md must state the same)."""
    return sum(lesson_minutes(lesson) for lesson in lessons)


def home_page(readme: str, lessons: list[Lesson], repo: str, ref: str) -> str:
    """index.md: the README's introduction and sections, a card per lesson, and the site's table of contents."""
    intro, sections = readme_sections(readme)
    missing = [s for s in HOME_SECTIONS if s not in sections]
    if missing:
        raise SiteError(f"README.md has no section(s) {missing}: the home page copies them; "
                        f"rename them in site/build.py (HOME_SECTIONS) if they moved")
    minutes = total_minutes(lessons)
    described = readme_descriptions(readme)
    cards = []
    for lesson in lessons:
        text = described.get(lesson.stem, lesson.summary)
        text = text[0].upper() + text[1:] if text else text
        cards.append(
            f":::{{grid-item-card}} {lesson.title}\n:link: lessons/{lesson.stem}\n:link-type: doc\n"
            f":img-top: assets/{lesson.thumbnail.name}\n:img-alt: Thumbnail of lesson {lesson.title.replace('`', '')}\n"
            f":class-card: course-lesson-card\n\n{text}\n\n**Time:** {lesson.time}\n:::\n")
    toctree_lessons = "\n".join(f"lessons/{lesson.stem}" for lesson in lessons)
    parts = [
        "# Logistic Regression with PyTorch\n",
        _rewrite_readme_links(intro, repo, ref, lessons),
        f"\n## Lessons\n\n{len(lessons)} lessons, about {minutes} minutes in all ({minutes / 60:.1f} hours; each "
        "card gives the lesson's own estimate). Take them in order: each builds on the one before. "
        "Every lesson page has a button that opens the student version on Binder, with nothing to install.\n",
        "::::{grid} 1 2 3 3\n:gutter: 3\n\n" + "\n".join(cards) + "::::\n",
    ]
    for name in HOME_SECTIONS:
        parts.append(f"\n## {name}\n\n{_rewrite_readme_links(sections[name], repo, ref, lessons)}\n")
    parts.append(f"\n```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{toctree_lessons}\n```\n")
    parts.append("\n```{toctree}\n:hidden:\n:caption: For instructors\n\ninstructors\n```\n")
    return "\n".join(parts)


def node_modules() -> Path:
    """site/node_modules (MathJax 3, axe-core; site/package.json pins them), installed with ``npm ci`` when missing.

    ``COURSE_SITE_NODE_MODULES`` points somewhere else (tests/test_site.py builds a clean copy with the checkout's).
    """
    env = os.environ.get("COURSE_SITE_NODE_MODULES")
    folder = Path(env) if env else SITE_DIR / "node_modules"
    if not (folder / "mathjax" / "es5" / "tex-chtml.js").exists() and not env:
        npm = shutil.which("npm")
        if npm is None:
            raise SiteError("the site serves MathJax 3 from npm's package 'mathjax' (math must render offline): "
                            "install Node.js and npm (apt-get install -y npm), then run `npm ci --prefix site`")
        print("site: installing MathJax 3 and axe-core into site/node_modules (npm ci, once)", file=sys.stderr)
        if subprocess.call([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(SITE_DIR)]) != 0:
            raise SiteError("`npm ci --prefix site` failed (it needs the npm registry): its messages are above")
    if not (folder / "mathjax" / "es5" / "tex-chtml.js").exists():
        raise SiteError(f"{folder} has no mathjax/es5/tex-chtml.js: run `npm ci --prefix site`")
    return folder


def copy_mathjax(dest: Path) -> None:
    """MathJax 3 (CommonHTML output, its woff2 fonts, the TeX extensions it autoloads) into ``dest``."""
    es5 = node_modules() / "mathjax" / "es5"
    dest.mkdir(parents=True)
    shutil.copy2(es5 / "tex-chtml.js", dest / "tex-chtml.js")
    shutil.copytree(es5 / "input" / "tex" / "extensions", dest / "input" / "tex" / "extensions")
    shutil.copytree(es5 / "output" / "chtml" / "fonts" / "woff-v2", dest / "output" / "chtml" / "fonts" / "woff-v2")


def stage(stage_dir: Path, root: Path = ROOT) -> list[Lesson]:
    """Write the Sphinx source folder ``stage_dir`` from the repository at ``root``; return the lessons."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    repo, ref = binder_repo(readme)
    paths = discover_lessons(root)
    lessons = [lesson_info(p, root) for p in paths]
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    (stage_dir / "lessons").mkdir(parents=True)
    for sub in ("conf.py", "_static", "_templates"):
        src = SITE_DIR / sub
        if src.is_dir():
            shutil.copytree(src, stage_dir / sub)
        elif src.exists():
            shutil.copy2(src, stage_dir / sub)
    copy_mathjax(stage_dir / "_static" / "mathjax")
    shutil.copytree(root / "assets", stage_dir / "assets")
    for folder in ("notebooks", "student"):
        (stage_dir / "downloads" / folder).mkdir(parents=True)
    for path in paths:
        student = root / "student" / path.name
        nb = stage_lesson(path, student, repo, ref)
        (stage_dir / "lessons" / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
        shutil.copy2(path, stage_dir / "downloads" / "notebooks" / path.name)
        shutil.copy2(student, stage_dir / "downloads" / "student" / f"{path.stem}_student.ipynb")
    (stage_dir / "index.md").write_text(home_page(readme, lessons, repo, ref), encoding="utf-8")
    guide = (root / "docs" / "instructors.md").read_text(encoding="utf-8")
    (stage_dir / "instructors.md").write_text(_rewrite_readme_links(guide, repo, ref, lessons), encoding="utf-8")
    (stage_dir / "site.json").write_text(json.dumps({"repo": repo, "ref": ref}), encoding="utf-8")
    return lessons


def build(out: Path = DEFAULT_OUT, stage_dir: Path = DEFAULT_STAGE, root: Path = ROOT,
          quiet: bool = True) -> float:
    """Stage, then run Sphinx into ``out`` (replaced); return the seconds taken. Warnings are errors."""
    start = time.perf_counter()
    lessons = stage(stage_dir, root)
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-E",
           "-d", str(stage_dir / ".doctrees"), str(stage_dir), str(out)]
    if quiet:
        cmd.insert(5, "-q")
    code = subprocess.call(cmd, cwd=stage_dir)
    if code != 0:
        raise SiteError(f"Sphinx failed (exit {code}); its messages are above. Staged sources: {stage_dir}")
    seconds = time.perf_counter() - start
    print(f"Built the site ({len(lessons)} lessons) in {seconds:.1f} s: {out / 'index.html'}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the HTML goes (default build/site)")
    parser.add_argument("--stage", type=Path, default=DEFAULT_STAGE,
                        help="staging folder for the Sphinx sources (default build/site_src)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress messages")
    args = parser.parse_args(argv)
    try:
        build(args.out.resolve(), args.stage.resolve(), quiet=not args.verbose)
    except SiteError as err:
        print(f"site: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
