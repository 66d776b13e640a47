"""Which USD per accelerator-hour an answer uses, and where it came from.

Order: the request's own ``usd_per_accelerator_hour``; else a TCO build-up from the request; else the
TCO table on the basis the request names (``tco_table``); else a catalog price. The default catalog
price is the median (lower median, so a real row) of the platform's on-demand prices across
providers, optionally narrowed by ``provider`` and ``pricing_type``; a platform with no rental price
falls back to the all-in neocloud USD/hour of the TCO table.
"""

from __future__ import annotations

from service.catalog.snapshot import CatalogSnapshot
from service.engine.cost import ALL_IN_POWER_OVER_TDP, TcoInputs, tco_hourly_cost
from service.estimates.schemas import PriceUsed, PricingIn
from service.problems import Problem

DEFAULT_PRICING_TYPE = "on-demand"


def _is_default_type(pricing_type: str) -> bool:
    return pricing_type.startswith("on-demand") and "historical" not in pricing_type


def catalog_prices(snapshot: CatalogSnapshot, platform_id: str) -> list[dict]:
    return [p for p in snapshot.prices if p["platform_id"] == platform_id]


def has_price(snapshot: CatalogSnapshot, platform_id: str) -> bool:
    return bool(catalog_prices(snapshot, platform_id)) or platform_id in snapshot.tco


def _catalog_price(snapshot: CatalogSnapshot, platform_id: str, pricing: PricingIn) -> PriceUsed:
    rows = catalog_prices(snapshot, platform_id)
    if pricing.provider:
        rows = [p for p in rows if p["provider"].lower() == pricing.provider.lower()]
    if pricing.pricing_type:
        rows = [p for p in rows if p["pricing_type"].lower() == pricing.pricing_type.lower()]
    elif any(_is_default_type(p["pricing_type"]) for p in rows):
        rows = [p for p in rows if _is_default_type(p["pricing_type"])]
    if not rows:
        tco = snapshot.tco.get(platform_id)
        if tco is not None and not pricing.provider and not pricing.pricing_type:
            return _tco_table_price(snapshot, platform_id, "neocloud")
        available = sorted({(p["provider"], p["pricing_type"]) for p in catalog_prices(snapshot, platform_id)})
        raise Problem(
            422,
            "no-price",
            f"The catalog has no price for {platform_id}"
            + (f" from provider {pricing.provider!r}" if pricing.provider else "")
            + (f" of type {pricing.pricing_type!r}" if pricing.pricing_type else "")
            + ". Give pricing.usd_per_accelerator_hour or a pricing.tco build-up, or choose one of the "
            "available provider/pricing_type pairs.",
            available=[{"provider": a, "pricing_type": b} for a, b in available],
        )
    rows = sorted(rows, key=lambda p: (p["usd_per_accelerator_hour"], p["id"]))
    row = rows[(len(rows) - 1) // 2]
    return PriceUsed(
        usd_per_accelerator_hour=row["usd_per_accelerator_hour"],
        basis="catalog",
        source=row["source"],
        price_id=row["id"],
        provider=row["provider"],
        pricing_type=row["pricing_type"],
        date=row["date"],
    )


def _tco_price(snapshot: CatalogSnapshot, platform_id: str, pricing: PricingIn) -> PriceUsed:
    tco = pricing.tco
    assert tco is not None
    if tco.purchase_usd_per_accelerator is not None:
        purchase = tco.purchase_usd_per_accelerator
    elif tco.purchase_usd_per_server is not None:
        purchase = tco.purchase_usd_per_server / tco.accelerators_per_server
    elif tco.purchase_usd_per_rack is not None:
        per_rack = next((n for rid, (pid, n) in snapshot.racks.items() if pid == platform_id), None)
        if per_rack is None:
            raise Problem(422, "invalid-pricing",
                          f"{platform_id} is not a rack-scale platform; give purchase_usd_per_accelerator "
                          "or purchase_usd_per_server instead of purchase_usd_per_rack.")
        purchase = tco.purchase_usd_per_rack / per_rack
    else:
        raise Problem(422, "invalid-pricing",
                      "pricing.tco needs a purchase price: purchase_usd_per_accelerator, "
                      "purchase_usd_per_server (with accelerators_per_server) or purchase_usd_per_rack.")
    power_kw = tco.power_kw_per_accelerator
    if power_kw is None:
        all_in = snapshot.tco.get(platform_id, {}).get("all_in_kw_per_accelerator")
        tdp = snapshot.platforms[platform_id].tdp_w
        if all_in is not None:
            power_kw = all_in / tco.pue
        elif tdp is not None:
            power_kw = tdp / 1000.0 * ALL_IN_POWER_OVER_TDP / tco.pue
        else:
            raise Problem(422, "invalid-pricing",
                          f"The catalog has no power figure for {platform_id}; give "
                          "pricing.tco.power_kw_per_accelerator.")
    hourly = tco_hourly_cost(
        TcoInputs(
            purchase_usd_per_accelerator=purchase,
            power_kw_per_accelerator=power_kw,
            amortisation_years=tco.amortisation_years,
            utilisation=tco.utilisation,
            pue=tco.pue,
            usd_per_kwh=tco.usd_per_kwh,
            other_opex_usd_per_accelerator_year=tco.other_opex_usd_per_accelerator_year,
        )
    )
    components = dict(hourly.components)
    components.update(purchase_usd_per_accelerator=purchase, it_kw_per_accelerator=power_kw)
    return PriceUsed(
        usd_per_accelerator_hour=hourly.usd_per_accelerator_hour,
        basis="tco",
        source=hourly.source,
        components=components,
    )


def _tco_table_price(snapshot: CatalogSnapshot, platform_id: str, basis: str) -> PriceUsed:
    row = snapshot.tco.get(platform_id)
    if row is None:
        raise Problem(
            422,
            "no-price",
            f"The TCO table has no row for {platform_id}. Leave out pricing.tco_table to use a catalog rental "
            "price, or give pricing.usd_per_accelerator_hour.",
            available=sorted(snapshot.tco),
        )
    return PriceUsed(
        usd_per_accelerator_hour=row[f"usd_per_accelerator_hour_{basis}"],
        basis="tco-table",
        source=row["source"],
        pricing_type=f"all-in TCO ({basis.replace('_', ' ')})",
    )


def resolve_price(snapshot: CatalogSnapshot, platform_id: str, pricing: PricingIn | None) -> PriceUsed:
    """The price used for ``platform_id`` (a per-accelerator id), per the order in the module doc."""
    pricing = pricing or PricingIn()
    if pricing.usd_per_accelerator_hour is not None:
        return PriceUsed(
            usd_per_accelerator_hour=pricing.usd_per_accelerator_hour,
            basis="user",
            source="pricing.usd_per_accelerator_hour of the request",
        )
    if pricing.tco is not None:
        return _tco_price(snapshot, platform_id, pricing)
    if pricing.tco_table is not None:
        return _tco_table_price(snapshot, platform_id, pricing.tco_table)
    return _catalog_price(snapshot, platform_id, pricing)
