"""``promosync codes capacity``: per incentive, who will need a code and when the pool runs out."""

from __future__ import annotations

import click

from sync import capacity
from sync.cli.app import App, pass_app
from sync.report_render import Column, render_table


def _stages(by_stage: dict[str, int]) -> str:
    return ", ".join(f"{stage} {n:,}" for stage, n in by_stage.items()) or "-"


@click.command("capacity")
@click.argument("campaign")
@pass_app
def capacity_(app: App, campaign: str) -> None:
    """Per incentive: creators who will need a code (participants before the release stage,
    and candidates, by stage), codes available, shortfall, and the date the pool runs out at
    the rate codes were released over the last 7 days."""
    found = capacity.capacity(app.db, campaign)
    columns = [
        Column("incentive", "Incentive", "text"),
        Column("release_stage", "Released at", "text"),
        Column("participants", "Participants waiting", "text"),
        Column("candidates", "Candidates", "text"),
        Column("available", "Available", "int"),
        Column("shortfall", "Short", "int"),
        Column("runs_out", "Runs out", "text"),
    ]
    rows = [
        {
            "incentive": c.incentive,
            "release_stage": c.release_stage,
            "participants": f"{c.participants_waiting:,} ({_stages(c.participants)})",
            "candidates": f"{c.candidates_waiting:,} ({_stages(c.candidates)})",
            "available": c.available,
            "shortfall": c.shortfall,
            "runs_out": c.runs_out_on.isoformat() if c.runs_out_on else "no releases in 7 days",
        }
        for c in found
    ]

    def text() -> str:
        notes = [
            f"Run-out dates assume the release rate of the last {capacity.RATE_WINDOW.days} days."
        ]
        for c in found:
            if c.short_validity:
                notes.append(
                    f"{c.incentive}: {c.short_validity:,} more codes end too soon to be handed "
                    f"out (see `promosync incentives policy`)."
                )
            if c.shortfall_with_candidates > c.shortfall:
                notes.append(
                    f"{c.incentive}: {c.shortfall_with_candidates:,} short if every candidate "
                    f"becomes a participant."
                )
        return "\n".join([render_table(f"Capacity of {campaign}", columns, rows), *notes])

    app.emit([c.as_dict() for c in found], text)
