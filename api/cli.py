"""The ``reportedly`` command line: serve, demo, load, facts and friends."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from pydantic import BaseModel

    from api.services import Services
    from projections.views import AsOf
    from projections.words import Names

from api.settings import Settings, get_settings

app = typer.Typer(
    name="reportedly",
    help="An event-sourced timeline of reported facts, with three clocks per fact.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


@app.callback()
def main(
    database_url: Annotated[
        str | None,
        typer.Option(
            help="sqlite:///file.db, postgresql://user:pass@host:port/db or memory://",
            envvar="REPORTEDLY_DATABASE_URL",
            show_envvar=True,
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="where the default SQLite store lives",
            envvar="REPORTEDLY_DATA_DIR",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    """Settings come from REPORTEDLY_* environment variables or these flags."""
    # Flags become environment variables so a served app (and its workers) sees them too.
    if database_url:
        os.environ["REPORTEDLY_DATABASE_URL"] = database_url
    if data_dir:
        os.environ["REPORTEDLY_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()


def settings() -> Settings:
    try:
        return get_settings()
    except ValueError as error:
        err.print(f"[red]Bad settings:[/red] {error}")
        raise typer.Exit(2) from None


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _progress(*, auto_refresh: bool = True) -> Progress:
    """A progress bar on stderr; ``auto_refresh=False``: no refresh thread (the caller
    refreshes), so a rebuild may fork its workers."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        auto_refresh=auto_refresh,
    )


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="a story file (YAML or JSON), or a CSV")],
    writer: Annotated[str, typer.Option(help="name recorded as the writer")] = "cli",
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    story: Annotated[
        str | None, typer.Option(help="CSV: the story to append to (default: the file's name)")
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="CSV: create the story with this title if it is new")
    ] = None,
) -> None:
    """Check a whole story file, then append it in batches (again: appends nothing).

    Every problem of the file is listed at once, one line each, and nothing is appended.
    A CSV holds one fact a row, in the columns `reportedly export --format csv` writes.
    """
    from rich.markup import escape

    if file.suffix.lower() == ".csv":
        _import_csv_file(story or file.stem, file, writer, title)
        return

    from api.services import open_services
    from domain.loading import append_story, check_story
    from domain.storyfile import StoryFileError, read_story_file

    def refuse(error: StoryFileError) -> typer.Exit:
        err.print(f"[red]{escape(str(error))}[/red]", highlight=False, soft_wrap=True)
        return typer.Exit(1)

    try:
        entries = read_story_file(file)
    except StoryFileError as error:
        raise refuse(error) from None
    services = open_services(settings())
    try:
        checked = check_story(services.app, entries, writer, name=str(file))
        with _progress() as progress:
            task = progress.add_task(f"appending {file.name}", total=len(checked.plan.ids))
            result = append_story(
                services.app,
                checked,
                writer,
                name=str(file),
                batch_size=batch_size,
                progress=lambda n: progress.advance(task, n),
            )
            progress.update(task, completed=len(checked.plan.ids))
        services.read.catch_up()
    except StoryFileError as error:
        raise refuse(error) from None
    finally:
        services.close()
    console.print(
        f"story [bold]{escape(checked.story.id)}[/bold]: {result.appended} fact(s) appended, "
        f"{len(result.facts) - result.appended} already stored; "
        f"{result.actors_registered} actor(s) registered"
    )


@app.command()
def facts(
    story: Annotated[str, typer.Argument(help="story id")],
    known_at: Annotated[str | None, typer.Option(help="what the public could know by then")] = None,
    recorded_at: Annotated[str | None, typer.Option(help="what this store held by then")] = None,
    occurred_until: Annotated[str | None, typer.Option(help="what had happened by then")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="only these kinds")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="print the facts as JSON")] = False,
) -> None:
    """Print a story's facts as known at a date: in words, with names and whole ids."""
    from api.picture_text import render_facts
    from api.services import open_services
    from domain.errors import DomainError
    from projections.views import Filters

    as_of = _as_of(known_at, recorded_at, occurred_until)
    services = open_services(settings())
    try:
        page = services.read.facts(story, as_of, Filters(kind=tuple(kind or ())), limit=limit)
        names = None if as_json else _names(services, story, as_of)
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        services.close()
    if as_json:
        _print_json(page)
    else:
        assert names is not None
        render_facts(console, story, page.items, names, as_of)


