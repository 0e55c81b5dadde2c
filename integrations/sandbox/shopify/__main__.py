"""Run seeded sandbox shops in the foreground.

python -m integrations.sandbox.shopify --port 8123 --seed-codes 500
python -m integrations.sandbox.shopify --port 8123 --shops 200 --seed-codes 100
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
FLEET_DOMAIN = "shop-{:03d}.myshopify.com"  # --shops N: shop-001 ... shop-N


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.sandbox.shopify", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--seed-codes", type=int, default=DEFAULT_SEED_CODES, help="codes in the demo discount"
    )
    parser.add_argument(
        "--shops",
        type=int,
        default=1,
        help="how many shops to serve (each its own domain, token, codes and bucket)",
    )
    parser.add_argument(
        "--token", default=None, help="access token of the first shop (random if omitted)"
    )
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
    if args.shops < 1:
        raise SystemExit("--shops must be at least 1")
    bucket = BucketConfig(enabled=not args.no_throttle)
    if args.shops == 1:
        shops = [SandboxShop(access_token=args.token, bucket=bucket)]
    else:
        shops = [
            SandboxShop(
                name=f"Shop {n}",
                domain=FLEET_DOMAIN.format(n),
                access_token=args.token if n == 1 else None,
                bucket=bucket,
            )
            for n in range(1, args.shops + 1)
        ]
    numbers = [seed_demo_shop(shop, args.seed_codes, seed=n) for n, shop in enumerate(shops)]
    sandbox = start(shops[0], *shops[1:], host=args.host, port=args.port, faults=faults)
    for shop, number in zip(shops, numbers, strict=True):
        url = sandbox.admin_api_url if len(shops) == 1 else sandbox.admin_api_url_for(shop.domain)
        print(f"Shopify sandbox serving {shop.domain}")
        print(f"admin_api_url = {url}")
        print(f"access_token  = {shop.access_token}")
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
        for shop in shops:
            shop.close()


if __name__ == "__main__":
    main()
