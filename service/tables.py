"""ORM classes for every table. Column names are those of ``service.catalog.seed_data`` rows (units in
the names); the migration in ``migrations/versions`` creates exactly these tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend. SQLite keeps no offset, so values are stored as
    naive UTC and read back as aware UTC; without this, the same row would serialise differently on
    SQLite and PostgreSQL (and before and after a round trip)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Bookkeeping:
    """Columns every user-editable catalog table carries besides its seed columns."""

    user_modified: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """True once the API wrote the row: the seeder then leaves it alone."""
    revision: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    """Bumped by every write to the row; part of its ETag."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


BOOKKEEPING_COLUMNS = ("user_modified", "revision", "created_at", "updated_at")


class Platform(Bookkeeping, Base):
    __tablename__ = "platforms"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    vendor: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(100), index=True)
    memory_gb: Mapped[float] = mapped_column(Float)
    hbm_bandwidth_tb_per_s: Mapped[float] = mapped_column(Float)
    dense_bf16_tflops: Mapped[float | None] = mapped_column(Float)
    dense_fp8_tflops: Mapped[float | None] = mapped_column(Float)
    dense_fp6_tflops: Mapped[float | None] = mapped_column(Float)
    dense_fp4_tflops: Mapped[float | None] = mapped_column(Float)
    dense_int8_tops: Mapped[float | None] = mapped_column(Float)
    scale_up_domain: Mapped[int | None] = mapped_column(Integer)
    scale_up_bandwidth_gb_per_s: Mapped[float | None] = mapped_column(Float)
    scale_up_bandwidth_direction: Mapped[str | None] = mapped_column(String(50))
    scale_out_bandwidth_gbit_per_s: Mapped[float | None] = mapped_column(Float)
    tdp_w: Mapped[float | None] = mapped_column(Float)
    release_year: Mapped[int | None] = mapped_column(Integer)
    per_accelerator_platform_id: Mapped[str | None] = mapped_column(String(100), ForeignKey("platforms.id"), index=True)
    accelerators_per_unit: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")


class Model(Bookkeeping, Base):
    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    family: Mapped[str] = mapped_column(String(100), index=True)
    params_total_b: Mapped[float] = mapped_column(Float)
    params_active_b: Mapped[float] = mapped_column(Float)
    num_layers: Mapped[int] = mapped_column(Integer)
    hidden_size: Mapped[int] = mapped_column(Integer)
    intermediate_size: Mapped[int | None] = mapped_column(Integer)
    moe_intermediate_size: Mapped[int | None] = mapped_column(Integer)
    num_attention_heads: Mapped[int] = mapped_column(Integer)
    num_kv_heads: Mapped[int] = mapped_column(Integer)
    head_dim: Mapped[int] = mapped_column(Integer)
    vocab_size: Mapped[int] = mapped_column(Integer)
    max_context: Mapped[int] = mapped_column(Integer)
    attention_type: Mapped[str] = mapped_column(String(200))
    num_experts: Mapped[int | None] = mapped_column(Integer)
    experts_per_token: Mapped[int | None] = mapped_column(Integer)
    num_shared_experts: Mapped[int | None] = mapped_column(Integer)
    first_k_dense_layers: Mapped[int | None] = mapped_column(Integer)
    num_moe_layers: Mapped[int | None] = mapped_column(Integer)
    kv_lora_rank: Mapped[int | None] = mapped_column(Integer)
    q_lora_rank: Mapped[int | None] = mapped_column(Integer)
    qk_rope_head_dim: Mapped[int | None] = mapped_column(Integer)
    qk_nope_head_dim: Mapped[int | None] = mapped_column(Integer)
    v_head_dim: Mapped[int | None] = mapped_column(Integer)
    sliding_window: Mapped[int | None] = mapped_column(Integer)
    local_attention_layers: Mapped[int | None] = mapped_column(Integer)
    tied_embeddings: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")


class Price(Bookkeeping, Base):
    __tablename__ = "prices"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100), ForeignKey("platforms.id"), index=True)
    provider: Mapped[str] = mapped_column(String(100), index=True)
    pricing_type: Mapped[str] = mapped_column(String(100), index=True)
    usd_per_accelerator_hour: Mapped[float] = mapped_column(Float)
    date: Mapped[str] = mapped_column(String(100))
    """As the source states it: an ISO date where known, otherwise e.g. ``undated (2025)``."""
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")


class TcoCost(Bookkeeping, Base):
    __tablename__ = "tco_costs"

    platform_id: Mapped[str] = mapped_column(String(100), ForeignKey("platforms.id"), primary_key=True)
    all_in_kw_per_accelerator: Mapped[float] = mapped_column(Float)
    usd_per_accelerator_hour_hyperscaler_owned: Mapped[float] = mapped_column(Float)
    usd_per_accelerator_hour_neocloud: Mapped[float] = mapped_column(Float)
    usd_per_accelerator_hour_3yr_rental: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")


class SloPreset(Base):
    __tablename__ = "slo_presets"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    model_class: Mapped[str] = mapped_column(String(100))
    ttft_ms: Mapped[float] = mapped_column(Float)
    tpot_ms: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)


class EfficiencyParams(Base):
    """Achieved fractions of peak fitted by calibration for one scope; a null scope column = any."""

    __tablename__ = "efficiency_params"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    platform_family: Mapped[str | None] = mapped_column(String(100))
    platform_id: Mapped[str | None] = mapped_column(String(100))
    precision: Mapped[str | None] = mapped_column(String(20))
    framework: Mapped[str | None] = mapped_column(String(100))
    params: Mapped[dict[str, float]] = mapped_column(JSON)
    residual_p10: Mapped[float | None] = mapped_column(Float)
    residual_p90: Mapped[float | None] = mapped_column(Float)
    n_cases: Mapped[int] = mapped_column(Integer, default=0)
    provenance: Mapped[str] = mapped_column(Text, default="")
    fitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_modified: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    """True once a calibration run replaced the set: the seeder then keeps the whole set."""


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    """Hex sha256 of the key; the plaintext is shown once at creation and never stored."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class CatalogState(Base):
    """One row (id 1). ``version`` goes up with every catalog write, in the same transaction, so a
    cached estimate keyed on it is never served after the data behind it changed."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CatalogTombstone(Base):
    """A seeded row a user deleted: the seeder does not bring it back."""

    __tablename__ = "catalog_tombstones"

    table_name: Mapped[str] = mapped_column(String(50), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