def _names(services: Services, story: str, as_of: AsOf) -> Names:
    """What the story's slugs stand for: actors, meetings and series by name."""
    from projections.views import Filters
    from projections.words import Names

    meetings = services.read.facts(story, as_of, Filters(kind=("meeting_held",)), limit=1000)
    return Names.of(meetings.items, services.read.actors())


def _print_json(model: BaseModel) -> None:
    """A read's answer as JSON on stdout, for scripts (no colours, no wrapping)."""
    typer.echo(model.model_dump_json(indent=2))


def _as_of(known_at: str | None, recorded_at: str | None, occurred_until: str | None) -> AsOf:
    from api.clocks import ClockError, parse_as_of

    try:
        return parse_as_of(known_at, recorded_at, occurred_until)
    except ClockError as error:
        raise fail(f"--{error.clock.replace('_', '-')}: {error.message}", 2) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="API processes")] = 1,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    config = settings()
    if workers > 1 and config.create_tables and not config.read_only:
        # Create the tables here, once, so the workers' first starts do not race to.
        migrate()
        os.environ["REPORTEDLY_CREATE_TABLES"] = "false"
    else:
        _preflight()  # a bad URL or an unreachable store: one line here, not a traceback
    uvicorn.run(
        "api.main:create_served_app",
        factory=True,
        host=host or config.host,
        port=port or config.port,
        workers=workers,
        log_level="info",
    )


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Load the Geneva story into the default store (once) and serve it, ready to write.

    Without REPORTEDLY_TOKENS, a write token is made for this run and printed."""
    import secrets

    from fixtures import GENEVA

    config = settings()
    made = None
    if not config.token_map("tokens") and not config.read_only:
        made = secrets.token_urlsafe(12)
        os.environ["REPORTEDLY_TOKENS"] = f"desk:{made}"
        get_settings.cache_clear()
        config = settings()
    console.print(f"store: {config.resolved_database_url()}")
    load(GENEVA, writer="demo", batch_size=500)
    url = f"http://{host or config.host}:{port or config.port}"
    console.print(f"timeline: [bold]{url}/stories/geneva-ai-talks/timeline[/bold]  api: {url}/docs")
    if made:
        console.print(
            f"to write: sign in at {url}/signin with the token [bold]{made}[/bold] "
            "(made for this run; set REPORTEDLY_TOKENS to keep your own)",
            soft_wrap=True,
        )
    serve(host=host, port=port, workers=1)


def _preflight() -> None:
    from api.services import open_services

    open_services(settings()).close()


def run() -> None:
    """The console script: expected failures (bad settings, an unreachable or unmigrated
    store) end with one line, not a traceback. REPORTEDLY_DEBUG=1 shows the traceback."""
    from eventsourcing.persistence import PersistenceError

    from api.services import NotMigrated
    from projections.store import ReadModelsMissing

    try:
        app()
    except (ValueError, OSError, PersistenceError, NotMigrated, ReadModelsMissing) as error:
        if os.environ.get("REPORTEDLY_DEBUG"):
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        err.print(f"[red]error:[/red] {type(error).__name__}: {message}", highlight=False)
        if isinstance(error, PersistenceError):
            err.print(f"  store: {_shown(get_settings().resolved_database_url())}")
        raise SystemExit(1) from None


def _shown(url: str) -> str:
    """A database URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


@app.command()
def migrate() -> None:
    """Create the event and read-model tables, then bring the read models up to date.

    Run once before servers that share a database start with
    REPORTEDLY_CREATE_TABLES=false."""
    from api.services import open_services

    config = settings().model_copy(update={"create_tables": True})
    services = open_services(config)
    try:
        position = services.read.last_position()
    finally:
        services.close()
    console.print(f"tables ready in {_shown(services.database_url)}; read models at {position}")


