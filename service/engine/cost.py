"""Dollars and watts: hourly cost of an accelerator (rented or built up from TCO), cost per token,
tokens per dollar and tokens per megawatt.

Conventions (ENGINE_NOTES "Cost and power"):
- ``USD per M output tokens = USD per hour of the deployment / (output tokens per hour / 1e6)``: the whole
  cost is carried by the output tokens, as published cost-per-million-token figures do.
- ``USD per M input tokens`` likewise carries the whole cost on the input tokens processed; the blended
  figure spreads it over both at a price ratio (output tokens priced ``ratio`` times input tokens).
- ``tokens/s per MW = tokens/s per accelerator x 1000 / all-in kW per accelerator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

HOURS_PER_YEAR = 8760.0

# All-in facility kW per accelerator over its TDP, where no all-in figure is catalogued: the median of
# the InferenceX table (H100 1.73/0.70 = 2.47, B200 2.17/1.00 = 2.17, MI300X 1.79/0.75 = 2.39,
# MI355X 2.65/1.40 = 1.89, GB200 2.10/1.20 = 1.75) is about 2.2.
ALL_IN_POWER_OVER_TDP = 2.2


@dataclass(frozen=True)
class TcoInputs:
    """A cost build-up for one accelerator that is bought rather than rented.

    ``power_kw_per_accelerator`` is the IT power of one accelerator with its share of host and network;
    the facility draws ``pue`` times that.
    """

    purchase_usd_per_accelerator: float
    power_kw_per_accelerator: float
    amortisation_years: float = 4.0
    utilisation: float = 0.8
    pue: float = 1.3
    usd_per_kwh: float = 0.08
    other_opex_usd_per_accelerator_year: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.utilisation <= 1:
            raise ValueError("utilisation must be in (0, 1]")
        for name in ("purchase_usd_per_accelerator", "power_kw_per_accelerator", "usd_per_kwh",
                     "other_opex_usd_per_accelerator_year"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.amortisation_years <= 0 or self.pue < 1:
            raise ValueError("amortisation_years must be positive and pue at least 1")


@dataclass(frozen=True)
class HourlyCost:
    """USD per accelerator-hour of useful (serving) time, with where it came from."""

    usd_per_accelerator_hour: float
    basis: str
    """``catalog``, ``user`` or ``tco``."""
    source: str
    components: dict[str, float] = field(default_factory=dict)


def tco_hourly_cost(tco: TcoInputs) -> HourlyCost:
    """USD per accelerator-hour of serving time from a TCO build-up.

    Hours actually serving in a year: ``8760 x utilisation``. Per serving hour:

    - capital: ``purchase / (amortisation_years x 8760 x utilisation)``
    - energy: ``power_kw x pue x usd_per_kwh`` (drawn while serving; idle draw is not counted)
    - other opex: ``other_opex_per_year / (8760 x utilisation)``
    """
    serving_hours_per_year = HOURS_PER_YEAR * tco.utilisation
    capital = tco.purchase_usd_per_accelerator / (tco.amortisation_years * serving_hours_per_year)
    energy = tco.power_kw_per_accelerator * tco.pue * tco.usd_per_kwh
    opex = tco.other_opex_usd_per_accelerator_year / serving_hours_per_year
    return HourlyCost(
        usd_per_accelerator_hour=capital + energy + opex,
        basis="tco",
        source="TCO build-up from the request",
        components={
            "capital_usd_per_hour": capital,
            "energy_usd_per_hour": energy,
            "other_opex_usd_per_hour": opex,
            "facility_kw_per_accelerator": tco.power_kw_per_accelerator * tco.pue,
        },
    )


@dataclass(frozen=True)
class CostFigures:
    usd_per_hour: float
    usd_per_million_output_tokens: float
    usd_per_million_input_tokens: float
    usd_per_million_tokens_blended: float
    tokens_per_dollar: float
    """Output tokens per USD."""


def _per_million(usd_per_hour: float, tokens_per_s: float) -> float:
    return math.inf if tokens_per_s <= 0 else usd_per_hour / (tokens_per_s * 3600.0 / 1e6)


def cost_figures(
    *,
    usd_per_accelerator_hour: float,
    num_accelerators: int,
    output_tokens_per_s: float,
    input_tokens_per_s: float,
    output_to_input_price_ratio: float = 4.0,
) -> CostFigures:
    """Cost per token of a deployment of ``num_accelerators`` at the given whole-deployment rates.

    Blended: output tokens are priced ``ratio`` times input tokens, so one USD buys
    ``output + input / ratio`` output-token equivalents; the blended figure is the price of a million
    output tokens on that basis.
    """
    usd_per_hour = usd_per_accelerator_hour * num_accelerators
    equivalent = output_tokens_per_s + input_tokens_per_s / output_to_input_price_ratio
    return CostFigures(
        usd_per_hour=usd_per_hour,
        usd_per_million_output_tokens=_per_million(usd_per_hour, output_tokens_per_s),
        usd_per_million_input_tokens=_per_million(usd_per_hour, input_tokens_per_s),
        usd_per_million_tokens_blended=_per_million(usd_per_hour, equivalent),
        tokens_per_dollar=0.0 if usd_per_hour <= 0 else output_tokens_per_s * 3600.0 / usd_per_hour,
    )


@dataclass(frozen=True)
class PowerFigures:
    kw: float
    """All-in facility power of the deployment."""
    output_tokens_per_s_per_mw: float
    kw_per_accelerator: float
    basis: str


def power_figures(
    *,
    num_accelerators: int,
    output_tokens_per_s: float,
    all_in_kw_per_accelerator: float | None,
    tdp_w: float | None,
) -> PowerFigures | None:
    """All-in power (catalogued all-in kW, else TDP x ``ALL_IN_POWER_OVER_TDP``) and tokens/s per MW.
    None when neither figure is known."""
    if all_in_kw_per_accelerator is not None:
        kw_each, basis = all_in_kw_per_accelerator, "catalogued all-in kW per accelerator"
    elif tdp_w is not None:
        kw_each = tdp_w / 1000.0 * ALL_IN_POWER_OVER_TDP
        basis = f"TDP x {ALL_IN_POWER_OVER_TDP} for host, network and cooling"
    else:
        return None
    kw = kw_each * num_accelerators
    return PowerFigures(
        kw=kw,
        output_tokens_per_s_per_mw=output_tokens_per_s * 1000.0 / kw,
        kw_per_accelerator=kw_each,
        basis=basis,
    )


def revenue_over_period(
    *,
    output_tokens_per_s: float,
    usd_per_million_tokens_price: float,
    years: float,
    utilisation: float,
) -> float:
    """Token revenue of a deployment selling its output at a price over ``years`` at ``utilisation``."""
    seconds = years * HOURS_PER_YEAR * 3600.0 * utilisation
    return output_tokens_per_s * seconds / 1e6 * usd_per_million_tokens_price
