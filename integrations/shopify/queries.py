"""Every GraphQL document promosync sends to Shopify, as named constants.

Operation names matter: they appear in every error message and in the pacer's
per-operation cost memory. Each document is validated against the real Admin
schema (2026-10), with no deprecated field, argument or enum value, by
``tests/integrations/shopify/test_documents_match_admin_schema.py``.

The four code-discount types (Basic, Bxgy, FreeShipping, App) share the fields
we read but not an interface that exposes them, so each document selects them
through the same inline fragments built by :func:`_on_code_discounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

REDEEM_CODES_PAGE_SIZE = 250  # Shopify's maximum page size
CREATION_RESULTS_PAGE_SIZE = 250
ORDERS_PAGE_SIZE = 100  # orders are heavier; 100 keeps a page well under the cost cap

CODE_DISCOUNT_TYPES = (
    "DiscountCodeBasic",
    "DiscountCodeBxgy",
    "DiscountCodeFreeShipping",
    "DiscountCodeApp",
)


@dataclass(frozen=True)
class Operation:
    """A named GraphQL document; ``name`` is its operation name."""

    name: str
    document: str


def _on_code_discounts(selection: str) -> str:
    """The same selection on each code-discount type of the ``Discount`` union."""
    return "\n".join(f"... on {t} {{ {selection} }}" for t in CODE_DISCOUNT_TYPES)


_SUMMARY = "title status endsAt asyncUsageCount codesCount { count precision }"

SHOP_CHECK = Operation(
    "ShopCheck",
    """
query ShopCheck {
  shop { name myshopifyDomain currencyCode }
  currentAppInstallation { accessScopes { handle } }
}
""",
)

DISCOUNT_BY_CODE = Operation(
    "DiscountByCode",
    f"""
query DiscountByCode($code: String!) {{
  codeDiscountNodeByCode(code: $code) {{
    id
    codeDiscount {{
      __typename
      {_on_code_discounts(_SUMMARY)}
    }}
  }}
}}
""",
)

DISCOUNT_STATUS = Operation(
    "DiscountStatus",
    f"""
query DiscountStatus($id: ID!) {{
  discountNode(id: $id) {{
    id
    discount {{
      __typename
      {_on_code_discounts(_SUMMARY)}
    }}
  }}
}}
""",
)

_CODES_PAGE = (
    "codesCount { count precision } "
    "codes(first: $first, after: $after) { "
    "pageInfo { hasNextPage endCursor } nodes { id code asyncUsageCount } }"
)

REDEEM_CODES_PAGE = Operation(
    "DiscountRedeemCodesPage",
    f"""
query DiscountRedeemCodesPage($id: ID!, $first: Int!, $after: String) {{
  discountNode(id: $id) {{
    id
    discount {{
      __typename
      {_on_code_discounts(_CODES_PAGE)}
    }}
  }}
}}
""",
)

# The inner query of a bulk export; DISCOUNT_ID_PLACEHOLDER becomes the numeric DiscountNode
# id. Bulk queries take no variables and no first/after; at most 5 connections (we use 5).
DISCOUNT_ID_PLACEHOLDER = "__DISCOUNT_NODE_NUMERIC_ID__"
BULK_REDEEM_CODES_INNER = f"""
{{
  discountNodes(query: "id:{DISCOUNT_ID_PLACEHOLDER}") {{
    edges {{
      node {{
        id
        discount {{
          __typename
          {_on_code_discounts("codes { edges { node { id code asyncUsageCount } } }")}
        }}
      }}
    }}
  }}
}}
"""


def bulk_redeem_codes_query(discount_node_number: int) -> str:
    """The bulk export query for one discount, by the numeric tail of its id."""
    return BULK_REDEEM_CODES_INNER.replace(DISCOUNT_ID_PLACEHOLDER, str(int(discount_node_number)))


START_BULK_EXPORT = Operation(
    "StartRedeemCodeExport",
    """
mutation StartRedeemCodeExport($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
""",
)

POLL_BULK_OPERATION = Operation(
    "PollBulkOperation",
    """
query PollBulkOperation($id: ID!) {
  bulkOperation(id: $id) {
    id
    status
    errorCode
    objectCount
    rootObjectCount
    fileSize
    url
    partialDataUrl
  }
}
""",
)

ADD_REDEEM_CODES = Operation(
    "AddRedeemCodes",
    """
mutation AddRedeemCodes($discountId: ID!, $codes: [DiscountRedeemCodeInput!]!) {
  discountRedeemCodeBulkAdd(discountId: $discountId, codes: $codes) {
    bulkCreation { id done codesCount importedCount failedCount }
    userErrors { field message code extraInfo }
  }
}
""",
)

POLL_CODE_CREATION = Operation(
    "PollRedeemCodeCreation",
    """
query PollRedeemCodeCreation($id: ID!, $first: Int!, $after: String) {
  discountRedeemCodeBulkCreation(id: $id) {
    id
    done
    codesCount
    importedCount
    failedCount
    codes(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        code
        discountRedeemCode { id code }
        errors { field message code }
      }
    }
  }
}
""",
)

DELETE_REDEEM_CODES = Operation(
    "DeleteRedeemCodes",
    """
mutation DeleteRedeemCodes($discountId: ID!, $ids: [ID!]!) {
  discountCodeRedeemCodeBulkDelete(discountId: $discountId, ids: $ids) {
    job { id done }
    userErrors { field message code }
  }
}
""",
)

POLL_JOB = Operation(
    "PollJob",
    """
query PollJob($id: ID!) {
  job(id: $id) { id done }
}
""",
)

_ORDER_FIELDS = """
      id
      name
      processedAt
      updatedAt
      cancelledAt
      test
      displayFinancialStatus
      discountCodes
      email
      customer { id }
      totalPriceSet { shopMoney { amount currencyCode } }
      totalRefundedSet { shopMoney { amount currencyCode } }
"""

ORDERS_WITH_CODES = Operation(
    "OrdersWithDiscountCodes",
    f"""
query OrdersWithDiscountCodes($query: String!, $first: Int!, $after: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {_ORDER_FIELDS} }}
  }}
}}
""",
)

ORDER_BY_ID = Operation(
    "OrderById",
    f"""
query OrderById($id: ID!) {{
  order(id: $id) {{ {_ORDER_FIELDS} }}
}}
""",
)

WEBHOOKS_PAGE_SIZE = 100
WEBHOOK_SUBSCRIPTIONS = Operation(
    "WebhookSubscriptions",
    """
query WebhookSubscriptions($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id topic uri }
  }
}
""",
)

SUBSCRIBE_WEBHOOK = Operation(
    "SubscribeWebhook",
    """
mutation SubscribeWebhook($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { uri: $uri, format: JSON }) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
""",
)

UNSUBSCRIBE_WEBHOOK = Operation(
    "UnsubscribeWebhook",
    """
mutation UnsubscribeWebhook($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
""",
)

#: Every operation, for the schema test and for documentation.
ALL_OPERATIONS = (
    SHOP_CHECK,
    DISCOUNT_BY_CODE,
    DISCOUNT_STATUS,
    REDEEM_CODES_PAGE,
    START_BULK_EXPORT,
    POLL_BULK_OPERATION,
    ADD_REDEEM_CODES,
    POLL_CODE_CREATION,
    DELETE_REDEEM_CODES,
    POLL_JOB,
    ORDERS_WITH_CODES,
    ORDER_BY_ID,
    WEBHOOK_SUBSCRIPTIONS,
    SUBSCRIBE_WEBHOOK,
    UNSUBSCRIBE_WEBHOOK,
)