@app.command()
def project(
    poll: Annotated[float, typer.Option(min=0.05, help="seconds between polls (SQLite)")] = 0.5,
) -> None:
    """Keep the read models current until stopped, e.g. after an API process crashed.

    Follows the log (LISTEN/NOTIFY on PostgreSQL) and applies the events that no API
    process projected."""
    import signal
    import threading

    from api.services import open_services
    from projections.follower import follow

    services = open_services(settings())
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    err.print(
        f"following {_shown(services.database_url)} from position "
        f"{services.read.last_position()}; Ctrl-C stops"
    )
    try:
        follow(
            services.read,
            stop,
            poll_seconds=poll,
            applied=lambda n, at: err.print(f"applied {n} event(s); at position {at}"),
        )
    finally:
        services.close()


@app.command()
def timeline(
    story: Annotated[str, typer.Argument(help="story id")],
    output: Annotated[Path, typer.Option("--output", "-o", help="the HTML file to write")],
    known_at: Annotated[str | None, typer.Option(help="what the public could know by then")] = None,
    recorded_at: Annotated[str | None, typer.Option(help="what this store held by then")] = None,
    occurred_until: Annotated[str | None, typer.Option(help="what had happened by then")] = None,
    lanes: Annotated[str, typer.Option(help="meeting, actor or kind")] = "meeting",
    color: Annotated[str, typer.Option(help="kind or certainty")] = "kind",
) -> None:
    """Write a story's interactive timeline as one standalone HTML file that opens offline."""
    from api.services import open_services
    from api.timeline.offline import offline_page, write_offline_page
    from domain.errors import DomainError

    as_of = _as_of(known_at, recorded_at, occurred_until)
    services = open_services(settings())
    try:
        html = offline_page(services.read, story, as_of, lanes=lanes, color=color)
    except DomainError as error:
        raise fail(error.message) from None
    except ValueError as error:  # a lane or colour option that does not exist
        raise fail(str(error), 2) from None
    finally:
        services.close()
    size = write_offline_page(html, output)
    console.print(f"wrote {output} ({size / 1e6:.1f} MB): open it in a browser, no network needed")


@app.command()
def rebuild() -> None:
    """Drop every read model and build it again from the event log, with progress."""
    import time

    from api.services import open_services

    services = open_services(settings())
    try:
        started = time.perf_counter()
        count = _rebuild_read_models(services)
        elapsed = max(time.perf_counter() - started, 1e-9)
        position = services.read.last_position()
    finally:
        services.close()
    console.print(
        f"rebuilt from {count:,} event(s) in {elapsed:.1f}s ({count / elapsed:,.0f} events/s); "
        f"read models at position {position}"
    )


def _rebuild_read_models(services: Services) -> int:
    """Rebuild with a progress bar refreshed by the caller (the rebuild may fork)."""
    with _progress(auto_refresh=False) as progress:
        task = progress.add_task("rebuilding read models", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, refresh=True)

        return services.read.rebuild(update)


@app.command()
def picture(
    story: Annotated[str, typer.Argument(help="story id")],
    known_at: Annotated[str | None, typer.Option(help="what the public could know by then")] = None,
    recorded_at: Annotated[str | None, typer.Option(help="what this store held by then")] = None,
    occurred_until: Annotated[str | None, typer.Option(help="what had happened by then")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="only these kinds")] = None,
    actor: Annotated[str | None, typer.Option(help="only facts naming this actor")] = None,
    meeting: Annotated[str | None, typer.Option(help="only this meeting")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the picture as JSON")] = False,
) -> None:
    """Print a story's picture as known at a date: meetings, participants, disclosure, lag."""
    from api.picture_text import render_picture
    from api.services import open_services
    from domain.errors import DomainError
    from projections.views import Filters

    as_of = _as_of(known_at, recorded_at, occurred_until)
    filters = Filters(kind=tuple(kind or ()), actor=actor, meeting=meeting)
    services = open_services(settings())
    try:
        shown = services.read.picture(story, as_of, filters)
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        services.close()
    if as_json:
        _print_json(shown)
    else:
        render_picture(console, shown)


