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
extensions = ["myst_nb", "sphinx_design"]
exclude_patterns = ["_build", "downloads/**", "**.ipynb_checkpoints", ".doctrees"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["course.css"]

# Notebooks: show the committed (nbval-checked) outputs; never run them.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # the default loads require.js and the widget manager from CDNs
nb_output_stderr = "show"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# Math: MathJax 2 from the jupyter-server-mathjax package, served from the site itself.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "ignoreClass": "document", "processClass": "math|output_area"},
    # jupyter-server-mathjax ships the STIX-Web fonts only (as the classic notebook used them).
    # Its blank test font is url('about:blank'), which Chromium reports as a console error; local() loads nothing.
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None,
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"}}},
    "SVG": {"font": "STIX-Web"},
    "menuSettings": {"zoom": "None"},
    "messageStyle": "none",
}

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "repository_url": f"https://github.com/{_site['repo']}",
    "repository_branch": _site["ref"],
    "use_repository_button": True,
    "use_download_button": False,  # the page's own buttons download the real notebooks, not the staged copy
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
    "footer_content_items": ["copyright"],
}
html_context = {"default_mode": "auto"}  # light or dark as the reader's system prefers (empty is an error)
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
