"""Everything that can go wrong when promosync talks to a Shopify shop.

One tree; callers catch the branch they can act on::

    ShopifyError                      every failure of this package; never retried unless Transient
    ├── ShopifyConfigError            the merchant must change something; never retried
    │   ├── AuthenticationError       HTTP 401 / refused client credentials
    │   ├── MissingScopeError         HTTP 403 / ACCESS_DENIED: the app lacks an access scope
    │   ├── ShopNotFound              HTTP 404 / 402 (frozen) / 423 (locked)
    │   ├── InvalidReference          a discount id that is not a Shopify discount gid
    │   └── UnsupportedReference      a coupon prefix, coupon ids or a template coupon
    ├── TransientError                retried by the RetryPolicy
    │   ├── ThrottledError            GraphQL THROTTLED (HTTP 200); waits for the bucket to refill
    │   ├── RateLimitedError          HTTP 429; waits Retry-After
    │   ├── ServerError               HTTP 5xx / INTERNAL_SERVER_ERROR / unreadable body
    │   └── TransportError            timeouts, refused or dropped connections
    ├── GraphQLError                  the query itself is wrong (MAX_COST_EXCEEDED, bad field ...)
    ├── UserErrors                    a mutation answered with userErrors (field, message, code)
    ├── NotFound                      a discount id or code that does not exist in the shop
    ├── BulkOperationError            a bulk export/creation/deletion job failed or never finished
    └── IncompleteSync                fewer (or more) codes arrived than the shop said it holds

Whether an error is retryable is a property of its class (``retryable``, plus
``retry_after`` when Shopify said how long to wait), fixed when
:func:`integrations.shopify.classify.error_for_response` maps the HTTP status and
GraphQL ``extensions.code`` of a response to one of these classes. The one
exception: a 401 that the client-credentials grant can answer with a fresh token
is built retryable once (:meth:`AuthenticationError.renewable`). Whether and when
to retry is then decided by :mod:`integrations.retry`, the same for every platform.

Every exception carries an :class:`ErrorContext` (shop, URL called, operation
name, HTTP status, Shopify request id) and renders a one-line message that names
the input and the way out. Access tokens and client secrets are never part of an
exception: the context holds no credentials and the response object is not kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from integrations.http import ErrorContext, clip_detail
from integrations.ports import ShopConfigError, ShopError, ShopReferenceError

__all__ = ["ErrorContext", "clip_detail"]  # shared with every platform: integrations.http

#: What to check on a 401 when the context names nothing more precise.
SHOPIFY_TOKEN_HINT = "SHOPIFY_ACCESS_TOKEN"


class ShopifyError(ShopError):
    """Base of every error raised by ``integrations.shopify``."""

    retryable = False

    def __init__(
        self, context: ErrorContext, problem: str, fix: str = "", retry_after: float | None = None
    ) -> None:
        #: seconds Shopify told us to wait, or None for "back off exponentially"
        self.retry_after = retry_after
        self.context = context
        self.problem = problem
        self.fix = fix
        message = f"{problem} for {context.where()}"
        super().__init__(f"{message}: {fix}" if fix else message)

    @property
    def summary(self) -> str:
        """The problem and where, without the way out."""
        return f"{self.problem} for {self.context.where()}"

    @property
    def shop(self) -> str:
        """The shop the request went to."""
        return self.context.shop

    @property
    def operation(self) -> str:
        """The GraphQL operation name (or HTTP step) that failed."""
        return self.context.operation

    @property
    def status(self) -> int | None:
        """HTTP status of the failing response, if there was one."""
        return self.context.status

    @property
    def request_id(self) -> str | None:
        """Shopify's ``X-Request-Id``; quote it to Shopify support."""
        return self.context.request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ShopifyConfigError(ShopifyError, ShopConfigError):
    """The merchant or operator must change configuration; retrying cannot help."""


class AuthenticationError(ShopifyConfigError):
    """Shopify rejected the access token or the client credentials (HTTP 401)."""

    def __init__(self, context: ErrorContext) -> None:
        super().__init__(
            context,
            "Shopify rejected the access token",
            f"check {context.credential_hint or SHOPIFY_TOKEN_HINT}",
        )

    @classmethod
    def renewable(cls, context: ErrorContext) -> AuthenticationError:
        """A 401 after which the credential was renewed: retried once, at once."""
        error = cls(context)
        error.retryable = True
        error.retry_after = 0.0
        return error


class MissingScopeError(ShopifyConfigError):
    """The app is installed but lacks an access scope the operation needs."""

    def __init__(self, context: ErrorContext, detail: str = "") -> None:
        self.detail = detail
        problem = "Shopify denied access" + (f" ({detail})" if detail else "")
        super().__init__(
            context,
            problem,
            "grant the app the read_discounts, write_discounts and read_orders scopes "
            "and reinstall it",
        )


class ShopNotFound(ShopifyConfigError):
    """The shop does not exist, or Shopify has frozen or locked it."""

    def __init__(self, context: ErrorContext, reason: str) -> None:
        super().__init__(context, "Shopify cannot serve this shop", reason)


