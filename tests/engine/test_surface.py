"""The engine's public surface and its independence from the web and database side."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import service.engine as engine
from service.engine import EfficiencyTable

ENGINE_DIR = Path(engine.__file__).resolve().parent
FORBIDDEN = ("fastapi", "sqlalchemy", "pydantic", "httpx", "service.catalog", "starlette", "scipy", "numpy")


def test_public_surface():
    assert set(engine.__all__) == {
        "ENGINE_VERSION",
        "FRAMEWORKS",
        "EfficiencyTable",
        "EngineError",
        "candidate_deployments",
        "default_framework",
        "default_precision",
        "estimate",
        "fewest_accelerators",
        "native_precisions",
    }
    for name in engine.__all__:
        assert hasattr(engine, name)
    assert "trtllm" in engine.FRAMEWORKS and "vllm" in engine.FRAMEWORKS


def _module_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_engine_modules_import_nothing_from_web_or_db():
    for path in ENGINE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for mod in mods:
                if path.name == "calibration.py" and mod in ("service.catalog.convert", "service.catalog.seed_data"):
                    continue  # the calibration CLI's loader only, inside a function
                if path.name == "calibration.py" and mod.split(".")[0] in ("numpy", "scipy"):
                    continue  # fitting only, never on the estimate path
                assert not any(mod == f or mod.startswith(f + ".") for f in FORBIDDEN), f"{path.name}: {mod}"


def test_importing_and_estimating_loads_no_web_or_db_module():
    code = (
        "import sys\n"
        "import service.engine as e\n"
        "from service.engine.specs import ModelSpec, PlatformSpec, Scenario, Workload\n"
        "m = ModelSpec(id='m', family='f', params_total=8e9, params_active=8e9, num_layers=32, hidden_size=4096,"
        " num_attention_heads=32, num_kv_heads=8, head_dim=128, vocab_size=128256, max_context=8192)\n"
        "p = PlatformSpec(id='p', vendor='NVIDIA', name='P', family='nvidia-hopper', memory_bytes=80e9,"
        " hbm_bandwidth_bytes_per_s=3.35e12, dense_bf16_flops_per_s=989e12, dense_fp8_flops_per_s=1979e12,"
        " scale_up_domain=8, scale_up_bandwidth_bytes_per_s=450e9)\n"
        "e.estimate(m, p, Scenario(Workload(128, 128)), e.EfficiencyTable.default())\n"
        f"bad = [k for k in sys.modules if any(k == f or k.startswith(f + '.') for f in {FORBIDDEN!r})]\n"
        "assert not bad, bad\n"
    )
    root = ENGINE_DIR.parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_lookup_precedence():
    rows = [
        {
            "id": "global",
            "platform_family": None,
            "platform_id": None,
            "precision": None,
            "framework": None,
            "params": {"hbm_bandwidth_fraction": 0.7},
            "residual_p10": 0.7,
            "residual_p90": 1.3,
            "n_cases": 10,
            "provenance": "t",
        },
        {
            "id": "fam",
            "platform_family": "nvidia-hopper",
            "platform_id": None,
            "precision": None,
            "framework": None,
            "params": {"hbm_bandwidth_fraction": 0.8},
            "residual_p10": 0.8,
            "residual_p90": 1.2,
            "n_cases": 5,
            "provenance": "t",
        },
        {
            "id": "h100",
            "platform_family": "nvidia-hopper",
            "platform_id": "h100",
            "precision": "fp8",
            "framework": "trtllm",
            "params": {"hbm_bandwidth_fraction": 0.9},
            "residual_p10": 0.9,
            "residual_p90": 1.1,
            "n_cases": 3,
            "provenance": "t",
        },
    ]
    from service.engine.specs import PlatformSpec

    def plat(pid, fam):
        return PlatformSpec(
            id=pid,
            vendor="NVIDIA",
            name=pid,
            family=fam,
            memory_bytes=80e9,
            hbm_bandwidth_bytes_per_s=3e12,
            dense_bf16_flops_per_s=1e15,
        )

    t = EfficiencyTable.from_rows(rows)
    h100 = t.lookup(plat("h100", "nvidia-hopper"), "fp8", "trtllm")
    assert (h100.hbm_bandwidth_fraction, h100.scope, h100.fallback) == (0.9, "h100", False)
    h100_bf16 = t.lookup(plat("h100", "nvidia-hopper"), "bf16", "trtllm")
    assert (h100_bf16.hbm_bandwidth_fraction, h100_bf16.fallback) == (0.8, True)
    other = t.lookup(plat("mi300", "amd-cdna3"), "fp8", "vllm")
    assert (other.hbm_bandwidth_fraction, other.scope, other.fallback) == (0.7, "global", True)


def test_committed_calibration_rows_are_well_formed():
    import json

    path = ENGINE_DIR.parent / "catalog" / "seed" / "efficiency_params.json"
    rows = json.loads(path.read_text())
    assert any(r["platform_family"] is None and r["platform_id"] is None for r in rows)
    keys = {
        "id",
        "platform_family",
        "platform_id",
        "precision",
        "framework",
        "params",
        "residual_p10",
        "residual_p90",
        "n_cases",
        "provenance",
    }
    for r in rows:
        assert set(r) == keys
        assert 0 < r["residual_p10"] <= 1 <= r["residual_p90"] or r["residual_p10"] < r["residual_p90"]
        p = r["params"]
        if "hbm_bandwidth_fraction" in p:
            assert 0.5 <= p["hbm_bandwidth_fraction"] <= 0.95
        if "compute_fraction" in p:
            assert 0.3 <= p["compute_fraction"] <= 0.9
        if "step_overhead_s" in p:
            assert 1e-5 <= p["step_overhead_s"] <= 5e-3
