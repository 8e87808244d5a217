"""Images: every picture a lesson or the README shows exists, and the diagrams are reproducible."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from tests.helpers import LESSONS, ROOT

SCRIPT = ROOT / "scripts" / "make_assets.py"
DIAGRAMS = ("logistic_unit.svg", "softmax_regression.svg")

#: ``![alt](path "title")`` and ``<img ... src="path" ...>``.
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def image_references(markdown: str) -> list[str]:
    """Every image path in a markdown text (markdown syntax or HTML ``<img>``), in order."""
    return MARKDOWN_IMAGE.findall(markdown) + HTML_IMAGE.findall(markdown)


def is_local(ref: str) -> bool:
    """Paths in the repository, not web addresses, inline data or notebook attachments."""
    return not urlparse(ref).scheme and not ref.startswith("//")


def missing_images(markdown: str, base: Path) -> list[str]:
    """The local image paths in ``markdown`` that do not exist relative to ``base``."""
    missing = []
    for ref in image_references(markdown):
        if not is_local(ref):
            continue
        path = (base / unquote(ref.split("#")[0].split("?")[0])).resolve()
        if not path.is_file():
            missing.append(f"{ref} (looked for {path})")
    return missing


def test_image_reference_parser():
    text = ('![unit](../assets/logistic_unit.svg) and ![t](assets/a%20b.png "title")\n'
            '<img alt="x" src="../assets/softmax_regression.svg" width="400"> '
            '![badge](https://mybinder.org/badge_logo.svg) ![a](attachment:image.png)')
    refs = image_references(text)
    assert refs == ["../assets/logistic_unit.svg", "assets/a%20b.png", "https://mybinder.org/badge_logo.svg",
                    "attachment:image.png", "../assets/softmax_regression.svg"]
    assert [r for r in refs if is_local(r)] == ["../assets/logistic_unit.svg", "assets/a%20b.png",
                                                "../assets/softmax_regression.svg"]
    assert missing_images("![gone](nowhere/missing.png)", ROOT) == [
        f"nowhere/missing.png (looked for {ROOT / 'nowhere' / 'missing.png'})"]


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_every_image_a_lesson_shows_exists(lesson: Path):
    notebook = nbformat.read(lesson, as_version=4)
    missing = [f"cell {i}: {ref}" for i, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
               for ref in missing_images(cell.source, lesson.parent)]
    assert not missing, f"{lesson.name} shows images that are not in the repository:\n" + "\n".join(missing)


def test_every_image_the_readme_shows_exists():
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("no README.md yet")
    missing = missing_images(readme.read_text(encoding="utf-8"), ROOT)
    assert not missing, "README.md shows images that are not in the repository:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", DIAGRAMS)
def test_committed_diagrams_are_svg(name: str):
    path = ROOT / "assets" / name
    assert path.is_file(), f"run: .venv/bin/python scripts/make_assets.py --only svg  (missing {path})"
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = path.read_text()
    assert "<dc:date>" not in text, "the SVG carries a date: it would change on every run"


def _draw_svgs(out: Path) -> dict[str, bytes]:
    subprocess.run([sys.executable, str(SCRIPT), "--only", "svg", "--out", str(out)], check=True, cwd=ROOT,
                   capture_output=True, timeout=300)
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.svg"))}


def test_diagrams_are_reproducible(tmp_path):
    """Two separate runs of scripts/make_assets.py write byte-identical SVGs."""
    first = _draw_svgs(tmp_path / "first")
    second = _draw_svgs(tmp_path / "second")
    assert sorted(first) == sorted(DIAGRAMS)
    for name in DIAGRAMS:
        assert first[name] == second[name], f"{name} differs between two runs of make_assets.py"
