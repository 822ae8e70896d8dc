"""Schemathesis against /openapi.json on a live server: every route, generated inputs (valid
and invalid), no 5xx, answers that match the documented schemas."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings

from foryou.app import create_app
from tests.conftest import settings_for

# Derandomized so CI sees the same inputs each run; FORYOU_FUZZ_EXAMPLES=500 digs deeper.
EXAMPLES_PER_OPERATION = int(os.environ.get("FORYOU_FUZZ_EXAMPLES", "30"))
# A schema cannot say "a video file": random bytes that match it are refused with 415.
# tus answers a wrong protocol version with 412 and an over-long upload with 413.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "415", "429"]
            },
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "412",
                    "413",
                    "415",
                    "422",
                    "428",
                    "429",
                ]
            },
        }
    }
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        settings_for(
            "embedded",
            Path(data),
            rate_limit_client_per_minute=1_000_000,
            rate_limit_user_per_minute=1_000_000,
            rate_limit_auth_per_minute=1_000_000,
        )
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def auth_headers(live_server: str) -> dict[str, str]:
    response = httpx.post(
        f"{live_server}/api/v1/auth/signup",
        json={"username": "fuzzer", "password": "fuzzing-password"},
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def api_schema(live_server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json", config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_every_route_survives_generated_input(
    case: schemathesis.Case, auth_headers: dict[str, str]
) -> None:
    case.call_and_validate(headers=auth_headers)
