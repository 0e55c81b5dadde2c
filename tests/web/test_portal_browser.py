"""The creator page in headless Chromium, served by a real ``promosync serve``.

What a creator sees (their code once released, nothing before), what every bad link
sees (the same empty 404 page), and the layout at a phone's and a desktop's width.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from store.db import Database
from sync import campaigns, creators, incentives, moves, portal
from sync.config import Config
from tests import builders
from tests.support.portal import portal_config, token_of
from tests.support.serving import free_port, promosync_process

PHONE, DESKTOP = 375, 1280
DAY = 86400.0
# Everything the page of this campaign could show; a refused link must show none of it.
CAMPAIGN_NAME = "Summer Glow"
DESCRIPTION = "A free summer kit"
CODES = builders.codes_named("GLOW-", 2)


@dataclass(frozen=True)
class Served:
    """A ``promosync serve`` over ``db``, and the config that signs its links."""

    db: Database
    config: Config
    base: str


@pytest.fixture
def served(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = portal_config(monkeypatch, base_url=base)
    config_file = tmp_path / "promosync.toml"
    config_file.write_text(
        f'[portal]\nbase_url = "{base}"\nsecret = "${{PROMOSYNC_PORTAL_SECRET}}"\n',
        encoding="utf-8",
    )
    db = Database(db_url)
    args = ["--db", db_url, "--config", str(config_file), "serve", "--port", str(port)]
    try:
        with promosync_process(args, f"{base}/healthz"):
            yield Served(db, config, base)
    finally:
        db.dispose()


def _campaign(
    db: Database,
    *,
    name: str = CAMPAIGN_NAME,
    description: str = DESCRIPTION,
    codes: list[str] = CODES,
) -> None:
    campaigns.create(db, name, key="summer")
    incentives.add(
        db,
        "summer",
        key="kit",
        description=description,
        value="25.00",
        cost="8.50",
        timing="pre_payment",
    )
    builders.upload(db, "summer/kit", codes)
    campaigns.set_status(db, "summer", "active")
    creators.add(db, "summer", "maya", first_name="Maya")


def _open(browser: Any, url: str, *, width: int = PHONE, javascript: bool = True) -> Any:
    """A page at ``url`` in a fresh context ``width`` CSS pixels wide; (page, response)."""
    context = browser.new_context(
        viewport={"width": width, "height": 800}, java_script_enabled=javascript
    )
    page = context.new_page()
    response = page.goto(url)
    assert response is not None
    return page, response


def _code(page: Any) -> Any:
    """The code, found the way assistive technology finds it: by its group's name."""
    return page.get_by_role("group", name="Your promo code").locator("code")


def test_released_code_is_shown_labelled_without_javascript(served: Served, browser: Any) -> None:
    _campaign(served.db)
    code = moves.move(served.db, "summer", "maya", "pre_payment").released[0].code
    url = portal.link(served.db, served.config, "summer", "maya").url
    page, response = _open(browser, url, javascript=False)
    assert response.status == 200
    headers = response.headers
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == CAMPAIGN_NAME
    assert page.get_by_role("heading", level=2).inner_text() == DESCRIPTION
    assert _code(page).inner_text() == code
    assert page.get_by_role("button").count() == 0  # the copy button needs JavaScript
    page.context.close()


def test_code_is_absent_before_release(served: Served, browser: Any) -> None:
    _campaign(served.db)
    moves.move(served.db, "summer", "maya", "confirmation")
    url = portal.link(served.db, served.config, "summer", "maya").url
    page, response = _open(browser, url)
    assert response.status == 200
    assert page.get_by_role("heading", level=2).inner_text() == DESCRIPTION
    assert "On its way" in page.content()
    assert "once you reach the pre payment stage" in page.content()
    assert _code(page).count() == 0
    assert not any(code in page.content() for code in CODES)
    # The same link shows the code once it is released: the page is live, not a snapshot.
    code = moves.move(served.db, "summer", "maya", "pre_payment").released[0].code
    page.reload()
    assert _code(page).inner_text() == code
    # Moved back before the release stage: the code stays theirs but is not shown (the
    # rule of `promosync creators show`).
    moves.move(served.db, "summer", "maya", "confirmation")
    page.reload()
    assert _code(page).count() == 0
    assert code not in page.content()
    page.context.close()


