"""`make lab` brings up JupyterLab serving the notebooks (started headless, queried, stopped)."""

from __future__ import annotations

import json
import secrets
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, running

ROOT = Path(__file__).resolve().parents[1]


def _installed_by_make(venv: Path) -> bool:
    return any(venv.glob(".installed-*"))


def test_make_lab_serves_the_notebooks():
    venv = Path(sys.prefix)
    if shutil.which("make") is None or not _installed_by_make(venv):
        pytest.skip("needs make and an environment installed by `make install`")
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    with running(["make", "-s", "lab", f"VENV={venv}", f"PORT={port}", f"LAB_ARGS={args}"], cwd=ROOT) as process:
        listing = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/contents?token={token}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer on its port within 90 s"
        names = {item["name"] for item in listing["content"]}
        expected = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}
        assert expected and expected <= names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as page:
            assert page.status == 200