@app.command()
def changes(
    story: Annotated[str, typer.Argument(help="story id")],
    start: Annotated[str, typer.Option("--from", help="from this date (included)")],
    end: Annotated[str, typer.Option("--to", help="up to this date (inclusive)")],
    clock: Annotated[str, typer.Option(help="reported or recorded")] = "reported",
    as_json: Annotated[bool, typer.Option("--json", help="print the changes as JSON")] = False,
) -> None:
    """Print what became known about a story between two dates."""
    from api.picture_text import render_changes
    from api.services import open_services
    from domain.clocks import InvalidDate, parse_instant
    from domain.errors import DomainError
    from projections.changes import window_start
    from projections.views import LATEST

    try:
        window = window_start(start), parse_instant(end)
    except InvalidDate as error:
        raise fail(f"--from/--to: {error}", 2) from None
    services = open_services(settings())
    try:
        found = services.read.changes(story, window[0], window[1], clock)
        names = None if as_json else _names(services, story, LATEST)
    except DomainError as error:
        raise fail(f"{error.field}: {error.message}" if error.field else error.message) from None
    finally:
        services.close()
    if as_json:
        _print_json(found)
    else:
        render_changes(console, found, names)


@app.command("export")
def export_story(
    story: Annotated[str, typer.Argument(help="story id")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file (default: stdout)")
    ] = None,
    format: Annotated[
        str, typer.Option(help="jsonl (the replayable log), csv or timelinejs")
    ] = "jsonl",
    known_at: Annotated[
        str | None, typer.Option(help="csv/timelinejs: as publicly known then")
    ] = None,
    recorded_at: Annotated[str | None, typer.Option(help="csv/timelinejs: as stored then")] = None,
    occurred_until: Annotated[
        str | None, typer.Option(help="csv/timelinejs: happened by then")
    ] = None,
) -> None:
    """Write a story as NDJSON (what `reportedly import` takes back), CSV or TimelineJS3 JSON."""
    import sys

    import orjson

    from api import exporting, timelinejs
    from api.services import open_services
    from domain.errors import DomainError
    from projections.views import Filters

    if format not in ("jsonl", "csv", "timelinejs"):
        raise fail(f"--format: expected jsonl, csv or timelinejs, not {format!r}", 2)
    as_of = _as_of(known_at, recorded_at, occurred_until)
    services = open_services(settings())
    try:
        if format == "jsonl":
            chunks = list(exporting.jsonl(services, story))
        elif format == "csv":
            chunks = [t.encode() for t in exporting.csv_text(services, story, as_of, Filters())]
        else:
            document = timelinejs.timelinejs(services, story, as_of, Filters())
            chunks = [orjson.dumps(document, option=orjson.OPT_INDENT_2)]
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        services.close()
    if output is None:
        sys.stdout.buffer.write(b"".join(chunks))
    else:
        output.write_bytes(b"".join(chunks))
        err.print(f"wrote {output}")


