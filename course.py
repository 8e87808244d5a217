#!/usr/bin/env python3
"""One entry point for learners, instructors and maintainers (standard library only).

    python3 course.py lab       # install the course in .venv and open JupyterLab (student version of lesson 01)
    python3 course.py test      # install the test tools in .venv, run the linter (ruff) and the whole test suite
    python3 course.py execute   # maintainers: re-run every notebook in place, saving outputs
    python3 course.py bench     # the MNIST benchmark (course_utils.bench)
    python3 course.py site      # build the course website into build/site/ (offline; nothing is executed)
    python3 course.py grade     # instructors: grade submitted/<student>/notebooks/ in sandboxes
                                #   -> grades.csv, feedback/

Each command creates the virtual environment ``.venv`` next to this file
on first use (many system Pythons refuse a bare ``pip install``) and
re-installs only when ``pyproject.toml`` changes. Each installs only what
its role uses (pyproject's extras): ``lab`` and ``bench`` the runtime,
``site`` the ``site`` extra, ``grade`` the ``grade`` extra, ``test`` and
``execute`` all of them plus the ``test`` extra. Extra arguments after the
command go to the tool it runs, e.g. ``python3 course.py test -k sigmoid``.

Which PyTorch build: on Linux and Windows without an NVIDIA GPU, the CPU
build from PyTorch's CPU wheel index (a few hundred MB instead of several
GB of GPU libraries); with an NVIDIA GPU, and on macOS, the default build
from PyPI. Force it with ``--torch cpu|cuda|auto`` (before or after the
command) or the environment variable ``COURSE_TORCH``. When the CPU index
cannot be reached, one line says so and the default build is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Strict nbval (never --nbval-lax; the sanitizer masks timings and addresses only); test_other_cpus.py uses it too.
NBVAL_ARGS = [
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
    "--nbval-cell-timeout", "600",
]

#: What pytest runs: unit tests, then every notebook under strict nbval.
PYTEST_ARGS = [*NBVAL_ARGS, str(ROOT / "tests"), *map(str, NOTEBOOKS)]


def call(cmd: list[str], **kwargs) -> int:
    """Run ``cmd``, echoing it; its exit code."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=kwargs.pop("cwd", ROOT), **kwargs)


def run(cmd: list[str], **kwargs) -> None:
    """Run ``cmd``, echoing it; stop with its exit code when it fails."""
    code = call(cmd, **kwargs)
    if code != 0:
        sys.exit(code)


#: PyTorch's own index of CPU-only wheels (``torch==X`` resolves to ``X+cpu`` there). An organization's mirror of it
#: can be named in the environment variable COURSE_TORCH_CPU_INDEX.
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: How long to wait for the CPU index before falling back to the default build (seconds).
INDEX_TIMEOUT = 4.0
#: The environment variable (and ``--torch`` option) that forces the PyTorch build.
TORCH_ENV = "COURSE_TORCH"
TORCH_CHOICES = ("auto", "cpu", "cuda")
#: What each command installs: the extras of pyproject.toml ("" = the runtime only, what a learner needs).
ROLE_EXTRAS = {"lab": "", "bench": "", "site": "site", "grade": "grade",
               "test": "test,site,grade", "execute": "test,site,grade"}


def has_nvidia_gpu(system: str | None = None) -> bool:
    """Whether this computer has an NVIDIA GPU with its driver (the driver's ``nvidia-smi``, or Linux's
    ``/proc/driver/nvidia``; WSL's driver lives in ``/usr/lib/wsl/lib``)."""
    system = system or platform.system()
    if shutil.which("nvidia-smi"):
        return True
    if system == "Linux":
        return Path("/proc/driver/nvidia/version").exists() or Path("/usr/lib/wsl/lib/nvidia-smi").exists()
    if system == "Windows":
        root = os.environ.get("SystemRoot", r"C:\Windows")
        return Path(root, "System32", "nvidia-smi.exe").exists()
    return False


