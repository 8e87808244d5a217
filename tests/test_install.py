"""How ``course.py`` installs the course: which PyTorch build, the pip command lines, the fallback, and the roles.

Nothing here downloads anything: the CPU index is a closed port or a tiny HTTP server on 127.0.0.1, and pip itself
is replaced by a recorder.
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import pathlib
import re
import socket
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
#: Tools a learner's environment must not contain (instructor extensions in JupyterLab, test and site tools).
NOT_FOR_LEARNERS = ("nbgrader", "pytest", "nbval", "playwright", "sphinx", "myst-nb", "sphinx-book-theme", "ruff")


def _course():
    spec = importlib.util.spec_from_file_location("course_install", REPO / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _course()


@pytest.fixture(autouse=True)
def _local_addresses_bypass_any_proxy(monkeypatch):
    """The test servers are on 127.0.0.1: never route them through a proxy the machine may have configured."""
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")


# --- the decision -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("system", "gpu", "choice", "build"), [
    ("Linux", False, "auto", "cpu"),        # a laptop without an NVIDIA GPU: the CPU build
    ("Linux", True, "auto", "default"),     # an NVIDIA GPU: PyPI's (CUDA) build
    ("Windows", False, "auto", "cpu"),
    ("Windows", True, "auto", "default"),
    ("Darwin", False, "auto", "default"),   # macOS: PyPI's wheels are CPU builds already
    ("Darwin", False, "cpu", "default"),
    ("Linux", True, "cpu", "cpu"),          # forced
    ("Windows", True, "cpu", "cpu"),
    ("Linux", False, "cuda", "default"),
    ("Windows", False, "cuda", "default"),
])
def test_torch_build(system, gpu, choice, build):
    assert course.torch_build(choice, system, gpu) == build


def test_choice_from_option_or_environment():
    assert course.torch_choice([], {}) == ("auto", [])
    assert course.torch_choice(["lab"], {"COURSE_TORCH": "CPU"}) == ("cpu", ["lab"])
    assert course.torch_choice(["lab", "--torch", "cuda"], {"COURSE_TORCH": "cpu"}) == ("cuda", ["lab"])
    assert course.torch_choice(["--torch=cpu", "test", "-k", "x"], {}) == ("cpu", ["test", "-k", "x"])
    with pytest.raises(SystemExit, match="auto, cpu, cuda"):
        course.torch_choice(["lab", "--torch", "rocm"], {})


def _fake_filesystem(monkeypatch, nvidia_smi: str | None, existing: set[str]):
    monkeypatch.setattr(course.shutil, "which", lambda name: nvidia_smi if name == "nvidia-smi" else None)
    real_exists = pathlib.Path.exists
    monkeypatch.setattr(pathlib.Path, "exists", lambda self: str(self).replace("\\", "/") in existing
                        if "nvidia" in str(self) else real_exists(self))


@pytest.mark.parametrize(("system", "nvidia_smi", "existing", "gpu"), [
    ("Linux", None, set(), False),
    ("Linux", "/usr/bin/nvidia-smi", set(), True),
    ("Linux", None, {"/proc/driver/nvidia/version"}, True),       # driver loaded, nvidia-smi not on PATH
    ("Linux", None, {"/usr/lib/wsl/lib/nvidia-smi"}, True),       # WSL
    ("Windows", None, set(), False),
    ("Windows", None, {"C:/Windows/System32/nvidia-smi.exe"}, True),
    ("Darwin", None, {"/proc/driver/nvidia/version"}, False),
])
def test_gpu_detection(monkeypatch, system, nvidia_smi, existing, gpu):
    monkeypatch.setenv("SystemRoot", "C:\\Windows")
    _fake_filesystem(monkeypatch, nvidia_smi, existing)
    assert course.has_nvidia_gpu(system) is gpu


# --- the command lines ------------------------------------------------------------------------------------------

def test_pins_come_from_pyproject():
    pins = course.torch_pins((REPO / "pyproject.toml").read_text())
    runtime = [d.replace(" ", "") for d in PYPROJECT["project"]["dependencies"]]
    assert pins == [d for d in runtime if _name(d) in ("torch", "torchvision")]
    assert [_name(p) for p in pins] == ["torch", "torchvision"] and all("==" in p for p in pins)


def test_cpu_command_lines():
    pins = ["torch==2.14.1", "torchvision==0.29.1"]
    first, second = course.pip_install_commands("py", ".", "cpu", pins, course.CPU_INDEX)
    assert first == ["py", "-m", "pip", "install", "--disable-pip-version-check", "-q", "--upgrade",
                     "--extra-index-url", "https://download.pytorch.org/whl/cpu",
                     "torch==2.14.1", "torchvision==0.29.1"]
    assert second == ["py", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", "."]


def test_default_command_line_uses_no_other_index():
    commands = course.pip_install_commands("py", ".[grade]", "default", ["torch==2.14.1"], course.CPU_INDEX)
    assert commands == [["py", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", ".[grade]"]]


# --- reaching the CPU index, and the fallback -------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Index(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        found = self.path.rstrip("/") == "/whl/cpu/torch"
        self.send_response(200 if found else 404)
        self.end_headers()
        if found:
            self.wfile.write(b"<html><body><a href='torch-2.14.1+cpu.whl'>torch</a></body></html>")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_index():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/whl/cpu"
    server.shutdown()
    server.server_close()


def test_unreachable_index_falls_back_in_one_line_and_quickly(capsys):
    start = time.monotonic()
    build, _ = course.resolve_build("auto", system="Linux", gpu=False, index=f"http://127.0.0.1:{_closed_port()}")
    assert build == "default"
    assert time.monotonic() - start < 2
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 and "cannot be reached" in out and "default PyTorch build" in out


def test_silent_index_falls_back_after_the_timeout():
    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        start = time.monotonic()
        assert not course.index_reachable(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.5)
        assert time.monotonic() - start < 1.5


def test_reachable_index_is_used(local_index, capsys):
    assert course.index_reachable(local_index)
    assert not course.index_reachable(local_index + "/nothing-here")
    assert course.resolve_build("auto", system="Linux", gpu=False, index=local_index) == ("cpu", local_index)
    assert course.resolve_build("auto", system="Linux", gpu=True, index=local_index)[0] == "default"
    assert capsys.readouterr().out == ""


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """course.py with .venv in tmp_path (already 'created'), pip replaced by a recorder."""
    commands: list[list[str]] = []
    monkeypatch.setattr(course, "VENV", tmp_path)
    monkeypatch.setattr(course, "PYTHON", Path(sys.executable))
    monkeypatch.setattr(course, "run", lambda cmd, **kw: commands.append([str(c) for c in cmd]))
    monkeypatch.setattr(course, "call", lambda cmd, **kw: commands.append([str(c) for c in cmd]) or 0)
    monkeypatch.setattr(course, "has_nvidia_gpu", lambda system=None: False)
    monkeypatch.setattr(course.platform, "system", lambda: "Linux")
    return commands


def test_install_uses_the_cpu_index_then_reuses_the_environment(recorded, local_index, monkeypatch):
    monkeypatch.setenv("COURSE_TORCH_CPU_INDEX", local_index)
    course.ensure_venv("", "auto")
    assert [c[c.index("install") + 1:] for c in recorded if "install" in c] == [
        ["--disable-pip-version-check", "-q", "--upgrade", "--extra-index-url", local_index,
         "torch==2.14.1", "torchvision==0.29.1"],
        ["--disable-pip-version-check", "-q", "-e", "."],
    ]
    recorded.clear()
    course.ensure_venv("", "auto")  # installed already: nothing to do, no probe, no pip
    assert recorded == []


def test_install_falls_back_to_the_default_build(recorded, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_TORCH_CPU_INDEX", f"http://127.0.0.1:{_closed_port()}")
    course.ensure_venv("grade", "auto")
    assert recorded == [[sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e",
                         ".[grade]"]]
    assert "cannot be reached" in capsys.readouterr().out


def test_a_failed_cpu_step_falls_back_to_the_default_build(recorded, local_index, monkeypatch, capsys):
    """The index answers but pip cannot install from it (no wheel for this Python, a broken proxy): no failure."""
    monkeypatch.setenv("COURSE_TORCH_CPU_INDEX", local_index)
    monkeypatch.setattr(course, "call", lambda cmd, **kw: recorded.append([str(c) for c in cmd]) or 1)
    course.ensure_venv("", "cpu")
    assert "--extra-index-url" in recorded[-2] and recorded[-1][-2:] == ["-e", "."]
    assert "could not be installed" in capsys.readouterr().out
    assert (course.VENV / ".installed-base").exists()


def test_forced_cuda_never_asks_the_cpu_index(recorded, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_TORCH_CPU_INDEX", "http://192.0.2.1:1")  # would hang if asked
    course.ensure_venv("", "cuda")
    assert all("--extra-index-url" not in c for c in recorded)
    assert capsys.readouterr().out == ""


# --- each role installs what it uses ----------------------------------------------------------------------------

def test_roles_install_their_own_extras():
    extras = PYPROJECT["project"]["optional-dependencies"]
    roles = course.ROLE_EXTRAS
    assert roles["lab"] == "" and roles["bench"] == ""
    assert roles["site"] == "site" and roles["grade"] == "grade"
    for command in ("test", "execute"):  # the whole suite tests the site and the grader too
        assert set(roles[command].split(",")) == set(extras)
    for names in roles.values():
        assert all(name in extras for name in names.split(",") if name)


def test_a_learner_gets_no_instructor_or_test_tools():
    runtime = {_name(d) for d in PYPROJECT["project"]["dependencies"]}
    assert not runtime & set(NOT_FOR_LEARNERS)
    assert {"torch", "torchvision", "jupyterlab", "ipywidgets"} <= runtime


def test_grading_and_site_machines_need_no_browser():
    extras = {k: {_name(d) for d in v} for k, v in PYPROJECT["project"]["optional-dependencies"].items()}
    assert extras["grade"] == {"nbgrader"}
    assert "playwright" not in extras["grade"] | extras["site"]
    assert "nbgrader" not in extras["site"] | extras["test"]
    assert {"sphinx", "myst-nb", "sphinx-book-theme"} <= extras["site"]


def test_pages_workflow_installs_the_site_extra():
    """The Pages workflow installs the "site" extra's list read from pyproject (not the runtime: no torch)."""
    workflow = (REPO / ".github" / "workflows" / "pages.yml").read_text()
    assert "['optional-dependencies']['site']" in workflow
    assert re.search(r"pip install .*-r \S*site-requirements\.txt", workflow)
    assert not re.search(r"pip install .*(\.\[|torch|-e )", workflow)


