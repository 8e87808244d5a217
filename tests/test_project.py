"""The project's promises about itself: two Quick start commands, strict nbval, CI runs the README's command."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from tests.helpers import LESSONS as NOTEBOOKS  # paths; EXPECTED below holds the names

REPO = Path(__file__).resolve().parent.parent
EXPECTED = [
    "01_logistic_function",
    "02_nn_sequential",
    "03_custom_module",
    "04_training_bce",
    "05_curved_boundaries",
    "06_decisions_breast_cancer",
    "07_softmax_mnist",
]


def _course_module():
    spec = importlib.util.spec_from_file_location("course", REPO / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quick_start_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section, re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_quick_start_is_clone_then_two_commands():
    commands = _quick_start_commands()
    assert commands[0].startswith("git clone https://github.com/") and commands[1].startswith("cd ")
    assert commands[2:] == ["python3 course.py lab", "python3 course.py test"]


def test_ci_runs_the_readme_test_command_with_the_shared_data():
    ci = (REPO / ".ci" / "run").read_text()
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == _quick_start_commands()[-1] == "python3 course.py test"
    assert "COURSE_DATA_DIR" in ci and "shared/data" in ci


def test_test_command_runs_strict_nbval_on_every_lesson():
    course = _course_module()
    args = course.PYTEST_ARGS
    assert "--nbval" in args and "--nbval-lax" not in args
    assert "--nbval-sanitize-with" in args
    assert [Path(a).stem for a in args if a.endswith(".ipynb")] == [p.stem for p in course.NOTEBOOKS]
    assert str(REPO / "tests") in args


def test_every_lesson_exists_in_order():
    found = [p.stem for p in NOTEBOOKS]
    assert found == EXPECTED
    assert sorted(p.stem for p in (REPO / "student").glob("[0-9][0-9]_*.ipynb")) == EXPECTED


def test_lab_opens_the_student_version_of_lesson_01():
    source = (REPO / "course.py").read_text()
    assert 'Path("student") / "01_logistic_function.ipynb"' in source
    assert (REPO / "student" / "01_logistic_function.ipynb").exists()


def test_notebooks_are_committed_executed_top_to_bottom():
    for path in NOTEBOOKS:
        cells = [c for c in json.loads(path.read_text())["cells"]
                 if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        counts = [c["execution_count"] for c in cells]
        assert None not in counts, f"{path.name}: some code cells were never executed; run `python3 course.py execute`"
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not executed top to bottom in one run"
        errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{path.name}: committed with an error output"


def test_notebooks_teach_in_the_course_shape():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        text = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        first = text[0]
        assert first.startswith("# "), f"{path.name}: must open with a title"
        assert "Learning objectives" in first and "Estimated time" in first, path.name
        headings = [line for t in text for line in t.splitlines() if line.startswith("## ")]
        for required in ("## Summary", "## Graded exercises", "## Going further"):
            assert required in headings, f"{path.name}: missing {required!r}"


def test_ignored_output_cells_say_why():
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            lines = "".join(cell["source"]).splitlines()
            for i, line in enumerate(lines):
                if line.strip() == "# NBVAL_IGNORE_OUTPUT":
                    reason = lines[i + 1].strip() if i + 1 < len(lines) else ""
                    assert reason.startswith("#") and len(reason) > 10, \
                        f"{path.name}: NBVAL_IGNORE_OUTPUT without a reason"


def test_notebooks_import_shared_code_and_avoid_deprecated_calls():
    for path in NOTEBOOKS:
        source = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                           if c["cell_type"] == "code")
        assert "course_utils" in source, f"{path.name} must import its helpers from course_utils"
        assert "torch.range(" not in source
        assert "--nbval-lax" not in source
