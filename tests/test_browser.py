"""Every lesson, run the way a learner runs it: JupyterLab in a real (headless) browser.

For each ``notebooks/NN_*.ipynb`` this test starts JupyterLab from the
project's environment on loopback (random token, free port, throw-away
Jupyter config/runtime/settings folders), opens the lesson in Debian's
Chromium driven by Playwright, clears the outputs, runs all cells from the
Run menu and waits until the kernel is idle and no cell shows ``[*]``. Then
it checks what a learner would see:

- every code cell ran (an execution count in its prompt: JupyterLab stops
  "Run All" at the first uncaught exception);
- no cell shows a traceback (except cells tagged ``raises-exception``);
- every explorer (widget) cell renders its widget, with a slider;
- every cell that has a figure in the committed notebook shows an image again;
- every image in the markdown (the diagrams in ``assets/``) loads.

A screenshot of each lesson goes to ``artifacts/browser/<lesson>.png``
(git-ignored). The lessons are served from copies in a temporary folder, so
running them never rewrites the committed ``.ipynb`` files (and autosave is
off as well). ``test_broken_notebook_is_detected`` proves the checks can
fail: a small notebook that raises must be reported.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``). Without it the
tests skip, unless ``CI`` is set, where they fail. The browser is never
downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from tests.helpers import CHROMIUM, IN_CI, LESSONS, ROOT, headless_chromium

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts" / "browser"
#: Seconds a lesson may take to run all its cells (lesson 07 trains on MNIST; the CI box is slow).
RUN_ALL_TIMEOUT_S = 240
SERVER_START_TIMEOUT_S = 90


def _project_python() -> str:
    """The project's environment (.venv) when it exists, else the Python running pytest."""
    venv_python = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return str(venv_python) if venv_python.exists() else sys.executable


