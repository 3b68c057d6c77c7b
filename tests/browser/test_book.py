"""The course website (``make book``) in a real browser: headless Chromium, driven by Playwright.

The site is built once, from this checkout's committed notebooks, into a temporary
folder (``sphinx-build -c book``, as ``make book`` does) and served by Python's
``http.server`` on a free local port.  For the contents page and every notebook's page
the test checks what a reader sees:

* every figure the notebook stores (``image/png`` outputs, the explorers' static
  frames included) is on the page as a loaded image (``naturalWidth > 0``);
* every equation is typeset by MathJax, with no MathJax error and no raw TeX left;
* every link to a page of the site resolves (HTTP 200), and a link to a section
  finds an element with that id on the target page;
* the page offers launch links for its own notebook (Binder and Colab);
* nothing is requested from another host (requests that leave 127.0.0.1 are
  refused and counted): the site works offline and tracks no one.

Screenshots of each page's top go to ``build/browser/book/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import free_port, running

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOTS = ROOT / "build" / "browser" / "book"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
BUILD_S = 600
PAGE_LOAD_S = 60
MATHJAX_S = 120  # MathJax 2 typesets ~150 equations of one page on a slow shared CPU


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's folder and the base URL it is served at."""
    if _chromium() is None:
        pytest.skip("Chromium not found (apt-get install chromium; or set CHROMIUM=/path/to/chrome)")
    pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
    pytest.importorskip("myst_nb", reason="needs the book extra (pip install 'saliency-course[book]')")
    out = tmp_path_factory.mktemp("book") / "html"
    started = time.monotonic()
    build = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-c", "book", ".", str(out), "-q", "-W",
                            "--keep-going"], cwd=ROOT, capture_output=True, text=True, timeout=BUILD_S)
    assert build.returncode == 0, f"the site does not build:\n{build.stdout}\n{build.stderr}"
    print(f"\nsite built in {time.monotonic() - started:.1f} s")
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)]
    with running(command, cwd=out) as process:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/index.html", timeout=2).close()
                break
            except OSError:
                assert process.poll() is None, "http.server stopped"
                time.sleep(0.1)
        yield out, base


@pytest.fixture(scope="module")
def page(site, tmp_path_factory):
    """One Chromium page that refuses every request leaving 127.0.0.1 and counts them in ``page.outside``."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium") / "profile"), executable_path=_chromium(), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1300, "height": 900})
        browser_page = context.pages[0] if context.pages else context.new_page()
        outside: list[str] = []

        def only_local(route):
            if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        browser_page.route("**/*", only_local)
        browser_page.outside = outside
        try:
            yield browser_page
        finally:
            context.close()


# Sphinx writes each equation as an element of class "math notranslate"; MathJax 2 typesets it into
# a .MathJax (inline) or .MathJax_Display (displayed) element inside.
_TYPESET_JS = """() => {
    const maths = [...document.querySelectorAll('.math.notranslate')];
    if (maths.length === 0) return true;
    if (!window.MathJax || !MathJax.Hub || !MathJax.isReady) return false;
    return maths.every(m => m.querySelector('.MathJax, .MathJax_Display'));
}"""

_PAGE_JS = """() => {
    const maths = [...document.querySelectorAll('.math.notranslate')];
    const typeset = maths.filter(m => m.querySelector('.MathJax, .MathJax_Display'));
    const images = [...document.querySelectorAll('article img')];
    return {
        equations: maths.length,
        typeset: typeset.length,
        errors: document.querySelectorAll('.MathJax_Error, .merror, [data-mjx-error]').length,
        rawTex: maths.filter(m => !typeset.includes(m)).length,
        outputImages: document.querySelectorAll('.cell_output img').length,
        broken: images.filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute('src')),
        links: [...document.querySelectorAll('a[href]')].map(a => a.href),
        ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    };
}"""


def _stored_figures(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum("image/png" in output.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []))


def _visit(page, url: str) -> dict:
    page.goto(url, timeout=PAGE_LOAD_S * 1000, wait_until="load")
    page.wait_for_function(_TYPESET_JS, timeout=MATHJAX_S * 1000)
    return page.evaluate(_PAGE_JS)


def _local_links_resolve(links: list[str], base: str, ids_of) -> list[str]:
    broken = []
    for link in sorted(set(links)):
        if not link.startswith(base):
            continue
        address, _, fragment = link.partition("#")
        try:
            urllib.request.urlopen(address, timeout=10).close()
        except urllib.error.URLError as error:
            broken.append(f"{link}: {error}")
            continue
        if fragment and address.endswith(".html") and urllib.parse.unquote(fragment) not in ids_of(address):
            broken.append(f"{link}: no element with id {fragment!r}")
    return broken


def test_the_contents_page_lists_every_notebook_in_course_order(site, page):
    _, base = site
    page.goto(base + "/index.html", timeout=PAGE_LOAD_S * 1000)  # the site's address opens the contents
    page.wait_for_url("**/book/index.html", timeout=PAGE_LOAD_S * 1000)
    state = _visit(page, page.url)
    page.screenshot(path=str(SCREENSHOTS / "contents.png"))
    pages = [link.rsplit("/", 1)[-1] for link in state["links"] if "/notebooks/" in link and "#" not in link]
    expected = [path.stem + ".html" for path in NOTEBOOKS]
    assert [name for name in dict.fromkeys(pages) if name in expected] == expected
    assert not page.outside, f"requests to other hosts: {page.outside[:5]}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem.split("_")[0])
def test_each_page_shows_its_figures_equations_links_and_launch_buttons(site, page, notebook):
    _, base = site
    url = f"{base}/notebooks/{notebook.stem}.html"
    state = _visit(page, url)
    page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem.split('_')[0]}.png"))

    assert state["outputImages"] >= _stored_figures(notebook), (
        f"{state['outputImages']} output images on the page, {_stored_figures(notebook)} figures in the notebook")
    assert not state["broken"], f"images that did not load: {state['broken'][:5]}"
    assert state["equations"] > 0 and state["typeset"] == state["equations"], state
    assert state["errors"] == 0 and state["rawTex"] == 0, state

    cache: dict[str, set[str]] = {url: set(state["ids"])}

    def ids_of(address: str) -> set[str]:
        if address not in cache:
            cache[address] = set(_visit(page, address)["ids"])
        return cache[address]

    broken = _local_links_resolve(state["links"], base, ids_of)
    assert not broken, broken
    launch = [link for link in state["links"] if notebook.name in link]
    assert any("mybinder.org" in link for link in launch) and any("colab.research.google.com" in link
                                                                 for link in launch), launch
    assert not page.outside, f"requests to other hosts: {page.outside[:5]}"
