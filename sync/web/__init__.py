"""promosync over HTTP: one ASGI application for ``promosync serve`` and ``run --http``."""
