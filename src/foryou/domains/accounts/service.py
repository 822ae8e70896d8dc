"""Accounts: sign-up, log-in, token rotation, profiles and roles. No HTTP here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, update

from foryou.domains.accounts.models import RefreshToken, User
from foryou.domains.accounts.schemas import Me, TokenPair, UserPublic
from foryou.domains.common import created_at
from foryou.gateway import tokens
from foryou.gateway.problems import Problem
from foryou.ids import logical_shard_of, logical_shard_of_name, new_id
from foryou.platform import Platform
from foryou.platform.sql import IntegrityError
from foryou.stream import topics

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
BAD_LOGIN = "wrong username or password"


def user_shard(platform: Platform, username: str) -> int:
    return platform.sql.shard_of_logical(logical_shard_of_name(username))


async def get_by_username(platform: Platform, username: str) -> User | None:
    async with platform.sql.session(user_shard(platform, username)) as session:
        return await session.scalar(select(User).where(User.username == username))


async def require_by_username(platform: Platform, username: str) -> User:
    user = await get_by_username(platform, username)
    if user is None:
        raise Problem(404, f"no user named {username!r}", kind="user-not-found")
    return user


async def get_by_id(platform: Platform, user_id: int) -> User | None:
    async with platform.sql.session(platform.sql.shard_of(user_id)) as session:
        return await session.get(User, user_id)


async def get_many(platform: Platform, user_ids: Iterable[int]) -> dict[int, User]:
    """Users by ID, one query per shard involved, run concurrently."""

    async def fetch(shard: int, ids: list[int]) -> list[User]:
        async with platform.sql.session(shard) as session:
            return list(await session.scalars(select(User).where(User.id.in_(ids))))

    groups = platform.sql.group_by_shard(set(user_ids))
    results = await asyncio.gather(*(fetch(s, ids) for s, ids in groups.items()))
    return {user.id: user for rows in results for user in rows}


def to_public(user: User, *, is_following: bool | None = None) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        bio=user.bio,
        region=user.region,
        follower_count=user.follower_count,
        following_count=user.following_count,
        like_count=user.like_count,
        video_count=user.video_count,
        created_at=created_at(user.id),
        is_following=is_following,
    )


def to_me(user: User) -> Me:
    return Me.model_validate(
        {**to_public(user).model_dump(exclude={"is_following"}), "role": user.role}
    )


async def signup(
    platform: Platform,
    *,
    username: str,
    password: str,
    display_name: str | None,
    region: str | None,
    interests: list[str] | None = None,
) -> TokenPair:
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    user = User(
        id=new_id(logical_shard_of_name(username)),
        username=username,
        password_hash=password_hash,
        display_name=display_name or username,
        bio="",
        region=region or "",
        role="user",
    )
    try:
        async with platform.sql.begin(user_shard(platform, username)) as session:
            session.add(user)
    except IntegrityError:
        raise Problem(
            409, f"the username {username!r} is taken; choose another", kind="username-taken"
        ) from None
    await topics.publish(
        platform.events,
        topics.USERS,
        user.id,
        "user.created",
        user_id=user.id,
        username=username,
        display_name=user.display_name,
        region=user.region,
        interests=interests or [],
    )
    return await issue_tokens(platform, user)


async def login(platform: Platform, *, username: str, password: str) -> TokenPair:
    user = await get_by_username(platform, username.lower())
    stored = user.password_hash if user else _DUMMY_HASH
    try:
        await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerifyMismatchError, InvalidHashError):
        raise tokens.unauthorized(BAD_LOGIN) from None
    if user is None:
        raise tokens.unauthorized(BAD_LOGIN)
    return await issue_tokens(platform, user)


async def issue_tokens(
    platform: Platform, user: User, *, family_id: int | None = None
) -> TokenPair:
    settings = platform.settings
    shard = logical_shard_of(user.id)
    token_id = new_id(shard)
    secret = tokens.new_refresh_secret()
    async with platform.sql.begin(platform.sql.shard_of(user.id)) as session:
        session.add(
            RefreshToken(
                id=token_id,
                user_id=user.id,
                family_id=family_id or token_id,
                secret_hash=tokens.hash_secret(secret),
                expires_ms=int((time.time() + settings.refresh_token_ttl_s) * 1000),
                spent=False,
            )
        )
    access = tokens.encode_access(
        tokens.Principal(user.id, user.role),
        secret=settings.secret_key,
        ttl_s=settings.access_token_ttl_s,
    )
    return TokenPair(
        user=to_me(user),
        access_token=access,
        refresh_token=tokens.format_refresh(token_id, secret),
        expires_in=settings.access_token_ttl_s,
    )


async def refresh(platform: Platform, *, refresh_token: str) -> TokenPair:
    """Rotate: the presented token is spent; presenting a spent one revokes its whole family
    (someone else holds a copy)."""
    token_id, secret = tokens.parse_refresh(refresh_token)
    shard = platform.sql.shard_of(token_id)
    async with platform.sql.begin(shard) as session:
        row = await session.get(RefreshToken, token_id)
        if row is None or not tokens.secret_matches(secret, row.secret_hash):
            raise tokens.unauthorized("the refresh token is not valid; log in again")
        if row.expires_ms < time.time() * 1000:
            raise tokens.unauthorized("the refresh token has expired; log in again")
        # The conditional update is the lock: of two racing refreshes, one wins.
        spent = await session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.spent.is_(False))
            .values(spent=True)
        )
        reused = spent.rowcount == 0  # type: ignore[attr-defined]
        if reused:
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.family_id == row.family_id)
                .values(spent=True)
            )
        user = await session.get(User, row.user_id)
    if reused:
        raise tokens.unauthorized(
            "this refresh token was already used; every session from "
            "that login is now signed out, log in again"
        )
    if user is None:
        raise tokens.unauthorized("the account no longer exists")
    return await issue_tokens(platform, user, family_id=row.family_id)


async def require_user(platform: Platform, user_id: int) -> User:
    user = await get_by_id(platform, user_id)
    if user is None:
        raise tokens.unauthorized("the account no longer exists; sign up again")
    return user


async def update_me(
    platform: Platform, *, user_id: int, display_name: str | None, bio: str | None
) -> User:
    changes = {k: v for k, v in {"display_name": display_name, "bio": bio}.items() if v is not None}
    async with platform.sql.begin(platform.sql.shard_of(user_id)) as session:
        user = await session.get(User, user_id)
        if user is None:
            raise tokens.unauthorized("the account no longer exists; sign up again")
        for field, value in changes.items():
            setattr(user, field, value)
    if changes:
        await topics.publish(
            platform.events, topics.USERS, user_id, "user.updated", user_id=user_id, **changes
        )
    return user


async def grant_role(platform: Platform, *, username: str, role: str) -> User:
    async with platform.sql.begin(user_shard(platform, username)) as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise Problem(404, f"no user named {username!r}", kind="user-not-found")
        user.role = role
    await topics.publish(
        platform.events, topics.USERS, user.id, "user.role_changed", user_id=user.id, role=role
    )
    return user
