"""Run a seeded sandbox shop in the foreground.

python -m integrations.sandbox.shopify --port 8123 --seed-codes 500
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Sequence

from .bucket import BucketConfig
from .faults import Fault, FaultConfig
from .seed import seed_demo_shop
from .server import start
from .state import SandboxShop

DEFAULT_PORT = 8123
DEFAULT_SEED_CODES = 500


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.sandbox.shopify", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--seed-codes", type=int, default=DEFAULT_SEED_CODES, help="codes in the demo discount"
    )
    parser.add_argument("--token", default=None, help="access token to accept (random if omitted)")
    parser.add_argument("--no-throttle", action="store_true", help="never answer THROTTLED")
    parser.add_argument("--fault-seed", type=int, default=0)
    for kind in Fault:
        if kind is not Fault.DROP_AFTER_COMMIT:
            parser.add_argument(
                f"--{kind.value.replace('_', '-')}-rate", type=float, default=0.0, dest=kind.value
            )
    parser.add_argument("--drop-after-commit-rate", type=float, default=0.0)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted, printing the URL and token first."""
    args = _parser().parse_args(argv)
    rates = {
        kind: getattr(args, kind.value) for kind in Fault if kind is not Fault.DROP_AFTER_COMMIT
    }
    faults = FaultConfig(
        seed=args.fault_seed,
        rates={k: v for k, v in rates.items() if v > 0},
        drop_after_commit_rate=args.drop_after_commit_rate,
    )
    shop = SandboxShop(access_token=args.token, bucket=BucketConfig(enabled=not args.no_throttle))
    number = seed_demo_shop(shop, args.seed_codes)
    sandbox = start(shop, host=args.host, port=args.port, faults=faults)
    print(f"Shopify sandbox serving {shop.domain}")
    print(f"admin_api_url = {sandbox.admin_api_url}")
    print(f"access_token  = {sandbox.access_token}")
    print(f"discount      = gid://shopify/DiscountCodeNode/{number} ({args.seed_codes} codes)")
    print(f"webhook_secret = {shop.client_secret} (the app secret that signs its webhooks)")
    print(
        f"place an order: POST {sandbox.base_url}/sandbox/orders "
        '{"codes": ["CODE"], "total": "42.50"} (with X-Shopify-Access-Token)'
    )
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.shutdown()
        shop.close()


if __name__ == "__main__":
    main()
