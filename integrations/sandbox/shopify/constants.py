"""Every number and fixed string the sandbox shares with real Shopify, named once."""

from __future__ import annotations

API_VERSION = "2026-10"
GRAPHQL_PATH = f"/admin/api/{API_VERSION}/graphql.json"
TOKEN_PATH = "/admin/oauth/access_token"
BULK_RESULTS_PREFIX = "/bulk-results/"  # stands in for Shopify's signed storage URLs

ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"
REQUEST_ID_HEADER = "X-Request-Id"
INVALID_TOKEN_MESSAGE = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)

# Connections and inputs
MAX_PAGE_SIZE = 250
MAX_INPUT_ARRAY = 250
MAX_CODE_LENGTH = 255  # the orders `discount_code` filter caps at 255, codes likewise

# Cost model (shopify.dev .../graphql-admin/rate-limits)
OBJECT_COST = 1
CONNECTION_BASE_COST = 2
MUTATION_COST = 10
MAX_QUERY_COST = 1000
DEFAULT_BUCKET_SIZE = 2000.0
DEFAULT_RESTORE_RATE = 100.0
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
ACCESS_SCOPES_DOC = "https://shopify.dev/api/usage/access-scopes"

# Bulk operations (shopify.dev .../bulk-operations/queries)
MAX_BULK_CONNECTIONS = 5
MAX_BULK_NESTING = 2
MAX_RUNNING_BULK_QUERIES = 5  # API >= 2026-01

# Client-credentials grant
CLIENT_CREDENTIALS_TTL_SECONDS = 86399
GRANT_TYPE_CLIENT_CREDENTIALS = "client_credentials"

DEFAULT_SCOPES = frozenset({"read_discounts", "write_discounts", "read_orders"})

# Numbering: Shopify ids are large integers; starting high keeps gids realistic.
FIRST_DISCOUNT_ID = 1_000_001
FIRST_CODE_ID = 50_000_001
FIRST_ORDER_ID = 7_000_001
FIRST_ORDER_NUMBER = 1001
FIRST_BULK_CREATION_ID = 3_000_001
FIRST_BULK_OPERATION_ID = 9_000_001

# Serving
QUERY_CACHE_SIZE = 512
STREAM_CHUNK_BYTES = 64 * 1024
