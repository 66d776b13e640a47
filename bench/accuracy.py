"""Accuracy of the estimator against measured cases (``calibration.csv`` format).

    python bench/accuracy.py CASES.csv [--url URL] [--metric-clear-only]

Without ``--url`` every row goes through the engine in process with the committed efficiency table;
with ``--url`` through a live server's ``POST /v1/estimate``. Prints MdAPE of output tokens/s per
accelerator, shares within 25% and 2x, geometric-mean bias, pairwise platform order, TTFT/TPOT MdAPE
where measured, by platform and by model. A case that gets no answer counts as a miss.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.catalog.seed_data import calibration_case_rows  # noqa: E402
from service.engine.calibration import (  # noqa: E402
    AccuracyReport,
    CaseResult,
    MeasuredCase,
    case_scenario,
    evaluate,
    load_seed_cases,
)
from service.engine.efficiency import EfficiencyTable  # noqa: E402


def _request_body(case: MeasuredCase) -> dict:
    sc = case_scenario(case)
    workload: dict = {"input_tokens": case.input_tokens, "output_tokens": case.output_tokens}
    if sc.workload.concurrency is not None:
        workload["concurrency"] = sc.workload.concurrency
    if sc.workload.request_rate_per_s is not None:
        workload["request_rate_per_s"] = sc.workload.request_rate_per_s
    par = sc.parallelism
    return {
        "model": case.model,
        "platform": case.platform,
        "precision": case.precision,
        "num_accelerators": case.num_accelerators,
        "parallelism": {"tp": par.tp, "pp": par.pp, "ep": par.ep, "dp": par.dp},
        "framework": sc.framework,
        "workload": workload,
    }


def _via_server(cases: list[MeasuredCase], url: str) -> AccuracyReport:
    import httpx

    results = []
    with httpx.Client(base_url=url.rstrip("/"), timeout=30) as client:
        for c in cases:
            try:
                r = client.post("/v1/estimate", json=_request_body(c))
            except httpx.HTTPError:
                results.append(CaseResult(c, None))
                continue
            if r.status_code != 200:
                results.append(CaseResult(c, None))
                continue
            body = r.json()
            results.append(
                CaseResult(
                    c,
                    body["throughput"]["output_tokens_per_s_per_accelerator"],
                    body.get("latency", {}).get("ttft_ms"),
                    body.get("latency", {}).get("tpot_ms"),
                )
            )
    return AccuracyReport(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", type=Path, help="measured cases CSV (calibration.csv format)")
    parser.add_argument("--url", help="base URL of a running costcurve server")
    parser.add_argument("--metric-clear-only", action="store_true", help="only rows with metric_clear=yes")
    args = parser.parse_args(argv)
    cases = [MeasuredCase.from_row(r) for r in calibration_case_rows(args.cases)]
    if args.metric_clear_only:
        cases = [c for c in cases if c.metric_clear]
    if args.url:
        report = _via_server(cases, args.url)
    else:
        _, models, platforms = load_seed_cases()
        report = evaluate(cases, models, platforms, EfficiencyTable.default())
    print(report.text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
