"""One settings object: ``FORYOU_*`` environment variables, or a TOML file, validated at start.

Backends are chosen by URL. Left empty, each backend falls back to its embedded default
inside ``data_dir``, so ``foryou serve`` needs nothing installed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEV_SECRET = "foryou-local-development-secret-change-me"
CONFIG_FILE_ENV = "FORYOU_CONFIG"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FORYOU_", extra="forbid")

    mode: Literal["local", "production"] = "local"
    data_dir: Path = Path("data")
    public_url: str = "http://127.0.0.1:8000"

    sql_shards: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sql_embedded_shards: int = Field(default=4, ge=1, le=64)
    blobs: str = ""
    kv: str = ""
    events: str = ""
    jobs: str = ""
    vectors: str = "faiss://?dim=384&storage=fp16"

    secret_key: str = DEV_SECRET
    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)

    rate_limit_client_per_minute: int = Field(default=3000, ge=1)
    rate_limit_user_per_minute: int = Field(default=1200, ge=1)
    rate_limit_auth_per_minute: int = Field(default=30, ge=1)

    max_json_body_bytes: int = Field(default=1 << 20, ge=1024)
    max_upload_bytes: int = Field(default=512 << 20, ge=1024)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Media pipeline (see foryou.media)
    media_region: str = "default"
    media_embedded_workers: int = Field(default=1, ge=0, le=16)
    max_video_seconds: int = Field(default=600, ge=1)
    hevc_ladder: bool = False
    media_signing_key: str = ""  # signed, expiring /media URLs when set
    media_url_ttl_s: int = Field(default=6 * 3600, ge=60)
    moderation_blocked_words: Annotated[list[str], NoDecode] = Field(default_factory=list)
    moderation_nudity_threshold: float = Field(default=0.6, gt=0, le=1)

    log_level: str = "INFO"
    log_json: bool = True
    embedded_stream: bool = True
    # every so many seconds the heap's survivors are frozen out of garbage collection
    # (foryou.platform.heap); 0 leaves the collector as CPython sets it
    gc_freeze_s: float = Field(default=0.5, ge=0)
    # how often serving checks the blobs port for a new live model version
    model_refresh_s: float = Field(default=10.0, gt=0)
    # online training of the live model (foryou.rec.ml.online) in `foryou serve`; 0: off
    online_push_s: float = Field(default=60.0, ge=0)
    migrate_on_start: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = settings_cls.model_config.get("toml_file") or os.environ.get(CONFIG_FILE_ENV)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @field_validator("sql_shards", "cors_origins", "moderation_blocked_words", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _embedded_defaults(self) -> Settings:
        data = self.data_dir
        if not self.sql_shards:
            self.sql_shards = [
                f"sqlite:///{data}/sql/s{i}.db" for i in range(self.sql_embedded_shards)
            ]
        self.blobs = self.blobs or f"file://{data.resolve()}/blobs"
        self.kv = self.kv or "memory://"
        self.events = self.events or f"sqlite:///{data}/events.db"
        self.jobs = self.jobs or f"sqlite:///{data}/jobs.db"
        if self.mode != "local" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "FORYOU_SECRET_KEY is still the development default; set a long random "
                "secret before running with FORYOU_MODE=production"
            )
        if len(self.secret_key) < 32:
            raise ValueError("FORYOU_SECRET_KEY must be at least 32 characters")
        return self


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from explicit overrides, then ``FORYOU_*`` variables, then the TOML file
    (``config_file``, or the one ``FORYOU_CONFIG`` names)."""
    if config_file is None:
        return Settings(**overrides)

    class FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=str(config_file))

    return FileSettings(**overrides)
