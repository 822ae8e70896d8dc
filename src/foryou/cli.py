"""The ``foryou`` command line."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from foryou.demo import DEFAULT_VIDEOS, DEFAULT_VIEWERS
from foryou.demo.vocabulary import CREATORS
from foryou.platform.registry import redact
from foryou.settings import CONFIG_FILE_ENV, Settings, load_settings

app = typer.Typer(
    help="foryou: a self-hostable short-video platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(users, name="users")
worker = typer.Typer(help="Run background workers.", no_args_is_help=True)
app.add_typer(worker, name="worker")
console = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="a TOML settings file", exists=True, dir_okay=False)
]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="where embedded backends keep their files")
]


def _settings(config: Path | None, data_dir: Path | None = None, **overrides: Any) -> Settings:
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        return load_settings(config, **overrides)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        console.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    workers: Annotated[
        int, typer.Option(help="api processes (stream processors run in the first only when 1)")
    ] = 1,
) -> None:
    """Everything in one process on the embedded defaults: API and stream processors."""
    import uvicorn

    settings = _settings(config, data_dir)
    console.print(f"foryou serving on http://{host}:{port} (data in {settings.data_dir})")
    if workers > 1:
        # Each worker builds its app from the environment; the embedded SQLite event log
        # serves one member per group, so stream processors run separately (foryou stream).
        os.environ["FORYOU_EMBEDDED_STREAM"] = "false"
        if data_dir is not None:
            os.environ["FORYOU_DATA_DIR"] = str(data_dir)
        if config is not None:
            os.environ[CONFIG_FILE_ENV] = str(config.resolve())
        uvicorn.run(
            "foryou.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
        return
    from foryou.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)


@app.command()
def stream(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Run the stream processors (counters, catalog) as their own process."""
    from foryou import stream as processors
    from foryou.observability.logging import configure_logging
    from foryou.platform import Platform
    from foryou.stream import runner

    settings = _settings(config, data_dir)
    configure_logging(settings.log_level, json=settings.log_json)

    async def main() -> None:
        platform = Platform.open(settings)
        stop = asyncio.Event()
        try:
            await platform.start_minting()
            await asyncio.gather(
                *(runner.run(platform.events, p, stop) for p in processors.processors(platform))
            )
        finally:
            await platform.close()

    console.print("stream processors running; Ctrl-C stops them")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@worker.command("media")
def media_worker(
    region: Annotated[
        str | None, typer.Option(help="the queue to serve (FORYOU_MEDIA_REGION)")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="jobs run at once")] = 1,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Validate, transcode and screen uploads; runs on any machine that reaches the backends."""
    import signal

    from foryou.media.ffmpeg import capabilities
    from foryou.media.jobs import platform_jobs, queue_name
    from foryou.observability.logging import configure_logging
    from foryou.platform import Platform

    overrides = {"media_region": region} if region else {}
    settings = _settings(config, data_dir, **overrides)
    configure_logging(settings.log_level, json=settings.log_json)

    async def main() -> None:
        platform = Platform.open(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await platform.start_minting()
            platform_jobs(platform).start_workers(platform, concurrency)
            console.print(
                f"media worker on queue {queue_name(settings)} with ffmpeg "
                f"{capabilities()['version']}; Ctrl-C stops it after the running jobs"
            )
            await stop.wait()
        finally:
            await platform.close()

    asyncio.run(main())


MODELS = ("two_tower", "ranker")


@app.command()
def train(
    days: Annotated[float, typer.Option(min=0.01, help="learn from the lake's last DAYS")] = 7.0,
    epochs: Annotated[int, typer.Option(min=1, help="passes over the training data")] = 10,
    model: Annotated[
        str,
        typer.Option(
            help="both, two_tower (retrieval) or ranker (multi-task, from the served log)"
        ),
    ] = "both",
    online: Annotated[
        bool, typer.Option(help="keep training the live two_tower from the event log instead")
    ] = False,
    push_every: Annotated[
        float, typer.Option(min=1, help="with --online: seconds between updates to serving")
    ] = 60.0,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Train the retrieval model and the ranker on the event lake, score each on a held-out
    time window, publish them, and make each live unless its live version does better there.
    A model without enough data yet is skipped with the reason. With --online, keep training
    the live two_tower from the event log and push what changed to serving every
    --push-every seconds (what `foryou serve` runs embedded)."""
    settings = _settings(config, data_dir)
    if model not in (*MODELS, "both"):
        console.print(f"[red]--model: {model!r} is not both, two_tower or ranker[/]")
        raise typer.Exit(2)
    if online:
        asyncio.run(_train_online(settings, push_every))
        return
    names = MODELS if model == "both" else (model,)
    if not asyncio.run(_train_models(settings, names, days, epochs)):
        raise typer.Exit(1)


