"""Where the read models live: eventsourcing tracking-recorder views that own our tables.

The view is the library's tracking recorder for the database the events are in (SQLite or
PostgreSQL), extended with the read-model tables, so each batch of read-model changes and
its tracking row are written in one transaction. Tracking is claimed by compare-and-set
(``claim``): a projector that finds the tracked position moved since it read the log
backs off, so no event is ever applied twice, even by several processes on one file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, cast
from urllib.parse import unquote, urlsplit

from eventsourcing.persistence import InterfaceError
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnection,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTrackingRecorder,
)

from projections.schema import (
    INDEXES,
    LEGACY_TABLES,
    SCHEMA_VERSION,
    TABLES,
    Dialect,
    table_statements,
)

POSTGRES_TRACKING_TABLE = "rm_tracking"


def store_env(database_url: str | None) -> dict[str, str]:
    """eventsourcing's environment for a database URL.

    ``sqlite:///path/file.db`` (the default form), ``postgresql://user:pass@host:port/db``
    or ``memory://`` (tests).
    """
    if not database_url or database_url.startswith("memory:"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc:  # sqlite://relative/path.db; sqlite:///abs/path.db keeps its "/"
            path = parts.netloc + path
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }
        return env
    raise ValueError(
        f"REPORTEDLY_DATABASE_URL: unsupported scheme {parts.scheme!r} "
        "(use sqlite:///path.db, postgresql://user:pass@host:port/db or memory://)"
    )


class Cursor(Protocol):
    """What both backends' cursors offer (rows are read by column name)."""

    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def executemany(self, statement: Any, params: Any) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


