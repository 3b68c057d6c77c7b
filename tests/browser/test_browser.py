"""The course in a real browser: JupyterLab (and the voila app) + headless Chromium, driven by Playwright.

``make test-browser`` runs this file; ``make test`` calls it when Chromium is
installed.  The test starts ``make lab`` headless on a free local port with a
one-off token, opens :data:`NOTEBOOK` in Chromium, runs all cells from the
Run menu, drags the first slider of the notebook's first explorer, and checks
that the figure below it changed (two screenshots of the widget's output
area differ) and that no cell shows an error.  The screenshots are kept in
``build/browser/`` for people to look at.

The server is started with autosave off, its own settings and workspace
folders in a temporary directory, and ``expose_app_in_browser`` so that the
test can read the notebook model (cell outputs) besides the page.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import free_port, running

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = os.environ.get("BROWSER_NOTEBOOK", "01_gaussian_pyramids.ipynb")
"""Notebook under test, relative to notebooks/ (switch to 01 once it exists)."""
SCREENSHOTS = ROOT / "build" / "browser"

# Chromium in a closed network: without the background-networking flags it
# keeps trying to reach Google services and floods the network with refused
# connections.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_S = 180  # `make lab` may first re-install the environment
RUN_ALL_S = 600  # every cell of the notebook, on a slow shared CPU
REDRAW_S = 60
CHANGED_PIXELS = 0.01  # share of the output area that must differ after the slider moved

# JupyterLab settings for the test server (folder layout of user_settings_dir).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
}


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _wait_for_server(port: int, token: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"`make lab` did not answer on port {port} within {SERVER_START_S} s (exit code {process.poll()})")


def _needs_make_chromium_and_playwright() -> Path:
    """Skip unless make, Chromium and playwright are there; the environment to serve from."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    if _chromium() is None:
        pytest.skip("Chromium not found (apt-get install chromium; or set CHROMIUM=/path/to/chrome)")
    pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
    return Path(sys.prefix)


@pytest.fixture()
def lab_server(tmp_path):
    """`make lab` on a free port with a temporary token; yields its base URL and token."""
    venv = _needs_make_chromium_and_playwright()
    for name, values in LAB_SETTINGS.items():
        path = tmp_path / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    args = " ".join([
        "--no-browser", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ])
    # tests/conftest.py and `make test` set MPLBACKEND=Agg; `running` leaves it out, as kernels
    # that inherit it draw no inline figures (a widget would show "<Figure size ...>" as text).
    command = ["make", "-s", "lab", f"VENV={venv}", f"PORT={port}", f"LAB_ARGS={args}"]
    with (tmp_path / "lab.log").open("w") as log, running(command, cwd=ROOT, log=log) as process:
        _wait_for_server(port, token, process)
        yield f"http://127.0.0.1:{port}", token


def _changed_fraction(before: bytes, after: bytes) -> float:
    import cv2

    first = cv2.imdecode(np.frombuffer(before, np.uint8), cv2.IMREAD_GRAYSCALE).astype(int)
    second = cv2.imdecode(np.frombuffer(after, np.uint8), cv2.IMREAD_GRAYSCALE).astype(int)
    # tight_layout may change the figure's height by a few pixels: compare the common part.
    height, width = min(first.shape[0], second.shape[0]), min(first.shape[1], second.shape[1])
    return float(np.mean(np.abs(first[:height, :width] - second[:height, :width]) > 8))