async def _train_models(
    settings: Settings, names: tuple[str, ...], days: float, epochs: int
) -> int:
    """Train each model in turn; how many were published."""
    from foryou.platform import Platform
    from foryou.rec.ml.train import TrainError
    from foryou.rec.ml.train_ranker import train_ranker

    platform = Platform.open(settings)
    published = 0
    try:
        for name in names:
            try:
                if name == "two_tower":
                    report = await _fit_two_tower(platform, days, epochs)
                else:
                    with console.status("training the ranker"):
                        report = await train_ranker(platform, days=days, epochs=epochs)
            except TrainError as exc:
                console.print(f"[red]{name}: {exc}[/]")
                continue
            _print_report(name, report)
            published += 1
    finally:
        await platform.close()
    return published


def _print_prequential(report: Any) -> None:
    table = Table(
        title=f"{report.dataset}: prequential, {report.warmup_interactions:,} interactions "
        f"before the first window; the online arm learned from {report.learned:,} positives"
    )
    for column in ("window", "viewers", f"batch NDCG@{report.k}", f"online NDCG@{report.k}"):
        table.add_column(column, justify="right")
    for n, window in enumerate(report.windows, 1):
        table.add_row(
            str(n), f"{window.users:,}", f"{window.batch.ndcg:.4f}", f"{window.online.ndcg:.4f}"
        )
    batch, online = report.mean_ndcg("batch"), report.mean_ndcg("online")
    table.add_row("mean", "", f"{batch:.4f}", f"{online:.4f} ({online / max(batch, 1e-9):.2f}×)")
    Console().print(table)


async def _fit_two_tower(platform: Any, days: float, epochs: int) -> Any:
    from rich.progress import Progress

    from foryou.rec.ml.train import train_retrieval
    from foryou.rec.ml.two_tower import TwoTowerConfig

    with Progress(console=console) as bar:
        task = bar.add_task("two_tower", total=2 * epochs)  # the held-out check, then all
        return await train_retrieval(
            platform,
            days=days,
            config=TwoTowerConfig(epochs=epochs),
            progress=lambda epoch, loss: bar.update(
                task, completed=epoch, description=f"two_tower (loss {loss:.3f})"
            ),
        )


def _print_report(name: str, report: Any) -> None:
    table = Table("metric", "value", title=f"{name} {report.version}")
    for metric, value in report.metrics.items():
        table.add_row(metric, f"{value:.4f}")
    console.print(table)
    console.print("live now" if report.promoted else "not promoted: the live version does better")


async def _train_online(settings: Settings, push_every_s: float) -> None:
    from foryou.platform import Platform
    from foryou.rec.ml.online import OnlineLoop

    platform = Platform.open(settings)
    stop = asyncio.Event()
    console.print(
        f"online training: following the live two_tower version, an update every "
        f"{push_every_s:g} s (Ctrl-C stops)"
    )
    try:
        await OnlineLoop(platform, push_every_s).run(stop)
    finally:
        await platform.close()


