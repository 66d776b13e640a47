"""Dollars and watts (``service.engine.cost``) against hand-computed examples.

The arithmetic is written out in each test; formulas are those of the module docstrings
(ENGINE_NOTES "Cost and power")."""

from __future__ import annotations

import pytest

from service.engine.cost import (
    ALL_IN_POWER_OVER_TDP,
    TcoInputs,
    cost_figures,
    power_figures,
    revenue_over_period,
    tco_hourly_cost,
)

BASE = TcoInputs(
    purchase_usd_per_accelerator=40_000.0,
    power_kw_per_accelerator=1.0,
    amortisation_years=4.0,
    utilisation=0.8,
    pue=1.3,
    usd_per_kwh=0.08,
    other_opex_usd_per_accelerator_year=1_000.0,
)


def _with(**changes) -> TcoInputs:
    return TcoInputs(**{**BASE.__dict__, **changes})


def test_tco_hourly_cost_by_hand():
    # Serving hours per year: 8760 x 0.8 = 7008.
    # capital = 40,000 / (4 x 7008) = 40,000 / 28,032 = 1.426940639 USD/h
    # energy  = 1.0 kW x 1.3 PUE x 0.08 USD/kWh = 0.104 USD/h
    # opex    = 1,000 / 7008 = 0.142694064 USD/h
    # total   = 1.673634703 USD per serving accelerator-hour
    cost = tco_hourly_cost(BASE)
    assert cost.basis == "tco"
    assert cost.components["capital_usd_per_hour"] == pytest.approx(1.426940639, rel=1e-9)
    assert cost.components["energy_usd_per_hour"] == pytest.approx(0.104, rel=1e-12)
    assert cost.components["other_opex_usd_per_hour"] == pytest.approx(0.142694064, rel=1e-8)
    assert cost.components["facility_kw_per_accelerator"] == pytest.approx(1.3)
    assert cost.usd_per_accelerator_hour == pytest.approx(1.673634703, rel=1e-9)


def test_a_gb200_rack_bought_for_5m():
    # 5,000,000 / 72 = 69,444.44 per GPU; 3 years at 100 %: 69,444.44 / 26,280 h = 2.642483 USD/h capital;
    # 2.1 kW all-in already includes PUE (pue = 1): 2.1 x 0.06 = 0.126 USD/h energy; total 2.768483.
    cost = tco_hourly_cost(TcoInputs(purchase_usd_per_accelerator=5e6 / 72, power_kw_per_accelerator=2.1,
                                     amortisation_years=3, utilisation=1.0, pue=1.0, usd_per_kwh=0.06))
    assert cost.components["capital_usd_per_hour"] == pytest.approx(2.642483, rel=1e-6)
    assert cost.usd_per_accelerator_hour == pytest.approx(2.768483, rel=1e-6)


def test_raising_usd_per_kwh_raises_cost_by_the_energy_drawn():
    # +0.02 USD/kWh on 1.0 kW x 1.3 PUE = +0.026 USD per hour, and nothing else moves.
    base = tco_hourly_cost(BASE)
    dearer = tco_hourly_cost(_with(usd_per_kwh=0.10))
    assert dearer.usd_per_accelerator_hour - base.usd_per_accelerator_hour == pytest.approx(0.026, rel=1e-9)
    assert dearer.components["capital_usd_per_hour"] == base.components["capital_usd_per_hour"]


def test_lowering_utilisation_spreads_capital_and_opex_over_fewer_hours():
    # At 0.4 instead of 0.8 the serving hours halve, so capital and opex per hour double:
    # capital 2 x 1.426940639 = 2.853881279; opex 2 x 0.142694064 = 0.285388128; energy stays 0.104;
    # total 3.243269406, i.e. up by capital + opex at 0.8 = 1.569634703.
    base = tco_hourly_cost(BASE)
    idle = tco_hourly_cost(_with(utilisation=0.4))
    assert idle.usd_per_accelerator_hour == pytest.approx(3.243269406, rel=1e-9)
    assert idle.usd_per_accelerator_hour - base.usd_per_accelerator_hour == pytest.approx(1.569634703, rel=1e-9)
    assert idle.components["energy_usd_per_hour"] == base.components["energy_usd_per_hour"]


