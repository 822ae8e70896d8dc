"""Setting the scene over plain HTTP: accounts and ready videos, as other clients would."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from foryou.cli import app as cli
from foryou.domains.moderation.service import HELD
from tests.conftest import unique_name
from tests.media.clips import make_clip

PASSWORD = "correct horse battery"


@dataclass
class Site:
    url: str
    data_dir: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def signup(self, prefix: str = "u", **fields: Any) -> dict[str, Any]:
        username = unique_name(prefix)
        with self.client() as client:
            answer = client.post(
                "/api/v1/auth/signup",
                json={"username": username, "password": PASSWORD, **fields},
            )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        body["headers"] = {"authorization": f"Bearer {body['access_token']}"}
        return body

    def grant_moderator(self, username: str) -> None:
        args = ["users", "grant", username, "moderator", "--data-dir", str(self.data_dir)]
        # Playwright's sync API keeps an event loop on this thread; the command runs its own.
        with ThreadPoolExecutor(1) as thread:
            result = thread.submit(CliRunner().invoke, cli, args).result()
        assert result.exit_code == 0, result.output

    def post_video(
        self, user: dict[str, Any], caption: str, *, colour: str = "0", seconds: float = 3
    ) -> dict[str, Any]:
        """Uploads a generated clip (hue ``colour``) and waits until every rung is out."""
        clip = make_clip(
            self.data_dir.parent / f"{unique_name('clip')}.mp4",
            seconds=seconds,
            extra=["-vf", f"hue=h={colour}"],
        )
        with self.client() as client:
            answer = client.post(
                "/api/v1/videos",
                headers=user["headers"],
                files={"file": (clip.name, clip.read_bytes(), "video/mp4")},
                data={"caption": caption},
            )
            assert answer.status_code == 202, answer.text
            return self.wait_for(client, answer.json()["id"], user)

    def wait_for(
        self, client: httpx.Client, video_id: str, user: dict[str, Any], timeout: float = 120
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = client.get(
                f"/api/v1/videos/{video_id}", headers=user["headers"]
            ).json()
            settled = body["status"] != "processing" or body["status_detail"] == HELD
            if (settled and body["progress"] >= 100) or body["status"] in ("rejected", "failed"):
                return body
            assert time.monotonic() < deadline, f"video {video_id} is still {body['status']}"
            time.sleep(0.3)

    def get(self, path: str, user: dict[str, Any] | None = None) -> Any:
        with self.client() as client:
            answer = client.get(path, headers=user["headers"] if user else {})
        assert answer.status_code == 200, answer.text
        return answer.json()
