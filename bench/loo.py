"""Leave-one-model-out: refit the efficiencies without each model in turn and report the error on it.

    python bench/loo.py [CASES.csv] [--all-rows]

The figure that matters for models and software the engine has not seen. Scored on rows with
``metric_clear=yes`` unless ``--all-rows``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.catalog.seed_data import calibration_case_rows  # noqa: E402
from service.engine.calibration import MeasuredCase, leave_one_model_out, load_seed_cases  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="?", type=Path, help="measured cases CSV (default: the packaged one)")
    parser.add_argument("--all-rows", action="store_true", help="score rows with metric_clear=no too")
    args = parser.parse_args(argv)
    seed_cases, models, platforms = load_seed_cases()
    cases = [MeasuredCase.from_row(r) for r in calibration_case_rows(args.cases)] if args.cases else seed_cases
    print(leave_one_model_out(cases, models, platforms, metric_clear_only=not args.all_rows).text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
