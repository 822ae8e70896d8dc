"""Settings: environment variables, a TOML file, embedded defaults, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from foryou.settings import DEV_SECRET, Settings, load_settings


def test_embedded_defaults_live_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.sql_shards == [f"sqlite:///{tmp_path}/sql/s{i}.db" for i in range(4)]
    assert settings.blobs == f"file://{tmp_path.resolve()}/blobs"
    assert settings.kv == "memory://"
    assert settings.events == f"sqlite:///{tmp_path}/events.db"


def test_environment_variables_with_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORYOU_SQL_SHARDS", "postgresql://a/s0, postgresql://b/s1")
    monkeypatch.setenv("FORYOU_KV", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("FORYOU_CORS_ORIGINS", "https://a.example,https://b.example")
    settings = Settings()
    assert settings.sql_shards == ["postgresql://a/s0", "postgresql://b/s1"]
    assert settings.kv == "redis://127.0.0.1:6379/0"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "foryou.toml"
    config.write_text(
        'events = "redis://127.0.0.1:6379/1"\n'
        'sql_shards = ["sqlite:///x/s0.db", "sqlite:///x/s1.db"]\n'
        "rate_limit_user_per_minute = 77\n"
    )
    monkeypatch.setenv("FORYOU_RATE_LIMIT_CLIENT_PER_MINUTE", "55")
    monkeypatch.delenv("FORYOU_CONFIG", raising=False)
    settings = load_settings(config)
    assert settings.events == "redis://127.0.0.1:6379/1"
    assert len(settings.sql_shards) == 2
    assert settings.rate_limit_user_per_minute == 77
    assert settings.rate_limit_client_per_minute == 55  # the environment wins over the file


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="FORYOU_SECRET_KEY"):
        Settings(mode="production")
    assert Settings(mode="production", secret_key="s" * 40).mode == "production"
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(secret_key="short")
    assert Settings().secret_key == DEV_SECRET


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(sql_shard="typo")  # type: ignore[call-arg]
