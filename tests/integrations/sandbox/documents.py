# ruff: noqa: E501 - documents are kept verbatim as the research doc gives them
"""GraphQL documents as the promosync client sends them (from the research doc).

Tests send exactly these to the sandbox so that what is tested is what is served.
"""

from __future__ import annotations

REDEEM_CODES_PAGE = """
fragment RedeemCodePage on DiscountRedeemCodeConnection {
  pageInfo { hasNextPage endCursor }
  nodes { id code asyncUsageCount createdBy { id title } }
}

query DiscountRedeemCodesPage($id: ID!, $first: Int!, $after: String) {
  discountNode(id: $id) {
    id
    discount {
      __typename
      ... on DiscountCodeBasic { title status asyncUsageCount codesCount { count precision } codes(first: $first, after: $after) { ...RedeemCodePage } }
      ... on DiscountCodeBxgy { title status asyncUsageCount codesCount { count precision } codes(first: $first, after: $after) { ...RedeemCodePage } }
      ... on DiscountCodeFreeShipping { title status asyncUsageCount codesCount { count precision } codes(first: $first, after: $after) { ...RedeemCodePage } }
      ... on DiscountCodeApp { title status asyncUsageCount codesCount { count precision } codes(first: $first, after: $after) { ...RedeemCodePage } }
    }
  }
}
"""

DISCOUNT_BY_CODE = """
query DiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      __typename
      ... on DiscountCodeBasic { title status asyncUsageCount usageLimit totalSales { amount currencyCode } }
      ... on DiscountCodeBxgy { title status asyncUsageCount usageLimit totalSales { amount currencyCode } }
      ... on DiscountCodeFreeShipping { title status asyncUsageCount usageLimit totalSales { amount currencyCode } }
      ... on DiscountCodeApp { title status asyncUsageCount usageLimit totalSales { amount currencyCode } }
    }
  }
}
"""

START_REDEEM_CODE_EXPORT = """
mutation StartRedeemCodeExport($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status type createdAt }
    userErrors { field message code }
  }
}
"""

EXPORT_INNER_QUERY = """
{
  discountNodes(query: "id:%s") {
    edges {
      node {
        id
        discount {
          __typename
          ... on DiscountCodeBasic { codes { edges { node { id code asyncUsageCount } } } }
          ... on DiscountCodeBxgy { codes { edges { node { id code asyncUsageCount } } } }
          ... on DiscountCodeFreeShipping { codes { edges { node { id code asyncUsageCount } } } }
          ... on DiscountCodeApp { codes { edges { node { id code asyncUsageCount } } } }
        }
      }
    }
  }
}
"""

POLL_BULK_OPERATION = """
query PollBulkOperation($id: ID!) {
  bulkOperation(id: $id) {
    id
    status
    errorCode
    createdAt
    completedAt
    objectCount
    rootObjectCount
    fileSize
    url
    partialDataUrl
  }
}
"""

ADD_REDEEM_CODES = """
mutation AddRedeemCodes($discountId: ID!, $codes: [DiscountRedeemCodeInput!]!) {
  discountRedeemCodeBulkAdd(discountId: $discountId, codes: $codes) {
    bulkCreation { id done codesCount importedCount failedCount }
    userErrors { field message code extraInfo }
  }
}
"""

POLL_REDEEM_CODE_CREATION = """
query PollRedeemCodeCreation($id: ID!, $after: String) {
  discountRedeemCodeBulkCreation(id: $id) {
    id
    done
    codesCount
    importedCount
    failedCount
    discountCode { id }
    codes(first: 250, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        code
        discountRedeemCode { id code }
        errors { field message code extraInfo }
      }
    }
  }
}
"""

DELETE_REDEEM_CODES = """
mutation DeleteRedeemCodes($discountId: ID!, $ids: [ID!]) {
  discountCodeRedeemCodeBulkDelete(discountId: $discountId, ids: $ids) {
    job { id done }
    userErrors { field message code extraInfo }
  }
}
"""

POLL_JOB = """
query PollJob($id: ID!) { job(id: $id) { id done } }
"""

ORDERS_BY_DISCOUNT_CODE = """
query OrdersByDiscountCode($q: String!, $after: String) {
  orders(first: 100, after: $after, query: $q, sortKey: PROCESSED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      processedAt
      cancelledAt
      test
      displayFinancialStatus
      discountCode
      discountCodes
      totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      currentTotalPriceSet { shopMoney { amount currencyCode } }
      subtotalPriceSet { shopMoney { amount currencyCode } }
      totalDiscountsSet { shopMoney { amount currencyCode } }
      discountApplications(first: 10) { nodes { __typename ... on DiscountCodeApplication { code } } }
    }
  }
}
"""

SHOP_CHECK = """
query ShopCheck {
  shop { id name myshopifyDomain currencyCode }
  currentAppInstallation { accessScopes { handle } }
}
"""

# The research doc's orders query asks for 100 orders with a nested connection of
# 10: by Shopify's documented cost rules that is 2 + 100 * 22 = 2202 points, over
# the 1000 limit. This variant pages 40 orders at a time (882 points).
ORDERS_PAGE_OF_40 = ORDERS_BY_DISCOUNT_CODE.replace("orders(first: 100,", "orders(first: 40,")

ALL_CLIENT_DOCUMENTS = (
    REDEEM_CODES_PAGE,
    DISCOUNT_BY_CODE,
    START_REDEEM_CODE_EXPORT,
    EXPORT_INNER_QUERY % "1",
    POLL_BULK_OPERATION,
    ADD_REDEEM_CODES,
    POLL_REDEEM_CODE_CREATION,
    DELETE_REDEEM_CODES,
    POLL_JOB,
    ORDERS_BY_DISCOUNT_CODE,
    ORDERS_PAGE_OF_40,
    SHOP_CHECK,
)
