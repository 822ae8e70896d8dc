"""The gateway: problem+json, request ids, security headers, size and rate limits, metrics."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import AppFactory, settings_for, signup


async def test_request_ids_and_security_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    echoed = await api.get("/healthz", headers={"X-Request-Id": "client-chosen.id_1"})
    assert echoed.headers["x-request-id"] == "client-chosen.id_1"
    hostile = await api.get("/healthz", headers={"X-Request-Id": "bad id\nwith newline"})
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"


async def test_unknown_route_and_method_are_problems(api: httpx.AsyncClient) -> None:
    missing = await api.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert set(missing.json()) >= {"type", "title", "status", "detail"}
    wrong_method = await api.delete("/api/v1/auth/login")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"
    assert wrong_method.headers["allow"] == "POST"
    both = await api.delete("/api/v1/me")  # two routes share the path: both methods named
    assert both.headers["allow"] == "GET, PATCH"
    deep = await api.post("/media/videos/1/hls/360/seg_00001.m4s")  # a {key:path} route
    assert deep.status_code == 405 and deep.headers["allow"] == "GET, HEAD"


async def test_wrong_types_and_malformed_json(api: httpx.AsyncClient) -> None:
    for body in (b"{", b"[]", b'"text"', b'{"username": 5, "password": []}'):
        response = await api.post(
            "/api/v1/auth/signup", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, body
        assert response.json()["errors"], body


async def test_oversized_bodies_are_refused(make_client: AppFactory, tmp_path: Path) -> None:
    api = await make_client(
        settings_for("embedded", tmp_path, max_json_body_bytes=4096, max_upload_bytes=8192)
    )
    big = {"username": "someone", "password": "x" * 10_000}
    response = await api.post("/api/v1/auth/signup", json=big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "4096" in response.json()["detail"]

    async def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(10):
            yield b"x" * 1000

    streamed = await api.post(
        "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413

    user = await signup(api)
    upload = await api.post(
        "/api/v1/videos",
        headers=user["headers"],
        files={"file": ("big.mp4", b"\0\0\0\x18ftypmp42" + b"x" * 9000)},
    )
    assert upload.status_code == 413
    assert await api.app.state.platform.blobs.list("videos") == []


async def test_rate_limits_per_client_and_for_auth(make_client: AppFactory, tmp_path: Path) -> None:
    api = await make_client(
        settings_for(
            "embedded", tmp_path, rate_limit_client_per_minute=5, rate_limit_auth_per_minute=2
        )
    )
    statuses = [(await api.get("/api/v1/users/nobody")).status_code for _ in range(6)]
    assert statuses == [404] * 5 + [429]
    limited = await api.get("/api/v1/users/nobody")
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 2 * 60


async def test_auth_routes_have_a_tighter_budget(make_client: AppFactory, tmp_path: Path) -> None:
    api = await make_client(settings_for("embedded", tmp_path, rate_limit_auth_per_minute=3))
    body = {"username": "nobody", "password": "wrong password"}
    statuses = [(await api.post("/api/v1/auth/login", json=body)).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_rate_limit_per_user(make_client: AppFactory, tmp_path: Path) -> None:
    api = await make_client(settings_for("embedded", tmp_path, rate_limit_user_per_minute=3))
    user = await signup(api)
    statuses = [
        (await api.get("/api/v1/me", headers=user["headers"])).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert (await api.get("/healthz")).status_code == 200  # operations routes are not limited


async def test_metrics_count_requests_per_route(api: httpx.AsyncClient) -> None:
    await api.get("/api/v1/videos/12345")
    text = (await api.get("/metrics")).text
    assert 'route="/api/v1/videos/{video_id}"' in text
    assert "foryou_http_request_duration_seconds_bucket" in text
    assert "/api/v1/videos/12345" not in text  # raw paths would explode the label set


async def test_readyz_reports_every_backend(api: httpx.AsyncClient) -> None:
    response = await api.get("/readyz")
    assert response.status_code == 200
    backends = response.json()["backends"]
    assert backends["sql"] == [True] * 4
    assert backends["blobs"] and backends["kv"] and backends["events"]
