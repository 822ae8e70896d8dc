"""Sign-up, log-in, token rotation, profiles and roles, through the HTTP API."""

from __future__ import annotations

import time

import httpx
import pytest

from foryou.domains.accounts import service
from foryou.gateway import tokens
from tests.conftest import signup, unique_name


async def test_signup_login_and_me(api: httpx.AsyncClient) -> None:
    name = unique_name()
    created = await signup(api, name, display_name="Ada", region="gb")
    assert created["user"]["username"] == name
    assert created["user"]["region"] == "GB"
    assert created["user"]["role"] == "user"
    assert created["token_type"] == "bearer" and created["expires_in"] > 0
    assert isinstance(created["user"]["id"], str) and created["user"]["id"].isdigit()

    login = await api.post(
        "/api/v1/auth/login", json={"username": name, "password": "correct horse"}
    )
    assert login.status_code == 200
    me = await api.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["display_name"] == "Ada"


async def test_duplicate_username_is_409_and_leaves_one_account(api: httpx.AsyncClient) -> None:
    name = unique_name()
    await signup(api, name)
    again = await api.post(
        "/api/v1/auth/signup", json={"username": name, "password": "another pass"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "taken" in again.json()["detail"]
    # the original password still works: the failed sign-up changed nothing
    login = await api.post(
        "/api/v1/auth/login", json={"username": name, "password": "correct horse"}
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "ab", "password": "longenough"}, "username"),
        ({"username": "Has Caps", "password": "longenough"}, "username"),
        ({"username": "x" * 25, "password": "longenough"}, "username"),
        ({"username": "valid_name", "password": "short"}, "password"),
        ({"username": "valid_name", "password": 12345678}, "password"),
        ({"username": "valid_name", "password": "longenough", "role": "admin"}, "role"),
    ],
)
async def test_signup_validation(api: httpx.AsyncClient, body: dict, field: str) -> None:
    response = await api.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["type"]
    assert any(field in err["field"] for err in problem["errors"])


async def test_wrong_password_and_unknown_user_get_the_same_answer(api: httpx.AsyncClient) -> None:
    name = unique_name()
    await signup(api, name)
    wrong = await api.post("/api/v1/auth/login", json={"username": name, "password": "nope"})
    unknown = await api.post(
        "/api/v1/auth/login", json={"username": unique_name(), "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_refresh_rotates_and_reuse_revokes_the_family(api: httpx.AsyncClient) -> None:
    first = await signup(api)
    rotated = await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]

    reused = await api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert "already used" in reused.json()["detail"]
    # the reuse signed out the whole family, including the token issued by the rotation
    after = await api.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


@pytest.mark.parametrize("token", ["garbage", "123.", "99999999999999999999.x", "1.abc"])
async def test_malformed_refresh_token(api: httpx.AsyncClient, token: str) -> None:
    response = await api.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401


async def test_bad_access_tokens(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/me")).status_code == 401
    for header in ("Bearer nonsense", "Basic abc", "Bearer "):
        response = await api.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"] == "Bearer"


async def test_an_accepted_token_is_refused_once_it_expires(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are cached by their text; the expiry is still checked on every use."""
    user = await signup(api)
    assert (await api.get("/api/v1/me", headers=user["headers"])).status_code == 200
    later = time.time() + 10 * 86_400
    monkeypatch.setattr(time, "time", lambda: later)
    expired = await api.get("/api/v1/me", headers=user["headers"])
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


async def test_a_token_signed_with_another_key_is_refused(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    forged = tokens.encode_access(
        tokens.Principal(user_id=int(user["user"]["id"]), role="admin"),
        secret="not-the-server-key-" * 2,
        ttl_s=600,
    )
    response = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_patch_me(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    patched = await api.patch(
        "/api/v1/me", headers=user["headers"], json={"display_name": "  New Name ", "bio": "hello"}
    )
    assert patched.status_code == 200
    assert patched.json()["display_name"] == "New Name"
    profile = await api.get(f"/api/v1/users/{user['user']['username']}")
    assert profile.json()["bio"] == "hello"
    too_long = await api.patch("/api/v1/me", headers=user["headers"], json={"bio": "x" * 301})
    assert too_long.status_code == 422
    unknown = await api.patch("/api/v1/me", headers=user["headers"], json={"username": "x"})
    assert unknown.status_code == 422


async def test_unknown_profile_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/users/nobody_here")
    assert response.status_code == 404
    assert response.json()["type"].endswith("user-not-found")


async def test_grant_role_takes_effect_at_next_login(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    name = user["user"]["username"]
    await service.grant_role(api.app.state.platform, username=name, role="moderator")
    login = await api.post(
        "/api/v1/auth/login", json={"username": name, "password": "correct horse"}
    )
    assert login.json()["user"]["role"] == "moderator"