@app.command("import")
def import_story(
    story: Annotated[str, typer.Argument(help="story id to import into")],
    file: Annotated[
        Path, typer.Argument(help="NDJSON: facts, or a `reportedly export`; or a .csv")
    ],
    writer: Annotated[str, typer.Option(help="name recorded as the writer")] = "cli",
) -> None:
    """Check every line of an NDJSON file (or row of a CSV), then append it in atomic batches."""
    from api.errors import LinesRejected
    from api.importing import LineSplitter, Parsed, import_lines, stored_ids_from
    from api.services import open_services
    from domain.errors import DomainError

    if not file.is_file():
        raise fail(f"{file}: no such file", 2)
    if file.suffix.lower() == ".csv":
        _import_csv_file(story, file, writer)
        return
    parsed, splitter = Parsed(), LineSplitter()
    with file.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            parsed.add(splitter.feed(chunk))
    parsed.add(splitter.close())
    services = open_services(settings())
    try:
        stored = stored_ids_from(services.read, story)
        result = import_lines(services.app, story, writer, parsed, stored=stored)
        services.read.catch_up()
    except LinesRejected as rejected:
        for p in rejected.problems:
            where = f"line {p.line}" + (f", {p.field}" if p.field else "")
            err.print(f"[red]{file}:[/red] {where}: {p.message}", highlight=False)
        raise fail(f"{rejected.total} problem(s); nothing was imported") from None
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        services.close()
    console.print(
        f"story [bold]{story}[/bold]: {result.appended} event(s) appended, "
        f"{result.unchanged} line(s) already stored"
    )


def _import_csv_file(story: str, file: Path, writer: str, title: str | None = None) -> None:
    """A spreadsheet's rows into a story; every bad row listed by row and column."""
    from rich.markup import escape

    from api.csv_import import import_csv
    from api.errors import LinesRejected
    from api.importing import stored_ids_from
    from api.services import open_services
    from domain.errors import DomainError, NotFound

    if not file.is_file():
        raise fail(f"{file}: no such file", 2)
    body = file.read_bytes()
    services = open_services(settings())
    try:
        stored = stored_ids_from(services.read, story)
        result = import_csv(services.app, story, writer, body, stored=stored, title=title)
        services.read.catch_up()
    except LinesRejected as rejected:
        for p in rejected.problems:
            where = f"row {p.line}" + (f", column {p.field}" if p.field else "")
            err.print(f"[red]{escape(str(file))}:[/red] {escape(f'{where}: {p.message}')}",
                      highlight=False)  # fmt: skip
        raise fail(f"{rejected.total} problem(s); nothing was imported") from None
    except NotFound:
        hint = "; `reportedly load FILE.csv --title TITLE` creates it"
        raise fail(f"story {story!r} not found{hint}") from None
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        services.close()
    console.print(
        f"story [bold]{escape(story)}[/bold]: {result.appended} fact(s) appended from "
        f"{escape(file.name)}, "
        f"{result.unchanged} row(s) already stored"
    )


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="the backup file to write (NDJSON)")],
) -> None:
    """Write every event of the store, recorded times included, to one file.

    `reportedly restore` takes it back into an empty store (SQLite or PostgreSQL).
    """
    import tempfile
    import time

    from api.services import open_services
    from projections.backup import write_backup

    services = open_services(settings())
    started = time.perf_counter()
    try:
        # Written beside FILE and renamed at the end: FILE is a whole backup or untouched.
        with tempfile.NamedTemporaryFile(
            "wb", dir=file.parent, prefix=f".{file.name}.", suffix=".partial", delete=False
        ) as out:
            partial = Path(out.name)
            try:
                with _progress() as progress:
                    task = progress.add_task(f"backing up to {file.name}", total=None)

                    def update(position: int, last: int) -> None:
                        progress.update(task, completed=position, total=last)

                    written = write_backup(services.app.recorder, out, progress=update)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        partial.replace(file)
    except OSError as error:
        raise fail(f"cannot write {file}: {error.strerror or error}") from None
    finally:
        services.close()
    elapsed = time.perf_counter() - started
    console.print(
        f"backed up {written.events:,} event(s) to {file} ({_size(file.stat().st_size)}) "
        f"in {elapsed:.1f}s",
        highlight=False,
    )


