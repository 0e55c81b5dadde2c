"""One headless Chromium per module of page tests.

Module scope, not session: Playwright's synchronous API keeps an asyncio loop running in
the main thread while it is started, which would make every later ``asyncio.run`` in the
session fail; the loop stops with the module's browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched
