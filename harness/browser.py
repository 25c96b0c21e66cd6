"""Headless Chromium (Debian's) for the browser tests, driven by Playwright."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.processes import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "test-results" / "screenshots"
# As root and on a closed network, Chromium needs these (see README, "Tests").
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium():
    """A launched browser; the test is skipped where Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium: run scripts/with_services.sh make test (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
