"""Charts of the answers as SVG or PNG: labelled axes with units, a legend, and the assumptions in the
caption. matplotlib is imported only when a chart is asked for, and only its object API with the Agg
canvas is used (no pyplot state), so concurrent requests do not share a figure.

Each function takes the JSON answer (as a dict), so a chart is drawn from exactly the data the JSON
and CSV forms carry.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

Answer = dict[str, Any]


def _caption(answer: Answer, extra: str = "") -> str:
    a = answer["assumptions"]
    workload = f"{a['workload_preset'] + ' ' if a['workload_preset'] else ''}{a['input_tokens']:,} input / " \
               f"{a['output_tokens']:,} output tokens per request"
    limits = []
    if a.get("min_tokens_per_s_per_user"):
        limits.append(f">= {a['min_tokens_per_s_per_user']:.4g} tokens/s per user")
    if a.get("ttft_ms"):
        limits.append(f"TTFT <= {a['ttft_ms']:,.0f} ms")
    slo = (a["slo_preset"] + " " if a.get("slo_preset") else "") + (", ".join(limits) or "no latency limit")
    text = (
        f"Workload: {workload}. SLO: {slo}. Operating point: {a['operating_point']}. "
        f"Precision: {a['precision']}. Price: {a['price_basis']}. Units: {a['rack_unit']}. {extra}"
        f"Bands: p10-p90 of calibration residuals. costcurve engine {answer['engine_version']}, "
        f"catalog v{answer['catalog_version']}."
    )
    return "\n".join(textwrap.wrap(text, 150))


def _figure(height_in: float = 7.5):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.5, height_in), dpi=100)
    return fig


def _colours(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab20"] if n > 10 else colormaps["tab10"]
    return [cmap(i % cmap.N) for i in range(n)]


def _save(fig, fmt: str) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    # Keep text as <text> elements so the SVG is searchable, selectable and accessible.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "costcurve"}):
        fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def _finish(fig, ax, answer: Answer, fmt: str, extra: str = "") -> bytes:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, title="Platform", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8, title_fontsize=9, frameon=False)
    ax.grid(True, which="major", alpha=0.3)
    fig.text(0.01, 0.01, _caption(answer, extra), fontsize=7.5, va="bottom", ha="left", wrap=False)
    fig.subplots_adjust(left=0.08, right=0.76, top=0.93, bottom=0.27)
    return _save(fig, fmt)


def curves_chart(answer: Answer, fmt: str) -> bytes:
    """USD per million output tokens (log) for each model of the ladder, smallest to largest, one line per
    platform with its p10-p90 band. Models sit at evenly spaced positions labelled with their size
    (total and, for MoE, active parameters) so neighbours of similar size stay readable."""
    fig = _figure()
    ax = fig.add_subplot()
    platforms = answer["platforms"]
    colours = dict(zip(platforms, _colours(len(platforms)), strict=False))
    models = answer["models"]
    position = {m: i for i, m in enumerate(models)}
    for platform in platforms:
        pts = sorted((p for p in answer["points"] if p["platform"] == platform), key=lambda p: position[p["model"]])
        if not pts:
            continue
        x = [position[p["model"]] for p in pts]
        y = [p["usd_per_million_output_tokens"] for p in pts]
        ax.plot(x, y, marker="o", markersize=4, linewidth=1.4, color=colours[platform], label=platform)
        ax.fill_between(x, [p["usd_per_million_output_tokens_p10"] for p in pts],
                        [p["usd_per_million_output_tokens_p90"] for p in pts], color=colours[platform], alpha=0.12,
                        linewidth=0)
    ax.set_yscale("log")
    info = {p["model"]: p for p in answer["points"]}
    labels = []
    for m in models:
        p = info.get(m)
        if p is None:
            labels.append(m)
        elif p["moe"]:
            labels.append(f"{m}\n{p['params_total_b']:,.0f}B MoE ({p['params_active_b']:,.0f}B active)")
        else:
            labels.append(f"{m}\n{p['params_total_b']:,.0f}B dense")
    ax.set_xticks(range(len(models)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
    ax.set_xlim(-0.5, len(models) - 0.5)
    ax.set_xlabel("Model, by total parameters (billions)")
    ax.set_ylabel("USD per million output tokens (log scale)")
    summary = answer.get("summary") or {}
    best = summary.get("best_as_size_grows")
    ax.set_title("Cost per million output tokens across model sizes"
                 + (f" (most tokens per dollar: {best})" if best else ""), fontsize=11)
    extra = f"{len(answer.get('unmet', []))} model-platform pairs cannot meet the SLO (listed in the JSON/CSV). "
    return _finish(fig, ax, answer, fmt, extra)


def frontier_chart(answer: Answer, fmt: str) -> bytes:
    """Pareto frontier of output tokens/s per accelerator against tokens/s per user, one line per platform."""
    fig = _figure()
    ax = fig.add_subplot()
    series = answer["series"]
    colours = _colours(len(series))
    for colour, one in zip(colours, series, strict=False):
        pts = one["points"]
        x = [p["interactivity_tokens_per_s_per_user"] for p in pts]
        y = [p["output_tokens_per_s_per_accelerator"] for p in pts]
        ax.plot(x, y, marker="o", markersize=3.5, linewidth=1.4, color=colour, label=one["platform"],
                drawstyle="default")
        ax.fill_between(x, [p["output_tokens_per_s_per_accelerator_p10"] for p in pts],
                        [p["output_tokens_per_s_per_accelerator_p90"] for p in pts], color=colour, alpha=0.12,
                        linewidth=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Interactivity (output tokens/s per user; log scale)")
    ax.set_ylabel("Output tokens/s per accelerator (log scale)")
    ax.set_title(f"Throughput-interactivity frontier of {answer['model']}", fontsize=11)
    return _finish(fig, ax, answer, fmt, "Every frontier point carries its USD per million tokens in the JSON/CSV. ")


def compare_chart(answer: Answer, fmt: str) -> bytes:
    """USD per million output tokens per platform, cheapest first, with p10-p90 error bars."""
    fig = _figure()
    ax = fig.add_subplot()
    pts = answer["points"]
    colours = _colours(len(pts))
    for i, (colour, p) in enumerate(zip(colours, pts, strict=False)):
        value = p["usd_per_million_output_tokens"]
        # A calibration band need not straddle the point estimate; clip the bars at the point.
        err = [[max(0.0, value - p["usd_per_million_output_tokens_p10"])],
               [max(0.0, p["usd_per_million_output_tokens_p90"] - value)]]
        ax.barh(i, value, xerr=err, color=colour, capsize=3, label=p["platform"])
        ax.text(value, i, f"  ${value:.3g}", va="center", fontsize=7)
    ax.set_yticks(range(len(pts)))
    ax.set_yticklabels([p["platform"] for p in pts], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("USD per million output tokens")
    ax.set_ylabel("Platform (cheapest first)")
    ax.set_title(f"{answer['model']}: cost per million output tokens by platform", fontsize=11)
    return _finish(fig, ax, answer, fmt)


CHARTS = {"curves": curves_chart, "frontier": frontier_chart, "compare": compare_chart}


def render(kind: str, answer: Answer, fmt: str) -> bytes:
    return CHARTS[kind](answer, fmt)
