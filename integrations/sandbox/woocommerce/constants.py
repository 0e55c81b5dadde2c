"""Every number and fixed string the local WooCommerce shares with the real one, named once.

Sources: WooCommerce core (plugins/woocommerce/includes/rest-api/Controllers/Version3,
class-wc-rest-authentication.php, class-wc-webhook.php) and the REST API docs.
"""

from __future__ import annotations

NAMESPACE = "wc/v3"
REST_PREFIX = "/wp-json"
API_PREFIX = f"{REST_PREFIX}/{NAMESPACE}"

# ASSUMPTION: versions reported by the local shop (any recent 2026 release would do).
WC_VERSION = "11.1.0"
WP_VERSION = "6.9"

# Collections (WC_REST_CRUD_Controller::get_collection_params)
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
ORDERBY_VALUES = ("date", "id", "include", "title", "slug", "modified")
ORDER_VALUES = ("asc", "desc")

# Batches (WC_REST_Controller::check_batch_limit, filter woocommerce_rest_batch_items_limit)
BATCH_LIMIT = 100

# Coupons
COUPON_POST_TYPE = "shop_coupon"
DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
COUPON_STATUSES = ("publish", "draft", "pending", "private", "future", "trash")

# Orders (wc_get_order_statuses without the wc- prefix)
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
# Statuses that record an order's coupon usage (wc_update_coupon_usage_counts hooks);
# only `cancelled` gives it back.
USAGE_HOLDING_STATUSES = frozenset({"pending", "processing", "on-hold", "completed"})
# ASSUMPTION: date_paid is set when an order first reaches one of these.
PAID_STATUSES = frozenset({"processing", "completed"})

# Webhooks (class-wc-webhook.php, wc_get_webhook_statuses, wc_is_webhook_valid_topic)
WEBHOOK_STATUSES = ("active", "paused", "disabled")
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")
MAX_WEBHOOK_FAILURES = 5  # more consecutive failures than this disable the webhook
WEBHOOK_TIMEOUT_SECONDS = 5.0  # WC_Webhook::deliver uses 5 s as well
WEBHOOK_API_VERSION = "wp_api_v3"
WEBHOOK_SECRET_LENGTH = 50

# Key material (WooCommerce > Settings > Advanced > REST API)
CONSUMER_KEY_PREFIX = "ck_"
CONSUMER_SECRET_PREFIX = "cs_"
KEY_RANDOM_HEX = 40
KEY_PERMISSIONS = ("read", "write", "read_write")
BASIC_REALM = (
    "WooCommerce API. Use a consumer key in the username field "
    "and a consumer secret in the password field."
)

# Numbering: WordPress posts (coupons, orders, refunds) share one id sequence.
FIRST_POST_ID = 101
FIRST_WEBHOOK_ID = 1

# Site
DEFAULT_SITE_NAME = "Sandbox Woo Shop"
DEFAULT_CURRENCY = "USD"
