"""Configuration: a TOML file, validated, with secrets referenced from the environment.

Lookup order (a contract): ``--config FILE``, else ``$PROMOSYNC_CONFIG``, else
``./promosync.toml``; no file at all means the defaults (a local SQLite file).
``--db`` / ``$PROMOSYNC_DB`` override ``database_url``.

A value written ``${NAME}`` is read from the environment when it is first
needed, so commands that do not talk to a store work without its secrets.
Secret values never appear in ``repr``, errors or logs.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from integrations.shopify.domain import SHOP_DOMAIN_EXAMPLE, normalize_shop
from integrations.urls import redact_url
from store.db import DEFAULT_DATABASE_ATTEMPTS, DEFAULT_DATABASE_URL, RetrySettings
from store.db import redact_url as redact_database_url
from store.models import MAX_STORE_NAME_LENGTH
from sync.errors import UsageError
from sync.wording import plural

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

    platform: Literal["shopify"]
    shop: str
    access_token: SecretField = None
    client_id: str | None = None
    client_secret: SecretField = None
    webhook_secret: SecretField = None
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

    platform: Literal["woocommerce"]
    url: str
    consumer_key: SecretField = None
    consumer_secret: SecretField = None
    webhook_secret: SecretField = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)


ShopConfig = Annotated[ShopifyShopConfig | WooShopConfig, Field(discriminator="platform")]

#: ``[retry]`` durations: a number of seconds, or a number with a unit (``"30s"``, ``"2m"``).
DURATION = re.compile(r"(?P<amount>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>s|m|h|d)?")
DURATION_UNITS = {None: 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(value: Any) -> float:
    """``30``, ``"30s"``, ``"2m"``, ``"1h"`` or ``"14d"`` as seconds (more than zero)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = float(value)
    else:
        match = DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError('must be a duration such as "30s", "2m" or a number of seconds')
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


class Config(_Section):
    database_url: str = DEFAULT_DATABASE_URL
    stores: dict[str, ShopConfig] = Field(default_factory=dict)
    log_file: str | None = None  # relative to the config file; see sync.cli.logs
    retry: RetryConfig = Field(default_factory=RetryConfig)
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
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return value.rstrip("/")
    raise ValueError(
        f"'{redact_url(value)}' must be an https:// URL (plain http:// only for loopback addresses)"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