def _skip_or_fail(reason: str) -> None:
    """Skip on a learner's machine; in CI (env CI=true) a missing browser is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- what the page shows

#: Runs in the page: one entry per cell of the open notebook, in order.
COLLECT_JS = r"""
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  return cells.map((cell) => {
    const isCode = cell.classList.contains('jp-CodeCell');
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    const stderr = [...cell.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map((e) => e.innerText);
    const images = [...cell.querySelectorAll(
      '.jp-OutputArea .jp-RenderedImage img, .jp-OutputArea .jp-RenderedSVG img')];
    const mdImages = [...cell.querySelectorAll('.jp-RenderedMarkdown img')];
    const outputText = [...cell.querySelectorAll('.jp-OutputArea-output')].map((e) => e.innerText).join('\n');
    return {
      code: isCode,
      prompt: prompt ? prompt.innerText.trim() : '',
      stderr: stderr,
      images: images.length,
      imagesLoaded: images.filter((i) => i.complete && i.naturalWidth > 0).length,
      mdImages: mdImages.map((i) => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0})),
      widgets: cell.querySelectorAll('.jp-OutputArea .jupyter-widgets').length,
      sliders: cell.querySelectorAll('.jp-OutputArea .widget-slider').length,
      widgetErrors: /Error displaying widget|Loading widget\.\.\./.test(outputText),
    };
  });
}
"""

#: Runs in the page: true once "Run All" has finished (kernel idle, no [*] left).
FINISHED_JS = r"""
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const status = indicator ? indicator.getAttribute('data-status') : null;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map((p) => p.innerText);
  const busy = prompts.some((p) => p.includes('*'));
  const started = prompts.some((p) => /\[\d+\]/.test(p));
  return status === 'idle' && !busy && started;
}
"""

TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s*Cell In\[\d+\], line \d+|^\w*(Error|Exception): ",
                       re.MULTILINE)


@dataclass
class LabRun:
    """What JupyterLab showed after "Run All", cell by cell, and the problems found."""

    cells: list[dict]
    seconds: float  # from "Run All Cells" to the kernel idle with no [*] left
    open_seconds: float = 0.0  # loading JupyterLab and starting the kernel
    problems: list[str] = field(default_factory=list)

    @property
    def images(self) -> int:
        return sum(c["imagesLoaded"] for c in self.cells)

    @property
    def sliders(self) -> int:
        return sum(c["sliders"] for c in self.cells)


def _is_explorer_cell(cell: nbformat.NotebookNode) -> bool:
    """A cell that calls a ``*_explorer(...)`` or ``interact(...)``: it must show sliders."""
    return bool(re.search(r"\b\w*explorer\s*\(|\binteract(ive)?\s*\(", cell.source))


def _is_widget_cell(cell: nbformat.NotebookNode) -> bool:
    """An explorer cell, or one that displayed a widget (e.g. a progress bar) when committed."""
    if _is_explorer_cell(cell):
        return True
    return any("application/vnd.jupyter.widget-view+json" in out.get("data", {}) for out in cell.get("outputs", []))


def _has_stderr(cell: nbformat.NotebookNode) -> bool:
    return any(out.get("output_type") == "stream" and out.get("name") == "stderr" for out in cell.get("outputs", []))


def _has_figure(cell: nbformat.NotebookNode) -> bool:
    return any(
        "image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {})
        for out in cell.get("outputs", [])
        if out.get("output_type") in ("display_data", "execute_result")
    )


def check_lab_run(notebook: nbformat.NotebookNode, cells: list[dict]) -> list[str]:
    """Compare the page's cells with the notebook file; return the problems a learner would see."""
    problems: list[str] = []
    if len(cells) != len(notebook.cells):
        problems.append(f"the page shows {len(cells)} cells, the notebook has {len(notebook.cells)}")
        return problems
    for index, (cell, shown) in enumerate(zip(notebook.cells, cells, strict=True)):
        where = f"cell {index}"
        if cell.cell_type == "markdown":
            for img in shown["mdImages"]:
                if not img["ok"]:
                    problems.append(f"{where} (markdown): image {img['src']} did not load")
            continue
        if cell.cell_type != "code":
            continue
        first_line = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
        where = f"cell {index} ({first_line!r})"
        tags = cell.get("metadata", {}).get("tags", [])
        if not cell.source.strip():
            continue
        if not re.search(r"\[\d+\]", shown["prompt"]):
            problems.append(f"{where} did not run (prompt {shown['prompt']!r}): Run All stopped before it")
        if "raises-exception" not in tags:
            for text in shown["stderr"]:
                if TRACEBACK.search(text):
                    problems.append(f"{where} shows an error:\n{text[-800:]}")
                elif not _has_stderr(cell):
                    problems.append(f"{where} shows stderr output (a warning?) that the committed notebook "
                                    f"does not have:\n{text[-800:]}")
        if _is_widget_cell(cell):
            if shown["widgets"] == 0 or shown["widgetErrors"]:
                problems.append(f"{where} is an explorer cell but shows no working widget")
            elif _is_explorer_cell(cell) and shown["sliders"] == 0:
                problems.append(f"{where} is an explorer cell but shows no slider")
        if _has_figure(cell) and shown["imagesLoaded"] == 0:
            problems.append(f"{where} has a figure in the committed notebook but shows none")
    return problems


def run_all_in_lab(page, base_url: str, token: str, rel_path: str, workspace: str,
                   timeout_s: float = RUN_ALL_TIMEOUT_S) -> LabRun:
    """Open ``rel_path`` in JupyterLab, clear outputs, Run All Cells, wait, and read the page."""
    opened = time.monotonic()
    page.goto(f"{base_url}/lab/workspaces/{workspace}/tree/{rel_path}?token={token}")
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    # The kernel is ready when the toolbar shows its name and the indicator says idle.
    page.wait_for_function(
        """() => {
             const i = document.querySelector('.jp-Notebook-ExecutionIndicator');
             const k = document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName');
             return i && i.getAttribute('data-status') === 'idle' && k && !/No Kernel/.test(k.innerText);
           }""",
        timeout=90_000,
    )
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        raise AssertionError(f"JupyterLab opened a dialog instead of the lesson: {dialog.first.inner_text()}")
    open_seconds = time.monotonic() - opened
    _menu(page, "Edit", "Clear Outputs of All Cells")
    start = time.monotonic()
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function(FINISHED_JS, timeout=timeout_s * 1000, polling=500)
    seconds = time.monotonic() - start
    page.wait_for_timeout(1000)  # let the last images decode and widgets lay out
    cells = page.evaluate(COLLECT_JS)
    return LabRun(cells=cells, seconds=seconds, open_seconds=open_seconds)


