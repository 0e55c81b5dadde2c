"""Configuration: a TOML file, validated, with secrets referenced from the environment.

Lookup order (a contract): ``--config FILE``, else ``$PROMOSYNC_CONFIG``, else
``./promosync.toml``; no file at all means the defaults (a local SQLite file).
``--db`` / ``$PROMOSYNC_DB`` override ``database_url``.

A value written ``${NAME}`` is read from the environment when it is first
needed, so commands that do not talk to a store work without its secrets.
Secret values never appear in ``repr``, errors or logs.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from email.headerregistry import Address, HeaderRegistry
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from integrations.http import is_loopback
from integrations.shopify.domain import SHOP_DOMAIN_EXAMPLE, normalize_shop
from integrations.urls import redact_url
from store.db import DEFAULT_DATABASE_ATTEMPTS, DEFAULT_DATABASE_URL, RetrySettings
from store.db import redact_url as redact_database_url
from store.models import MAX_STORE_NAME_LENGTH
from sync.errors import UsageError
from sync.wording import plural

#: Seconds an SMTP connection waits for the server before giving up (``[smtp] timeout``).
DEFAULT_SMTP_TIMEOUT_SECONDS = 30.0
SMTP_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
CONFIG_ENV, DB_ENV = "PROMOSYNC_CONFIG", "PROMOSYNC_DB"
DEFAULT_CONFIG_FILE = "promosync.toml"
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Printable ASCII without the space: what every token, key and secret we use is made of.
_SECRET_VALUE = re.compile(r"[\x21-\x7e]+")


class ConfigError(UsageError):
    """The configuration file or a value it references is wrong (exit status 2)."""


class Secret:
    """A secret given literally or as ``${ENV_VAR}``; resolved on use, never shown."""

    def __init__(self, raw: str, *, key: str) -> None:
        match = ENV_REFERENCE.fullmatch(raw.strip())
        self.env_var = match.group(1) if match else None
        self._literal = None if match else raw
        self.key = key

    def reveal(self) -> str:
        """The value; ``ConfigError`` naming the variable (never the value) if it is unusable."""
        if self.env_var is None:
            assert self._literal is not None
            return self._literal
        value = os.environ.get(self.env_var)
        if not value:
            raise ConfigError(
                f"{self.key} refers to ${{{self.env_var}}}, which is not set: export "
                f"{self.env_var} in the environment promosync runs in"
            )
        problem = secret_problem(value)
        if problem is not None:
            raise ConfigError(
                f"{self.key} refers to ${{{self.env_var}}}, which {problem}: export "
                f"{self.env_var} with the exact value, nothing around it"
            )
        return value

    def __repr__(self) -> str:
        source = f"${{{self.env_var}}}" if self.env_var else "<literal>"
        return f"Secret({self.key}={source}, value hidden)"

    __str__ = __repr__


def secret_problem(value: str) -> str | None:
    """What makes ``value`` unusable as a token or secret (phrased without showing it).

    Tokens, keys and secrets are printable ASCII without whitespace; anything else is a
    copy accident (a trailing newline from a file, a typographic quote) that would fail
    later as an encoding crash or as credentials refused after retries.
    """
    if _SECRET_VALUE.fullmatch(value):
        return None
    if any(char.isspace() for char in value):
        return "holds whitespace or a line break (a trailing newline from a file?)"
    if not value.isascii():
        return "holds a non-ASCII character (a typographic quote or dash from a copy?)"
    return "holds a control character"


def _secret(value: Any, info: ValidationInfo) -> Secret | None:
    """The one validator of every secret field: ``${ENV_VAR}`` or a usable literal."""
    if value is None or isinstance(value, Secret):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError('must be a non-empty string, e.g. "${SHOPIFY_ACCESS_TOKEN}"')
    secret = Secret(value, key=info.field_name or "secret")
    problem = None if secret.env_var else secret_problem(value)
    if problem is not None:
        raise ValueError(
            f'{problem}: write the exact value, or better "${{ENV_VAR}}" and export it'
        )
    return secret


#: A secret field: ``"${ENV_VAR}"`` (read when first needed) or a literal, never shown.
SecretField = Annotated[Secret | None, BeforeValidator(_secret)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)


class ShopifyShopConfig(_Section):
    """``[stores.NAME]`` with ``platform = "shopify"``."""

    #: The kinds of code source (fields of integrations.ports.SourceRef) this platform serves.
    source_kinds: ClassVar[frozenset[str]] = frozenset({"discount_id", "discount_code"})

    platform: Literal["shopify"]
    shop: str
    access_token: SecretField = None
    client_id: str | None = None
    client_secret: SecretField = None
    webhook_secret: SecretField = None
    # The secret before a rotation, accepted too while set (Shopify takes up to an hour
    # to switch): remove it once deliveries are signed with the new one.
    webhook_secret_previous: SecretField = None
    admin_api_url: str | None = None
    bulk_threshold: int = Field(default=10_000, ge=1)

    @field_validator("shop")
    @classmethod
    def _shop(cls, value: str) -> str:
        try:
            return normalize_shop(value)
        except ValueError:
            raise ValueError(
                f"must be the shop's myshopify domain, e.g. {SHOP_DOMAIN_EXAMPLE}"
            ) from None

    @field_validator("admin_api_url")
    @classmethod
    def _admin_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)


class WooShopConfig(_Section):
    """``[stores.NAME]`` with ``platform = "woocommerce"``."""

    source_kinds: ClassVar[frozenset[str]] = frozenset({"prefix", "code_ids"})

    platform: Literal["woocommerce"]
    url: str
    consumer_key: SecretField = None
    consumer_secret: SecretField = None
    webhook_secret: SecretField = None
    #: "auto": HTTP Basic, switching to the query string when the host strips the header;
    #: "basic" or "query" to fix one.
    auth: Literal["auto", "basic", "query"] = "auto"
    webhook_secret_previous: SecretField = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)


ShopConfig = Annotated[ShopifyShopConfig | WooShopConfig, Field(discriminator="platform")]

#: Durations: a number of seconds, or a number with a unit (``"30s"``, ``"2m"``, ``"30d"``).
DURATION = re.compile(r"(?P<amount>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>s|m|h|d)?")
DURATION_UNITS = {None: 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(value: Any) -> float:
    """``30``, ``"30s"``, ``"2m"``, ``"1h"`` or ``"30d"`` as seconds (more than zero)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = float(value)
    else:
        match = DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError('must be a duration such as "30s", "2m", "30d" or a number of seconds')
        amount = float(match["amount"]) * DURATION_UNITS[match["unit"]]
    if amount <= 0:
        raise ValueError('must be longer than zero, e.g. "30s"')
    return amount


