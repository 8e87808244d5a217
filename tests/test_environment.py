"""environment.yml (Binder, conda) and pyproject.toml declare the same runtime packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: PyPI name -> conda-forge name, where they differ.
CONDA_NAME = {"torch": "pytorch-cpu"}


def _pyproject_deps() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = {}
    for spec in project["dependencies"]:
        name, version = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", spec).groups()
        deps[name.lower()] = version
    return deps


def _environment_deps() -> tuple[dict[str, str], list[str]]:
    deps, channels, section = {}, [], None
    for line in (REPO / "environment.yml").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            section = line.split(":")[0]
            continue
        item = line.strip().removeprefix("- ").strip()
        if section == "channels":
            channels.append(item)
        elif section == "dependencies" and isinstance(item, str):
            name, version = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", item).groups()
            deps[name.lower()] = version
    return deps, channels


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def test_every_runtime_dependency_is_in_environment_yml():
    env, _ = _environment_deps()
    missing = [CONDA_NAME.get(n, n) for n in _pyproject_deps() if CONDA_NAME.get(n, n) not in env]
    assert not missing, f"add these to environment.yml: {missing}"


def test_environment_uses_conda_forge_cpu_pytorch_and_pins_python():
    env, channels = _environment_deps()
    assert channels[0] == "conda-forge"
    assert "pytorch-cpu" in env and "pytorch" not in env
    assert env["python"].startswith("=3.1")


def test_versions_agree():
    """Each pinned pyproject version satisfies environment.yml's constraint for the same package."""
    env, _ = _environment_deps()
    for name, spec in _pyproject_deps().items():
        conda_spec = env[CONDA_NAME.get(name, name)]
        pinned = re.fullmatch(r"==([\d.]+)", spec)
        lower = re.fullmatch(r">=([\d.]+)", conda_spec)
        if pinned and lower:
            assert _version_tuple(pinned.group(1)) >= _version_tuple(lower.group(1)), name
        elif spec.startswith(">=") and conda_spec.startswith(">="):
            assert spec == conda_spec, f"{name}: pyproject {spec} vs environment.yml {conda_spec}"


def test_postbuild_makes_course_utils_importable_on_binder():
    post_build = (REPO / "postBuild").read_text()
    assert post_build.startswith("#!/usr/bin/env bash") or post_build.startswith("#!/bin/bash")
    assert re.search(r"^set -e", post_build, re.M)
    assert re.search(r"pip install .*-e \.", post_build)
