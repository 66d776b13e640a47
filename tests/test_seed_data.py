"""The packaged seed data is the reference catalog, with its ids and a source for every row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.catalog.convert import seed_specs
from service.catalog.seed_data import SEED_DIR, model_rows, platform_rows, price_rows

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def _ids(path: Path, column: str = "id") -> list[str]:
    with open(path, newline="") as f:
        return [row[column] for row in csv.DictReader(f)]


@pytest.mark.parametrize("name", ["platforms.csv", "models.csv"])
def test_seed_keeps_every_reference_id(name):
    if not REFERENCE.exists():
        pytest.skip("the shared reference folder is not beside this checkout")
    assert _ids(SEED_DIR / name) == _ids(REFERENCE / name)


def test_every_row_has_a_source():
    for row in [*platform_rows(), *model_rows(), *price_rows()]:
        assert row["source"].strip(), row["id"]


def test_specs_carry_units():
    models, platforms = seed_specs()
    h100 = platforms["nvidia-h100-sxm-80gb"]
    # H100 SXM: 3.35 TB/s HBM3, 989 dense BF16 TFLOPS, NVLink4 450 GB/s per direction (platforms.csv)
    assert h100.hbm_bandwidth_bytes_per_s == pytest.approx(3.35e12)
    assert h100.dense_bf16_flops_per_s == pytest.approx(989e12)
    assert h100.scale_up_bandwidth_bytes_per_s == pytest.approx(450e9)
    # 400 Gb/s NIC per GPU = 50 GB/s
    assert h100.scale_out_bandwidth_bytes_per_s == pytest.approx(50e9)
    assert "nvidia-gb200-nvl72-rack" not in platforms
    r1 = models["deepseek-r1"]
    assert (r1.params_total, r1.kv_lora_rank, r1.num_moe_layers) == (pytest.approx(671.03e9), 512, 58)
    oss = models["gpt-oss-120b"]
    assert (oss.local_attention_layers, oss.sliding_window, oss.num_moe_layers) == (18, 128, 36)
    maverick = models["llama-4-maverick-17b-128e"]
    assert (maverick.num_moe_layers, maverick.local_attention_layers) == (24, 36)