def _size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size / 1e3:,.1f} kB"


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="a file written by `reportedly backup`")],
) -> None:
    """Fill an empty store from a backup file, recorded times included.

    Checks the whole file, writes it in one transaction, then rebuilds the read models.
    """
    import textwrap
    import time

    from rich.markup import escape

    from api.services import open_services
    from projections.backup import BackupRefused, check_backup
    from projections.restore import (
        BackupChanged,
        StoreNotEmpty,
        UnsupportedStore,
        check_target,
        restore_backup,
    )

    if not file.is_file():
        raise fail(f"{file}: {'not a file' if file.exists() else 'no such file'}", 2)
    config = settings()
    if config.read_only:
        raise fail("REPORTEDLY_READ_ONLY is set: a restore writes the store", 2)
    # Like migrate: an operator's command on an empty store creates its tables.
    services = open_services(config.model_copy(update={"create_tables": True}))
    store = _shown(services.database_url)
    started = time.perf_counter()
    try:
        check_target(services.app.recorder)
        with err.status(f"checking {escape(str(file))}"):
            checked = check_backup(file, services.app.mapper.to_domain_event)
        with _progress() as progress:
            task = progress.add_task(f"restoring {file.name}", total=checked.events)
            restore_backup(
                services.app.recorder,
                file,
                checked,
                progress=lambda n: progress.update(task, completed=n),
            )
        _rebuild_read_models(services)
        position = services.read.last_position()
    except BackupRefused as refused:
        err.print(f"[red]{escape(str(file))}[/red] is not a whole backup:", highlight=False)
        for problem in refused.problems:
            indented = textwrap.fill(
                str(problem), max(err.width, 40), initial_indent="  ", subsequent_indent="  "
            )
            err.print(indented, markup=False, highlight=False, soft_wrap=True)
        if refused.total > len(refused.problems):
            err.print(f"  … and {refused.total - len(refused.problems):,} more", highlight=False)
        raise fail(f"{refused.total:,} problem(s); nothing was restored") from None
    except StoreNotEmpty as error:
        refusal = fail(
            f"the store already holds events (up to position {error.last_position:,}); "
            "restore fills an empty store only. Nothing was written."
        )
        err.print(f"  store: {store}", highlight=False)
        raise refusal from None
    except (BackupChanged, UnsupportedStore) as error:
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(f"cannot read {file}: {error.strerror or error}") from None
    finally:
        services.close()
    elapsed = time.perf_counter() - started
    console.print(
        f"restored {checked.events:,} event(s) from {file} in {elapsed:.1f}s; "
        f"read models at position {position:,}\n  store: {store}",
        highlight=False,
    )


@app.command()
def draft(
    story: Annotated[str, typer.Argument(help="the story's id, as stored")],
    file: Annotated[Path, typer.Argument(help="the article's text, UTF-8 (- reads stdin)")],
    source: Annotated[str, typer.Option(help="who published it, e.g. 'Financial Times'")],
    published: Annotated[str, typer.Option(help="the day it came out, e.g. 2024-01-11")],
    language: Annotated[
        str | None, typer.Option(help="the text's language, fr or en (guessed if left out)")
    ] = None,
    url: Annotated[str | None, typer.Option(help="the article's address")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Draft the facts an article states as a story file to check, edit and `load`.

    Appends nothing. Each draft comes with its sentence as a comment above it.
    """
    import sys

    from pydantic import ValidationError

    from api.drafting.storyfile import draft_story_file
    from api.services import open_services
    from domain.errors import DomainError
    from domain.messages import plain_problems

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {file}: {getattr(error, 'strerror', None) or error}") from None
    given = {"name": source, "published": published, "url": url, "language": language}
    services = open_services(settings())
    try:
        with err.status("reading the article"):
            written = draft_story_file(
                services, story, text, {k: v for k, v in given.items() if v is not None}, str(file)
            )
    except ValidationError as error:
        for problem in plain_problems(error.errors(), subject="a draft request"):
            where = ".".join(str(p) for p in problem.loc)
            err.print(f"  {where.replace('source.', '--')}: {problem.message}", highlight=False)
        raise fail("nothing was drafted") from None
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        services.close()
    if output is None:
        sys.stdout.write(written)
    else:
        output.write_text(written, encoding="utf-8")
        err.print(f"drafts written to {output}: check each entry, then `reportedly load {output}`")