def test_cost_per_token_moves_with_the_hourly_cost():
    # Same throughput: cost per million tokens scales with USD/h, so the energy-price change carries
    # through exactly: delta = 0.026 USD/h / (10,000 tok/s x 3600 / 1e6 = 36 M tok/h) = 0.000722 USD/M.
    def per_million(tco: TcoInputs) -> float:
        hourly = tco_hourly_cost(tco).usd_per_accelerator_hour
        return cost_figures(usd_per_accelerator_hour=hourly, num_accelerators=1, output_tokens_per_s=10_000,
                            input_tokens_per_s=10_000).usd_per_million_output_tokens

    assert per_million(_with(usd_per_kwh=0.10)) - per_million(BASE) == pytest.approx(0.026 / 36, rel=1e-9)
    assert per_million(_with(utilisation=0.4)) > per_million(BASE)


def test_cost_figures_by_hand():
    # 8 accelerators x 2.0 USD/h = 16 USD/h.
    # output 10,000 tok/s = 36 M tok/h -> 16 / 36 = 0.444444 USD/M; tokens per USD = 36e6 / 16 = 2.25e6.
    # input 5,000 tok/s = 18 M tok/h -> 16 / 18 = 0.888889 USD/M.
    # blended at 4:1 -> 10,000 + 5,000 / 4 = 11,250 equivalent tok/s = 40.5 M/h -> 16 / 40.5 = 0.395062.
    f = cost_figures(usd_per_accelerator_hour=2.0, num_accelerators=8, output_tokens_per_s=10_000,
                     input_tokens_per_s=5_000, output_to_input_price_ratio=4.0)
    assert f.usd_per_hour == 16.0
    assert f.usd_per_million_output_tokens == pytest.approx(0.444444444, rel=1e-8)
    assert f.usd_per_million_input_tokens == pytest.approx(0.888888889, rel=1e-8)
    assert f.usd_per_million_tokens_blended == pytest.approx(0.395061728, rel=1e-8)
    assert f.tokens_per_dollar == pytest.approx(2.25e6)


def test_power_figures_by_hand():
    # GB200 NVL72 rack: 72 x 2.10 kW all-in = 151.2 kW; 100,000 tok/s -> 100,000 x 1000 / 151.2 = 661,375.66 per MW.
    p = power_figures(num_accelerators=72, output_tokens_per_s=100_000, all_in_kw_per_accelerator=2.10, tdp_w=1200)
    assert p is not None
    assert p.kw == pytest.approx(151.2)
    assert p.output_tokens_per_s_per_mw == pytest.approx(661_375.661, rel=1e-8)
    # No all-in figure: TDP 1000 W x 2.2 = 2.2 kW per accelerator.
    q = power_figures(num_accelerators=1, output_tokens_per_s=1_000, all_in_kw_per_accelerator=None, tdp_w=1000)
    assert q is not None and q.kw_per_accelerator == pytest.approx(1.0 * ALL_IN_POWER_OVER_TDP)
    assert power_figures(num_accelerators=1, output_tokens_per_s=1, all_in_kw_per_accelerator=None, tdp_w=None) is None


def test_revenue_over_period_by_hand():
    # 10,000 tok/s x (4 y x 8760 h x 3600 s x 0.8) = 10,000 x 100,915,200 s = 1.009152e12 tokens;
    # at 0.50 USD per million: 504,576 USD.
    revenue = revenue_over_period(output_tokens_per_s=10_000, usd_per_million_tokens_price=0.5, years=4,
                                  utilisation=0.8)
    assert revenue == pytest.approx(504_576.0, rel=1e-12)


@pytest.mark.parametrize("changes", [{"utilisation": 0.0}, {"utilisation": 1.5}, {"pue": 0.9},
                                     {"amortisation_years": 0}, {"usd_per_kwh": -0.1}])
def test_impossible_inputs_are_refused(changes):
    with pytest.raises(ValueError):
        _with(**changes)
