"""Account routes: thin wrappers over ``service``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from foryou.deps import CurrentUser, MaybeUser, PlatformDep, UsernamePath, auth_rate_limit
from foryou.domains.accounts import service
from foryou.domains.accounts.schemas import (
    LoginIn,
    Me,
    MePatch,
    RefreshIn,
    SignupIn,
    TokenPair,
    UserPublic,
)
from foryou.domains.interactions import follows
from foryou.gateway.problems import problem_responses

router = APIRouter(tags=["accounts"])
auth = APIRouter(prefix="/auth", tags=["accounts"], dependencies=[Depends(auth_rate_limit)])


@auth.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenPair,
    responses=problem_responses({409: "username taken"}),
)
async def signup(body: SignupIn, platform: PlatformDep) -> TokenPair:
    return await service.signup(
        platform,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        region=body.region,
        interests=body.interests,
    )


@auth.post(
    "/login",
    response_model=TokenPair,
    responses=problem_responses({401: "wrong username or password"}),
)
async def login(body: LoginIn, platform: PlatformDep) -> TokenPair:
    return await service.login(platform, username=body.username, password=body.password)


@auth.post(
    "/refresh",
    response_model=TokenPair,
    responses=problem_responses({401: "invalid, expired or reused refresh token"}),
)
async def refresh(body: RefreshIn, platform: PlatformDep) -> TokenPair:
    return await service.refresh(platform, refresh_token=body.refresh_token)


@router.get("/me", response_model=Me)
async def get_me(principal: CurrentUser, platform: PlatformDep) -> Me:
    return service.to_me(await service.require_user(platform, principal.user_id))


@router.patch("/me", response_model=Me)
async def patch_me(body: MePatch, principal: CurrentUser, platform: PlatformDep) -> Me:
    user = await service.update_me(
        platform, user_id=principal.user_id, display_name=body.display_name, bio=body.bio
    )
    return service.to_me(user)


@router.get(
    "/users/{username}",
    response_model=UserPublic,
    responses=problem_responses({404: "no such user"}),
)
async def get_user(username: UsernamePath, viewer: MaybeUser, platform: PlatformDep) -> UserPublic:
    user = await service.require_by_username(platform, username)
    following = None
    if viewer is not None and viewer.user_id != user.id:
        following = await follows.is_following(platform, viewer.user_id, user.id)
    return service.to_public(user, is_following=following)


router.include_router(auth)
