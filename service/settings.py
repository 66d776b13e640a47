"""Runtime settings, read from ``COSTCURVE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "costcurve.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COSTCURVE_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL. Default: an SQLite file under ./data, created on first start.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for the shared results cache; unset = in-process cache only."
    )
    cache_max_entries: int = Field(default=10_000, ge=1, description="Bound of the in-process LRU cache.")
    cache_ttl_s: int = Field(default=24 * 3600, ge=1, description="Lifetime of an entry in Redis.")
    api_keys: list[str] = Field(
        default_factory=list,
        description="Write keys accepted besides those created with `costcurve create-api-key` "
        "(held only as sha256 digests in memory).",
    )
    auto_migrate: bool = Field(
        default=True, description="Create, migrate and seed the database when the service starts."
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the psycopg 3 driver named for bare ``postgresql://`` URLs."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