# Cell outputs of the open notebook, read from its model (window.jupyterapp).
_OUTPUTS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const found = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i).toJSON();
    if (cell.cell_type !== 'code') continue;
    found.push({index: i, count: cell.execution_count,
                errors: (cell.outputs || []).filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)});
  }
  return found;
}"""


def test_notebook_runs_and_its_slider_redraws_the_figure(lab_server, tmp_path):
    from playwright.sync_api import sync_playwright

    base_url, token = lab_server
    served = ROOT / "notebooks" / NOTEBOOK
    assert served.is_file(), f"{served} does not exist; set BROWSER_NOTEBOOK to a notebook in notebooks/"
    original = served.read_bytes()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # only this run's pictures stay
        old.unlink()
    started = time.monotonic()
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir
            executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
        )
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(f"{base_url}/lab/tree/{NOTEBOOK}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                timeout=120_000,
            )
            # The committed notebook is executed; clear it so that every output below is from this run.
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            page.wait_for_function(f"() => ({_OUTPUTS_JS})().every(c => c.count === null)", timeout=30_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()
            page.wait_for_function(
                f"() => ({_OUTPUTS_JS})().every(c => c.count !== null)"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                timeout=RUN_ALL_S * 1000, polling=1000,
            )
            ran = time.monotonic() - started  # page load, kernel start and every cell
            cells = page.evaluate(_OUTPUTS_JS)
            errors = [f"cell {c['index']}: {e}" for c in cells for e in c["errors"]]
            assert not errors, f"cells show errors: {errors}"
            shown = page.locator(".jp-OutputArea-output", has_text="Error displaying widget")
            assert shown.count() == 0, "a widget failed to render"

            explorer = page.locator(".widget-interact", has=page.locator(".noUi-handle")).first
            output = explorer.locator(".widget-output").first
            figure = output.locator("img").first
            # Off-screen cells are not laid out (JupyterLab's windowed notebook): scroll to the figure first.
            figure.wait_for(state="attached", timeout=REDRAW_S * 1000)
            explorer.evaluate("element => element.scrollIntoView({block: 'center'})")  # slider and figure in view
            figure.wait_for(state="visible", timeout=REDRAW_S * 1000)
            before_src = figure.get_attribute("src")
            before = output.screenshot(path=str(SCREENSHOTS / "output_before.png"))
            handle = explorer.locator(".noUi-handle").first
            readout = explorer.locator(".widget-readout").first
            value_before = readout.inner_text()
            handle.scroll_into_view_if_needed()
            box = handle.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
            page.mouse.up()
            assert readout.inner_text() != value_before, "dragging the slider did not change its value"
            page.wait_for_function(
                "([element, source]) => { const img = element.querySelector('img');"
                " return img && img.getAttribute('src') !== source && img.complete; }",
                arg=[output.element_handle(), before_src], timeout=REDRAW_S * 1000,
            )
            page.wait_for_function(  # the last of the continuous-update redraws
                "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                timeout=REDRAW_S * 1000,
            )
            page.wait_for_timeout(500)
            after = output.screenshot(path=str(SCREENSHOTS / "output_after.png"))
            page.screenshot(path=str(SCREENSHOTS / "notebook.png"), full_page=False)
            changed = _changed_fraction(before, after)
            print(f"\n{NOTEBOOK}: opened and ran all cells in {ran:.1f} s; slider {value_before} -> {readout.inner_text()}; "
                  f"{changed:.1%} of the output area changed; whole test {time.monotonic() - started:.1f} s; "
                  f"screenshots in {SCREENSHOTS}")
            assert changed > CHANGED_PIXELS, f"only {changed:.2%} of the output area changed after the slider moved"
        except BaseException:
            page.screenshot(path=str(SCREENSHOTS / "failure.png"))
            raise
        finally:
            context.close()
    assert served.read_bytes() == original, f"the browser session changed {served} (autosave should be off)"


@pytest.fixture()
def app_server(tmp_path):
    """`make app` (voila) on a free port; yields its URL."""
    venv = _needs_make_chromium_and_playwright()
    pytest.importorskip("voila", reason="needs voila (pip install -e '.[app]')")
    port = free_port()
    command = ["make", "-s", "app", f"VENV={venv}", f"APP_PORT={port}", "APP_ARGS=--no-browser --Voila.ip=127.0.0.1"]
    with (tmp_path / "app.log").open("w") as log, running(command, cwd=ROOT, log=log) as process:
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"`make app` did not listen on port {port} (exit code {process.poll()})")
        yield f"http://127.0.0.1:{port}/"


def test_the_app_shows_an_explorer_and_draws_another_tab_when_opened(app_server, tmp_path):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS, viewport={"width": 1500, "height": 900},
        )
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(app_server, timeout=RUN_ALL_S * 1000)
            tabs = page.locator(".lm-TabBar-tab")
            tabs.first.wait_for(timeout=RUN_ALL_S * 1000)
            first = page.locator(".widget-tab-contents .widget-interact img").first
            first.wait_for(state="visible", timeout=REDRAW_S * 1000)  # the Itti–Koch tab, opened first
            page.screenshot(path=str(SCREENSHOTS / "app.png"))
            tabs.filter(has_text="09 crop").first.click()
            crop = page.locator(".widget-tab-contents .widget-interact img").nth(1)
            crop.wait_for(state="visible", timeout=REDRAW_S * 1000)  # built when the tab opened
            page.screenshot(path=str(SCREENSHOTS / "app_crop_tab.png"))
            assert page.locator("text=Error displaying widget").count() == 0
            print(f"\nmake app: Itti–Koch tab drawn, then the crop tab built on opening; "
                  f"{time.monotonic() - started:.1f} s; screenshots {SCREENSHOTS / 'app.png'}, app_crop_tab.png")
        except BaseException:
            page.screenshot(path=str(SCREENSHOTS / "app_failure.png"))
            raise
        finally:
            context.close()
