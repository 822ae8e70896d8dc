"""Video routes."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, BackgroundTasks, File, Form, Response, UploadFile, status

from foryou.deps import (
    CurrentUser,
    Cursor,
    Limit,
    MaybeUser,
    PlatformDep,
    UsernamePath,
    VideoIdPath,
)
from foryou.domains.accounts import service as accounts
from foryou.domains.common import Page, next_cursor, parse_cursor
from foryou.domains.videos import processing, service, sniff
from foryou.domains.videos.schemas import Caption, VideoPatch, VideoPublic, Visibility
from foryou.gateway.problems import Problem, problem_responses

router = APIRouter(tags=["videos"])


def _spool_to_disk(upload: BinaryIO, directory: Path) -> tuple[Path, int]:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, prefix="upload-") as out:
        upload.seek(0)
        shutil.copyfileobj(upload, out, 1 << 20)
        return Path(out.name), out.tell()


@router.post(
    "/videos",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VideoPublic,
    responses=problem_responses({413: "over the upload limit", 415: "not a video"}),
)
async def upload_video(
    principal: CurrentUser,
    platform: PlatformDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="the video file")],
    caption: Annotated[Caption, Form()] = "",
    visibility: Annotated[Visibility, Form()] = "public",
) -> VideoPublic:
    head = await file.read(sniff.HEAD_BYTES)
    if not head:
        raise Problem(415, "the file is empty, not a video", kind="empty-file")
    if not sniff.looks_like_video(head):
        raise Problem(
            415,
            "this is not a video file we can read (MP4, MOV, WebM, MKV, AVI, FLV, MPEG-TS or Ogg)",
            kind="not-a-video",
        )
    path, size = await asyncio.to_thread(
        _spool_to_disk, file.file, platform.settings.data_dir / "tmp"
    )
    try:  # the gateway has already refused bodies over the upload limit
        video = await service.create(
            platform,
            author_id=principal.user_id,
            source=path,
            size=size,
            caption=caption,
            visibility=visibility,
        )
    finally:
        path.unlink(missing_ok=True)
    background.add_task(processing.start, platform, video.id)
    return (await service.to_public(platform, [video], principal))[0]


@router.get(
    "/videos/{video_id}",
    response_model=VideoPublic,
    responses=problem_responses({404: "no such video"}),
)
async def get_video(video_id: VideoIdPath, viewer: MaybeUser, platform: PlatformDep) -> VideoPublic:
    video, author = await service.require_visible_with_author(platform, video_id, viewer)
    return (await service.to_public(platform, [video], viewer, {author.id: author}))[0]


@router.patch(
    "/videos/{video_id}",
    response_model=VideoPublic,
    responses=problem_responses({403: "not the author", 404: "no such video"}),
)
async def patch_video(
    video_id: VideoIdPath, body: VideoPatch, principal: CurrentUser, platform: PlatformDep
) -> VideoPublic:
    video = await service.update(
        platform,
        video_id=video_id,
        principal=principal,
        caption=body.caption,
        visibility=body.visibility,
    )
    return (await service.to_public(platform, [video], principal))[0]


@router.delete(
    "/videos/{video_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses({403: "not the author or a moderator", 404: "no such video"}),
)
async def delete_video(
    video_id: VideoIdPath, principal: CurrentUser, platform: PlatformDep
) -> Response:
    await service.remove(platform, video_id=video_id, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/users/{username}/videos",
    response_model=Page[VideoPublic],
    responses=problem_responses({404: "no such user"}),
)
async def user_videos(
    username: UsernamePath,
    viewer: MaybeUser,
    platform: PlatformDep,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[VideoPublic]:
    author = await accounts.require_by_username(platform, username)
    own = viewer is not None and (viewer.user_id == author.id or viewer.is_moderator)
    rows = await service.list_by_authors(
        platform, [author.id], limit=limit, before=parse_cursor(cursor), include_unpublished=own
    )
    items = await service.to_public(platform, rows[:limit], viewer)
    return Page(items=items, next_cursor=next_cursor([v.id for v in rows], limit))
