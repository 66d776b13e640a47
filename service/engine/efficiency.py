"""Fitted efficiencies by scope: platform > platform family > global, each optionally narrowed by
precision and framework. Rows are plain dicts (``efficiency_params.json`` and the catalog table)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.engine.specs import Efficiency, PlatformSpec

PARAM_NAMES: tuple[str, ...] = (
    "hbm_bandwidth_fraction",
    "compute_fraction",
    "prefill_compute_fraction",
    "step_overhead_s",
    "interconnect_fraction",
    "token_overhead_s",
    "kernel_latency_s",
)
"""Throughput parameters: fitted to ``calibration.csv`` (output tokens/s)."""

TTFT_PARAM_NAMES: tuple[str, ...] = ("wave_fraction", "request_overhead_s", "prefill_kernel_latency_s")
"""Time-to-first-token parameters (wave share of fixed-concurrency arrivals, per-request fixed cost,
host-launch cost per kernel of an eager prefill step): they do not move throughput, and
``calibration.csv`` has no TTFT, so they are fitted separately to the fitting half of the public
hold-out set (``bench/holdout.csv``)."""

ALL_PARAM_NAMES: tuple[str, ...] = PARAM_NAMES + TTFT_PARAM_NAMES

PRIOR: dict[str, float] = {
    "hbm_bandwidth_fraction": 0.80,
    "compute_fraction": 0.55,
    "prefill_compute_fraction": 0.60,
    "step_overhead_s": 3e-4,
    "interconnect_fraction": 0.70,
    "token_overhead_s": 5e-6,
    "kernel_latency_s": 4e-6,
    "wave_fraction": 0.5,
    "request_overhead_s": 0.02,
    "prefill_kernel_latency_s": 3e-5,
}
"""Physically plausible centre values (ENGINE_NOTES: 70-90% of HBM bandwidth, 40-80% of matmul peak,
tens to hundreds of µs per step; a few µs per kernel inside a CUDA graph, tens of µs per kernel launched
eagerly from Python; 10-40 ms per request for HTTP, tokenisation, admission and first sampling) used when
no row applies and as the fit's regularisation target."""

BOUNDS: dict[str, tuple[float, float]] = {
    "hbm_bandwidth_fraction": (0.5, 0.95),
    "compute_fraction": (0.3, 0.9),
    "prefill_compute_fraction": (0.3, 0.9),
    "step_overhead_s": (1e-5, 2e-3),
    "interconnect_fraction": (0.2, 0.95),
    "token_overhead_s": (1e-7, 1e-4),
    "kernel_latency_s": (1e-6, 2e-5),
    "wave_fraction": (0.0, 1.0),
    "request_overhead_s": (1e-3, 0.5),
    "prefill_kernel_latency_s": (1e-6, 3e-4),
}


@dataclass(frozen=True)
class _Row:
    id: str
    platform_id: str | None
    platform_family: str | None
    precision: str | None
    framework: str | None
    params: Mapping[str, float]
    residual_p10: float
    residual_p90: float
    n_cases: int


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)


class EfficiencyTable:
    """Lookup of :class:`Efficiency` for a (platform, precision, framework)."""

    def __init__(self, rows: Iterable[_Row] = ()) -> None:
        self._rows = list(rows)
        self._cache: dict[tuple[str, str, str, str], Efficiency] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> EfficiencyTable:
        parsed = []
        for r in rows:
            params = r.get("params") or {}
            parsed.append(
                _Row(
                    id=str(r.get("id") or ""),
                    platform_id=_opt(r.get("platform_id")),
                    platform_family=_opt(r.get("platform_family")),
                    precision=_opt(r.get("precision")),
                    framework=_opt(r.get("framework")),
                    params={k: float(v) for k, v in params.items()},
                    residual_p10=float(r.get("residual_p10") or 0.8),
                    residual_p90=float(r.get("residual_p90") or 1.2),
                    n_cases=int(r.get("n_cases") or 0),
                )
            )
        return cls(parsed)

    def __len__(self) -> int:
        return len(self._rows)

    def _rank(self, row: _Row, platform: PlatformSpec, precision: str, framework: str) -> tuple | None:
        if row.platform_id is not None and row.platform_id != platform.id:
            return None
        if row.platform_family is not None and row.platform_family != platform.family:
            return None
        if row.precision is not None and row.precision != precision:
            return None
        if row.framework is not None and row.framework != framework:
            return None
        level = 2 if row.platform_id else 1 if row.platform_family else 0
        return (level, row.precision is not None, row.framework is not None, row.n_cases)

    def lookup(self, platform: PlatformSpec, precision: str, framework: str) -> Efficiency:
        """Most specific matching row: platform id > platform family > global, then precision, then
        framework. Parameters a row omits come from the next matching row (and finally ``PRIOR``).
        ``fallback`` is True unless a row of this very platform matched."""
        key = (platform.id, platform.family, precision, framework)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        ranked = []
        for row in self._rows:
            rank = self._rank(row, platform, precision, framework)
            if rank is not None:
                ranked.append((rank, row))
        ranked.sort(key=lambda x: x[0], reverse=True)
        params = dict(PRIOR)
        for _, row in reversed(ranked):
            params.update({k: v for k, v in row.params.items() if k in ALL_PARAM_NAMES})
        if ranked:
            best = ranked[0][1]
            scope = best.id or "/".join(
                x or "*" for x in (best.platform_id or best.platform_family, best.precision, best.framework)
            )
            fallback = best.platform_id is None
            p10, p90 = best.residual_p10, best.residual_p90
        else:
            scope, fallback, p10, p90 = "default (uncalibrated)", True, 0.6, 1.5
        # A band always contains its point estimate (p10 <= 1 <= p90 of measured / predicted).
        p10, p90 = min(p10, 1.0), max(p90, 1.0)
        eff = Efficiency(
            hbm_bandwidth_fraction=params["hbm_bandwidth_fraction"],
            compute_fraction=params["compute_fraction"],
            prefill_compute_fraction=params["prefill_compute_fraction"],
            step_overhead_s=params["step_overhead_s"],
            interconnect_fraction=params["interconnect_fraction"],
            token_overhead_s=params["token_overhead_s"],
            kernel_latency_s=params["kernel_latency_s"],
            wave_fraction=min(max(params["wave_fraction"], 0.0), 1.0),
            request_overhead_s=max(params["request_overhead_s"], 0.0),
            prefill_kernel_latency_s=max(params["prefill_kernel_latency_s"], 0.0),
            scope=scope,
            fallback=fallback,
            residual_p10=p10,
            residual_p90=p90,
        )
        self._cache[key] = eff
        return eff

    @classmethod
    def default(cls) -> EfficiencyTable:
        """The committed calibration (``service/catalog/seed/efficiency_params.json``) read as plain
        JSON (no catalog import); an empty table (priors only) when the file is absent."""
        import json
        from pathlib import Path

        path = Path(__file__).resolve().parent.parent / "catalog" / "seed" / "efficiency_params.json"
        if not path.exists():
            return cls()
        return cls.from_rows(json.loads(path.read_text(encoding="utf-8")))
