"""Copy the reference catalog into the package's seed data, adding the few derived columns the
engine needs. Every value of the reference files is kept as it is, with its source; each derived
column is explained in ``service/catalog/seed/DERIVED.md``.

Run: python scripts/build_seed.py ../shared/reference
"""

import csv
import shutil
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "service" / "catalog" / "seed"

PLATFORM_FAMILY = {
    "nvidia-a100-sxm-80gb": "nvidia-ampere",
    "nvidia-h100-sxm-80gb": "nvidia-hopper",
    "nvidia-h100-pcie-80gb": "nvidia-hopper",
    "nvidia-h200-sxm-141gb": "nvidia-hopper",
    "nvidia-h20-96gb": "nvidia-hopper",
    "nvidia-l40s": "nvidia-ada",
    "nvidia-l4": "nvidia-ada",
    "nvidia-b200": "nvidia-blackwell",
    "nvidia-b300": "nvidia-blackwell",
    "nvidia-gb200-nvl72": "nvidia-blackwell",
    "nvidia-gb200-nvl72-rack": "nvidia-blackwell",
    "nvidia-gb300-nvl72": "nvidia-blackwell",
    "nvidia-gb300-nvl72-rack": "nvidia-blackwell",
    "nvidia-rtx-pro-6000-blackwell": "nvidia-blackwell-gddr",
    "amd-mi300x": "amd-cdna3",
    "amd-mi325x": "amd-cdna3",
    "amd-mi355x": "amd-cdna4",
    "google-tpu-v5e": "google-tpu",
    "google-tpu-v5p": "google-tpu",
    "google-tpu-v6e": "google-tpu",
    "google-tpu7x-ironwood": "google-tpu",
    "intel-gaudi2": "intel-gaudi",
    "intel-gaudi3": "intel-gaudi",
    "aws-trainium2": "aws-neuron",
    "aws-inferentia2": "aws-neuron",
}

RACKS = {
    "nvidia-gb200-nvl72-rack": ("nvidia-gb200-nvl72", 72),
    "nvidia-gb300-nvl72-rack": ("nvidia-gb300-nvl72", 72),
}

# (local_attention_layers, num_moe_layers, sliding_window override) per model, from attention_type and notes.
MODEL_DERIVED = {
    "mistral-7b-v0.1": (32, None, None),
    "phi-3-mini-4k": (32, None, None),
    "gpt-oss-20b": (12, None, None),
    "gpt-oss-120b": (18, None, None),
    "gemma-2-27b": (23, None, None),
    "gemma-3-27b": (52, None, None),
    "llama-4-scout-17b-16e": (36, 48, 8192),
    "llama-4-maverick-17b-128e": (36, 24, 8192),
}


def main(reference: Path) -> None:
    SEED.mkdir(parents=True, exist_ok=True)
    with open(reference / "platforms.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0].keys()) + ["family", "per_accelerator_platform_id", "accelerators_per_unit"]
    for row in rows:
        row["family"] = PLATFORM_FAMILY[row["id"]]
        unit, count = RACKS.get(row["id"], ("", 1))
        row["per_accelerator_platform_id"] = unit
        row["accelerators_per_unit"] = str(count)
    _write(SEED / "platforms.csv", fields, rows)

    with open(reference / "models.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0].keys()) + ["local_attention_layers", "num_moe_layers"]
    for row in rows:
        local, moe_layers, window = MODEL_DERIVED.get(row["id"], (0, None, None))
        row["local_attention_layers"] = str(local)
        if moe_layers is None:
            moe_layers = (
                int(row["num_layers"]) - int(row["first_k_dense_layers"] or 0) if row["num_experts"] else 0
            )
        row["num_moe_layers"] = str(moe_layers)
        if window is not None and not row["sliding_window"]:
            row["sliding_window"] = str(window)
    _write(SEED / "models.csv", fields, rows)

    for name in ("prices.csv", "tco_inferencex.csv", "slo_presets.csv", "calibration.csv", "SOURCES.md"):
        shutil.copyfile(reference / name, SEED / name)


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
