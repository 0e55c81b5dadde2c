"""The one mapping from HTTP status / GraphQL code to exception, and the messages it builds."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.shopify import classify
from integrations.shopify import errors as e
from integrations.urls import redact_url
from tests.integrations.shopify.builders import SHOP, cost

CTX = e.ErrorContext(SHOP, "DiscountByCode")


def graphql_body(code: str, message: str = "boom") -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


@pytest.mark.parametrize(
    ("status", "expected", "retryable"),
    [
        (401, e.AuthenticationError, False),
        (403, e.MissingScopeError, False),
        (402, e.ShopNotFound, False),
        (404, e.ShopNotFound, False),
        (423, e.ShopNotFound, False),
        (429, e.RateLimitedError, True),
        (500, e.ServerError, True),
        (502, e.ServerError, True),
        (503, e.ServerError, True),
        (400, e.GraphQLError, False),
    ],
)
def test_http_status_maps_to_one_exception_class(
    status: int, expected: type[e.ShopifyError], retryable: bool
) -> None:
    error = classify.error_for_response(CTX, status, {"x-request-id": "r1"}, None)
    assert type(error) is expected
    assert error.retryable is retryable
    assert error.status == status
    assert error.request_id == "r1"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ACCESS_DENIED", e.MissingScopeError),
        ("INTERNAL_SERVER_ERROR", e.ServerError),
        ("MAX_COST_EXCEEDED", e.GraphQLError),
        ("THROTTLED", e.ThrottledError),
        ("SOMETHING_NEW", e.GraphQLError),
    ],
)
def test_graphql_error_code_maps_to_one_exception_class(
    code: str, expected: type[e.ShopifyError]
) -> None:
    error = classify.error_for_response(CTX, 200, {}, graphql_body(code))
    assert type(error) is expected


def test_config_errors_are_never_retryable() -> None:
    for cls in (e.AuthenticationError, e.MissingScopeError, e.ShopNotFound, e.InvalidReference):
        assert issubclass(cls, e.ShopifyConfigError)
        assert cls.retryable is False


def test_usable_answer_maps_to_no_error() -> None:
    assert classify.error_for_response(CTX, 200, {}, {"data": {"shop": {}}}) is None


def test_non_json_200_is_a_transient_server_error() -> None:
    assert isinstance(classify.error_for_response(CTX, 200, {}, None), e.ServerError)


def test_oauth_invalid_client_is_an_authentication_error() -> None:
    error = classify.error_for_response(CTX, 400, {}, {"error": "invalid_client"})
    assert isinstance(error, e.AuthenticationError)


def test_401_message_names_shop_operation_request_id_and_fix() -> None:
    error = classify.error_for_response(CTX, 401, {"x-request-id": "abc-123"}, None)
    assert str(error) == (
        "Shopify rejected the access token for brand.myshopify.com "
        "(operation DiscountByCode, HTTP 401, request id abc-123): check SHOPIFY_ACCESS_TOKEN"
    )


def test_messages_are_one_line() -> None:
    body = {"errors": [{"message": "line one\nline two", "extensions": {"code": "X"}}]}
    assert "\n" not in str(classify.error_for_response(CTX, 200, {}, body))


def test_graphql_request_id_is_used_when_header_is_missing() -> None:
    body = {
        "errors": [
            {"message": "x", "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "gq-9"}}
        ]
    }
    assert classify.error_for_response(CTX, 200, {}, body).request_id == "gq-9"  # type: ignore[union-attr]


def test_given_throttled_then_wait_is_missing_points_over_restore_rate() -> None:
    body = {
        **graphql_body("THROTTLED"),
        "extensions": {"cost": cost(requested=752, actual=None, available=100, rate=50)},
    }
    error = classify.error_for_response(CTX, 200, {}, body)
    assert isinstance(error, e.ThrottledError)
    assert error.retry_after == pytest.approx((752 - 100) / 50)


def test_throttle_wait_without_cost_information_defaults_to_one_second() -> None:
    assert classify.throttle_wait(None) == classify.DEFAULT_RETRY_AFTER_SECONDS


def test_429_uses_retry_after_seconds() -> None:
    error = classify.error_for_response(CTX, 429, {"retry-after": "2.5"}, None)
    assert isinstance(error, e.RateLimitedError)
    assert error.retry_after == 2.5


def test_429_accepts_an_http_date_retry_after() -> None:
    headers = {"retry-after": "Thu, 01 Jan 2026 00:00:10 GMT"}
    now = 1767225600.0  # 2026-01-01T00:00:00Z
    error = classify.error_for_response(CTX, 429, headers, None, now=now)
    assert error is not None and getattr(error, "retry_after", None) == pytest.approx(10.0)


def test_429_without_retry_after_waits_the_default() -> None:
    error = classify.error_for_response(CTX, 429, {}, None)
    assert getattr(error, "retry_after", None) == classify.DEFAULT_RETRY_AFTER_SECONDS


def test_user_errors_list_every_field_and_code() -> None:
    errors = e.parse_user_errors(
        [
            {"field": ["codes", "0", "code"], "message": "is taken", "code": "TAKEN"},
            {"field": None, "message": "bad", "code": None},
        ]
    )
    message = str(e.UserErrors(CTX, errors))
    assert "codes.0.code: is taken (TAKEN)" in message
    assert "-: bad (no code)" in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://user:s3cret@proxy.example:8443/admin/api/2026-10/graphql.json?token=abc",
            "https://***@proxy.example:8443/admin/api/2026-10/graphql.json?***",
        ),
        (
            "https://storage.example/bulk/result.jsonl?X-Goog-Signature=deadbeef",
            "https://storage.example/bulk/result.jsonl?***",
        ),
        (
            "http://[::1]:8123/admin/api/2026-10/graphql.json",
            "http://[::1]:8123/admin/api/2026-10/graphql.json",
        ),
    ],
)
def test_messages_name_the_url_called_without_credentials_or_query(url: str, shown: str) -> None:
    context = e.ErrorContext(SHOP, "ShopCheck", url=redact_url(url))
    message = str(classify.error_for_response(context, 503, {}, None))
    assert f"{SHOP} at {shown} (operation ShopCheck, HTTP 503)" in message
    assert "s3cret" not in message and "deadbeef" not in message and "token=" not in message