class InvalidReference(ShopifyConfigError):
    """A discount id that is not a Shopify discount gid or number."""

    def __init__(self, context: ErrorContext, value: str) -> None:
        self.value = value
        super().__init__(
            context,
            f"{value!r} is not a Shopify discount id",
            "use gid://shopify/DiscountCodeNode/N, gid://shopify/DiscountNode/N or the "
            "number N from the discount's admin URL, or name the discount by one of its codes",
        )


class UnsupportedReference(ShopifyConfigError):
    """A kind of source reference Shopify has no use for (coupon prefixes, ids, templates)."""

    def __init__(self, context: ErrorContext, what: str) -> None:
        super().__init__(
            context,
            f"Shopify discounts cannot be named by {what}",
            "name the discount with --discount-id GID or --discount-code CODE (coupon "
            "prefixes, coupon ids and template coupons are for WooCommerce stores)",
        )


class TransientError(ShopifyError):
    """A failure that may go away by itself; the RetryPolicy retries these."""

    retryable = True


class ThrottledError(TransientError):
    """GraphQL cost bucket empty (``THROTTLED``); ``retry_after`` is the refill time."""

    def __init__(self, context: ErrorContext, retry_after: float) -> None:
        super().__init__(
            context,
            "Shopify throttled the query",
            f"retry in {retry_after:.2f}s when the cost bucket has refilled",
            retry_after,
        )


class RateLimitedError(TransientError):
    """HTTP 429; ``retry_after`` comes from the ``Retry-After`` header."""

    def __init__(self, context: ErrorContext, retry_after: float) -> None:
        super().__init__(
            context, "Shopify rate-limited the request", f"retry in {retry_after:.2f}s", retry_after
        )


class ServerError(TransientError):
    """HTTP 5xx, GraphQL ``INTERNAL_SERVER_ERROR`` or a body that is not the API's JSON."""

    def __init__(
        self, context: ErrorContext, detail: str = "", retry_after: float | None = None
    ) -> None:
        problem = "Shopify failed to answer" + (f" ({detail})" if detail else "")
        super().__init__(
            context, problem, "retry later; if it persists check status.shopify.com", retry_after
        )


class TransportError(TransientError):
    """No usable HTTP response: timeout, refused or dropped connection."""

    def __init__(self, context: ErrorContext, cause: BaseException) -> None:
        super().__init__(
            context,
            f"could not reach Shopify ({type(cause).__name__})",
            "check that the shop is up and its URL (the shop domain, or admin_api_url) is "
            "right, and the network; or run the command again later",
        )


class GraphQLError(ShopifyError):
    """Shopify refused the query itself (e.g. ``MAX_COST_EXCEEDED``); a code bug, not retried."""

    def __init__(self, context: ErrorContext, code: str | None, detail: str) -> None:
        self.code = code
        label = f"{code}: " if code else ""
        super().__init__(
            context,
            f"Shopify rejected the query ({label}{detail})",
            "this is a promosync bug: report it with the request id",
        )


@dataclass(frozen=True)
class UserError:
    """One entry of a mutation's ``userErrors``."""

    field: tuple[str, ...]
    message: str
    code: str | None


class UserErrors(ShopifyError):
    """A mutation answered with ``userErrors``; ``errors`` holds them all."""

    def __init__(self, context: ErrorContext, errors: Sequence[UserError]) -> None:
        self.errors = tuple(errors)
        summary = "; ".join(
            f"{'.'.join(e.field) or '-'}: {e.message} ({e.code or 'no code'})" for e in self.errors
        )
        super().__init__(
            context, f"Shopify refused the change ({clip_detail(summary)})", "fix the named fields"
        )


class NotFound(ShopifyError, ShopReferenceError):
    """A discount id or code that the shop does not have."""

    def __init__(self, context: ErrorContext, what: str) -> None:
        self.what = what
        super().__init__(
            context,
            f"no code discount {what}",
            "check the discount id or code in the Shopify admin (Discounts)",
        )


class BulkOperationError(ShopifyError):
    """An asynchronous Shopify job (bulk export, code creation, deletion) failed or timed out."""

    def __init__(self, context: ErrorContext, job_id: str, state: str) -> None:
        self.job_id = job_id
        self.state = state
        super().__init__(context, f"Shopify job {job_id} ended {state}", "run the sync again")


class IncompleteSync(ShopifyError):
    """A stream ended with a different number of codes than the shop said it had."""

    def __init__(self, context: ErrorContext, expected: int, received: int) -> None:
        self.expected = expected
        self.received = received
        super().__init__(
            context,
            f"expected {expected} codes but received {received}",
            "run the sync again; nothing was reported as complete",
        )


def parse_user_errors(raw: Sequence[Mapping[str, Any]] | None) -> list[UserError]:
    """``userErrors`` as a list of :class:`UserError` (empty when there are none)."""
    return [
        UserError(
            field=tuple(str(f) for f in (item.get("field") or ())),
            message=str(item.get("message", "")),
            code=item.get("code"),
        )
        for item in raw or ()
    ]