def test_forged_expired_and_revoked_links_show_the_same_empty_page(
    served: Served, browser: Any
) -> None:
    _campaign(served.db)
    moves.move(served.db, "summer", "maya", "pre_payment")
    revoked = portal.link(served.db, served.config, "summer", "maya").url
    portal.revoke(served.db, "summer", "maya")
    # Made after the revocation, so only its age refuses it.
    expired = portal.link(served.db, served.config, "summer", "maya", now=time.time() - 31 * DAY)
    valid = portal.link(served.db, served.config, "summer", "maya").url
    portal_id, version, expires, signature = token_of(valid).split(".")
    later = f"{int(expires, 16) + DAY:.0f}"
    links = {
        "expired": expired.url,
        "revoked": revoked,
        "forged signature": valid[:-2] + ("AA" if not valid.endswith("AA") else "BB"),
        "forged expiry": f"{served.base}/c/{portal_id}.{version}.{int(later):x}.{signature}",
        "unknown": f"{served.base}/c/{'x' * 22}.1.{expires}.{signature}",
        "garbage": f"{served.base}/c/%3Cscript%3E",
        "with a slash": f"{served.base}/c/{portal_id}/{version}",
    }
    pages = {}
    for why, url in links.items():
        page, response = _open(browser, url)
        assert response.status == 404, why
        assert response.headers["cache-control"] == "no-store", why
        assert response.headers["referrer-policy"] == "no-referrer", why
        pages[why] = page.content()
        page.context.close()
    assert len(set(pages.values())) == 1, "every refused link must look the same"
    refused = next(iter(pages.values()))
    for secret in (CAMPAIGN_NAME, DESCRIPTION, "maya", "Maya", *CODES):
        assert secret not in refused
    page, response = _open(browser, valid)  # the control: the fresh link does open
    assert response.status == 200 and CODES[0] in page.content()
    page.context.close()
    counted = httpx.get(f"{served.base}/metrics").text
    assert f'promosync_portal_pages_total{{outcome="refused"}} {len(links)}.0' in counted
    assert 'promosync_portal_pages_total{outcome="shown"} 1.0' in counted


LAYOUT = """() => {
  const code = document.querySelector("[data-copy]");
  const box = code.getBoundingClientRect();
  const button = document.querySelector("button");
  const buttonBox = button ? button.getBoundingClientRect() : null;
  return {
    viewport: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    codeLeft: box.left, codeRight: box.right,
    codeScrollWidth: code.scrollWidth, codeClientWidth: code.clientWidth,
    buttonRight: buttonBox ? buttonBox.right : null,
  };
}"""


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_layout_fits_the_screen_with_the_longest_code(
    served: Served, browser: Any, width: int, tmp_path: Path, db_url: str
) -> None:
    longest = "K" * 150  # the longest code a pool accepts, with no place to break
    _campaign(
        served.db,
        name="Summer " + "Glow" * 30,
        description="A free kit: " + "supercalifragilistic" * 8,
        codes=[longest],
    )
    moves.move(served.db, "summer", "maya", "pre_payment")
    url = portal.link(served.db, served.config, "summer", "maya").url
    page, _ = _open(browser, url, width=width)
    screenshots = Path(os.environ.get("PROMOSYNC_SCREENSHOT_DIR") or tmp_path)
    screenshots.mkdir(parents=True, exist_ok=True)
    backend = db_url.split(":")[0].split("+")[0]
    shot = screenshots / f"creator-page-{width}px-{backend}.png"
    page.screenshot(path=str(shot), full_page=True)
    layout = page.evaluate(LAYOUT)
    page.context.close()
    assert layout["viewport"] == width
    assert layout["scrollWidth"] <= width, layout  # nothing overflows sideways
    assert 0 <= layout["codeLeft"] and layout["codeRight"] <= width, layout
    assert layout["codeScrollWidth"] <= layout["codeClientWidth"], layout  # no hidden part
    assert layout["buttonRight"] is not None and layout["buttonRight"] <= width, layout
    assert _png_size(shot)[0] == width  # the screenshot is of the page at that width


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_copy_button_copies_the_code(served: Served, browser: Any) -> None:
    _campaign(served.db)
    code = moves.move(served.db, "summer", "maya", "pre_payment").released[0].code
    url = portal.link(served.db, served.config, "summer", "maya").url
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Copy code").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == code
    context.close()


CONTRAST = """() => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const rgba = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const element of document.body.querySelectorAll("*")) {
    const text = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!text) continue;
    const a = luminance(rgba(getComputedStyle(element).color));
    const b = luminance(background(element));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    worst.push([ratio, element.tagName + " " + element.textContent.trim().slice(0, 30)]);
  }
  return worst;
}"""


@pytest.mark.parametrize("released", [True, False])
def test_every_text_has_a_contrast_of_at_least_4_5(
    served: Served, browser: Any, released: bool
) -> None:
    _campaign(served.db)
    moves.move(served.db, "summer", "maya", "pre_payment" if released else "invited")
    url = portal.link(served.db, served.config, "summer", "maya").url
    page, _ = _open(browser, url)
    ratios = page.evaluate(CONTRAST)
    page.context.close()
    assert len(ratios) >= 5  # headings, labels, status, code (and button when released)
    assert min(ratios)[0] >= 4.5, min(ratios)


def test_values_are_shown_as_text_never_as_markup(served: Served, browser: Any) -> None:
    name = '<img src="x" onerror="document.title=1">Glow'
    description = "<script>document.title='owned'</script> kit & more"
    _campaign(served.db, name=name, description=description)
    url = portal.link(served.db, served.config, "summer", "maya").url
    page, _ = _open(browser, url)
    assert page.get_by_role("heading", level=1).inner_text() == name
    assert page.get_by_role("heading", level=2).inner_text() == description
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1  # only the page's own copy-button script
    assert page.title() == f"Your codes for {name}"
    page.context.close()