class _Tables:
    """SQL shared by both backends; ``?`` placeholders are rewritten for PostgreSQL."""

    dialect: Dialect
    application_name: str
    tracking_table: str
    # Where an event's stored JSON is read from: by default a copy kept in rm_events; when
    # the events table is in this same database (``attach_events``), the event itself.
    copy_events = True
    _event_data = "(SELECT e.data FROM rm_events e WHERE e.position = {position})"
    _read_log: str | None = None

    def transaction(self, *, commit: bool, bulk: bool = False) -> AbstractContextManager[Cursor]:
        """A transaction; ``bulk``: a big batch of writes that a crash may lose whole
        (it is replayed from the log), so commits need not wait for the disk."""
        raise NotImplementedError  # each backend's own below

    def data_of(self, position: str) -> str:
        """An SQL expression for the stored JSON of the event at ``position``."""
        return self._event_data.format(position=position)

    def read_log(self, after: int, limit: int) -> list[tuple[int, str, bytes]] | None:
        """The events after position ``after`` read directly with SQL, if attached."""
        if self._read_log is None:
            return None
        with self.transaction(commit=False) as c:
            return self.read_log_with(c, after, limit)

    def read_log_with(self, c: Cursor, after: int, limit: int) -> list[tuple[int, str, bytes]]:
        """``read_log`` in the transaction of ``c`` (the events must be attached)."""
        assert self._read_log is not None
        if isinstance(c, SQLiteCursor):  # plain tuples: cheaper than sqlite3.Row
            raw = c.sqlite_cursor.connection.cursor()
            raw.row_factory = None
            return cast(
                list[tuple[int, str, bytes]],
                raw.execute(self._read_log, (after, limit)).fetchall(),
            )
        rows = self.execute(c, self._read_log, (after, limit)).fetchall()
        return [(r["id"], r["topic"], bytes(r["state"])) for r in rows]

    def tracked(self, c: Cursor) -> int:
        """The tracked position, read in the transaction of ``c``."""
        row = self.execute(
            c,
            f"SELECT notification_id FROM {self.tracking_table} WHERE application_name = ?",
            (self.application_name,),
        ).fetchone()
        return 0 if row is None else int(row["notification_id"])

    def sql(self, statement: str) -> str:
        return statement if self.dialect == "sqlite" else statement.replace("?", "%s")

    def execute(self, c: Cursor, statement: str, params: Sequence[Any] = ()) -> Cursor:
        c.execute(self.sql(statement), tuple(params))
        return c

    def executemany(self, c: Cursor, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            c.executemany(self.sql(statement), rows)

    def claim(self, c: Cursor, expected: int, new: int) -> bool:
        """Move tracking from ``expected`` to ``new``; False if someone else moved it."""
        self.execute(
            c,
            f"UPDATE {self.tracking_table} SET notification_id = ? "
            "WHERE application_name = ? AND notification_id = ? RETURNING notification_id",
            (new, self.application_name, expected),
        )
        return c.fetchone() is not None

    def ensure_tracking_row(self, c: Cursor) -> None:
        self.execute(
            c,
            f"INSERT INTO {self.tracking_table} (application_name, notification_id) "
            "VALUES (?, 0) ON CONFLICT (application_name) DO NOTHING",
            (self.application_name,),
        )

    def schema_version(self, c: Cursor) -> str | None:
        row = self.execute(c, "SELECT value FROM rm_meta WHERE key = 'schema'").fetchone()
        return None if row is None else str(row["value"])

    def reset(self, c: Cursor) -> None:
        """Drop every read model, create empty ones, and track from the log's start."""
        for table in (*TABLES, *LEGACY_TABLES):
            c.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in (*table_statements(self.dialect), *INDEXES.values()):
            c.execute(statement)
        self.execute(
            c,
            "INSERT INTO rm_meta (key, value) VALUES ('schema', ?)",
            (SCHEMA_VERSION,),
        )
        self.ensure_tracking_row(c)
        self.execute(
            c,
            f"UPDATE {self.tracking_table} SET notification_id = 0 WHERE application_name = ?",
            (self.application_name,),
        )

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, table by table, in a stable order (to compare stores)."""
        with self.transaction(commit=False) as c:
            return {
                table: sorted(
                    (tuple(row.values()) if isinstance(row, dict) else tuple(row))
                    for row in self.execute(c, f"SELECT * FROM {table}").fetchall()
                )
                for table in TABLES
            }

    def drop_indexes(self, c: Cursor) -> None:
        for name in INDEXES:
            c.execute(f"DROP INDEX IF EXISTS {name}")

    def create_indexes(self, c: Cursor) -> None:
        if self.dialect == "sqlite":
            # Let SQLite's sorter use helper threads for a big index: building the
            # indexes of a 1,000,000-fact rebuild took 15% less time with 2 here.
            c.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")
        for statement in INDEXES.values():
            c.execute(statement)


class SQLiteReadStore(_Tables, SQLiteTrackingRecorder):
    dialect: Dialect = "sqlite"
    tracking_table = "tracking"

    def __init__(self, datastore: SQLiteDatastore, application_name: str) -> None:
        super().__init__(datastore)
        self.application_name = application_name
        self._durable: SQLiteConnection | None = None
        self._durable_lock = threading.Lock()

    def has_table(self, c: Cursor, name: str) -> bool:
        self.execute(c, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return c.fetchone() is not None

    def attach_events(self, table: str) -> None:
        """Read events from the application's table in this same file (rowid = position)."""
        self.copy_events = False
        self._event_data = f"(SELECT e.state FROM {table} e WHERE e.rowid = {{position}})"
        self._read_log = (
            f"SELECT rowid AS id, topic, state FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )

    @contextmanager
    def transaction(self, *, commit: bool, bulk: bool = False) -> Iterator[Cursor]:
        if not commit:
            with self.datastore.transaction(commit=False) as c:
                yield cast(Cursor, c)
            return
        with self.datastore.get_connection(commit=True) as conn:
            # WAL + NORMAL on the read store's own connections: a power cut may lose its
            # last commits (the tracking row with them, so they are projected again from
            # the log), never corrupt the file. The event log keeps the library's FULL.
            # Set outside the transaction: SQLite refuses to change it inside one.
            _synchronous(conn, "NORMAL")
            with conn.transaction(commit=True) as c:
                yield cast(Cursor, c)

    @contextmanager
    def durable_transaction(self) -> Iterator[SQLiteCursor]:
        """A write transaction that holds events: it commits as the library's event log
        does (``synchronous = FULL``: an acknowledged write survives a power cut).

        One at a time, on a connection kept for these transactions alone. The library's
        pooled connections take turns (each transaction gets the one used least recently,
        whose page cache another connection's writes have made stale) and each keeps one
        prepared statement (``cached_statements=True`` is a cache of size 1), so every
        statement of a write was parsed and planned again: about half of a single
        append's time in the transaction, commit aside (docs/writes.md)."""
        with self._durable_lock:
            if self._durable is None:
                self._durable = self._connect_durable()
            with self._durable.transaction(commit=True) as c:
                yield c

    def _connect_durable(self) -> SQLiteConnection:
        pool = self.datastore.pool
        try:
            raw = sqlite3.connect(
                pool.db_name,
                uri=True,
                check_same_thread=False,  # used by one thread at a time (the lock above)
                isolation_level=None,  # transactions begin explicitly, as the library's
                timeout=pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
                cached_statements=128,
            )
        except sqlite3.Error as error:
            raise InterfaceError(error) from error
        raw.row_factory = sqlite3.Row  # rows read by column name, as on the pool's
        raw.execute("PRAGMA synchronous = FULL")
        # An import's batch dirties thousands of pages: kept in memory until its commit,
        # not spilled to the log halfway (SQLite's default cache is 2 MB). 16 MB imports
        # as fast as 64 MB did (100,000 lines, 3 alternating pairs) and the server keeps
        # 50 MB less after one.
        raw.execute("PRAGMA cache_size = -16384")
        return SQLiteConnection(sqlite_conn=raw, max_age=None)

    def close(self) -> None:
        with self._durable_lock:
            if self._durable is not None:
                self._durable.close()
                self._durable = None
        self.datastore.close()


_SYNCHRONOUS: weakref.WeakKeyDictionary[SQLiteConnection, str] = weakref.WeakKeyDictionary()


def _synchronous(conn: SQLiteConnection, level: str) -> None:
    """Set a pooled connection's ``synchronous`` level, unless it has it already."""
    if _SYNCHRONOUS.get(conn) != level:
        conn.cursor().execute(f"PRAGMA synchronous = {level}")
        _SYNCHRONOUS[conn] = level


class PostgresReadStore(_Tables, PostgresTrackingRecorder):
    dialect: Dialect = "postgres"
    tracking_table = POSTGRES_TRACKING_TABLE

    def __init__(
        self, datastore: PostgresDatastore, application_name: str, *, owns_datastore: bool = True
    ) -> None:
        super().__init__(datastore, tracking_table_name=POSTGRES_TRACKING_TABLE)
        self.application_name = application_name
        self.owns_datastore = owns_datastore

    def has_table(self, c: Cursor, name: str) -> bool:
        self.execute(c, "SELECT to_regclass(?) AS found", (name,))
        return c.fetchone()["found"] is not None

    def attach_events(self, table: str) -> None:
        """Read events from the application's table in this same database."""
        name = f'"{self.datastore.schema}"."{table}"'
        self.copy_events = False
        self._event_data = f"(SELECT e.state FROM {name} e WHERE e.notification_id = {{position}})"
        self._read_log = (
            f"SELECT notification_id AS id, topic, state FROM {name} "
            "WHERE notification_id > ? ORDER BY notification_id LIMIT ?"
        )

    @contextmanager
    def transaction(self, *, commit: bool, bulk: bool = False) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as c:
            if bulk:  # a lost commit is replayed from the log: do not wait for the WAL flush
                c.execute("SET LOCAL synchronous_commit = off")
            yield cast(Cursor, c)

    @contextmanager
    def durable_transaction(self) -> Iterator[Cursor]:
        """A write transaction that holds events: it commits as the library's recorder
        does (``synchronous_commit`` as the server has it: on, by default)."""
        with self.datastore.transaction(commit=True) as c:
            yield cast(Cursor, c)

    def lock_tracking(self, c: Cursor) -> int | None:
        """The tracked position, its row locked to this transaction; None if another
        transaction holds it (a catch-up under way): never waits for it."""
        row = self.execute(
            c,
            f"SELECT notification_id FROM {self.tracking_table} "
            "WHERE application_name = ? FOR UPDATE SKIP LOCKED",
            (self.application_name,),
        ).fetchone()
        return None if row is None else int(row["notification_id"])

    def close(self) -> None:
        if self.owns_datastore:  # a shared one is closed by the application
            self.datastore.close()


Store = SQLiteReadStore | PostgresReadStore


class ReadModelsMissing(RuntimeError):
    """A read-only store without current read models (migrate and project on the primary)."""


def open_read_store(
    database_url: str | None,
    application_name: str,
    shared: PostgresDatastore | None = None,
    *,
    read_only: bool = False,
) -> Store:
    """The read store beside the events: same SQLite file or PostgreSQL database, or memory.

    ``shared``: the application's PostgreSQL datastore, so one pool (with its size,
    timeout and pre-ping settings) serves events and read models in a process.
    """
    env = store_env(database_url)
    module = env["PERSISTENCE_MODULE"]
    store: Store
    if module == "eventsourcing.sqlite":
        store = SQLiteReadStore(SQLiteDatastore(env["SQLITE_DBNAME"]), application_name)
    elif module == "eventsourcing.postgres" and shared is not None:
        store = PostgresReadStore(shared, application_name, owns_datastore=False)
    elif module == "eventsourcing.postgres":
        datastore = PostgresDatastore(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            pool_size=2,
            max_overflow=8,
        )
        store = PostgresReadStore(datastore, application_name)
    else:
        # In memory: a private shared-cache SQLite database, alive while the pool is.
        name = f"file:reportedly-read-{uuid.uuid4().hex}?mode=memory&cache=shared"
        store = SQLiteReadStore(SQLiteDatastore(name), application_name)
    if read_only:  # e.g. a hot standby: check, never write
        with store.transaction(commit=False) as c:
            if not store.has_table(c, "rm_meta") or store.schema_version(c) != SCHEMA_VERSION:
                store.close()
                raise ReadModelsMissing(
                    "this read-only store has no current read models: run `reportedly "
                    "migrate` and a projecting process against the primary"
                )
        return store
    store.create_table()  # the library's tracking table
    with store.transaction(commit=True) as c:
        store.ensure_tracking_row(c)  # a write first: holds the write lock from here on
        if not store.has_table(c, "rm_meta") or store.schema_version(c) != SCHEMA_VERSION:
            store.reset(c)
        else:  # a rebuild killed before its end left them dropped (a no-op otherwise)
            store.create_indexes(c)
    return store
