"""Sphinx configuration of the course website (copied into the staging folder by site/build.py).

Nothing here downloads anything: notebooks are not executed, MathJax is the
local copy build.py puts in _static/mathjax, and no widget JavaScript is loaded.
"""

import json
from pathlib import Path

_site = json.loads((Path(__file__).parent / "site.json").read_text())

project = "Logistic Regression with PyTorch"
author = "The course authors"
copyright = "the course authors (MIT license)"
extensions = ["myst_nb", "sphinx_design", "sphinx_copybutton"]
exclude_patterns = ["_build", "downloads/**", "**.ipynb_checkpoints", ".doctrees"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_js_files = ["course.js"]
html_favicon = "_static/favicon.svg"

# Notebooks: show the committed (nbval-checked) outputs; never run them.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # the default loads require.js and the widget manager from CDNs
nb_output_stderr = "show"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# Math: MathJax 3 (the version the theme's CSS is written for) from npm's package, served from the site itself.
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {
    "tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": True},
}

# Copy buttons on code cells; the prompt-free cells need no prompt stripping.
copybutton_selector = "div.cell_input pre, div.highlight pre"
copybutton_exclude = ".linenos, .gp"

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "repository_url": f"https://github.com/{_site['repo']}",
    "repository_branch": _site["ref"],
    "use_repository_button": True,
    "use_download_button": False,  # the page's own buttons download the real notebooks, not the staged copy
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": False,  # the logo title already links home
    "navigation_with_keys": False,
    "footer_content_items": ["copyright"],
}
html_context = {"default_mode": "auto"}  # light or dark as the reader's system prefers (empty is an error)
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
