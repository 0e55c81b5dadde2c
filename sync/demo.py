"""``promosync demo``: a whole promo-code incentive, start to finish, on a fresh SQLite file.

It narrates what a merchant would do by hand: a campaign, an incentive with a
small pool, creators moved until the pool runs out (and the refusal that
follows), what a creator sees, a rendered e-mail, and the ROI report.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from store import migrate
from store.db import Database
from sync import campaigns, codes, creators, incentives, messages, moves, reports
from sync.errors import OutOfCodes
from sync.report_render import render_table

DEMO_DB_FILE = "promosync-demo.db"
DEMO_CODES = ("SUMMER-7KQ2MX", "SUMMER-R4HT9C", "SUMMER-PW3ZNB", "SUMMER-XE8DJU", "SUMMER-M6GVYA")
DEMO_CREATORS = (
    ("maya.makes", "Maya"),
    ("leo_outdoors", "Leo"),
    ("ana.bakes", "Ana"),
    ("kofi.fits", "Kofi"),
    ("sam_travels", "Sam"),
    ("iris.reads", "Iris"),
)
DEMO_TEMPLATE = (
    "Hi {{first_name}}! Thanks for joining {{campaign_name}}.\n"
    "Your reward: {{incentive_description}}. Your personal code: {{promo_code}}"
)


def run(path: str = DEMO_DB_FILE, say: Callable[[str], None] = print) -> Database:
    """Run the demo against a fresh SQLite file at ``path``; returns the database."""
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    say(f"== A fresh database: {path}")

    campaigns.create(db, "Summer launch", key="summer", currency="USD")
    incentives.add(
        db, "summer", key="kit", description="20% off the summer kit", value="25.00",
        cost="8.50", timing="pre_payment",
    )
    say("== Campaign 'summer' with incentive 'kit' (value 25.00, cost 8.50, released at pre_payment)")
    upload = codes.upload(db, "summer/kit", io.StringIO(",\n".join(DEMO_CODES) + ",,"))
    say(f"   uploaded {upload.stored} codes ({upload.empty} empty entries ignored); "
        f"the codes themselves stay secret until released")
    campaigns.set_status(db, "summer", "active")

    for handle, first_name in DEMO_CREATORS:
        creators.add(db, "summer", handle, email=f"{handle.replace('.', '_')}@example.com",
                     first_name=first_name)
    say(f"== {len(DEMO_CREATORS)} creators added at 'candidates'")

    plan = moves.move_stage(db, "summer", "candidates", "pre_payment", dry_run=True)
    say(f"== Dry run: {plan.summary}")
    for handle, _ in DEMO_CREATORS:
        try:
            outcome = moves.move(db, "summer", handle, "pre_payment")
            got = ", ".join(f"{r.incentive} → {r.code}" for r in outcome.released)
            say(f"   {handle}: {outcome.source} → {outcome.target}, released {got}")
        except OutOfCodes as refused:
            say(f"   {handle}: REFUSED — {refused}")

    view = creators.view(db, "summer", DEMO_CREATORS[0][0])
    say(f"== What {view.handle} sees: " + "; ".join(
        f"{i.description} — {i.status}, code {i.code}" for i in view.incentives))
    rendered = messages.render(db, "summer", DEMO_CREATORS[0][0], DEMO_TEMPLATE)
    say("== The e-mail they get:\n" + _indent(rendered.text))
    waiting = messages.render(db, "summer", DEMO_CREATORS[-1][0], DEMO_TEMPLATE)
    say(f"== The same template for {DEMO_CREATORS[-1][0]} (still at candidates): the code is blank\n"
        + _indent(waiting.text))

    report = reports.build(db, "summer")
    say(render_table(report.title, reports.COLUMNS, [r.as_dict() for r in report.rows]))
    return db


def _indent(text: str) -> str:
    return "\n".join("   | " + line for line in text.splitlines())
