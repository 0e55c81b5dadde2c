"""The site around the API: ``/wp-json/`` (site name), ``/system_status``, ``/settings/general``.

``/wp-json/`` answers without credentials, as WordPress does; the other two
need a key whose user manages the shop. ASSUMPTION: only the fields a client
reads are filled (``system_status`` has many more sections in WooCommerce).
"""

from __future__ import annotations

from .constants import NAMESPACE, WP_VERSION
from .errors import WooError
from .request import RestRequest
from .routing import Context, Reply, Route, route
from .state import SandboxWooShop
from .views import Json


def index(shop: SandboxWooShop) -> Json:
    """``GET /wp-json/``: the site's name, URL, timezone and namespaces (routes left out)."""
    offset = shop.timezone.utcoffset(None)
    hours = offset.total_seconds() / 3600 if offset is not None else 0.0
    return {
        "name": shop.name,
        "description": "",
        "url": shop.home_url,
        "home": shop.home_url,
        "gmt_offset": hours if hours % 1 else int(hours),
        "timezone_string": "",
        "namespaces": ["oembed/1.0", "wc/v1", "wc/v2", NAMESPACE, "wp/v2"],
        "authentication": [],
        "routes": {},
    }


def system_status(ctx: Context, _req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``GET /system_status``: WooCommerce version, URLs and store settings."""
    shop = ctx.shop
    body = {
        "environment": {
            "home_url": shop.home_url,
            "site_url": shop.home_url,
            "version": shop.wc_version,
            "wp_version": WP_VERSION,
            "wp_multisite": False,
            "language": "en_US",
        },
        "database": {},
        "active_plugins": [],
        "inactive_plugins": [],
        "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
        "theme": {},
        "settings": {
            "api_enabled": True,
            "force_ssl": False,
            "currency": shop.currency,
            "currency_symbol": "",
            "currency_position": "left",
            "thousand_separator": ",",
            "decimal_separator": ".",
            "number_of_decimals": 2,
            "geolocation_enabled": False,
            "taxonomies": {},
            "product_visibility_terms": {},
            "woocommerce_com_connected": "no",
        },
        "security": {"secure_connection": True, "hide_errors": True},
        "pages": [],
        "post_type_counts": [],
    }
    return Reply(200, body)


def _settings(shop: SandboxWooShop) -> list[Json]:
    def setting(ident: str, label: str, value: str, default: str, kind: str = "text") -> Json:
        return {
            "id": ident,
            "label": label,
            "description": "",
            "type": kind,
            "default": default,
            "tip": "",
            "value": value,
            "group_id": "general",
        }

    return [
        setting("woocommerce_currency", "Currency", shop.currency, "USD", "select"),
        setting("woocommerce_currency_pos", "Currency position", "left", "left", "select"),
        setting("woocommerce_price_thousand_sep", "Thousand separator", ",", ","),
        setting("woocommerce_price_decimal_sep", "Decimal separator", ".", "."),
        setting("woocommerce_price_num_decimals", "Number of decimals", "2", "2", "number"),
        setting("woocommerce_enable_coupons", "Enable coupons", "yes", "yes", "checkbox"),
        setting(
            "woocommerce_calc_discounts_sequentially",
            "Calculate coupon discounts sequentially",
            "no",
            "no",
            "checkbox",
        ),
    ]


def general_settings(ctx: Context, _req: RestRequest, _ids: dict[str, str]) -> Reply:
    """``GET /settings/general``."""
    return Reply(200, _settings(ctx.shop))


def general_setting(ctx: Context, _req: RestRequest, ids: dict[str, str]) -> Reply:
    """``GET /settings/general/{id}``."""
    for setting in _settings(ctx.shop):
        if setting["id"] == ids["setting"]:
            return Reply(200, setting)
    raise WooError("rest_setting_setting_invalid", "Invalid setting.", 404)


ROUTES: list[Route] = [
    route("GET", "/system_status", "system_status.get", "list", system_status),
    route("GET", "/settings/general", "settings.list", "list", general_settings),
    route("GET", "/settings/general/{setting}", "settings.get", "view", general_setting),
]