def torch_choice(args: list[str], environ: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The requested build (``--torch X`` or ``--torch=X`` in ``args``, else ``$COURSE_TORCH``, else ``auto``)
    and ``args`` without the option."""
    environ = os.environ if environ is None else environ
    choice, rest, i = environ.get(TORCH_ENV, "").strip().lower() or "auto", [], 0
    while i < len(args):
        if args[i] == "--torch" and i + 1 < len(args):
            choice, i = args[i + 1].lower(), i + 2
            continue
        if args[i].startswith("--torch="):
            choice = args[i].split("=", 1)[1].lower()
        else:
            rest.append(args[i])
        i += 1
    if choice not in TORCH_CHOICES:
        sys.exit(f"--torch / {TORCH_ENV} must be one of {', '.join(TORCH_CHOICES)}, not {choice!r}.")
    return choice, rest


def torch_build(choice: str, system: str, gpu: bool) -> str:
    """``"cpu"`` (PyTorch's CPU index) or ``"default"`` (PyPI's build) for ``choice`` on ``system``.

    macOS: PyPI's wheels are already CPU (and Apple GPU) builds, so always ``"default"``. Linux and Windows:
    ``cpu`` and ``cuda`` are obeyed; ``auto`` means ``"cpu"`` unless there is an NVIDIA GPU.
    """
    if system == "Darwin":
        return "default"
    if choice == "auto":
        return "default" if gpu else "cpu"
    return "cpu" if choice == "cpu" else "default"


def index_reachable(url: str, timeout: float = INDEX_TIMEOUT) -> bool:
    """Whether the package index at ``url`` answers for ``torch/`` within ``timeout`` seconds in all.

    Uses the same proxy variables as pip. Any failure (no DNS, refused, timeout, HTTP error) means no. The request
    runs in a daemon thread so that a hanging name lookup cannot stretch the wait either.
    """
    answer: list[bool] = []

    def probe() -> None:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/torch/", timeout=timeout) as response:  # noqa: S310
                answer.append(200 <= response.status < 400)
        except (OSError, ValueError, urllib.error.URLError):
            answer.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answer and answer[0])


def torch_pins(pyproject: str) -> list[str]:
    """The ``torch`` and ``torchvision`` requirements of pyproject's runtime dependencies (no tomllib on 3.10)."""
    return re.findall(r'"((?:torch|torchvision)\s*==\s*[^";]+)"', pyproject)


def pip_install_commands(python: Path | str, spec: str, build: str, pins: list[str], index: str) -> list[list]:
    """The pip commands that install ``spec``: for the CPU build, first ``pins`` from the CPU index (PyPI stays
    the index for their dependencies), then ``spec``, which finds PyTorch already there.

    pip, not another tool: it comes with every Python's ``venv``, so a learner installs nothing first.
    """
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    commands = []
    if build == "cpu":  # --upgrade: replaces a default build already there (X+cpu sorts after X)
        commands.append([*pip, "--upgrade", "--extra-index-url", index, *pins])
    commands.append([*pip, "-e", spec])
    return commands


def installed_torch_version(python: Path | str) -> str | None:
    """The version of torch installed for ``python`` (``2.14.1+cpu``, ``2.14.1``), or None."""
    out = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('torch'))"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def resolve_build(choice: str, system: str | None = None, gpu: bool | None = None,
                  index: str | None = None, timeout: float = INDEX_TIMEOUT) -> tuple[str, str]:
    """The build to install and the CPU index URL: ``torch_build`` of this computer, then ``"default"``, with one
    line of explanation, when the CPU index does not answer."""
    system = system or platform.system()
    gpu = has_nvidia_gpu(system) if gpu is None else gpu
    index = index or os.environ.get("COURSE_TORCH_CPU_INDEX") or CPU_INDEX
    build = torch_build(choice, system, gpu)
    if build == "cpu" and not index_reachable(index, timeout):
        print(f"PyTorch's CPU index ({index}) cannot be reached: installing the default PyTorch build instead "
              f"(a larger download, same results; {TORCH_ENV}=cuda skips this check).", flush=True)
        build = "default"
    return build, index


