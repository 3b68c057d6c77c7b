"""The BubbleView recorder in a real browser: JupyterLab + headless Chromium, clicks scripted by Playwright.

A code console (no notebook file is written) shows ``widgets.bubble_view("astronaut")``;
the test presses Start, clicks at known image positions with the image shown at its own size
(512 px), then again at half size (256 px) where it also reveals once with the keyboard, presses
Stop and reads back what the kernel received: each click in image pixels, within the rounding of
one CSS pixel, and the time order.  Each recording is saved as a clicks CSV
(``build/browser/bubble_view_clicks.csv``) and read back with ``fixations.read_clicks`` and
``metrics.load_fixations``; screenshots of the widget after the last click of each are
``build/browser/bubble_view_512.png`` and ``bubble_view_256.png``.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from test_browser import PAGE_LOAD_S, SCREENSHOTS, driver, lab_page, lab_server  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
WIDGET_S = 120

# image positions (x = column, y = row) clicked at each display width, in the astronaut's 512×512 pixels
TARGETS = [(256.0, 200.0), (100.0, 400.0), (420.0, 60.0), (30.5, 480.5)]

_CONSOLE_JS = """async () => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('console:create', {kernelPreference: {name: 'python3'}});
  await panel.sessionContext.ready;
  window.__courseConsole = panel;
  app.shell.activateById(panel.id);
  return panel.id;
}"""

_RUN_JS = """async (code) => {
  const panel = window.__courseConsole;
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false,
    user_expressions: {result: '_course_result if "_course_result" in globals() else ""'}});
  const reply = await future.done;
  if (reply.content.status !== 'ok') return 'ERROR ' + reply.content.ename + ': ' + reply.content.evalue;
  const found = reply.content.user_expressions.result;
  return found.status === 'ok' ? found.data['text/plain'] : 'ERROR ' + found.ename;
}"""


def _python(page, code: str) -> object:
    """Run ``code`` in the console's kernel; the value of ``_course_result`` it sets, parsed."""
    text = page.evaluate(_RUN_JS, code)
    assert not text.startswith("ERROR"), text
    return ast.literal_eval(text)  # the value's repr: plain data only


def _click_at(page, canvas, x: float, y: float) -> None:
    """Click the canvas where image pixel (x, y) is shown, whatever the display size."""
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + (x + 0.5) * box["width"] / 512, box["y"] + (y + 0.5) * box["height"] / 512)


def test_clicks_are_recorded_in_image_pixels_at_two_display_sizes(lab_page, tmp_path):
    page = lab_page
    page.evaluate(_CONSOLE_JS)
    # the widget is displayed by inject (a console cell the page renders); its model is `recorder`
    page.evaluate("(code) => window.__courseConsole.console.inject(code)",
                  "from course_lib import widgets\nrecorder = widgets.bubble_view('astronaut', radius=30, "
                  "time_limit=120)\nrecorder")
    console = page.locator(".jp-CodeConsole").last
    canvas = console.locator(".course-bubble-canvas").last
    canvas.wait_for(state="visible", timeout=WIDGET_S * 1000)
    saved = SCREENSHOTS / "bubble_view_clicks.csv"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved.unlink(missing_ok=True)
    recorded = {}
    for width in (512, 256):
        _python(page, f"recorder.display_width = {width}\n_course_result = recorder.display_width")
        page.wait_for_function(f"() => Math.round(document.querySelector('.jp-CodeConsole .course-bubble-canvas')"
                               f".getBoundingClientRect().width) === {width}", timeout=WIDGET_S * 1000)
        console.locator(".course-bubble-button", has_text="Start").last.click()
        for x, y in TARGETS:
            _click_at(page, canvas, x, y)
        expected = list(TARGETS)
        if width == 256:  # the keyboard: three steps right (10 px each) from the centre, Enter reveals there
            canvas.focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.keyboard.press("Enter")
            expected.append((286.0, 256.0))
        page.wait_for_function(f"() => document.querySelector('.jp-CodeConsole .course-bubble-status')"
                               f".textContent.includes('{len(expected)} click')", timeout=WIDGET_S * 1000)
        canvas.screenshot(path=str(SCREENSHOTS / f"bubble_view_{width}.png"))
        console.locator(".course-bubble-button", has_text="Stop").last.click()
        page.wait_for_function("() => document.querySelector('.jp-CodeConsole .course-bubble-status')"
                               ".textContent.includes('done')", timeout=WIDGET_S * 1000)
        points = np.array(_python(page, f"recorder.save({str(saved)!r}, image='astronaut', viewer='chromium-{width}')"
                                        "\n_course_result = recorder.points().tolist()"))
        assert points.shape == (len(expected), 3), points
        pixel = 512 / width  # one CSS pixel, in image pixels: the rounding a mouse event carries
        assert np.abs(points[:, :2] - np.array(expected)).max() <= pixel, (width, points[:, :2])
        assert np.all(np.diff(points[:, 2]) >= 0) and points[0, 2] >= 0  # ms since Start, in order
        recorded[f"chromium-{width}"] = points

    from course_lib import fixations, metrics

    clicks = fixations.read_clicks(saved)
    assert [(c.image, c.viewer) for c in clicks] == [("astronaut", "chromium-512"), ("astronaut", "chromium-256")]
    for found in clicks:
        assert np.allclose(found.points, recorded[found.viewer], atol=0.05)  # the CSV holds what was recorded
    fixation_map = metrics.load_fixations(saved, shapes={"astronaut": (512, 512)})["astronaut"]
    assert 1 <= fixation_map.sum() <= 2 * len(TARGETS) + 1
    print(f"\nrecorded in Chromium (x, y, ms), {saved}:")
    for found in clicks:
        print(f"  {found.viewer}: {json.dumps(found.points.round(1).tolist())}")
    page.evaluate("async () => { const p = window.__courseConsole; await p.sessionContext.shutdown(); p.dispose(); }")
