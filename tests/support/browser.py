"""Headless Chromium (Debian's ``chromium`` package) driven by Playwright, for page tests.

Playwright only drives the system browser (``executable_path``); it downloads none.
Without Chromium the page tests are skipped locally and fail under CI (``CI`` set), so CI
never passes without having run them; ``.ci/run`` installs the package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = os.environ.get("PROMOSYNC_CHROMIUM", "/usr/bin/chromium")


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright ``Browser``), closed at the end."""
    problem = None
    if shutil.which(CHROMIUM) is None:
        problem = f"{CHROMIUM} is missing: apt-get install -y chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed: pip install -e '.[test]'"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem + " (CI must run the browser tests)")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()
