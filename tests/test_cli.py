"""The command line, run as a person would: doctor, migrate, users grant."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from foryou.cli import app
from foryou.domains.accounts import service
from foryou.media import ffmpeg
from foryou.platform import Platform
from foryou.platform.sql.migrate import upgrade_all
from foryou.settings import Settings

runner = CliRunner()


def test_doctor_reports_each_backend(tmp_path: Path) -> None:
    result = runner.invoke(app, ["doctor", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("sql shard 0", "sql shard 3", "blobs", "kv", "events", "memory://", "jobs"):
        assert name in result.output
    assert "ffmpeg" in result.output and "libx264" in result.output


def test_doctor_fails_without_a_usable_ffmpeg(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORYOU_FFMPEG", str(tmp_path / "no-ffmpeg-here"))
    ffmpeg.ffmpeg_exe.cache_clear()
    ffmpeg.capabilities.cache_clear()
    try:
        result = runner.invoke(app, ["doctor", "--data-dir", str(tmp_path)])
    finally:
        ffmpeg.ffmpeg_exe.cache_clear()
        ffmpeg.capabilities.cache_clear()
    assert result.exit_code == 1
    assert "not usable" in result.output


def test_doctor_fails_when_a_backend_does_not_answer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORYOU_KV", "redis://127.0.0.1:1/0")
    result = runner.invoke(app, ["doctor", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "redis://127.0.0.1:1/0" in result.output


def test_invalid_settings_get_a_readable_message(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORYOU_MODE", "production")
    result = runner.invoke(app, ["doctor", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "FORYOU_SECRET_KEY" in result.output


def test_migrate_then_grant_a_role(tmp_path: Path) -> None:
    migrated = runner.invoke(app, ["migrate", "--data-dir", str(tmp_path)])
    assert migrated.exit_code == 0, migrated.output
    assert "migrated 4 of 4 shards" in migrated.output

    async def make_user() -> None:
        platform = Platform.open(Settings(data_dir=tmp_path))
        try:
            await upgrade_all(platform.sql)
            await platform.start_minting()
            await service.signup(
                platform, username="mod_to_be", password="password1", display_name=None, region=None
            )
        finally:
            await platform.close()

    asyncio.run(make_user())
    granted = runner.invoke(
        app, ["users", "grant", "mod_to_be", "moderator", "--data-dir", str(tmp_path)]
    )
    assert granted.exit_code == 0, granted.output

    async def role() -> str:
        platform = Platform.open(Settings(data_dir=tmp_path))
        try:
            user = await service.require_by_username(platform, "mod_to_be")
            return user.role
        finally:
            await platform.close()

    assert asyncio.run(role()) == "moderator"
    unknown = runner.invoke(
        app, ["users", "grant", "nobody_here", "admin", "--data-dir", str(tmp_path)]
    )
    assert unknown.exit_code == 1 and "no user named" in unknown.output
    bad_role = runner.invoke(
        app, ["users", "grant", "mod_to_be", "king", "--data-dir", str(tmp_path)]
    )
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output
