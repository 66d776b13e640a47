"""initial: catalog tables, efficiency parameters, API keys, catalog version

Revision ID: 0001
Revises:
Create Date: 2026-11-28 01:00:00

Static on purpose (no reflection, no imports from the service): the schema this revision builds must
not change when ``service/tables.py`` does. The one ``catalog_state`` row is created here so that every
write can bump the version with a single UPDATE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column("user_modified", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "platforms",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("vendor", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("family", sa.String(100), nullable=False),
        sa.Column("memory_gb", sa.Float(), nullable=False),
        sa.Column("hbm_bandwidth_tb_per_s", sa.Float(), nullable=False),
        sa.Column("dense_bf16_tflops", sa.Float(), nullable=True),
        sa.Column("dense_fp8_tflops", sa.Float(), nullable=True),
        sa.Column("dense_fp6_tflops", sa.Float(), nullable=True),
        sa.Column("dense_fp4_tflops", sa.Float(), nullable=True),
        sa.Column("dense_int8_tops", sa.Float(), nullable=True),
        sa.Column("scale_up_domain", sa.Integer(), nullable=True),
        sa.Column("scale_up_bandwidth_gb_per_s", sa.Float(), nullable=True),
        sa.Column("scale_up_bandwidth_direction", sa.String(50), nullable=True),
        sa.Column("scale_out_bandwidth_gbit_per_s", sa.Float(), nullable=True),
        sa.Column("tdp_w", sa.Float(), nullable=True),
        sa.Column("release_year", sa.Integer(), nullable=True),
        sa.Column("per_accelerator_platform_id", sa.String(100), nullable=True),
        sa.Column("accelerators_per_unit", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("id", name="pk_platforms"),
        sa.ForeignKeyConstraint(
            ["per_accelerator_platform_id"],
            ["platforms.id"],
            name="fk_platforms_per_accelerator_platform_id_platforms",
        ),
    )
    op.create_index("ix_platforms_vendor", "platforms", ["vendor"])
    op.create_index("ix_platforms_family", "platforms", ["family"])
    op.create_index("ix_platforms_per_accelerator_platform_id", "platforms", ["per_accelerator_platform_id"])

    op.create_table(
        "models",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("family", sa.String(100), nullable=False),
        sa.Column("params_total_b", sa.Float(), nullable=False),
        sa.Column("params_active_b", sa.Float(), nullable=False),
        sa.Column("num_layers", sa.Integer(), nullable=False),
        sa.Column("hidden_size", sa.Integer(), nullable=False),
        sa.Column("intermediate_size", sa.Integer(), nullable=True),
        sa.Column("moe_intermediate_size", sa.Integer(), nullable=True),
        sa.Column("num_attention_heads", sa.Integer(), nullable=False),
        sa.Column("num_kv_heads", sa.Integer(), nullable=False),
        sa.Column("head_dim", sa.Integer(), nullable=False),
        sa.Column("vocab_size", sa.Integer(), nullable=False),
        sa.Column("max_context", sa.Integer(), nullable=False),
        sa.Column("attention_type", sa.String(200), nullable=False),
        sa.Column("num_experts", sa.Integer(), nullable=True),
        sa.Column("experts_per_token", sa.Integer(), nullable=True),
        sa.Column("num_shared_experts", sa.Integer(), nullable=True),
        sa.Column("first_k_dense_layers", sa.Integer(), nullable=True),
        sa.Column("num_moe_layers", sa.Integer(), nullable=True),
        sa.Column("kv_lora_rank", sa.Integer(), nullable=True),
        sa.Column("q_lora_rank", sa.Integer(), nullable=True),
        sa.Column("qk_rope_head_dim", sa.Integer(), nullable=True),
        sa.Column("qk_nope_head_dim", sa.Integer(), nullable=True),
        sa.Column("v_head_dim", sa.Integer(), nullable=True),
        sa.Column("sliding_window", sa.Integer(), nullable=True),
        sa.Column("local_attention_layers", sa.Integer(), nullable=True),
        sa.Column("tied_embeddings", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("id", name="pk_models"),
    )
    op.create_index("ix_models_family", "models", ["family"])

    op.create_table(
        "prices",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("platform_id", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("pricing_type", sa.String(100), nullable=False),
        sa.Column("usd_per_accelerator_hour", sa.Float(), nullable=False),
        sa.Column("date", sa.String(100), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("id", name="pk_prices"),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], name="fk_prices_platform_id_platforms"),
    )
    op.create_index("ix_prices_platform_id", "prices", ["platform_id"])
    op.create_index("ix_prices_provider", "prices", ["provider"])
    op.create_index("ix_prices_pricing_type", "prices", ["pricing_type"])

    op.create_table(
        "tco_costs",
        sa.Column("platform_id", sa.String(100), nullable=False),
        sa.Column("all_in_kw_per_accelerator", sa.Float(), nullable=False),
        sa.Column("usd_per_accelerator_hour_hyperscaler_owned", sa.Float(), nullable=False),
        sa.Column("usd_per_accelerator_hour_neocloud", sa.Float(), nullable=False),
        sa.Column("usd_per_accelerator_hour_3yr_rental", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        *_bookkeeping(),
        sa.PrimaryKeyConstraint("platform_id", name="pk_tco_costs"),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], name="fk_tco_costs_platform_id_platforms"),
    )

    op.create_table(
        "slo_presets",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("model_class", sa.String(100), nullable=False),
        sa.Column("ttft_ms", sa.Float(), nullable=False),
        sa.Column("tpot_ms", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slo_presets"),
    )

    op.create_table(
        "efficiency_params",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("platform_family", sa.String(100), nullable=True),
        sa.Column("platform_id", sa.String(100), nullable=True),
        sa.Column("precision", sa.String(20), nullable=True),
        sa.Column("framework", sa.String(100), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("residual_p10", sa.Float(), nullable=True),
        sa.Column("residual_p90", sa.Float(), nullable=True),
        sa.Column("n_cases", sa.Integer(), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_modified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_efficiency_params"),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_sha256", name="uq_api_keys_key_sha256"),
    )

    op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_state"),
    )
    op.execute("INSERT INTO catalog_state (id, version, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)")

    op.create_table(
        "catalog_tombstones",
        sa.Column("table_name", sa.String(50), nullable=False),
        sa.Column("row_id", sa.String(200), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name="pk_catalog_tombstones"),
    )


def downgrade() -> None:
    op.drop_table("catalog_tombstones")
    op.drop_table("catalog_state")
    op.drop_table("api_keys")
    op.drop_table("efficiency_params")
    op.drop_table("slo_presets")
    op.drop_table("tco_costs")
    op.drop_index("ix_prices_pricing_type", table_name="prices")
    op.drop_index("ix_prices_provider", table_name="prices")
    op.drop_index("ix_prices_platform_id", table_name="prices")
    op.drop_table("prices")
    op.drop_index("ix_models_family", table_name="models")
    op.drop_table("models")
    op.drop_index("ix_platforms_per_accelerator_platform_id", table_name="platforms")
    op.drop_index("ix_platforms_family", table_name="platforms")
    op.drop_index("ix_platforms_vendor", table_name="platforms")
    op.drop_table("platforms")