class RetryConfig(_Section):
    """``[retry]``: how long a command keeps retrying a shop that fails or cannot be reached,
    and how often a database transaction is tried after a transient failure.

    Unset means the profile's own budget (``integrations.retry``: 30 s interactive,
    5 min for the daemon).
    """

    interactive_budget: float | None = None
    daemon_budget: float | None = None
    database_attempts: Annotated[int, Field(ge=1, strict=True)] = DEFAULT_DATABASE_ATTEMPTS

    @field_validator("interactive_budget", "daemon_budget", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return seconds(value)


class DaemonConfig(_Section):
    """``[daemon]``: how often ``promosync run`` runs each periodic job, as durations.

    One field per periodic job of :data:`sync.worker.table.PERIODIC` (its ``every`` key).
    """

    pull_every: float = 600.0
    usage_every: float = 3600.0
    orders_every: float = 900.0
    revoke_every: float = 600.0
    #: Apply the webhook inbox (``promosync sync inbox``).
    inbox_every: float = 10.0
    #: Deliver the e-mail outbox (``promosync messages deliver``), when ``[smtp]`` is set.
    mail_every: float = 30.0
    #: Jobs one worker process runs at the same time.
    concurrency: Annotated[int, Field(ge=1, le=64, strict=True)] = 4
    #: A worker that has not shown life for this long is presumed dead; its job is retried.
    stalled_after: float = 30.0

    @field_validator(
        "pull_every",
        "usage_every",
        "orders_every",
        "revoke_every",
        "inbox_every",
        "mail_every",
        "stalled_after",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any) -> float:
        return seconds(value)


#: Outbound webhook defaults: how long one POST may take, how often it is tried.
DEFAULT_NOTIFY_TIMEOUT = 10.0
DEFAULT_NOTIFY_ATTEMPTS = 5


class NotifyConfig(_Section):
    """``[notify]``: where alert events are POSTed, signed with ``secret`` (HMAC-SHA256)."""

    url: str | None = None
    secret: SecretField = None
    kinds: tuple[str, ...] | None = None  # None: every alert kind (sync.alerts.ALERT_KINDS)
    timeout: float = DEFAULT_NOTIFY_TIMEOUT
    attempts: Annotated[int, Field(ge=1, strict=True)] = DEFAULT_NOTIFY_ATTEMPTS

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return seconds(value)


#: How long a creator page link stays valid unless ``--expires`` or ``[portal]`` says otherwise.
DEFAULT_LINK_LIFETIME = 30 * 86400.0
#: The longest a link may live: a leaked link should not outlive a season's campaigns.
MAX_LINK_LIFETIME = 366 * 86400.0


def link_lifetime(value: Any) -> float:
    """A link lifetime in seconds: a duration (``"30d"``) of at most ``MAX_LINK_LIFETIME``."""
    amount = seconds(value)
    if amount > MAX_LINK_LIFETIME:
        raise ValueError(f'must be at most {MAX_LINK_LIFETIME / 86400:.0f} days, e.g. "30d"')
    return amount


class PortalConfig(_Section):
    """``[portal]``: where creator pages are served, and the secret that signs their links.

    Both are optional until a link is made (``promosync creators link``, ``{{portal_link}}``).
    """

    base_url: str | None = None
    secret: SecretField = None
    link_expires: float = DEFAULT_LINK_LIFETIME

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @field_validator("link_expires", mode="before")
    @classmethod
    def _lifetime(cls, value: Any) -> float:
        return link_lifetime(value)


class SmtpConfig(_Section):
    """``[smtp]``: the server that delivers messages to creators (:mod:`sync.mail`)."""

    model_config = ConfigDict(
        extra="forbid", arbitrary_types_allowed=True, frozen=True, populate_by_name=True
    )

    host: str
    port: int | None = Field(default=None, ge=1, le=65535, strict=True)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretField = None
    sender: str = Field(alias="from")
    timeout: float = DEFAULT_SMTP_TIMEOUT_SECONDS

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value or any(c.isspace() or not c.isprintable() for c in value) or "/" in value:
            raise ValueError('must be a host name or address, e.g. "smtp.example.com"')
        return value

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is not None and (not value or not value.isprintable()):
            raise ValueError("must be one line of printable text")
        return value

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return check_sender(value)

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> float:
        return seconds(value)

    @model_validator(mode="after")
    def _consistent(self) -> SmtpConfig:
        if self.security == "none" and not is_loopback(self.host):
            raise ValueError(
                f'security = "none" sends the password and the codes unencrypted, so it is '
                f'only allowed to a loopback host, not {self.host!r}: use "starttls" or "tls"'
            )
        if (self.username is None) != (self.password is None):
            raise ValueError(
                "username and password go together: set both, or neither for a server "
                "that needs no login"
            )
        return self

    @property
    def effective_port(self) -> int:
        """``port``, else the usual one for ``security`` (587, 465 or 25)."""
        return self.port or SMTP_DEFAULT_PORTS[self.security]


def check_sender(value: str) -> str:
    """``from``: one address, optionally with a display name; nothing a header cannot hold."""
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:
        raise ValueError(
            f"holds a line break or control character (U+{ord(bad):04X}): write one line, "
            'e.g. "Brand Team <team@brand.example>"'
        )
    header = HeaderRegistry()("From", value)
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if (
        header.defects
        or len(addresses) != 1
        or not addresses[0].username
        or not addresses[0].domain
        or "." not in addresses[0].domain
    ):
        raise ValueError(
            f'{value!r} is not an e-mail address: write one, e.g. "Brand Team '
            '<team@brand.example>" or "team@brand.example"'
        )
    return value


class Config(_Section):
    database_url: str = DEFAULT_DATABASE_URL
    stores: dict[str, ShopConfig] = Field(default_factory=dict)
    log_file: str | None = None  # relative to the config file; see sync.cli.logs
    retry: RetryConfig = Field(default_factory=RetryConfig)
    daemon: DaemonConfig = Field(default_factory=DaemonConfig)
    portal: PortalConfig = Field(default_factory=PortalConfig)
    smtp: SmtpConfig | None = None
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    source: str | None = None  # the file it was read from, for messages

    @field_validator("stores")
    @classmethod
    def _store_names(cls, stores: dict[str, ShopConfig]) -> dict[str, ShopConfig]:
        for name in stores:
            problem = store_name_problem(name)
            if problem is not None:
                raise ValueError(f"store name {name[:MAX_STORE_NAME_LENGTH]!r} {problem}")
        return stores

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The database URL may hold a password: shown redacted, like every secret.
        for name, value in super().__repr_args__():
            yield name, redact_database_url(value) if name == "database_url" else value

    @property
    def database_retry(self) -> RetrySettings:
        """How database transactions are retried (``[retry] database_attempts``)."""
        return RetrySettings(max_attempts=self.retry.database_attempts)

    def store(self, name: str | None) -> tuple[str, ShopifyShopConfig | WooShopConfig]:
        """The named store, or the only one when no name is given."""
        if name is None:
            if len(self.stores) == 1:
                return next(iter(self.stores.items()))
            where = self.source or "the config file"
            raise ConfigError(
                f"{plural(len(self.stores), 'store')} are configured in {where}: "
                f"name one with --store"
                if self.stores
                else f"No store is configured: add a [stores.NAME] table to {where} "
                f"(see config.example.toml)"
            )
        if name not in self.stores:
            known = ", ".join(sorted(self.stores)) or "none"
            raise ConfigError(
                f"No store '{name}' in {self.source or 'the config file'} (configured: "
                f"{known}): name a configured store, or add a [stores.{name}] table"
            )
        return name, self.stores[name]


def require_smtp(config: Config) -> SmtpConfig:
    """The ``[smtp]`` table, or ``ConfigError`` saying how to add one."""
    if config.smtp is None:
        raise ConfigError(
            f"No [smtp] table in {config.source or 'the config file'}, so no e-mail can be "
            "sent: add one with host, port, security and from (see config.example.toml)"
        )
    return config.smtp


def store_name_problem(name: str) -> str | None:
    """What makes ``name`` unusable as the key of a ``[stores.NAME]`` table, if anything.

    The name is stored with every linked incentive, code and sync run (a column of
    ``MAX_STORE_NAME_LENGTH`` characters) and typed after ``--store``.
    """
    if not name.strip():
        return "is empty: name the table [stores.NAME], e.g. [stores.main]"
    if len(name) > MAX_STORE_NAME_LENGTH:
        return (
            f"is {len(name)} characters long: rename the table [stores.NAME] with at most "
            f"{MAX_STORE_NAME_LENGTH} characters"
        )
    if not name.isprintable() or name != name.strip():
        return (
            "holds a control character or leading/trailing space: rename the table "
            "[stores.NAME] with printable characters, e.g. [stores.main]"
        )
    return None


def check_url(value: str) -> str:
    """https:// anywhere; plain http:// only to loopback addresses."""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value.rstrip("/")
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return value.rstrip("/")
    raise ValueError(
        f"'{redact_url(value)}' must be an https:// URL (plain http:// only for loopback addresses)"
    )


def find_config_file(explicit: str | None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"Config file {explicit} does not exist: check the --config path")
        return path
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        path = Path(from_env)
        if not path.is_file():
            raise ConfigError(
                f"${CONFIG_ENV} names {from_env}, which does not exist: point it at the config "
                f"file, or unset it to use ./{DEFAULT_CONFIG_FILE}"
            )
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def load(config_path: str | None = None, db_url: str | None = None) -> Config:
    """Read and validate the configuration; raise :class:`ConfigError` naming the fix."""
    path = find_config_file(config_path)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path} is not valid TOML: {error}") from None
        raw["source"] = str(path)
    try:
        config = Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_explain(error, path)) from None
    override = db_url or os.environ.get(DB_ENV)
    if override:
        config = config.model_copy(update={"database_url": override})
    return config


def _explain(error: ValidationError, path: Path | None) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(
            str(part) for part in item["loc"] if part not in ("shopify", "woocommerce")
        )
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not a known key (see config.example.toml)"
        problems.append(f"{where}: {message}")
    return f"Invalid configuration in {path or 'defaults'}: " + "; ".join(problems)