def _menu(page, menu: str, item: str) -> None:
    """Click ``menu`` in the main menu bar, then ``item`` in it."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).first.click()


SCROLLER_JS = """() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
                    || document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')"""
#: Height of the notebook's content: down to the bottom of its last cell (not the empty space below).
CONTENT_HEIGHT_JS = f"""() => {{
  const scroller = ({SCROLLER_JS})();
  const cells = [...scroller.querySelectorAll('.jp-Cell')];
  if (!cells.length) return scroller.scrollHeight;
  const top = scroller.getBoundingClientRect().top - scroller.scrollTop;
  return Math.ceil(Math.max(...cells.map((c) => c.getBoundingClientRect().bottom)) - top) + 40;
}}"""
#: The tallest picture taken in one go; a longer notebook is saved in several parts.
MAX_SHOT_HEIGHT = 8000


def screenshot(page, path: Path) -> list[Path]:
    """Save the whole notebook, top to bottom, not just the window.

    The page is made as tall as the notebook (up to ``MAX_SHOT_HEIGHT``),
    scrolled to the top and saved as ``path``; a longer notebook continues in
    ``<stem>_part2.png``, ``<stem>_part3.png``, ...
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"{path.stem}_part*.png"):
        old.unlink()
    if page.locator("#jp-left-stack").is_visible():  # more room for the notebook
        page.keyboard.press("Control+b")
    total = page.evaluate(CONTENT_HEIGHT_JS)
    chrome = 160  # menu bar, tab bar, toolbar and status bar
    height = int(min(max(total + chrome, 900), MAX_SHOT_HEIGHT))
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
    page.wait_for_timeout(1000)
    visible = page.evaluate(f"() => ({SCROLLER_JS})().clientHeight")
    total = page.evaluate(CONTENT_HEIGHT_JS)
    tops = [0]
    while tops[-1] + visible < total - 50:  # a few pixels of slack are not worth another picture
        tops.append(tops[-1] + visible)
    saved = []
    for part, top in enumerate(tops, start=1):
        page.evaluate(f"(top) => {{ ({SCROLLER_JS})().scrollTop = top; }}", top)
        page.wait_for_timeout(700)
        target = path if part == 1 else path.with_name(f"{path.stem}_part{part}.png")
        page.screenshot(path=str(target))
        saved.append(target)
    return saved


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _skip_or_fail(f"the browser test needs Debian's Chromium at {CHROMIUM}: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_or_fail("the browser test needs Playwright: python3 course.py test installs it (the 'test' extra)")
    return CHROMIUM


@pytest.fixture(scope="module")
def served_root(tmp_path_factory) -> Path:
    """Copies of notebooks/ and assets/ in a temporary folder: the lab never touches the committed files."""
    root = tmp_path_factory.mktemp("lab_root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns("*.pt", ".ipynb_checkpoints", "__pycache__"))
    if (ROOT / "assets").is_dir():
        shutil.copytree(ROOT / "assets", root / "assets")
    (root / "selftest").mkdir()
    nbformat.write(_broken_notebook(), root / "selftest" / "broken.ipynb")
    return root


def _jupyter_settings(settings_dir: Path) -> None:
    """User settings for a quiet, deterministic lab: no autosave, no news pop-up, all cells in the page."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                        "scrollPastEnd": False},
    }
    for name, value in settings.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@pytest.fixture(scope="module")
def lab_server(chromium_path, served_root, tmp_path_factory):
    """JupyterLab from the project's environment on 127.0.0.1 with a random token; always shut down."""
    home = tmp_path_factory.mktemp("jupyter_home")
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel must use the inline backend, as a learner's does
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    _jupyter_settings(home / "settings")
    token = secrets.token_hex(16)
    port = _free_port()
    log_path = home / "jupyterlab.log"
    cmd = [
        _project_python(), "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={served_root}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI often run as root
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, env=env, cwd=served_root, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"JupyterLab exited with code {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n"
                                     f"{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"base_url": base_url, "token": token, "root": served_root, "log": log_path}
    finally:
        _shutdown(proc, base_url, token)
        log.close()


def _shutdown(proc: subprocess.Popen, base_url: str, token: str) -> None:
    """Ask the server to stop (it stops its kernels), then make sure its whole process group is gone."""
    if proc.poll() is None:
        try:
            req = urllib.request.Request(f"{base_url}/api/shutdown?token={token}", method="POST", data=b"")
            urllib.request.urlopen(req, timeout=5).close()
        except (urllib.error.URLError, OSError):
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(timeout=10)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def browser(chromium_path):
    with headless_chromium(chromium_path) as browser:
        yield browser


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies, no storage) per notebook."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# --------------------------------------------------------------------------- the tests


