"""``--log-format json``: one JSON object per line, for log shippers.

Every record carries time, level, logger and message; a job run's line also
carries its fields (job, store, incentive, outcome, duration_s, counts, error).
The text is redacted like every other log line (:func:`sync.cli.logs.redact`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from sync.cli.logs import redact


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": redact(record.getMessage()),
        }
        job_run = getattr(record, "job_run", None)
        if isinstance(job_run, dict):
            body.update(job_run)
            error = body.get("error")
            if isinstance(error, str):
                body["error"] = redact(error)
        return json.dumps(body, ensure_ascii=False)
