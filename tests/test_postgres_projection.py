"""Read models on PostgreSQL: same database as the events, exactly once even when a projector
is killed mid-batch, kept current by the ``reportedly project`` worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from domain.application import Reportedly
from domain.clocks import parse_instant
from domain.loading import load_story
from domain.model import Corroboration
from domain.storyfile import StoryFile
from projections.readmodels import ReadModels
from projections.store import store_env
from projections.views import AsOf
from tests.builders import a_fact, a_source, a_story

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
FACTS = 3000
CLAIM = {"subject": "s", "predicate": "p", "object": "o"}
CLI = [sys.executable, "-c", "from api.cli import app; app(prog_name='reportedly')"]


def _open(url: str) -> Reportedly:
    return Reportedly(env=store_env(url))


def _claims(app: Reportedly, story: str, count: int) -> None:
    """``count`` claims, each corroborated once: 2 events per claim."""
    app.create_story(a_story(story), "setup")
    claims = [
        a_fact("claim", f"claim-{n}", subject="s", predicate="p", object=str(n))
        for n in range(count)
    ]
    app.report_facts(story, claims, "setup")
    for n in range(count):
        app.corroborate(story, f"claim-{n}", Corroboration(source=a_source("2024-02-01")), "x")


def test_geneva_read_models_live_in_the_same_postgresql_database_as_the_events(
    postgres_url: str, geneva: StoryFile
) -> None:
    app = _open(postgres_url)
    read = ReadModels(app, postgres_url)
    load_story(app, geneva, "alice")
    read.catch_up()

    before = read.picture("geneva-ai-talks", AsOf(known_at=parse_instant("2023-12-31")))
    after = read.picture("geneva-ai-talks", AsOf(known_at=parse_instant("2024-01-11")))
    assert before.counts.meetings == 0
    assert after.counts.meetings == 2 and after.counts.facts == len(geneva.facts)
    with psycopg.connect(postgres_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
    assert {"reportedly_events", "rm_versions", "rm_tracking"} <= tables
    read.close()
    app.close()


def _writing_transactions(url: str) -> int:
    """Transactions that have written something and not yet committed, in the test database."""
    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL",
            (dbname,),
        ).fetchone()
    return int(row[0]) if row else 0


PROJECTOR = """
import sys
from domain.application import Reportedly
from projections.store import store_env
from projections.readmodels import ReadModels
app = Reportedly(env=store_env(sys.argv[1]) | {"CREATE_TABLE": "n"})
read = ReadModels(app, sys.argv[1])
read.batch_size = 200
print("ready", flush=True)
read.catch_up()
print("done", flush=True)
"""


def test_a_projector_killed_mid_batch_leaves_every_event_applied_exactly_once_on_resume(
    postgres_url: str,
) -> None:
    app = _open(postgres_url)
    _claims(app, "killed", FACTS)
    end = app.recorder.max_notification_id()
    ReadModels(app, postgres_url).close()  # the read-model tables exist; nothing applied

    projector = subprocess.Popen(
        [sys.executable, "-c", PROJECTOR, postgres_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert projector.stdout is not None and projector.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while _writing_transactions(postgres_url) == 0:  # wait until it is inside a batch
        if projector.poll() is not None:
            _, errors = projector.communicate()
            pytest.fail(f"the projector ended before it could be killed: {errors[-2000:]}")
        assert time.monotonic() < deadline
    os.kill(projector.pid, signal.SIGKILL)
    projector.wait(10)

    read = ReadModels(app, postgres_url)
    stopped_at = read.last_position()
    assert 0 <= stopped_at < (end or 0)  # the kill left work to do
    read.catch_up()

    assert read.last_position() == end
    page = read.facts("killed", limit=1000)
    facts = list(page.items)
    while page.next:
        page = read.facts("killed", limit=1000, cursor=page.next)
        facts += page.items
    assert sorted(f.id for f in facts) == sorted(f"claim-{n}" for n in range(FACTS))
    # A corroboration applied twice would show two sources or two lifecycle entries.
    assert {len(f.sources) for f in facts} == {2}
    lifecycle = [e.event for e in read.fact("killed", "claim-7").lifecycle]
    assert lifecycle == ["reported", "corroborated"]
    read.close()
    app.close()


def test_two_projectors_catching_up_at_once_apply_each_event_once(postgres_url: str) -> None:
    app = _open(postgres_url)
    _claims(app, "shared", 500)
    first, second = ReadModels(app, postgres_url), ReadModels(_open(postgres_url), postgres_url)
    first.batch_size = second.batch_size = 50
    done = [threading.Thread(target=r.catch_up) for r in (first, second)]
    for thread in done:
        thread.start()
    for thread in done:
        thread.join()

    assert first.last_position() == app.recorder.max_notification_id()
    sources = {len(first.fact("shared", f"claim-{n}").sources) for n in range(0, 500, 7)}
    assert sources == {2}
    assert len(first.log("shared", limit=10_000)) == 1 + 2 * 500
    first.close()
    second.close()
    second.app.close()
    app.close()


def test_the_project_worker_applies_events_no_api_process_projected(postgres_url: str) -> None:
    app = _open(postgres_url)
    app.create_story(a_story("gap"), "setup")
    env = {**os.environ, "REPORTEDLY_DATABASE_URL": postgres_url}
    worker = subprocess.Popen(
        [*CLI, "project"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert worker.stderr is not None
        assert worker.stderr.readline().startswith("following")
        # Appended by a bare application that never projects: only the worker can.
        written = app.report_fact(
            "gap", a_fact("claim", "late", subject="a", predicate="b", object="c"), "other-tool"
        )
        read = ReadModels(_open(postgres_url), postgres_url)
        deadline = time.monotonic() + 30
        while read.last_position() < (written.position or 0):
            assert worker.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "the worker did not apply the new event"
            time.sleep(0.05)
        assert read.fact("gap", "late").kind == "claim"
        read.close()
        read.app.close()
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0
    app.close()


def _listening(url: str) -> bool:
    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query LIKE 'LISTEN%%'",
            (dbname,),
        ).fetchone()
    return bool(row and row[0])


def test_the_follower_resumes_after_postgresql_was_unreachable(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from api.services import open_services
    from api.settings import Settings
    from projections.follower import follow
    from tests.tcp_proxy import TcpProxy

    writer = _open(postgres_url)
    writer.create_story(a_story("outage"), "setup")
    ReadModels(writer, postgres_url).close()
    target = urlsplit(postgres_url)
    with TcpProxy((target.hostname or "127.0.0.1", target.port or 5432)) as proxy:
        proxied = postgres_url.replace(target.netloc, f"{target.username}@127.0.0.1:{proxy.port}")
        services = open_services(Settings(database_url=proxied, pool_timeout=1))
        stop = threading.Event()
        follower = threading.Thread(target=follow, args=(services.read, stop))
        follower.start()
        try:
            deadline = time.monotonic() + 30
            while not _listening(postgres_url):  # subscribed: asleep on LISTEN
                assert time.monotonic() < deadline
                time.sleep(0.05)
            proxy.cut()
            written = writer.report_fact("outage", a_fact("claim", "while-down", **CLAIM), "x")
            time.sleep(2)  # the follower meets the outage
            proxy.restore()
            read = ReadModels(writer, postgres_url)
            deadline = time.monotonic() + 60
            while read.last_position() < (written.position or 0):
                assert follower.is_alive() and time.monotonic() < deadline
                time.sleep(0.1)
            assert read.fact("outage", "while-down").kind == "claim"
        finally:
            stop.set()
            follower.join(30)
            services.close()
    assert not follower.is_alive()
    assert any("store unavailable" in r.getMessage() for r in caplog.records)  # it met the outage
    writer.close()
