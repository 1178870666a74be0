"""Settings from the environment (``REPORTEDLY_*``) or flags, behind a cached getter."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTEDLY_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="sqlite:///path.db (default: reportedly.db in the data dir), "
        "postgresql://user:pass@host:port/db, or memory://",
    )
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("reportedly")))
    tokens: str = Field(default="", description="write tokens as name:secret,name:secret")
    read_tokens: str = Field(default="", description="if set, reads need one of these too")
    max_body_bytes: int = 1024 * 1024
    max_import_bytes: int = 64 * 1024 * 1024
    host: str = "127.0.0.1"
    port: int = 8000
    pool_size: int = Field(default=5, ge=1, description="PostgreSQL connections kept open")
    pool_max_overflow: int = Field(
        default=10, ge=0, description="extra PostgreSQL connections opened under load"
    )
    pool_timeout: float = Field(
        default=2.0,
        ge=1.0,
        description="seconds a statement waits for a PostgreSQL connection; the library "
        "retries 10 times, so an unreachable server fails a request after ~10x this (503)",
    )
    pool_pre_ping: bool = Field(
        default=True, description="check a pooled connection before use (survives restarts)"
    )
    create_tables: bool = Field(
        default=True,
        description="create missing tables at start; set false for servers sharing a "
        "PostgreSQL database and run `reportedly migrate` once instead",
    )

    read_only: bool = Field(
        default=False,
        description="serve reads only, e.g. from a PostgreSQL hot standby: no table "
        "creation, no projection (the primary's processes project); writes answer 503",
    )
    fast_append: bool = Field(
        default=True,
        description="serve a well-formed append of one fact without the framework's "
        "round (api.fast_append: same checks, same answers, about a third less CPU); "
        "false sends it through the route like every other request",
    )
    pin_cpu: bool = Field(
        default=True,
        description="keep each server process's threads on one CPU no other reportedly "
        "server holds (api.affinity): a write's hand-overs between threads cost a third "
        "less CPU there; false lets the system move them",
    )

    @field_validator("tokens", "read_tokens")
    @classmethod
    def _well_formed(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            name, _, secret = pair.partition(":")
            if not name or not secret:
                raise ValueError("expected name:secret pairs separated by commas")
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'reportedly.db'}"

    def token_map(self, which: str = "tokens") -> dict[str, str]:
        """secret → name."""
        pairs = (p.strip() for p in getattr(self, which).split(","))
        return {s: n for n, _, s in (p.partition(":") for p in pairs if p)}


@lru_cache
def get_settings() -> Settings:
    return Settings()