@app.command("eval")
def evaluate(
    dataset: Annotated[
        Path, typer.Argument(help="a dataset folder in the common format (interactions.parquet)")
    ],
    test: Annotated[
        Path | None,
        typer.Option(help="a Parquet file of user_id, item_id to score instead of the split"),
    ] = None,
    k: Annotated[int, typer.Option(min=1, max=1000, help="list length scored")] = 20,
    export: Annotated[
        Path | None, typer.Option(help="write the feed's top K as Parquet (user_id, item_id, rank)")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, help="training passes")] = 10,
    prequential: Annotated[
        bool,
        typer.Option(help="instead: recommend, then reveal, window by window; batch vs online"),
    ] = False,
    windows: Annotated[int, typer.Option(min=1, max=100, help="with --prequential")] = 5,
) -> None:
    """Replay a dataset through the event log into a throwaway platform, train, ask the
    For You pipeline for each test user's top K, and score it next to popularity and tuned
    implicit ALS on the same split. With --prequential: train on the first half, then for
    each later window recommend, score against what the viewers did in it, and reveal it;
    the model trained once against the same model trained online as the windows arrive."""
    from rich.progress import Progress

    from foryou.rec.ml import offline
    from foryou.rec.ml import prequential as ordered
    from foryou.rec.ml.data import DatasetError
    from foryou.rec.ml.train import TrainError

    if export is not None and not export.parent.is_dir():
        console.print(f"[red]--export: the folder {export.parent} does not exist[/]")
        raise typer.Exit(2)
    with Progress(console=console) as bar:
        step = _bar_per_step(bar)
        try:
            job = (
                ordered.run(dataset, k=k, windows=windows, epochs=epochs, steps=step)
                if prequential
                else offline.run(dataset, test_file=test, k=k, epochs=epochs, steps=step)
            )
            report = asyncio.run(job)
        except (DatasetError, TrainError) as exc:
            bar.stop()
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
    if prequential:
        _print_prequential(report)
    else:
        _print_eval(report, export)


