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
        item = line.split("#")[0].strip().removeprefix("- ").strip()
        if section == "channels":
            channels.append(item)
        elif section == "dependencies" and isinstance(item, str):
            name, version = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", item).groups()
            deps[name.lower()] = version
    return deps, channels


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
    """A version pinned in pyproject is pinned to the same release in environment.yml; lower bounds agree.

    Lessons state version-dependent facts (for example the gradient of ``clamp`` at its bound), so
    Binder must run the same PyTorch and torchvision as a local install, not merely a compatible one.
    """
    env, _ = _environment_deps()
    for name, spec in _pyproject_deps().items():
        conda_spec = env[CONDA_NAME.get(name, name)]
        if spec.startswith("=="):
            assert conda_spec == spec, f"{name}: pyproject {spec} vs environment.yml {conda_spec}"
        elif spec.startswith(">="):
            assert spec == conda_spec, f"{name}: pyproject {spec} vs environment.yml {conda_spec}"


def test_pytorch_is_pinned_in_both_files():
    env, _ = _environment_deps()
    deps = _pyproject_deps()
    assert deps["torch"] == "==2.14.1" and env["pytorch-cpu"] == "==2.14.1"
    assert deps["torchvision"] == env["torchvision"] == "==0.29.1"


def test_postbuild_makes_course_utils_importable_on_binder():
    post_build = (REPO / "postBuild").read_text()
    assert post_build.startswith("#!/usr/bin/env bash") or post_build.startswith("#!/bin/bash")
    assert re.search(r"^set -e", post_build, re.M)
    assert re.search(r"pip install .*-e \.", post_build)


def test_binder_gets_the_learners_runtime_only():
    """Binder is for learners, like ``course.py lab``: no package of pyproject's extras (test, site, grade)."""
    env, _ = _environment_deps()
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    tools = {re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower() for specs in extras.values() for spec in specs}
    assert {"nbgrader", "pytest", "sphinx", "playwright"} <= tools
    assert not tools & set(env), f"environment.yml holds instructor or test tools: {sorted(tools & set(env))}"
    post_build = (REPO / "postBuild").read_text()
    assert re.search(r"pip install .*--no-deps .*-e \.(\s|$)", post_build), "postBuild adds course_utils only"
