"""The course website (``python3 course.py site``): it builds offline from a clean copy and every page works.

The site is built once per test run, from a copy of the files git tracks
(what a fresh clone has: no ``build/``, no untracked work), into a temporary
folder, with Sphinx warnings as errors. Then:

- every lesson has a page that shows each figure of the committed notebook;
- every graded exercise shows the student version's stub, with the solution
  only inside a closed dropdown, and no hidden test anywhere on the page;
- no internal link or anchor is broken, and no page loads anything from
  another site (the site works offline: theme, search and MathJax are local);
- in headless Chromium (Debian's ``/usr/bin/chromium``, never downloaded), the
  home page, the instructor guide, the search page and every lesson open with
  no console error and no request leaving the machine; math is typeset and
  the search finds a lesson. Screenshots go to ``artifacts/site/``;
- on a 390x844 phone screen, every page: the ☰ button shows the lesson list, no raw TeX or ``$$``
  is left in the prose, nothing scrolls sideways, and axe-core (site/package.json, ``npm ci``
  into the git-ignored site/node_modules) finds no serious or critical violation;
- the home page and README.md state the sum of the lessons' estimated times.

Without Chromium the browser test skips, unless ``CI`` is set, where it fails. It is marked
``browser``, so ``-m "not browser"`` (the quick run) leaves it out.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from bs4 import BeautifulSoup

from tests.helpers import CHROMIUM, IN_CI, ROOT, headless_chromium


def _tracked_lessons() -> list[Path]:
    """The lessons a fresh clone has: ``notebooks/NN_*.ipynb`` tracked by git (all of them outside a git checkout)."""
    try:
        listed = subprocess.run(["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return sorted(ROOT / p for p in listed if re.fullmatch(r"notebooks/\d\d_[^/]*\.ipynb", p))


LESSONS = _tracked_lessons()
ARTIFACTS = ROOT / "artifacts" / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HIDDEN_RE = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
#: Attributes whose URL the browser loads by itself (an external one would break the site offline).
LOADED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src"}


def _project_python() -> str:
    venv_python = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return str(venv_python) if venv_python.exists() else sys.executable


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _lines(text: str) -> str:
    """The non-blank lines of ``text``, stripped: code compared regardless of indentation and blank lines."""
    return "\n".join(ln.strip() for ln in text.splitlines() if ln.strip())


def _output_images(cell: dict) -> int:
    return sum(1 for out in cell.get("outputs", [])
               if out.get("output_type") in ("display_data", "execute_result")
               and ({"image/png", "image/svg+xml", "image/jpeg"} & set(out.get("data", {}))))


# --------------------------------------------------------------------------- the build, once


def _node_modules() -> Path:
    """The checkout's site/node_modules (MathJax 3, axe-core from site/package.json), ``npm ci`` when missing."""
    folder = ROOT / "site" / "node_modules"
    if not (folder / "mathjax").is_dir() or not (folder / "axe-core").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("the site needs npm for MathJax 3 and axe-core: apt-get install -y npm")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(ROOT / "site")], check=True,
                       capture_output=True, timeout=300)
    return folder



