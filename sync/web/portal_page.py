"""The creator page's HTML: server-rendered, escaped, readable without JavaScript.

One small page needs no template engine: every value passes through
:func:`html.escape` where it is inserted (:func:`_e`), and the markup is fixed text.
The stylesheet and the copy-button script are inline and allowed by their hashes in
the Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`), so nothing else runs.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from sync.creators import DRAFT, FULFILLED, PENDING, REJECTED, CreatorView, IncentiveView

# Colours chosen for contrast on white: text 16.1:1, muted text 7.5:1, accent 8.6:1
# (WCAG AA asks 4.5:1).
STYLE = """
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;
color:#1a1a1a;background:#ffffff;-webkit-text-size-adjust:100%}
body{margin:0;padding:1rem}
main{max-width:40rem;margin:0 auto}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:0 0 .5rem;overflow-wrap:anywhere}
p{margin:0 0 .75rem;overflow-wrap:anywhere}
.muted{color:#4d4d4d}
.incentive{border:1px solid #767676;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
dl{margin:0}
dt{font-weight:600}
dd{margin:0 0 .5rem}
.code{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:1.25rem;padding:.5rem .75rem;border:2px solid #1d4f91;border-radius:.375rem;
background:#f4f7fb;color:#1a1a1a;overflow-wrap:anywhere;word-break:break-all;
user-select:all;-webkit-user-select:all;max-width:100%}
button{font:inherit;margin-top:.5rem;padding:.5rem 1rem;border:0;border-radius:.375rem;
background:#1d4f91;color:#ffffff;cursor:pointer;min-height:2.75rem}
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
""".strip()

# Progressive enhancement: only where the Clipboard API exists is a copy button added
# next to each code; without JavaScript the code stays selectable text.
SCRIPT = """
if (navigator.clipboard) {
  document.querySelectorAll("[data-copy]").forEach(function (code) {
    var button = document.createElement("button");
    var status = document.getElementById(code.id + "-status");
    button.type = "button";
    button.textContent = "Copy code";
    button.setAttribute("aria-describedby", code.id);
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent).then(function () {
        status.textContent = "Copied.";
      }, function () {
        status.textContent = "Could not copy: select the code and copy it.";
      });
    });
    code.insertAdjacentElement("afterend", button);
  });
}
""".strip()


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


#: Nothing but the page's own inline style and script; no framing, no forms, no base.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_sha256(STYLE)}; script-src {_sha256(SCRIPT)}; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_STATUS_TEXT = {
    DRAFT: "Not started yet",
    PENDING: "On its way",
    FULFILLED: "Released to you",
    REJECTED: "Not offered to you",
}


def creator_page(view: CreatorView) -> str:
    """The page of one creator: the campaign, each incentive and its code once released."""
    name = view.first_name or view.handle
    sections = "\n".join(
        _incentive(incentive, number) for number, incentive in enumerate(view.incentives, start=1)
    )
    body = f"""<h1>{_e(view.campaign_name)}</h1>
<p>Hi {_e(name)}, here is what this campaign holds for you.</p>
{sections or '<p class="muted">No incentives in this campaign yet.</p>'}"""
    return _document(f"Your codes for {view.campaign_name}", body)


def not_found_page() -> str:
    """The one page for every link that opens nothing: it says nothing about why."""
    body = """<h1>This link does not open a page</h1>
<p>It may be mistyped, expired or withdrawn. Ask the brand team for a new link.</p>"""
    return _document("Link not available", body)


def _incentive(incentive: IncentiveView, number: int) -> str:
    code_id = f"code-{number}"
    if incentive.code is not None:
        # A <code> may not be named itself (ARIA role "code"): a group named by the term
        # holds it, so a screen reader announces "Your promo code" with it.
        code = (
            f'<dt id="{code_id}-label">Your promo code</dt>\n<dd>'
            f'<div role="group" aria-labelledby="{code_id}-label">'
            f'<code class="code" id="{code_id}" data-copy>{_e(incentive.code)}</code>'
            f'<span id="{code_id}-status" class="muted" role="status"></span></div></dd>'
        )
    else:
        code = f'<dt>Your promo code</dt>\n<dd class="muted">{_e(_no_code(incentive))}</dd>'
    return f"""<section class="incentive" aria-labelledby="incentive-{number}">
<h2 id="incentive-{number}">{_e(incentive.description)}</h2>
<dl>
<dt>Status</dt>
<dd>{_e(_status(incentive))}</dd>
{code}
</dl>
</section>"""


def _status(incentive: IncentiveView) -> str:
    return "Withdrawn" if incentive.revoked else _STATUS_TEXT.get(incentive.status, "Unknown")


def _no_code(incentive: IncentiveView) -> str:
    if incentive.revoked:
        return "This code was withdrawn."
    stage = incentive.release_stage.replace("_", " ")
    if incentive.status == REJECTED:
        return "No code for this incentive."
    return f"Shown here once you reach the {stage} stage."


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{_e(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
{body}
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""


def _e(value: str) -> str:
    return escape(value, quote=True)
