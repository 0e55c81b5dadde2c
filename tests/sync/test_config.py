"""Configuration: lookup order, validation with fixes named, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_example_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    loaded = config.load(str(example))
    assert set(loaded.stores) >= {"main", "woo"}
