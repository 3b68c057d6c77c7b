"""Sphinx configuration of the course website (``make book``).

The site is built from the committed notebooks, outputs included, without
executing them: every figure on it is the one stored in the repository.
Sphinx + myst-nb + sphinx-book-theme rather than Jupyter Book 2: mystmd fetches
its site template from its own server at build time, and this project builds
offline from the package registries.  Nothing on the pages is loaded from
another site: MathJax comes from the ``jupyter-server-mathjax`` package, and
the explorers show the static picture stored beside each widget (the live
widget needs a kernel; each page's launch buttons open one on Binder or Colab).

Build: ``make book`` (``sphinx-build -c book . build/book``: the source folder
is the repository, so the notebooks are read where they are).
"""

from __future__ import annotations

from pathlib import Path

import jupyter_server_mathjax

from course_lib import course_files

project = "Visual saliency, from Itti–Koch to gradients"
author = "the saliency-course authors"
copyright = "the saliency-course authors, MIT licence"

root_doc = "book/index"
include_patterns = ["book/index.md", "notebooks/*.ipynb"]
exclude_patterns = ["**/.ipynb_checkpoints"]

extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3  # notebooks link to each other's sections by heading

nb_execution_mode = "off"  # the stored outputs are the course's; the site shows them as they are
# The explorers: show the static frame stored with each widget, not a widget that needs a kernel
# (and whose scripts would come from a CDN).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
nb_merge_streams = True

# MathJax 2 from the jupyter-server-mathjax package, copied into the site's _static folder.
html_static_path = [str(Path(jupyter_server_mathjax.__file__).parent / "static")]
mathjax_path = "MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"  # the one combined configuration the package ships
# The package ships the STIX-Web fonts only (as JupyterLab's classic MathJax 2 set-up uses them).
mathjax2_config = {
    # The page's body is marked tex2jax_ignore (no stray $ in prose is typeset); the math elements
    # Sphinx writes, \( \) inline and \[ \] displayed, are processed through their class.
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": True,
                "processClass": "math", "ignoreClass": "tex2jax_ignore|mathjax_ignore"},
    "messageStyle": "none",
    "HTML-CSS": {"availableFonts": ["STIX-Web"], "preferredFont": "STIX-Web", "webFont": "STIX-Web",
                 "imageFont": None},
}

html_theme = "sphinx_book_theme"
html_title = "Visual saliency course"
html_theme_options = {
    "repository_url": f"https://github.com/{course_files.REPOSITORY}",
    "repository_branch": "main",
    "path_to_docs": "",
    "use_repository_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
    "show_toc_level": 2,
}
html_copy_source = False  # the notebooks are on GitHub, one click away; not a second 16 MB copy
# The Think! answers' rubrics are level-4 headings under a level-2 section.
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]


def _finish_site(app, exception):
    # The contents page is book/index.html (the source folder is the repository);
    # a site's address should open it.
    if exception is None and app.builder.format == "html":
        Path(app.outdir, ".nojekyll").touch()  # GitHub Pages would otherwise hide _static/ and _images/
        Path(app.outdir, "index.html").write_text(
            '<!DOCTYPE html><meta charset="utf-8"><title>Visual saliency course</title>'
            '<meta http-equiv="refresh" content="0; url=book/index.html">'
            '<a href="book/index.html">The course</a>\n', encoding="utf-8")


def setup(app):
    app.connect("build-finished", _finish_site)
