"""``make app``: every explorer in one tabbed page, served by voila.

The tab logic (:func:`course_lib.widgets.course_app`) is tested in process;
the served page is tested by starting ``voila`` on a free local port and
reading the page it renders, in which the executed app cell must show the
Tab widget and no error.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.request
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from conftest import free_port, running
from course_lib import widgets

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "apps" / "explorers.ipynb"


def test_the_app_builds_a_tab_when_it_is_first_opened(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets, "display", shown.append)
    app = widgets.course_app("00 LC")
    assert app.titles[0] == "00 LC" and len(app.titles) == len(app.children) >= 10
    explorers = lambda: [item for item in shown if isinstance(item, widgets.widgets.interactive)]  # noqa: E731
    assert len(explorers()) == 1  # only the first tab is drawn
    app.selected_index = app.titles.index("09 crop")
    assert len(explorers()) == 2
    app.selected_index = 0  # opened before: not built again
    assert len(explorers()) == 2
    plt.close("all")


def test_the_app_names_an_unknown_first_tab():
    with pytest.raises(ValueError, match="first must be one of"):
        widgets.course_app("99 nothing")


def test_voila_serves_the_app_with_its_widget_and_no_error(tmp_path):
    pytest.importorskip("voila", reason="needs voila (pip install -e '.[app]')")
    port = free_port()
    voila = Path(sys.executable).with_name("voila")
    command = [str(voila) if voila.exists() else "voila", str(APP), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--KernelManager.client_class=course_lib.kernel_transport.SlicedPollClient"]
    with (tmp_path / "voila.log").open("w") as log, running(command, cwd=ROOT, log=log) as process:
        page = None
        deadline = time.monotonic() + 180
        while page is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=170) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"voila did not serve the app (exit code {process.poll()}): see {log.name}"
    outputs = [json.loads(block) for block in re.findall(
        r'<script type="application/vnd.voila.cell-output\+json">(.*?)</script>', page, re.S)]
    assert outputs, "the page holds no cell output (an error hides it)"
    assert not [o for o in outputs if o.get("output_type") == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1 and views[0]["data"]["text/plain"].startswith("Tab(")
