"""Binder's build steps: ``postBuild`` installs course_utils and fetches MNIST, offline-safe.

``postBuild`` is run for real with bash, in the repository, with a ``PATH``
whose ``python`` is the project's Python except that ``python -m pip
install`` becomes a ``--dry-run`` (so the test never reinstalls anything into
the real environment) and is logged. The network is cut by pointing the
proxy variables at a closed local port, so a download attempt fails at once.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.data import ENV_VAR, DatasetNotFoundError
from course_utils.mnist import files
from course_utils.mnist.files import MNIST_FILES, mnist_files_present

ROOT = Path(__file__).resolve().parent.parent
POSTBUILD = ROOT / "postBuild"
#: A port nothing listens on: every HTTP(S) request through this "proxy" is refused at once.
OFFLINE_PROXY = "http://127.0.0.1:9"


def _project_python() -> str:
    venv_python = ROOT / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def _offline_env(**extra: str) -> dict[str, str]:
    """The current environment with every download routed to a closed port (no network)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "all_proxy")}
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = OFFLINE_PROXY
    env.update(extra)
    return env


def _write_fake_mnist(root: Path, n_train: int = 12, n_test: int = 6) -> Path:
    """Tiny, valid MNIST files (idx format) under ``root/MNIST/raw``, for tests without the real data."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        pixels = bytes((i * 7) % 256 for i in range(n * 28 * 28))
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, n, 28, 28) + pixels)
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + bytes(i % 10 for i in range(n)))
    return root


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory) -> Path:
    """The real MNIST through COURSE_DATA_DIR when it is there (as in CI), else tiny fake files."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured and mnist_files_present(Path(configured)):
        return Path(configured).resolve()
    return _write_fake_mnist(tmp_path_factory.mktemp("fake_data"))


@pytest.fixture
def shim_path(tmp_path) -> tuple[str, Path]:
    """A PATH whose ``python``/``pip`` are the project's, with ``pip install`` turned into a logged dry run."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "pip_calls.log"
    python = _project_python()
    scripts = {
        "python": f"""#!/usr/bin/env bash
if [ "${{1:-}}" = "-m" ] && [ "${{2:-}}" = "pip" ] && [ "${{3:-}}" = "install" ]; then
    shift 3
    echo "pip install $*" >> "{log}"
    if "{python}" -c "import setuptools" 2>/dev/null; then  # --no-build-isolation needs it, as conda has
        exec "{python}" -m pip install --dry-run --disable-pip-version-check "$@"
    fi
    echo "Would install course_utils (metadata not built: no setuptools in this environment)"
    exit 0
fi
exec "{python}" "$@"
""",
        "pip": f"""#!/usr/bin/env bash
echo "pip $*" >> "{log}"
if [ "${{1:-}}" = "install" ]; then shift; exec "{python}" -m pip install --dry-run "$@"; fi
exec "{python}" -m pip "$@"
""",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)
    (bin_dir / "python3").symlink_to(bin_dir / "python")
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", log


# --------------------------------------------------------------------------- the script itself


def test_postbuild_is_an_executable_bash_script_that_stops_on_errors():
    text = POSTBUILD.read_text()
    first_line = text.splitlines()[0]
    assert re.fullmatch(r"#!\s*(/usr/bin/env bash|/bin/bash|/usr/bin/bash)", first_line), first_line
    assert re.search(r"^set -[a-z]*e[a-z]*(\s|$)", text, re.MULTILINE), "postBuild must 'set -e' (stop at errors)"
    assert re.search(r"^set -euo pipefail$", text, re.MULTILINE)
    assert POSTBUILD.stat().st_mode & stat.S_IXUSR, "postBuild must be executable (git update-index --chmod=+x)"


def test_postbuild_installs_course_utils_without_touching_conda_packages():
    commands = [line.strip() for line in POSTBUILD.read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    installs = [c for c in commands if re.search(r"\bpip install\b", c)]
    assert installs, "postBuild must pip-install course_utils"
    for command in installs:
        assert "--no-deps" in command, f"dependencies come from environment.yml (conda): {command}"
        assert re.search(r"-e \.(\s|$)", command), f"course_utils should be installed editable: {command}"
    assert any("course_utils.mnist" in c for c in commands), "postBuild must fetch MNIST at build time"


def test_postbuild_runs_offline_when_the_data_is_there(mnist_root, shim_path):
    """With MNIST in COURSE_DATA_DIR: exit 0, nothing downloaded, nothing written to the (read-only) data folder."""
    path, pip_log = shim_path
    before = _snapshot(mnist_root)
    result = subprocess.run(["bash", str(POSTBUILD)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=_offline_env(PATH=path, **{ENV_VAR: str(mnist_root)}))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "nothing to download" in result.stdout, output
    assert "MNIST is ready" in result.stdout, output
    for name in MNIST_FILES:
        assert str(mnist_root / "MNIST" / "raw" / name) in result.stdout, f"where is {name}?\n{output}"
    assert _snapshot(mnist_root) == before, "postBuild wrote into the data folder"
    calls = pip_log.read_text().splitlines()
    assert len(calls) == 1 and "--no-deps" in calls[0] and calls[0].rstrip().endswith("-e ."), calls
    assert "Would install course_utils" in output, output


def test_postbuild_stops_with_a_clear_message_offline_without_data(tmp_path, shim_path):
    path, _ = shim_path
    empty = tmp_path / "empty_data"
    empty.mkdir()
    result = subprocess.run(["bash", str(POSTBUILD)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=_offline_env(PATH=path, **{ENV_VAR: str(empty)}))
    assert result.returncode != 0, "an offline build without MNIST must fail, not succeed without data"
    # python -m course_utils.mnist's own message: what failed, where it looked, how to fix it; no traceback.
    assert "Could not fetch MNIST" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert str(empty / "MNIST" / "raw") in result.stderr, "the message must say where it looked"
    assert ENV_VAR in result.stderr, "the message must say how to point the course at a copy"
    assert not mnist_files_present(empty)


def _trust_fake_mnist(monkeypatch, root: Path) -> None:
    """Let course_utils.data's size-and-MD5 verification accept the tiny fake files under ``root``."""
    import hashlib


    for name in MNIST_FILES:
        content = (root / "MNIST" / "raw" / name).read_bytes()
        monkeypatch.setitem(files.MNIST_CHECKSUMS, name, (len(content), hashlib.md5(content).hexdigest()))


# --------------------------------------------------------------------------- python -m course_utils.mnist


def test_fetch_main_reports_the_missing_files(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise DatasetNotFoundError("MNIST is not in X and could not be downloaded (URLError).")

    monkeypatch.setattr(files, "load_mnist", offline)
    assert files.main(["--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Could not fetch MNIST" in err and "could not be downloaded" in err


def test_fetch_main_uses_files_already_there(tmp_path, monkeypatch, capsys):
    root = _write_fake_mnist(tmp_path / "data", n_train=12, n_test=6)
    _trust_fake_mnist(monkeypatch, root)
    before = _snapshot(root)
    assert files.main(["--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "nothing to download" in out
    assert "12 training and 6 test images" in out
    assert all(str(root / "MNIST" / "raw" / name) in out for name in MNIST_FILES)
    assert _snapshot(root) == before


def test_fetch_uses_the_course_data_root(tmp_path, monkeypatch, capsys):
    root = _write_fake_mnist(tmp_path / "elsewhere")
    _trust_fake_mnist(monkeypatch, root)
    monkeypatch.setenv(ENV_VAR, str(root))
    assert files.main([]) == 0
    assert f"Data root: {root.resolve()}" in capsys.readouterr().out
