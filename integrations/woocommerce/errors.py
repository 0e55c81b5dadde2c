"""Everything that can go wrong when promosync talks to a WooCommerce store.

One tree; the platform-neutral bases come from :mod:`integrations.ports`::

    WooError                          every failure of this package; never retried unless Transient
    ├── WooConfigError                the merchant must change something; never retried
    │   ├── AuthenticationError       HTTP 401: key or secret refused (or the key is missing)
    │   ├── PermissionDenied          HTTP 403, or a read-only key asked to write
    │   ├── ApiNotFound               no WooCommerce REST API at the URL (rest_no_route, 404)
    │   └── InsecureUrl               plain http:// to a host that is not loopback
    ├── WooReferenceError             a coupon the user named does not exist / cannot be a source
    ├── TransientError                retried by the RetryPolicy
    │   ├── RateLimitedError          HTTP 429; waits Retry-After
    │   ├── ServerError               HTTP 5xx / a 2xx body that is not the API's JSON
    │   └── TransportError            timeouts, refused or dropped connections
    ├── RequestRejected               HTTP 400/404/409/413...: WooCommerce refused the request
    └── IncompleteListing             the pages did not add up to X-WP-Total

Whether an error is retryable is a property of its class, fixed when
:func:`integrations.woocommerce.classify.error_for_response` maps a response's
HTTP status and error body ``{code, message, data.status}`` to one of these
classes; :mod:`integrations.retry` then decides whether and when to try again,
the same for every platform. One exception: the 401 that says "consumer key is
missing" over HTTPS is built retryable once when the client may switch to the
query-string credentials (:meth:`AuthenticationError.key_missing`).

Every exception carries an :class:`~integrations.http.ErrorContext` (store,
URL without its query, operation, HTTP status) and WooCommerce's error ``code``;
consumer keys and secrets are never part of one.
"""

from __future__ import annotations

from integrations.http import ErrorContext
from integrations.ports import ShopConfigError, ShopError, ShopReferenceError

#: What to check on a 401 when the configuration names no environment variable.
DEFAULT_CREDENTIAL_HINT = "consumer_key and consumer_secret"


class WooError(ShopError):
    """Base of every error raised by ``integrations.woocommerce``."""

    retryable = False

    def __init__(
        self,
        context: ErrorContext,
        problem: str,
        fix: str = "",
        *,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.context = context
        self.problem = problem
        self.fix = fix
        self.code = code  # WooCommerce's error code, e.g. woocommerce_rest_invalid_id
        self.retry_after = retry_after
        message = f"{problem} for {context.where()}"
        super().__init__(f"{message}: {fix}" if fix else message)

    @property
    def summary(self) -> str:
        """The problem and where, without the way out."""
        return f"{self.problem} for {self.context.where()}"

    @property
    def status(self) -> int | None:
        """HTTP status of the failing response, if there was one."""
        return self.context.status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class WooConfigError(WooError, ShopConfigError):
    """The merchant or operator must change configuration; retrying cannot help."""


class AuthenticationError(WooConfigError):
    """WooCommerce refused the consumer key or secret (HTTP 401)."""

    def __init__(self, context: ErrorContext, detail: str, code: str | None = None) -> None:
        hint = context.credential_hint or DEFAULT_CREDENTIAL_HINT
        super().__init__(
            context,
            f"WooCommerce refused the API key ({detail})",
            f"check {hint}: a key made under WooCommerce > Settings > Advanced > REST API, "
            f"with Read/Write permission",
            code=code,
        )

    @classmethod
    def key_missing(
        cls, context: ErrorContext, detail: str, code: str | None
    ) -> AuthenticationError:
        """The server dropped the Authorization header: retried at once with the query string."""
        error = cls(context, detail, code)
        error.retryable = True
        error.retry_after = 0.0
        return error


class PermissionDenied(WooConfigError):
    """The key is valid but may not do this (HTTP 403, or read-only asked to write)."""

    def __init__(self, context: ErrorContext, detail: str, code: str | None = None) -> None:
        super().__init__(
            context,
            f"WooCommerce denied the request ({detail})",
            "give the API key Read/Write permission, owned by a user who can manage "
            "WooCommerce (Shop manager or Administrator)",
            code=code,
        )


class ApiNotFound(WooConfigError):
    """No WooCommerce REST API answers at the configured URL."""

    def __init__(self, context: ErrorContext, detail: str, code: str | None = None) -> None:
        super().__init__(
            context,
            f"no WooCommerce REST API here ({detail})",
            "check the store's url (the WordPress site address), that WooCommerce is active "
            "and that permalinks are not 'Plain'",
            code=code,
        )


class InsecureUrl(WooConfigError):
    """Plain http:// would send the consumer secret in clear to a remote host."""

    def __init__(self, context: ErrorContext) -> None:
        super().__init__(
            context,
            "refusing plain http:// to a host that is not loopback (the key and secret would "
            "travel unencrypted)",
            "use the store's https:// address",
        )


class WooReferenceError(WooError, ShopReferenceError):
    """A coupon the user named does not exist, or cannot serve as a code source."""

    def __init__(self, context: ErrorContext, problem: str, fix: str) -> None:
        super().__init__(context, problem, fix)


class TransientError(WooError):
    """A failure that may go away by itself; the RetryPolicy retries these."""

    retryable = True


class RateLimitedError(TransientError):
    """HTTP 429; ``retry_after`` comes from the ``Retry-After`` header."""

    def __init__(self, context: ErrorContext, retry_after: float, code: str | None = None) -> None:
        super().__init__(
            context,
            "WooCommerce rate-limited the request",
            f"retry in {retry_after:.2f}s",
            code=code,
            retry_after=retry_after,
        )


class ServerError(TransientError):
    """HTTP 5xx, or a success status whose body is not the API's JSON (a proxy page)."""

    def __init__(
        self,
        context: ErrorContext,
        detail: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            context,
            f"WooCommerce failed to answer ({detail})",
            "retry later; if it persists check the site's PHP error log",
            code=code,
            retry_after=retry_after,
        )


class TransportError(TransientError):
    """No usable HTTP response: timeout, refused or dropped connection."""

    def __init__(self, context: ErrorContext, cause: BaseException) -> None:
        super().__init__(
            context,
            f"could not reach WooCommerce ({type(cause).__name__})",
            "check that the site is up and its url is right, and the network; or run the "
            "command again later",
        )


class RequestRejected(WooError):
    """WooCommerce refused the request itself (400, 404, 413 ...); retrying cannot help."""

    def __init__(self, context: ErrorContext, detail: str, code: str | None = None) -> None:
        super().__init__(
            context,
            f"WooCommerce rejected the request ({detail})",
            "if the coupon was changed meanwhile run the command again; otherwise report it "
            "as a promosync bug",
            code=code,
        )


class IncompleteListing(WooError):
    """The pages of a listing did not add up to the store's ``X-WP-Total``."""

    def __init__(self, context: ErrorContext, detail: str) -> None:
        super().__init__(
            context,
            f"the listing did not add up ({detail})",
            "coupons changed while they were read: run the sync again; nothing was reported "
            "as complete",
        )
