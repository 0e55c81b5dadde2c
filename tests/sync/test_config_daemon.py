"""``[daemon]``: intervals as durations, defaults pinned, bad values named with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import config
from sync.config import ConfigError


def _load(tmp_path: Path, daemon: str) -> config.Config:
    path = tmp_path / "promosync.toml"
    path.write_text("[daemon]\n" + daemon)
    return config.load(str(path))


def test_daemon_defaults_are_the_documented_intervals() -> None:
    daemon = config.Config().daemon
    assert (daemon.pull_every, daemon.usage_every, daemon.orders_every, daemon.revoke_every) == (
        600.0,
        3600.0,
        900.0,
        600.0,
    )
    assert (daemon.inbox_every, daemon.concurrency, daemon.stalled_after) == (10.0, 4, 30.0)
    assert daemon.mail_every == 30.0


def test_daemon_intervals_are_durations(tmp_path: Path) -> None:
    daemon = _load(tmp_path, 'pull_every = "30s"\nusage_every = "2h"\norders_every = 90\n').daemon
    assert (daemon.pull_every, daemon.usage_every, daemon.orders_every) == (30.0, 7200.0, 90.0)


@pytest.mark.parametrize(
    ("line", "named", "fix"),
    [
        ('pull_every = "10 minutes"', "daemon.pull_every", '"30s"'),
        ('usage_every = "0s"', "daemon.usage_every", "longer than zero"),
        ("revoke_every = -5", "daemon.revoke_every", "longer than zero"),
        ('pull_evry = "1m"', "daemon.pull_evry", "not a known key"),
        ("concurrency = 0", "daemon.concurrency", "greater than or equal to 1"),
    ],
)
def test_a_bad_daemon_value_names_the_key_and_the_fix(
    tmp_path: Path, line: str, named: str, fix: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, line + "\n")
    assert named in str(refused.value) and fix in str(refused.value)