@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """Build the site from a copy of the tracked files (like a fresh clone), offline, warnings as errors."""
    base = tmp_path_factory.mktemp("site")
    clone = base / "clone"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():  # a tracked file deleted in the work tree is not there
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / rel)
    out = base / "out" / "site"
    # Offline: any download the build tried would go to a proxy that does not exist, and fail it.
    nowhere = "http://127.0.0.1:9"
    env = {**os.environ, "http_proxy": nowhere, "https_proxy": nowhere, "HTTP_PROXY": nowhere,
           "HTTPS_PROXY": nowhere, "no_proxy": "", "NO_PROXY": ""}
    env["COURSE_SITE_NODE_MODULES"] = str(_node_modules())
    start = time.perf_counter()
    proc = subprocess.run([_project_python(), str(clone / "site" / "build.py"), "--out", str(out),
                           "--stage", str(base / "out" / "site_src")],
                          cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, f"the site did not build:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    print(f"site built in {seconds:.1f} s")
    return {"out": out, "clone": clone, "seconds": seconds, "log": proc.stdout + proc.stderr}


def _pages(out: Path) -> list[Path]:
    """The site's pages (not the theme's template fragments in _static/)."""
    return sorted(p for p in out.rglob("*.html") if "_static" not in p.relative_to(out).parts)


# --------------------------------------------------------------------------- content


def test_home_page_lists_every_lesson_with_thumbnail_and_time(built):
    out = built["out"]
    home = _soup(out / "index.html")
    text = home.get_text(" ", strip=True)
    assert "Who it is for" in text, "the home page should say who the course is for (README introduction)"
    cards = home.select(".course-lesson-card")
    assert len(cards) == len(LESSONS), f"{len(cards)} lesson cards for {len(LESSONS)} lessons"
    for lesson, card in zip(LESSONS, cards, strict=True):
        first = _source(_read(built["clone"] / "notebooks" / lesson.name)["cells"][0])
        number = lesson.stem[:2]
        img = card.select_one("img")
        assert img is not None and img["src"].endswith(f"thumb_{number}.png"), card
        assert (out / img["src"]).is_file()
        link = card.select_one("a[href]")
        assert link is not None and link["href"].startswith(f"lessons/{lesson.stem}.html"), card
        estimated = re.search(r"\*\*Estimated time:?\*\*:?\s*((about\s+)?\d+\s+minutes)", first).group(1)
        assert f"Time: {' '.join(estimated.split())}" in card.get_text(" ", strip=True), \
            f"{lesson.stem}: the card should give the estimated time"
    sidebar = [a["href"] for a in home.select(".bd-sidebar-primary a.reference.internal")]
    for lesson in LESSONS:
        assert f"lessons/{lesson.stem}.html" in sidebar, f"the sidebar has no link to {lesson.stem}"
    assert "instructors.html" in sidebar, "the sidebar has no link to the instructor guide"
    assert (out / "search.html").is_file() and (out / "searchindex.js").is_file()
    guide = _soup(out / "instructors.html").get_text(" ", strip=True)
    assert "Instructor guide" in guide and "course.py grade" in guide


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_page_shows_every_figure_and_launch_buttons(built, lesson):
    out = built["out"]
    page = out / "lessons" / f"{lesson.stem}.html"
    assert page.is_file(), f"no page for {lesson.name}"
    soup = _soup(page)
    clone = built["clone"]
    nb = _read(clone / "notebooks" / lesson.name)
    expected = sum(_output_images(c) for c in nb["cells"] if c["cell_type"] == "code"
                   and not _nbgrader(c).get("solution") and not _nbgrader(c).get("grade"))
    shown = soup.select("div.cell_output img")
    assert len(shown) == expected, f"{lesson.stem}: the notebook has {expected} figures, the page shows {len(shown)}"
    for img in shown:
        assert (page.parent / unquote(img["src"])).is_file(), img["src"]
        alt = img.get("alt", "")
        assert alt and not re.search(r"\.(png|svg|jpe?g)$", alt), f"{lesson.stem}: a figure's alt text is {alt!r}"
    assert "NBVAL" not in soup.get_text(), f"{lesson.stem}: an nbval marker is shown (test machinery)"
    md_images = sum(len(re.findall(r"!\[[^\]]*\]\(|<img\s", _source(c))) for c in nb["cells"]
                    if c["cell_type"] == "markdown")
    assert len(soup.select("article img")) >= expected + md_images
    title = re.search(r"^#\s+(.+?)\s*$", _source(nb["cells"][0]), re.MULTILINE).group(1).replace("`", "")
    assert soup.select_one("article h1").get_text(" ", strip=True).rstrip("#").strip() == title
    binder = [a["href"] for a in soup.select("a.course-binder")]
    assert binder and binder[0].startswith("https://mybinder.org/v2/gh/") and \
        binder[0].endswith(f"?urlpath=lab/tree/student/{lesson.stem}.ipynb"), binder
    files = [page.parent / unquote(a["href"]) for a in soup.select("a.download")]
    assert [f.name for f in files] == [f"{lesson.stem}_student.ipynb", lesson.name], files
    assert _read(files[0]) == _read(clone / "student" / lesson.name), "the first download is the student version"
    assert _read(files[1]) == nb, "the second download is the full lesson"
    assert soup.select(".bd-sidebar-secondary .page-toc a.nav-link"), f"{lesson.stem}: no table of contents on the page"
    explorers = [c for c in nb["cells"] if c["cell_type"] == "code" and (
        re.search(r"\b\w*explorer\s*\(|\binteract(ive)?\s*\(", _source(c))
        or any(WIDGET_VIEW in o.get("data", {}) for o in c.get("outputs", [])))]
    notes = [o for o in soup.select("div.cell_output") if "An interactive explorer with sliders" in o.get_text()]
    assert len(notes) == len(explorers), f"{len(explorers)} explorer cells, {len(notes)} notes saying how to use them"
    assert "application/vnd.jupyter.widget-view+json" not in str(soup), "a widget output is left on the page"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_exercises_show_the_stub_and_hide_the_solution(built, lesson):
    soup = _soup(built["out"] / "lessons" / f"{lesson.stem}.html")
    html = str(soup)
    clone = built["clone"]
    nb = _read(clone / "notebooks" / lesson.name)
    student = {_nbgrader(c).get("grade_id"): c for c in _read(clone / "student" / lesson.name)["cells"]}
    answers = [c for c in nb["cells"] if _nbgrader(c).get("solution")]
    assert answers, f"{lesson.stem} has no graded exercise"
    dropdowns = soup.select("details.course-solution")
    assert len(dropdowns) == len(answers), f"{len(answers)} exercises, {len(dropdowns)} solution dropdowns"
    for details in dropdowns:
        assert not details.has_attr("open"), "a solution dropdown is open when the page loads"
        assert "Show the solution" in details.summary.get_text()
    visible_cells = [_lines(pre.get_text()) for pre in soup.select("div.cell_input pre")]
    visible_code = "\n".join(visible_cells)
    for cell, details in zip(answers, dropdowns, strict=True):
        stub = _source(student[_nbgrader(cell)["grade_id"]])
        solution = _lines("\n".join(ln for ln in _source(cell).splitlines() if "### " not in ln))
        assert solution in _lines(details.get_text()), f"the dropdown does not hold the solution:\n{solution}"
        assert not any(solution in shown for shown in visible_cells), f"the solution is visible:\n{solution}"
        elsewhere = "\n".join(_source(c) for c in nb["cells"] if c is not cell)
        for line in solution.splitlines():
            if line not in stub and line not in elsewhere:  # a line only the solution has
                assert line not in visible_code, f"the solution line {line!r} is visible"
        for line in _lines(stub).splitlines():
            assert line in visible_code, f"the student stub line {line!r} is not shown"
    for marker in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in html, f"{lesson.stem}: the page contains {marker!r}"
    for cell in nb["cells"]:
        for region in HIDDEN_RE.findall(_source(cell)):
            for line in filter(None, (ln.strip() for ln in region.splitlines())):
                assert line not in soup.get_text(), f"{lesson.stem}: the hidden test {line!r} is on the page"


def test_no_broken_internal_link_and_nothing_loaded_from_elsewhere(built):
    out = built["out"]
    ids: dict[Path, set[str]] = {}
    broken, external = [], []
    pages = _pages(out)
    assert len(pages) >= len(LESSONS) + 3
    for page in pages:
        soup = _soup(page)
        for tag in soup.find_all(True):
            for attr in ("href", "src"):
                url = tag.get(attr)
                if not url:
                    continue
                parsed = urlparse(url)
                if parsed.scheme in ("http", "https") or url.startswith("//"):
                    if LOADED.get(tag.name) == attr or tag.name == "link":
                        external.append(f"{page.relative_to(out)}: <{tag.name} {attr}={url}>")
                    continue
                if parsed.scheme:  # mailto:, data:, javascript:
                    continue
                problem = _check_internal(page, url, parsed, ids)
                if problem:
                    broken.append(f"{page.relative_to(out)}: {problem}")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:40])
    assert not external, "pages load files from other sites (the site must work offline):\n" + "\n".join(external[:40])
    mathjax = [s["src"] for s in _soup(out / "lessons" / f"{LESSONS[0].stem}.html").select("script[src]")
               if "mathjax/tex-chtml.js" in s["src"]]
    assert mathjax and not urlparse(mathjax[0]).scheme, f"MathJax should be the site's own copy: {mathjax}"


