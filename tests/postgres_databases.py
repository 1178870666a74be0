"""Throwaway PostgreSQL databases for tests: one fresh database per test, dropped after.

A fresh database (not a schema) keeps every table — events, tracking, read models —
apart without any code having to know about test isolation; creating one takes a few
tens of milliseconds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import urlsplit, urlunsplit

ENV_VAR = "REPORTEDLY_TEST_POSTGRES_URL"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
HOW_TO_ENABLE = (
    f"set {ENV_VAR}=postgresql://user:pass@host:port/db (a server where that user may "
    "CREATE DATABASE) to run the PostgreSQL tests"
)


@cache
def server_url() -> str | None:
    """The server the tests may use: ``REPORTEDLY_TEST_POSTGRES_URL`` or the local default.

    None when nothing answers there (PostgreSQL tests then skip with ``HOW_TO_ENABLE``).
    """
    url = os.environ.get(ENV_VAR) or DEFAULT_SERVER
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return None
    return url


def skip_reason() -> str:
    url = os.environ.get(ENV_VAR) or DEFAULT_SERVER
    return f"no PostgreSQL server answers at {_without_password(url)}; {HOW_TO_ENABLE}"


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def with_database(url: str, dbname: str) -> str:
    """The same server and user, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


@contextmanager
def fresh_database(server: str, prefix: str = "reportedly_t") -> Iterator[str]:
    """Create an empty database on ``server``, yield its URL, drop it (and its sessions)."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            # FORCE (PostgreSQL 13+) ends sessions a test left open, e.g. a killed process.
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