def _bar_per_step(bar: Any) -> Callable[[str, int, int], None]:
    """A ``steps(name, done, total)`` callback that gives each named step a bar of its own."""
    tasks: dict[str, Any] = {}

    def step(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bar.add_task(name, total=total)
        bar.update(tasks[name], completed=done, total=total)

    return step


def _print_eval(report: Any, export: Path | None) -> None:
    from foryou.rec.ml import offline

    k = report.k
    table = Table(
        title=f"{report.dataset}: {report.how}; {report.train_interactions:,} training "
        f"interactions, {report.rows[0].scores.users:,} test users, {report.items:,} items"
    )
    for column in ("method", f"Recall@{k}", f"NDCG@{k}", "coverage", "p50/p99 ms", "vs best"):
        table.add_column(column, justify="left" if column == "method" else "right")
    table.add_column("")
    for row in report.rows:
        latency = "" if row.latency_ms is None else "{:.1f}/{:.1f}".format(*row.latency_ms)
        table.add_row(
            row.method,
            f"{row.scores.recall:.4f}",
            f"{row.scores.ndcg:.4f}",
            f"{row.scores.coverage:.3f}",
            latency,
            f"{row.scores.ndcg / report.best_baseline:.2f}×",
            row.note,
        )
    Console().print(table)
    console.print(f"training items recommended back: {report.repeats}")
    if export is not None:
        offline.export(report, export)
        console.print(f"wrote the feed's top {k} lists to {export}")


@app.command()
def seed(
    demo: Annotated[
        bool, typer.Option("--demo", help="demo creators, clips and viewers (required)")
    ] = False,
    videos: Annotated[int, typer.Option(min=1, max=500, help="clips to make")] = DEFAULT_VIDEOS,
    creators: Annotated[int, typer.Option(min=1, max=len(CREATORS), help="demo creators")] = len(
        CREATORS
    ),
    viewers: Annotated[
        int, typer.Option(min=1, max=500, help="simulated viewers")
    ] = DEFAULT_VIEWERS,
    random_seed: Annotated[int, typer.Option("--seed", help="the same seed, the same demo")] = 7,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Fill a new platform with demo creators, clips drawn by ffmpeg (through the upload
    path and the media jobs) and simulated viewing, so For You has something to learn from.
    Run it before `foryou serve`, not beside it; a platform with the demo is left as it is."""
    from rich.progress import Progress

    from foryou.demo.seed import DemoExists, seed_demo

    if not demo:
        console.print("[red]nothing to seed: pass --demo[/red]")
        raise typer.Exit(2)
    settings = _settings(config, data_dir)
    with Progress(console=console) as bar:
        job = seed_demo(
            settings,
            videos=videos,
            creators=creators,
            viewers=viewers,
            seed=random_seed,
            steps=_bar_per_step(bar),
        )
        try:
            summary = asyncio.run(job)
        except DemoExists as exc:
            bar.stop()
            console.print(f"[yellow]{exc}[/yellow]")
            return
        except Exception as exc:  # the message, not a stack trace, for a newcomer
            bar.stop()
            console.print(f"[red]seeding stopped:[/red] {exc}")
            if settings.data_dir.exists():
                console.print(
                    f"{settings.data_dir} keeps what was done so far: remove it, or choose "
                    "another --data-dir, to seed again"
                )
            raise typer.Exit(1) from None
    _print_seed(summary, settings)


def _print_seed(summary: Any, settings: Settings) -> None:
    from foryou.demo.seed import PASSWORD

    did = summary.did
    console.print(
        f"[green]demo seeded[/green] in {summary.seconds:.0f} s into {settings.data_dir}: "
        f"{summary.creators} creators, {summary.ready} videos ready, {summary.viewers} viewers "
        f"({did['impression']} impressions, {did['watch']} watches, {did['like']} likes, "
        f"{did['comment']} comments, {did['share']} shares, {did['follow']} follows)"
    )
    for line in summary.not_ready:
        console.print(f"[yellow]not ready:[/yellow] {line}")
    if not summary.text:
        console.print("this ffmpeg cannot draw text here, so the clips carry no titles")
    console.print(f"log in as any demo account (e.g. lina.cooks) with the password {PASSWORD!r}")


@app.command()
def migrate(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Apply database migrations to every SQL shard."""
    from foryou.platform.sql import open_sql
    from foryou.platform.sql.migrate import pending_shards, upgrade_all

    settings = _settings(config, data_dir)

    async def main() -> None:
        sql = open_sql(settings.sql_shards)
        try:
            behind = await pending_shards(sql)
            await upgrade_all(sql)
        finally:
            await sql.close()
        console.print(
            f"migrated {len(behind)} of {len(settings.sql_shards)} shards; "
            "all are at the newest schema"
        )

    asyncio.run(main())


@app.command()
def doctor(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Show the backends this configuration names and whether each one answers."""
    from foryou.observability.health import backend_status
    from foryou.platform import Platform

    settings = _settings(config, data_dir)

    async def main() -> dict[str, Any]:
        platform = Platform.open(settings)
        try:
            return await backend_status(platform)
        finally:
            await platform.close()

    status = asyncio.run(main())
    table = Table(title=f"foryou doctor ({settings.mode} mode)")
    for column in ("backend", "url", "answers"):
        table.add_column(column)
    for index, (url, ok) in enumerate(zip(settings.sql_shards, status["sql"], strict=True)):
        table.add_row(f"sql shard {index}", redact(url), _yes(ok))
    for name in ("blobs", "kv", "events"):
        table.add_row(name, redact(getattr(settings, name)), _yes(status[name]))
    table.add_row("jobs", redact(settings.jobs), "-")
    ffmpeg_found, ffmpeg_ok = _ffmpeg_row()
    table.add_row("ffmpeg", ffmpeg_found, _yes(ffmpeg_ok))
    source = config or os.environ.get(CONFIG_FILE_ENV)
    table.caption = (
        f"settings from {source} and FORYOU_* variables"
        if source
        else ("settings from FORYOU_* variables and embedded defaults")
    )
    Console().print(table)
    backends_ok = all(status["sql"]) and status["blobs"] and status["kv"] and status["events"]
    if not (backends_ok and ffmpeg_ok):
        raise typer.Exit(1)


def _ffmpeg_row() -> tuple[str, bool]:
    from foryou.media.ffmpeg import FfmpegMissing, capabilities

    try:
        found = capabilities()
    except (FfmpegMissing, OSError) as exc:
        return f"not usable: {exc}", False
    encoders = found["encoders"]
    assert isinstance(encoders, dict)
    can = ", ".join(f"{name} {'yes' if ok else 'no'}" for name, ok in encoders.items())
    return f"{found['path']} ({found['version']}; {can})", bool(encoders["libx264"])


def _yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


@users.command("grant")
def grant(
    username: Annotated[str, typer.Argument(help="the account to change")],
    role: Annotated[str, typer.Argument(help="user, moderator or admin")],
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Give an account a role (user, moderator, admin)."""
    from foryou.domains.accounts import service
    from foryou.gateway.problems import Problem
    from foryou.platform import Platform

    if role not in ("user", "moderator", "admin"):
        console.print(f"[red]unknown role {role!r}[/red]: use user, moderator or admin")
        raise typer.Exit(2)
    settings = _settings(config, data_dir)

    async def main() -> None:
        platform = Platform.open(settings)
        try:
            await service.grant_role(platform, username=username, role=role)
        finally:
            await platform.close()

    try:
        asyncio.run(main())
    except Problem as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"{username} is now {role} (their current access token keeps its old role "
        "until it expires or they log in again)"
    )