def _check_internal(page: Path, url: str, parsed, ids: dict[Path, set[str]]) -> str | None:
    """Why the relative ``url`` on ``page`` is broken (no such file, or no such anchor), or None."""
    target = (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"{url} (no such file)"
    if parsed.fragment and target.suffix == ".html":
        if target not in ids:
            ids[target] = {t["id"] for t in _soup(target).find_all(id=True)}
        if unquote(parsed.fragment) not in ids[target]:
            return f"{url} (no element with that id)"
    return None


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def served(built):
    """The built site on a local HTTP server (loopback, free port)."""
    handler = functools.partial(_QuietHandler, directory=str(built["out"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"the site's browser test needs Debian's Chromium at {CHROMIUM}: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
        pytest.skip(reason)
    with headless_chromium() as browser:
        yield browser


def _open(browser, base: str, rel: str, problems: list[str]):
    """Open ``rel`` with every request off the machine refused; record console errors and failed loads."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(30_000)

    def route(r):
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            problems.append(f"{rel}: requested {r.request.url} from another site")
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"{rel}: console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{rel}: JavaScript error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"{rel}: {r.url} failed: {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{rel}: {r.url} answered {r.status}"))
    page.goto(urljoin(base, rel), wait_until="load")
    return context, page


@pytest.mark.browser
def test_pages_open_in_chromium_without_errors(built, served, browser):
    """Home, guide, search and every lesson: no console error, nothing from elsewhere; math set; screenshots."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # no picture left over from a lesson that is gone
    ARTIFACTS.mkdir(parents=True)
    problems: list[str] = []
    pages = ["index.html", "instructors.html"] + [f"lessons/{p.stem}.html" for p in LESSONS]
    for rel in pages:
        context, page = _open(browser, served, rel, problems)
        try:
            name = Path(rel).stem
            if rel.startswith("lessons/"):
                has_math = page.locator("span.math, div.math").count() > 0
                if has_math:
                    _wait_for_math(page)
                    errors = page.locator("mjx-merror, .merror").count()
                    if errors:
                        problems.append(f"{rel}: {errors} formulas failed to typeset")
                images = page.evaluate("() => [...document.querySelectorAll('article img')]"
                                       ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
                problems.extend(f"{rel}: image {src} did not load" for src in images)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=not rel.startswith("lessons/"))
            section = page.locator("section#graded-exercises")
            if section.count():
                section.scroll_into_view_if_needed()
                page.locator("details.course-solution summary").first.click()
                page.wait_for_timeout(300)
                page.screenshot(path=str(ARTIFACTS / f"{name}_exercises.png"))
        finally:
            context.close()
    context, page = _open(browser, served, "search.html?q=sigmoid", problems)
    try:
        page.wait_for_selector("#search-results li", timeout=30_000)
        found = page.locator("#search-results li a").evaluate_all("(as) => as.map(a => a.getAttribute('href'))")
        assert any(LESSONS[0].stem in href for href in found), f"searching 'sigmoid' should find lesson 01: {found}"
        page.screenshot(path=str(ARTIFACTS / "search.png"))
    finally:
        context.close()
    assert not problems, "\n".join(problems[:40])


def _wait_for_math(page) -> None:
    """Wait until MathJax 3 has typeset the page."""
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                           " && (MathJax.startup.promise.then(() => { window.__mathDone = true; }), window.__mathDone)"
                           " && document.querySelectorAll('mjx-container').length > 0", timeout=60_000)


def _stated_minutes(clone: Path) -> list[int]:
    """Each lesson's minutes, read from its notebook's "**Estimated time:**" line (the first number after it)."""
    minutes = []
    for lesson in LESSONS:
        first = _source(_read(clone / "notebooks" / lesson.name)["cells"][0])
        minutes.append(int(re.search(r"\*\*Estimated time:?\*\*:?\D*?(\d+)", first).group(1)))
    return minutes


def test_home_page_and_readme_state_the_sum_of_the_lesson_times(built):
    total = sum(_stated_minutes(built["clone"]))
    home = _soup(built["out"] / "index.html").get_text(" ", strip=True)
    assert f"about {total} minutes in all" in home, f"the home page should state {total} minutes in all"
    readme = (built["clone"] / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"^Total: (\d+) minutes", readme, re.MULTILINE)
    assert stated and int(stated.group(1)) == total, \
        f"README.md states {stated and stated.group(0)!r}; the lessons' estimated times add up to {total} minutes"


#: Raw TeX that typeset math never leaves in the page text.
RAW_TEX_RE = re.compile(r"\$\$|\\(frac|lambda|sigma|sum|lVert|text|mid|big|operatorname|qquad|log)\b")
SITE_PAGES = ["index.html", "instructors.html", "search.html"] + [f"lessons/{p.stem}.html" for p in LESSONS]


@pytest.mark.browser
def test_on_a_phone_the_menu_opens_math_is_typeset_nothing_scrolls_sideways_and_axe_passes(built, served, browser):
    """At 390x844 on every page: no sideways scrolling, no raw TeX, 0 serious/critical axe violations; ☰ opens."""
    shots = ARTIFACTS / "phone"
    shots.mkdir(parents=True, exist_ok=True)
    axe = (_node_modules() / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
    problems: list[str] = []
    for rel in SITE_PAGES:
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        context.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).hostname == "127.0.0.1"
                      else r.abort())
        page = context.new_page()
        try:
            page.goto(urljoin(served, rel), wait_until="load")
            if page.locator("span.math, div.math").count():
                _wait_for_math(page)
            text = page.evaluate("""() => { const copy = document.querySelector('main, body').cloneNode(true);
                copy.querySelectorAll('pre, code, script, style, mjx-container').forEach(e => e.remove());
                return copy.textContent; }""")  # prose, not code: code may hold TeX for matplotlib labels
            for match in RAW_TEX_RE.finditer(text):
                problems.append(f"{rel}: raw TeX on the page: ...{text[max(0, match.start() - 40):match.end() + 20]!r}")
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                problems.append(f"{rel}: {widths[0]} px wide on a {widths[1]} px screen (it scrolls sideways)")
            page.add_script_tag(content=axe)
            found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.nodes.length} × ${v.nodes[0].target.join(' ')}`)""")
            problems.extend(f"{rel}: axe: {v}" for v in found)
            if rel == "lessons/" + LESSONS[0].stem + ".html":
                toggle = page.locator("button.primary-toggle:visible").first
                toggle.click()
                nav = page.locator(".bd-sidebar-primary a.reference.internal", has_text=LESSONS[1].stem[:2])
                try:
                    nav.first.wait_for(state="visible", timeout=5_000)
                except Exception:  # noqa: BLE001 - reported below with the others
                    problems.append(f"{rel}: clicking ☰ at 390x844 does not show the lesson list")
                page.screenshot(path=str(shots / "menu_open.png"))
            else:
                page.screenshot(path=str(shots / f"{Path(rel).stem}.png"))
        finally:
            context.close()
    assert not problems, "\n".join(problems[:60])


# --------------------------------------------------------------------------- the staging step, on small inputs


@functools.lru_cache(maxsize=1)
def _builder():
    """site/build.py as a module (the folder is not a package: its name would shadow Python's ``site``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("course_site_build", ROOT / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _cell(kind: str, source: str, grade_id: str | None = None, **flags) -> dict:
    cell = {"cell_type": kind, "id": grade_id or f"c{abs(hash(source)) % 10**8}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(outputs=flags.pop("outputs", []), execution_count=flags.pop("execution_count", None))
    if grade_id:
        cell["metadata"]["nbgrader"] = {"grade_id": grade_id, "solution": False, "grade": False, **flags}
    return cell


def _tiny_lesson(tmp_path: Path) -> tuple[Path, Path]:
    """A lesson with one exercise (answer, check with hidden tests) and its student version."""
    solution = ("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x  # the secret\n    ### END SOLUTION\n")
    check = "checks.check_f(f)\n### BEGIN HIDDEN TESTS\nchecks.check_f_hidden(f)\n### END HIDDEN TESTS\n"
    printed = {"output_type": "stream", "name": "stdout", "text": "✓ visible\n✓ hidden\n"}
    cells = [
        _cell("markdown", "# 99 · Tiny\n\nA tiny lesson. It has one exercise.\n\n**Estimated time:** 5 minutes."),
        _cell("code", "_ = sigmoid_explorer()"),
        _cell("code", solution, "ex1-answer", solution=True),
        _cell("code", check, "ex1-check", grade=True, points=1, outputs=[printed], execution_count=3),
    ]
    student_cells = json.loads(json.dumps(cells))
    student_cells[2]["source"] = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    student_cells[3]["source"], student_cells[3]["outputs"] = "checks.check_f(f)", []
    nb = {"cells": cells, "metadata": {"widgets": {}}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "student").mkdir()
    lesson, student = tmp_path / "notebooks" / "99_tiny.ipynb", tmp_path / "student" / "99_tiny.ipynb"
    lesson.write_text(json.dumps(nb))
    student.write_text(json.dumps({**nb, "cells": student_cells}))
    return lesson, student


def test_staging_shows_the_stub_hides_the_solution_and_drops_hidden_tests(tmp_path):
    build = _builder()
    lesson, student = _tiny_lesson(tmp_path)
    before = lesson.read_text()
    staged = build.stage_lesson(lesson, student, "owner/course", "HEAD")
    assert lesson.read_text() == before, "staging must not write to the lesson"
    sources = [_source(c) for c in staged["cells"]]
    assert "https://mybinder.org/v2/gh/owner/course/HEAD?urlpath=lab/tree/student/99_tiny.ipynb" in sources[0]
    assert sources[0].startswith("# 99 · Tiny\n"), "the title stays the first line"
    assert "raise NotImplementedError()" in sources[2] and "secret" not in sources[2]
    assert sources[3].startswith(":::{dropdown} Show the solution") and "return 2 * x  # the secret" in sources[3]
    assert "### BEGIN SOLUTION" not in sources[3]
    assert sources[4] == "checks.check_f(f)" and staged["cells"][4]["outputs"] == [], \
        "hidden tests or their output left"
    assert staged["cells"][1]["outputs"][0]["data"]["text/markdown"] == build.WIDGET_NOTE
    assert "widgets" not in staged["metadata"]


@pytest.mark.parametrize("breakage, message", [
    ("no thumbnail", r"thumbnail assets/thumb_99\.png is missing"),
    ("no student version", r"has no student version .*make_student_versions\.py"),
    ("stale student version", r"has no cell 'ex1-answer': student/ is out of date"),
    ("no estimated time", r"no '\*\*Estimated time:\*\* N minutes' line"),
    ("no title", r"no '# Title' heading"),
])
def test_staging_errors_say_what_to_fix(tmp_path, breakage, message):
    build = _builder()
    lesson, student = _tiny_lesson(tmp_path)
    (tmp_path / "assets").mkdir()
    if breakage != "no thumbnail":
        (tmp_path / "assets" / "thumb_99.png").write_bytes(b"\x89PNG")
    nb = json.loads(lesson.read_text())
    if breakage == "no student version":
        student.unlink()
    elif breakage == "stale student version":
        stale = json.loads(student.read_text())
        stale["cells"][2]["metadata"]["nbgrader"]["grade_id"] = "old-answer"
        student.write_text(json.dumps(stale))
    elif breakage == "no estimated time":
        nb["cells"][0]["source"] = "# 99 · Tiny\n\nA tiny lesson."
    elif breakage == "no title":
        nb["cells"][0]["source"] = "A tiny lesson.\n\n**Estimated time:** 5 minutes."
    lesson.write_text(json.dumps(nb))
    with pytest.raises(build.SiteError, match=message):
        build.lesson_info(lesson, tmp_path)
        build.stage_lesson(lesson, student, "owner/course", "HEAD")


def test_the_home_page_takes_the_repository_and_descriptions_from_the_readme():
    build = _builder()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    repo, ref = build.binder_repo(readme)
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and ref
    with pytest.raises(build.SiteError, match="no Binder link"):
        build.binder_repo("# A README without Binder links")
    described = build.readme_descriptions(readme)
    assert described, "the README's lesson table should give the cards their descriptions"
    assert set(described) <= {p.stem for p in LESSONS}


def test_course_py_has_the_site_command():
    import importlib.util

    spec = importlib.util.spec_from_file_location("course_cli", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    assert "site" in course.COMMANDS and "python3 course.py site" in course.__doc__
