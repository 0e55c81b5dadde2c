"""A faithful local WooCommerce REST API (``/wp-json/wc/v3``) for tests, the demo and benchmarks.

Start one in a test::

    from integrations.sandbox.woocommerce import SandboxWooShop, serve

    shop = SandboxWooShop()
    coupon_id = shop.add_coupon("SUMMER-1", "10")
    with serve(shop) as woo:
        httpx.get(woo.api_url + "/coupons", auth=(woo.consumer_key, woo.consumer_secret))

Pieces: :class:`SandboxWooShop` (state and the merchant's in-process API),
:func:`serve` / :func:`start` (HTTP on loopback), :class:`WebhookDeliveries`
(signed webhooks, sent in the background or on demand), and the shared
:class:`FaultConfig` fault injection.
"""

from __future__ import annotations

from ..clock import ManualClock, system_clock
from ..faults import Fault, FaultConfig, RequestRecord, SandboxStats
from .delivery import DeliveryRecord, WebhookDeliveries
from .errors import (
    CouponCodeTaken,
    SandboxWooError,
    UnknownCoupon,
    UnknownOrder,
    UnknownWebhook,
    WooError,
)
from .model import ApiKey, format_coupon_code
from .server import WooServer, serve, start
from .signing import signature
from .state import SandboxWooShop

__all__ = [
    "ApiKey",
    "CouponCodeTaken",
    "DeliveryRecord",
    "Fault",
    "FaultConfig",
    "ManualClock",
    "RequestRecord",
    "SandboxStats",
    "SandboxWooError",
    "SandboxWooShop",
    "UnknownCoupon",
    "UnknownOrder",
    "UnknownWebhook",
    "WebhookDeliveries",
    "WooError",
    "WooServer",
    "format_coupon_code",
    "serve",
    "signature",
    "start",
    "system_clock",
]
