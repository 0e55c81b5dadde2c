"""Run a seeded local WooCommerce in the foreground (loopback only).

python -m integrations.sandbox.woocommerce --port 8124 --seed-coupons 500 --prefix PROMO-
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence

from ..faults import REST_KINDS, FaultConfig
from .seed import DEFAULT_PREFIX, seed_demo_shop
from .server import start
from .state import SandboxWooShop

DEFAULT_PORT = 8124
DEFAULT_SEED_COUPONS = 500


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.sandbox.woocommerce", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--seed-coupons", type=int, default=DEFAULT_SEED_COUPONS)
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="code prefix of seeded coupons")
    parser.add_argument("--name", default="Sandbox Woo Shop", help="the site title")
    parser.add_argument("--currency", default="USD")
    parser.add_argument(
        "--keep-case",
        action="store_true",
        help="save codes as sent (a plugin removed lower-casing)",
    )
    parser.add_argument(
        "--strip-authorization",
        action="store_true",
        help="act like a host that drops the Authorization header (query-string auth only)",
    )
    parser.add_argument("--fault-seed", type=int, default=0)
    for kind in REST_KINDS:
        parser.add_argument(
            f"--{kind.value.replace('_', '-')}-rate", type=float, default=0.0, dest=kind.value
        )
    parser.add_argument("--drop-after-commit-rate", type=float, default=0.0)
    parser.add_argument("--slow-seconds", type=float, default=5.0)
    parser.add_argument("--retry-after-seconds", type=float, default=2.0)
    return parser


def faults_from(args: argparse.Namespace) -> FaultConfig:
    """The fault configuration the command line asks for."""
    rates = {kind: getattr(args, kind.value) for kind in REST_KINDS}
    return FaultConfig(
        seed=args.fault_seed,
        rates={k: v for k, v in rates.items() if v > 0},
        drop_after_commit_rate=args.drop_after_commit_rate,
        slow_seconds=args.slow_seconds,
        retry_after_seconds=args.retry_after_seconds,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted, printing the URL and the key first."""
    args = _parser().parse_args(argv)
    shop = SandboxWooShop(
        name=args.name,
        currency=args.currency,
        lowercase_codes=not args.keep_case,
        strip_authorization=args.strip_authorization,
    )
    seed_demo_shop(shop, args.seed_coupons, prefix=args.prefix)
    try:
        woo = start(shop, host=args.host, port=args.port, faults=faults_from(args))
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"Local WooCommerce serving {shop.name!r}")
    print(f"url             = {woo.base_url}")
    print(f"consumer_key    = {woo.consumer_key}")
    print(f"consumer_secret = {woo.consumer_secret}")
    print(f"coupons         = {args.seed_coupons} with prefix {args.prefix!r}")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        woo.shutdown()


if __name__ == "__main__":
    main()