def _broken_notebook() -> nbformat.NotebookNode:
    """A figure, a slider explorer, then a cell that raises: the checks must report the error."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Self-test\n\n![unit](../assets/logistic_unit.svg)"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nfrom course_utils.plotting import plot_sigmoid\n"
                                  "plot_sigmoid()\nplt.show()"),
        nbformat.v4.new_code_cell("from course_utils.widgets import sigmoid_explorer\n_ = sigmoid_explorer()"),
        nbformat.v4.new_code_cell("print('about to fail')\n1 / 0"),
        nbformat.v4.new_code_cell("print('never reached')"),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "", "text/plain": "<Figure>"})]
    return nb


def test_broken_notebook_is_detected(lab_server, page):
    """The checks can fail: a ZeroDivisionError shows as an error and stops Run All; figure and slider render."""
    run = run_all_in_lab(page, lab_server["base_url"], lab_server["token"], "selftest/broken.ipynb", "selftest")
    notebook = nbformat.read(lab_server["root"] / "selftest" / "broken.ipynb", as_version=4)
    problems = check_lab_run(notebook, run.cells)
    screenshot(page, ARTIFACTS / "selftest_broken.png")
    assert any("cell 3" in p and "ZeroDivisionError" in p for p in problems), problems
    assert any("cell 4" in p and "did not run" in p for p in problems), problems
    assert not any(re.match(r"cell [012]\b", p) for p in problems), problems
    assert run.images >= 2, "the figure cell and the explorer should each show an image"
    assert run.sliders >= 2, "the explorer should show its w and b sliders"
    assert run.cells[0]["mdImages"] and all(i["ok"] for i in run.cells[0]["mdImages"]), run.cells[0]
    # The lab really runs with autosave off (so it never writes a notebook it runs).
    answer = page.request.get(f"{lab_server['base_url']}/lab/api/settings/"
                              f"@jupyterlab/docmanager-extension:plugin?token={lab_server['token']}")
    assert answer.ok and answer.json()["settings"]["autosave"] is False, answer.text()


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_jupyterlab(lesson: Path, lab_server, page):
    """Run All in the browser: no errors, widgets with sliders, figures, diagrams; committed file untouched."""
    rel = f"notebooks/{lesson.name}"
    served = lab_server["root"] / rel
    before = _sha256(served)
    run = run_all_in_lab(page, lab_server["base_url"], lab_server["token"], rel, lesson.stem)
    screenshot(page, ARTIFACTS / f"{lesson.stem}.png")
    notebook = nbformat.read(lab_server["root"] / rel, as_version=4)  # the copy that was served
    problems = check_lab_run(notebook, run.cells)
    print(f"{lesson.stem}: opened in {run.open_seconds:.1f} s, ran all cells in {run.seconds:.1f} s; "
          f"{run.images} images, {run.sliders} sliders")
    assert not problems, f"{lesson.name} in JupyterLab:\n" + "\n".join(problems)
    if any(_has_figure(c) for c in notebook.cells):
        assert run.images > 0
    if any(c.cell_type == "code" and _is_explorer_cell(c) for c in notebook.cells):
        assert run.sliders > 0, f"{lesson.name} has an explorer cell but the page shows no slider"
    # The lab serves copies (its root_dir is a temporary folder), so it cannot write the committed file;
    # and with autosave off it must not even save the copy it ran.
    assert ROOT not in served.parents and ROOT.resolve() not in served.resolve().parents
    assert _sha256(served) == before, f"JupyterLab saved {lesson.name} while running it (autosave should be off)"