def test_course_py_commands_all_declare_their_role():
    assert set(course.COMMANDS) == set(course.ROLE_EXTRAS)


# --- the README -------------------------------------------------------------------------------------------------

def _readme() -> str:
    return (REPO / "README.md").read_text()


def test_quick_start_starts_from_nothing_with_the_binder_repository():
    readme = _readme()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", section, re.S).group(1)
    clone = re.match(r"git clone https://github\.com/([^/\s]+/[^/\s]+?)(?:\.git)?\s*\n", first_block)
    assert clone, "the Quick start begins with the git clone line"
    repo = clone.group(1)
    binder = set(re.findall(r"https://mybinder\.org/v2/gh/([^/\s]+/[^/\s]+)/", readme))
    assert binder == {repo}, f"clone URL {repo} and Binder links {binder} must name the same repository"
    assert f"cd {repo.split('/')[1]}" in first_block


def test_quick_start_states_sizes_and_the_forcing_switch():
    section = _readme().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "COURSE_TORCH" in section and "--torch" in section
    for case in ("without an NVIDIA GPU", "NVIDIA GPU"):
        assert case in section
    assert re.search(r"\d+(\.\d+)? ?GB", section) and re.search(r"\d+ ?MB", section)


# --- a learner's JupyterLab shows no instructor extension, even in a .venv that also grades ---------------------

