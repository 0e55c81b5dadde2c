"""``promosync serve``: the HTTP application (health, metrics, webhooks, creator pages)."""

from __future__ import annotations

import click

from sync import metrics
from sync.cli.app import App, pass_app
from sync.web.app import WebContext, create_app
from sync.web.app import serve as serve_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve promosync over HTTP until stopped (Ctrl-C or SIGTERM).

    Routes: GET /healthz, GET /metrics, GET /c/TOKEN (creator pages), POST /webhooks/shopify
    (deliveries go to the inbox; `promosync sync inbox` or the worker applies them).
    """
    metrics.watch(app.db, app.config)
    serve_app(create_app(WebContext(app.config, app.db)), host=host, port=port)


def register(cli: click.Group) -> None:
    cli.add_command(serve)
