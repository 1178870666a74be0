"""Opens the store and its read models from settings; one place the edges get them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from projections.readmodels import ReadModels

from api.settings import Settings
from domain.application import Reportedly, store_env


@dataclass
class Services:
    settings: Settings
    app: Reportedly
    read: ReadModels
    database_url: str = field(default="")

    def close(self) -> None:
        self.read.close()
        self.app.close()


def _ensure_sqlite_dir(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sqlite" and parts.path and ":memory:" not in parts.path:
        Path(parts.netloc + parts.path).parent.mkdir(parents=True, exist_ok=True)


def open_services(settings: Settings) -> Services:
    url = settings.resolved_database_url()
    _ensure_sqlite_dir(url)
    env = store_env(url)
    env["CREATE_TABLE"] = "y" if settings.create_tables else "n"
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        env["POSTGRES_POOL_SIZE"] = str(settings.pool_size)
        env["POSTGRES_CONNECT_TIMEOUT"] = str(int(settings.pool_timeout))
    app = Reportedly(env=env)
    read = ReadModels(app, url)
    read.catch_up()
    return Services(settings=settings, app=app, read=read, database_url=url)