def test_lab_switches_the_instructor_extensions_off(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(course, "VENV", tmp_path)
    monkeypatch.setattr(course, "ensure_venv", lambda extras, choice="auto": seen.setdefault("extras", extras))
    monkeypatch.setattr(course, "run", lambda cmd, **kw: seen.update(cmd=cmd, env=kw["env"]))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/elsewhere")
    course.cmd_lab([])
    assert seen["extras"] == ""
    config = Path(seen["env"]["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0])
    assert seen["env"]["JUPYTER_CONFIG_PATH"].split(os.pathsep)[1:] == ["/elsewhere"]
    server = json.loads((config / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    page = json.loads((config / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    assert server and not any(server.values()) and page == {"@jupyter/nbgrader": True}


def test_the_switched_off_extensions_are_all_of_nbgraders():
    """What nbgrader enables in the environment's own config is what ``lab`` switches off."""
    pytest.importorskip("nbgrader")
    enabled = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d", "nbgrader.json")
    if not enabled.exists():
        pytest.skip(f"nbgrader's server config is not in {enabled.parent}")
    names = json.loads(enabled.read_text())["ServerApp"]["jpserver_extensions"]
    assert set(names) <= set(course.INSTRUCTOR_SERVER_EXTENSIONS)
    labext = Path(sys.prefix, "share", "jupyter", "labextensions", *course.INSTRUCTOR_LAB_EXTENSIONS[0].split("/"))
    assert labext.is_dir()


def test_the_runtime_pulls_in_no_instructor_or_test_tool():
    """The runtime's whole dependency tree, read from the installed packages' metadata (no network): a learner's
    ``lab`` install holds none of the tools, not even through a dependency."""
    from importlib import metadata

    from packaging.requirements import Requirement

    def key(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    todo = [Requirement(spec) for spec in PYPROJECT["project"]["dependencies"]]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        if key(requirement.name) in seen:
            continue
        seen.add(key(requirement.name))
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue  # not for this platform
        for spec in requires:
            dependency = Requirement(spec)
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                todo.append(dependency)
            elif any(dependency.marker.evaluate({"extra": e}) for e in requirement.extras):
                todo.append(dependency)
    assert {"torch", "jupyterlab", "ipykernel"} <= seen
    assert not seen & {key(n) for n in NOT_FOR_LEARNERS}, sorted(seen & {key(n) for n in NOT_FOR_LEARNERS})
