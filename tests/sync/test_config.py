"""Configuration: lookup order, validation with fixes named, secrets never shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrations.urls import redact_url
from sync import config
from sync.config import ConfigError

SHOPIFY = """
database_url = "sqlite:///x.db"
[stores.main]
platform = "shopify"
shop = "brand.myshopify.com"
access_token = "${SHOPIFY_ACCESS_TOKEN}"
webhook_secret = "${SHOPIFY_API_SECRET}"
"""


def write(tmp_path: Path, text: str, name: str = "promosync.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOSYNC_CONFIG", raising=False)
    monkeypatch.delenv("PROMOSYNC_DB", raising=False)
    assert config.load().database_url == "sqlite:///promosync.db"


def test_lookup_order_flag_then_env_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOSYNC_DB", raising=False)
    write(tmp_path, 'database_url = "sqlite:///cwd.db"')
    env_file = write(tmp_path, 'database_url = "sqlite:///env.db"', "env.toml")
    flag_file = write(tmp_path, 'database_url = "sqlite:///flag.db"', "flag.toml")

    assert config.load().database_url == "sqlite:///cwd.db"
    monkeypatch.setenv("PROMOSYNC_CONFIG", str(env_file))
    assert config.load().database_url == "sqlite:///env.db"
    assert config.load(str(flag_file)).database_url == "sqlite:///flag.db"


def test_db_flag_and_env_override_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SHOPIFY)
    monkeypatch.setenv("PROMOSYNC_DB", "sqlite:///from-env.db")
    assert config.load(str(path)).database_url == "sqlite:///from-env.db"
    assert config.load(str(path), "sqlite:///flag.db").database_url == "sqlite:///flag.db"


def test_missing_explicit_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--config"):
        config.load(str(tmp_path / "nope.toml"))


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, SHOPIFY + 'acess_token = "x"\n')
    with pytest.raises(ConfigError, match="acess_token"):
        config.load(str(path))


def test_plain_http_is_refused_except_loopback(tmp_path: Path) -> None:
    woo = '[stores.woo]\nplatform = "woocommerce"\nurl = "{}"\n'
    with pytest.raises(ConfigError, match="https"):
        config.load(str(write(tmp_path, woo.format("http://shop.example.com"))))
    loaded = config.load(str(write(tmp_path, woo.format("http://127.0.0.1:8080"))))
    assert loaded.stores["woo"].url == "http://127.0.0.1:8080"  # type: ignore[union-attr]


def test_secret_is_read_from_environment_on_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPIFY_ACCESS_TOKEN", raising=False)
    loaded = config.load(str(write(tmp_path, SHOPIFY)))
    _, store = loaded.store("main")
    assert store.access_token is not None
    with pytest.raises(ConfigError, match="SHOPIFY_ACCESS_TOKEN"):
        store.access_token.reveal()
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_secret_value")
    assert store.access_token.reveal() == "shpat_secret_value"
    assert "shpat_secret_value" not in repr(loaded) and "shpat_secret_value" not in str(store)


def test_literal_secret_is_hidden_in_repr(tmp_path: Path) -> None:
    loaded = config.load(
        str(write(tmp_path, SHOPIFY.replace("${SHOPIFY_ACCESS_TOKEN}", "shpat_literal")))
    )
    assert "shpat_literal" not in repr(loaded)


def test_shop_domain_is_normalised_and_checked(tmp_path: Path) -> None:
    loaded = config.load(str(write(tmp_path, SHOPIFY.replace("brand.myshopify.com", "Brand"))))
    assert loaded.stores["main"].shop == "brand.myshopify.com"  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="myshopify"):
        config.load(str(write(tmp_path, SHOPIFY.replace("brand.myshopify.com", "evil.com/x"))))


def test_store_name_required_when_several(tmp_path: Path) -> None:
    text = SHOPIFY + '[stores.other]\nplatform = "shopify"\nshop = "other"\n'
    loaded = config.load(str(write(tmp_path, text)))
    with pytest.raises(ConfigError, match="--store"):
        loaded.store(None)
    with pytest.raises(ConfigError, match="main, other"):
        loaded.store("missing")


def test_two_stores_are_counted_in_words(tmp_path: Path) -> None:
    text = SHOPIFY + '[stores.other]\nplatform = "shopify"\nshop = "other"\n'
    with pytest.raises(ConfigError, match="^2 stores are configured in .*: name one with --store"):
        config.load(str(write(tmp_path, text))).store(None)


def test_unknown_store_names_the_fix(tmp_path: Path) -> None:
    loaded = config.load(str(write(tmp_path, SHOPIFY)))
    with pytest.raises(ConfigError, match=r"\(configured: main\): name a configured store, or add"):
        loaded.store("shop2")


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (
            '"' + "s" * 65 + '"',
            "is 65 characters long: rename the table [stores.NAME] with at most 64",
        ),
        ('""', "is empty"),
        ('" "', "is empty"),
        ('"main\\u0007"', "holds a control character"),
        ('" main"', "leading/trailing space"),
    ],
)
def test_store_names_fit_their_column(tmp_path: Path, table: str, problem: str) -> None:
    text = SHOPIFY.replace("[stores.main]", f"[stores.{table}]")
    with pytest.raises(ConfigError) as caught:
        config.load(str(write(tmp_path, text)))
    message = str(caught.value)
    assert message.startswith("Invalid configuration in ") and "stores: store name " in message
    assert problem in message and "\n" not in message


def test_a_store_name_of_the_column_width_is_accepted(tmp_path: Path) -> None:
    name = "s" * 64
    loaded = config.load(str(write(tmp_path, SHOPIFY.replace("[stores.main]", f"[stores.{name}]"))))
    assert loaded.store(None)[0] == name


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    loaded = config.load(str(example))
    assert set(loaded.stores) >= {"main", "woo"}
    assert loaded.portal.base_url == "https://promo.brand.example"
    assert (
        loaded.portal.secret is not None
        and loaded.portal.secret.env_var == "PROMOSYNC_PORTAL_SECRET"
    )
    assert loaded.portal.link_expires == 30 * 86400


@pytest.mark.parametrize(
    ("portal", "message"),
    [
        (
            'base_url = "http://promo.brand.example"',
            "portal.base_url: 'http://promo.brand.example' must be an https:// URL",
        ),
        ('link_expires = "400d"', "portal.link_expires: must be at most 366 days"),
        ('link_expires = "soon"', "portal.link_expires: must be a duration"),
        ('secret = "has space"', "portal.secret: holds whitespace"),
    ],
)
def test_bad_portal_settings_are_refused_naming_the_key(
    tmp_path: Path, portal: str, message: str
) -> None:
    with pytest.raises(config.ConfigError, match=re.escape(message)):
        config.load(str(write(tmp_path, f"[portal]\n{portal}\n")))


# --- secrets and URLs never shown; tokens checked when read ----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://admin:shpat_leaked@evil.example.com/admin/api/graphql.json",
        "http://evil.example.com/admin/api/graphql.json?access_token=shpat_leaked",
        "ftp://evil.example.com/x#shpat_leaked",
    ],
)
def test_a_config_error_about_a_url_never_shows_credentials_or_query(
    tmp_path: Path, url: str
) -> None:
    path = write(tmp_path, SHOPIFY + f'admin_api_url = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        config.load(str(path))
    message = str(caught.value)
    assert "shpat_leaked" not in message
    assert "admin_api_url" in message and "evil.example.com" in message and "https://" in message


def test_redact_url_keeps_what_is_needed_to_fix_it() -> None:
    assert redact_url("https://k:s@h.example.com:8443/p/q?token=t#f") == (
        "https://***@h.example.com:8443/p/q?***#***"
    )
    assert redact_url("https://h.example.com/p") == "https://h.example.com/p"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("shpat_secret_value\n", "whitespace or a line break"),
        ("shpat_secret value", "whitespace or a line break"),
        ("shpat_secret_valuë", "non-ASCII"),
        ("shpat_secret_value\u2019", "non-ASCII"),
        ("shpat_secret\x7fvalue", "control character"),
    ],
)
def test_an_unusable_token_in_the_environment_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    _, store = config.load(str(write(tmp_path, SHOPIFY))).store("main")
    assert store.access_token is not None
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", value)
    with pytest.raises(ConfigError) as caught:
        store.access_token.reveal()
    message = str(caught.value)
    assert message.startswith("access_token refers to ${SHOPIFY_ACCESS_TOKEN}, which holds")
    assert problem in message and "shpat" not in message


@pytest.mark.parametrize("field", ["access_token", "client_secret", "webhook_secret"])
def test_an_unusable_literal_secret_is_refused_when_the_file_is_read(
    tmp_path: Path, field: str
) -> None:
    text = SHOPIFY.replace('access_token = "${SHOPIFY_ACCESS_TOKEN}"\n', "").replace(
        'webhook_secret = "${SHOPIFY_API_SECRET}"\n', ""
    )
    path = write(tmp_path, text + f'{field} = "shpat_leaked \\u00e9"\n')
    with pytest.raises(ConfigError) as caught:
        config.load(str(path))
    message = str(caught.value)
    assert f"stores.main.{field}: holds whitespace" in message and "shpat_leaked" not in message


def test_one_validator_serves_every_secret_field_of_every_platform(tmp_path: Path) -> None:
    woo = (
        '[stores.woo]\nplatform = "woocommerce"\nurl = "https://shop.example.com"\n'
        'consumer_key = "ck_ok"\nconsumer_secret = "cs bad"\nwebhook_secret = "${WC_HOOK}"\n'
    )
    with pytest.raises(ConfigError, match="stores.woo.consumer_secret: holds whitespace"):
        config.load(str(write(tmp_path, woo)))
    loaded = config.load(str(write(tmp_path, woo.replace("cs bad", "cs_ok"))))
    store = loaded.stores["woo"]
    secrets = (store.consumer_key, store.consumer_secret, store.webhook_secret)  # type: ignore[union-attr]
    assert [(s.key, s.env_var) for s in secrets if s is not None] == [
        ("consumer_key", None),
        ("consumer_secret", None),
        ("webhook_secret", "WC_HOOK"),
    ]


def test_a_missing_file_named_by_the_environment_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.CONFIG_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"which does not exist: point it at the config file, or"):
        config.load()