def ensure_venv(extras: str, choice: str = "auto") -> None:
    """Create ``.venv`` and install ``course_utils`` (editable) with ``extras``, PyTorch as ``choice`` asks."""
    if sys.version_info < (3, 10):
        sys.exit(f"The course needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    pyproject = (ROOT / "pyproject.toml").read_text()
    # Installed once per (pyproject, extras, requested build): a fallback is not re-probed on every command.
    digest = hashlib.sha256((pyproject + spec + choice).encode()).hexdigest()
    stamp = VENV / f".installed-{extras.replace(',', '-') or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    build, index = resolve_build(choice)
    installed = installed_torch_version(PYTHON)
    if installed and installed.endswith("+cpu") and choice == "cuda":  # pip would keep it: 2.14.1+cpu is 2.14.1
        run([PYTHON, "-m", "pip", "uninstall", "-y", "-q", "torch", "torchvision"])
    *cpu_step, install = pip_install_commands(PYTHON, spec, build, torch_pins(pyproject), index)
    for command in cpu_step:  # the CPU build is a saving, never a reason to fail (say, no wheel for this Python)
        if call(command) != 0:
            print(f"The CPU build of PyTorch could not be installed from {index}: installing the default build "
                  "instead.", flush=True)
    run(install)
    stamp.write_text(digest)


#: nbgrader's instructor extensions (formgrader, course and assignment lists, the toolbar), switched off in the
#: learner's JupyterLab even when the same .venv also grades or tests (``course.py grade``/``test`` install nbgrader).
INSTRUCTOR_SERVER_EXTENSIONS = tuple(f"nbgrader.server_extensions.{name}" for name in
                                     ("formgrader", "validate_assignment", "assignment_list", "course_list"))
INSTRUCTOR_LAB_EXTENSIONS = ("@jupyter/nbgrader",)


def learner_jupyter_config(directory: Path) -> Path:
    """Write a Jupyter config folder that switches the instructor extensions off; its path (for JUPYTER_CONFIG_PATH,
    which outranks the environment's own ``etc/jupyter``)."""
    (directory / "labconfig").mkdir(parents=True, exist_ok=True)
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}}}
    page = {"disabledExtensions": {name: True for name in INSTRUCTOR_LAB_EXTENSIONS}}
    (directory / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n")
    (directory / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=2) + "\n")
    return directory


def cmd_lab(args: list[str]) -> None:
    ensure_venv(ROLE_EXTRAS["lab"], TORCH)
    extra = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # e.g. in a container
    config = learner_jupyter_config(VENV / "learner-jupyter-config")
    env = {**os.environ, "JUPYTER_CONFIG_PATH": os.pathsep.join(
        p for p in (str(config), os.environ.get("JUPYTER_CONFIG_PATH", "")) if p)}
    run([BIN / "jupyter", "lab", f"--ServerApp.root_dir={ROOT}", *extra,
         str(Path("student") / "01_logistic_function.ipynb"), *args], env=env)


def cmd_test(args: list[str]) -> None:
    ensure_venv(ROLE_EXTRAS["test"], TORCH)  # the suite also tests the site and the grader
    run([PYTHON, "-m", "ruff", "check", str(ROOT)])  # the linter first: settings in pyproject.toml [tool.ruff]
    run([PYTHON, "-m", "pytest", *PYTEST_ARGS, *args])


def cmd_execute(args: list[str]) -> None:
    ensure_venv(ROLE_EXTRAS["execute"], TORCH)
    targets = [ROOT / a for a in args] if args else NOTEBOOKS
    for nb in targets:
        run([BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
             "--ExecutePreprocessor.timeout=900", "--ExecutePreprocessor.kernel_name=python3", nb],
            cwd=nb.parent)


def cmd_bench(args: list[str]) -> None:
    ensure_venv(ROLE_EXTRAS["bench"], TORCH)
    run([PYTHON, "-m", "course_utils.bench", *args])


def cmd_site(args: list[str]) -> None:
    ensure_venv(ROLE_EXTRAS["site"], TORCH)  # Sphinx, MyST-NB, the book theme and MathJax
    run([PYTHON, ROOT / "site" / "build.py", *args])


def cmd_grade(args: list[str]) -> None:
    ensure_venv(ROLE_EXTRAS["grade"], TORCH)  # nbgrader (no browser, no Sphinx)
    run([PYTHON, "-m", "course_utils.grading", "--course", ROOT, *args])


COMMANDS = {"lab": cmd_lab, "test": cmd_test, "execute": cmd_execute, "bench": cmd_bench, "site": cmd_site,
            "grade": cmd_grade}


#: The PyTorch build the command line or COURSE_TORCH asked for (set by main).
TORCH = "auto"


def main(argv: list[str]) -> None:
    global TORCH
    TORCH, argv = torch_choice(argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        sys.exit(0 if argv[:1] in (["-h"], ["--help"]) else 2)
    COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
