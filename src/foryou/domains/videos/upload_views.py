"""tus 1.0.0 routes (creation, core, termination, expiration): thin, over ``uploads``; the
protocol's headers are read, checked and documented in ``tus``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.utils import formatdate

from fastapi import APIRouter, Request, Response
from starlette.requests import ClientDisconnect

from foryou.deps import CurrentUser, PlatformDep, VideoIdPath
from foryou.domains.videos import tus, uploads
from foryou.domains.videos.models import Video
from foryou.gateway.problems import Problem
from foryou.platform import Platform


def _expires(platform: Platform, video: Video) -> dict[str, str]:
    if video.status != "uploading":
        return {}
    return {"Upload-Expires": formatdate(uploads.expires_at(platform, video), usegmt=True)}


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        return  # what arrived is kept; the client asks HEAD where to resume


def build_router(*, max_upload_bytes: int) -> APIRouter:
    """The tus routes, documenting this app's size limit."""
    router = APIRouter(tags=["uploads"])
    size = {"type": "integer", "minimum": 0, "maximum": max_upload_bytes}
    upload_length = tus.header("Upload-Length", "the size of the whole upload in bytes", size)
    upload_offset = tus.header("Upload-Offset", "where this body starts in the upload", size)
    version = {"Tus-Resumable": "tus version"}

    @router.options(
        "/uploads",
        **tus.doc(
            "What this tus server supports",
            204,
            {
                "Tus-Version": "versions spoken",
                "Tus-Extension": "extensions supported",
                "Tus-Max-Size": "the largest Upload-Length accepted",
                **version,
            },
            {},
        ),
    )
    async def tus_options(platform: PlatformDep) -> Response:
        return Response(
            status_code=204,
            headers={
                **tus.TUS,
                "Tus-Version": tus.TUS_VERSION,
                "Tus-Extension": tus.EXTENSIONS,
                "Tus-Max-Size": str(platform.settings.max_upload_bytes),
            },
        )

    @router.post(
        "/uploads",
        description="Optional `Upload-Metadata` (tus: comma-separated `key base64(value)`): "
        "`filename`, `caption`, `visibility` (`public`/`private`), checked as for "
        "`POST /api/v1/videos`. The upload ID is the ID of the video it becomes; an upload "
        "idle for a day is deleted (tus expiration).",
        **tus.doc(
            "Start a resumable (tus) upload",
            201,
            {
                "Location": "the upload's URL",
                "Foryou-Video-Id": "the video this upload becomes",
                "Upload-Expires": "when the upload is deleted if idle (HTTP date)",
                **version,
            },
            {
                **tus.VERSION_PROBLEMS,
                400: "a tus header is missing or malformed",
                413: "Upload-Length is over the upload limit",
                422: "invalid caption or visibility in Upload-Metadata",
            },
            tus.TUS_RESUMABLE,
            upload_length,
        ),
    )
    async def create_upload(
        request: Request, principal: CurrentUser, platform: PlatformDep
    ) -> Response:
        with tus.tus_errors():
            tus.check_version(request)
            length = tus.count(request, "Upload-Length")
            metadata = tus.parse_metadata(request.headers.get("upload-metadata"))
            video = await uploads.create(
                platform, author_id=principal.user_id, length=length, metadata=metadata
            )
        return Response(
            status_code=201,
            headers={
                **tus.TUS,
                "Location": f"{request.url.path}/{video.id}",
                "Foryou-Video-Id": str(video.id),
                **_expires(platform, video),
            },
        )

    @router.head(
        "/uploads/{video_id}",
        **tus.doc(
            "How much of the upload the server has",
            200,
            {
                "Upload-Offset": "bytes received",
                "Upload-Length": "bytes in all",
                "Upload-Expires": "when the upload is deleted if idle (HTTP date)",
                **version,
            },
            tus.VERSION_PROBLEMS,
            tus.TUS_RESUMABLE,
        ),
    )
    async def upload_offset_of(
        video_id: VideoIdPath, request: Request, principal: CurrentUser, platform: PlatformDep
    ) -> Response:
        with tus.tus_errors():
            tus.check_version(request)
            video = await uploads.require_own(platform, video_id, principal)
            offset = await uploads.offset_of(platform, video)
        return Response(
            status_code=200,
            headers={
                **tus.TUS,
                "Upload-Offset": str(offset),
                "Upload-Length": str(video.upload_length),
                "Cache-Control": "no-store",
                **_expires(platform, video),
            },
        )

    @router.patch(
        "/uploads/{video_id}",
        description=f"The body (`Content-Type: {tus.OFFSET_STREAM}`) is written at "
        "`Upload-Offset`. The last byte completes the upload: the video turns `processing`, "
        "or `rejected` when it is not a video (`status_detail` says why).",
        **tus.doc(
            "Append to an upload",
            204,
            {
                "Upload-Offset": "bytes received",
                "Upload-Expires": "when the upload is deleted if idle (HTTP date)",
                **version,
            },
            {
                **tus.VERSION_PROBLEMS,
                400: "a tus header is missing or the body runs past Upload-Length",
                409: "Upload-Offset is not the upload's offset, or the upload is finished",
                413: "over the upload limit",
                415: f"the body is not {tus.OFFSET_STREAM}",
                503: "the finished upload could not be stored (the video is failed)",
            },
            tus.TUS_RESUMABLE,
            upload_offset,
        ),
    )
    async def append(
        video_id: VideoIdPath, request: Request, principal: CurrentUser, platform: PlatformDep
    ) -> Response:
        with tus.tus_errors():
            tus.check_version(request)
            video = await uploads.require_own(platform, video_id, principal)
            content_type = request.headers.get("content-type", "")
            if content_type.split(";")[0].strip().lower() != tus.OFFSET_STREAM:
                raise Problem(
                    415,
                    f"send the bytes as Content-Type: {tus.OFFSET_STREAM}",
                    kind="unsupported-media-type",
                )
            offset = await uploads.append(
                platform, video, offset=tus.count(request, "Upload-Offset"), chunks=_body(request)
            )
        finished = offset == video.upload_length
        return Response(
            status_code=204,
            headers={
                **tus.TUS,
                "Upload-Offset": str(offset),
                **({} if finished else _expires(platform, video)),
            },
        )

    @router.delete(
        "/uploads/{video_id}",
        **tus.doc(
            "Abandon an upload (tus termination)",
            204,
            version,
            {
                **tus.VERSION_PROBLEMS,
                409: "the upload is finished: delete the video instead",
            },
            tus.TUS_RESUMABLE,
        ),
    )
    async def terminate(
        video_id: VideoIdPath, request: Request, principal: CurrentUser, platform: PlatformDep
    ) -> Response:
        with tus.tus_errors():
            tus.check_version(request)
            video = await uploads.require_own(platform, video_id, principal)
            await uploads.terminate(platform, video)
        return Response(status_code=204, headers=tus.TUS)

    return router
