"""The weight a ``metric_clear=no`` row gets in the family fit (service.engine.calibration)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from service.engine.calibration import MeasuredCase, ambiguity_weight

BASE = MeasuredCase.from_row(
    {
        "case_id": "t0",
        "model": "llama-3.1-70b",
        "platform": "amd-mi300x",
        "precision": "fp8",
        "num_accelerators": "8",
        "input_tokens": "128",
        "output_tokens": "2048",
        "measured_output_tok_s_per_accel": "1000",
        "metric_clear": "no",
        "framework": "vLLM 0.7.3",
    }
)


def _case(inp: int, out: int, clear: bool = False) -> MeasuredCase:
    return replace(BASE, input_tokens=inp, output_tokens=out, metric_clear=clear)


def test_clear_rows_count_fully_whatever_the_lengths():
    assert ambiguity_weight(_case(2048, 128, clear=True)) == 1.0


@pytest.mark.parametrize("inp,out", [(128, 2048), (128, 4096), (100, 1000)])
def test_short_input_counts_fully(inp, out):
    # input / (input + output) < 0.1: counting the input would change tokens/s by < 11%.
    assert inp / (inp + out) < 0.1
    assert ambiguity_weight(_case(inp, out)) == 1.0


@pytest.mark.parametrize(
    "inp,out,expected",
    [
        # ambiguity A = ln((in + out) / out); weight (ln(1/0.9) / A)^2
        (500, 2000, (math.log(1 / 0.9) / math.log(2500 / 2000)) ** 2),  # 0.1054 / 0.2231 -> 0.2231
        (2048, 2048, (math.log(1 / 0.9) / math.log(2)) ** 2),  # 0.1054 / 0.6931 -> 0.0231
        (2048, 128, (math.log(1 / 0.9) / math.log(2176 / 128)) ** 2),  # 0.1054 / 2.833 -> 0.00138
    ],
)
def test_weight_shrinks_with_the_ambiguity(inp, out, expected):
    assert ambiguity_weight(_case(inp, out)) == pytest.approx(expected, rel=1e-9)


def test_weight_is_continuous_at_the_threshold_and_monotone():
    # At input share 0.1 exactly, A = ln(1/0.9): the weight is 1 on both sides.
    assert ambiguity_weight(_case(100, 900)) == pytest.approx(1.0)
    weights = [ambiguity_weight(_case(inp, 1000)) for inp in (50, 111, 200, 500, 1000, 4000)]
    assert weights == sorted(weights, reverse=True)
    assert 0.0 < weights[-1] < weights[0] == 1.0


def test_equal_lengths_weigh_about_a_fortieth():
    assert ambiguity_weight(_case(1024, 1024)) == pytest.approx(0.0231, abs=1e-4)
