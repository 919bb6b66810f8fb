"""Draw a complaint report: a bar chart (PNG, matplotlib on Agg) and one self-contained HTML page.

The chart is a horizontal bar per top cluster, stacked by group when the report has a grouping
field (the eight largest groups, the rest as "other"). It is drawn on a ``Figure`` of its own, not
through pyplot's global state. The HTML page inlines the chart as a data URI (no network, one
file) and escapes every text that came from the input or a generator.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from veracity.errors import MissingDependency
from veracity.tasks.complaints import ComplaintCluster, ComplaintReport

MAX_GROUPS = 8
OTHER = "other"


def _short(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _stacks(report: ComplaintReport) -> list[tuple[str, list[int]]]:
    """``(series name, count per top cluster)``: one series, or one per group."""
    top = report.top_clusters
    if not report.by:
        return [("complaints", [c.count for c in top])]
    totals: dict[str, int] = {}
    for c in top:
        for g, n in c.groups:
            totals[g] = totals.get(g, 0) + n
    named = sorted(sorted(totals, key=lambda g: (-totals[g], g))[:MAX_GROUPS])  # months in order
    series = [(g, [dict(c.groups).get(g, 0) for c in top]) for g in named]
    rest = [c.count - sum(dict(c.groups).get(g, 0) for g in named) for c in top]
    if any(rest):
        series.append((OTHER, rest))
    return series


def chart_png(report: ComplaintReport) -> bytes:
    """The top clusters as a horizontal bar chart, PNG bytes."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingDependency("the complaints chart", "eval", "matplotlib") from exc
    top = report.top_clusters
    fig = Figure(figsize=(8, 1.2 + 0.55 * max(1, len(top))), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    names = [f"{c.rank}. {_short(c.name, 40)}" for c in top]
    left = [0] * len(top)
    stacks = _stacks(report)
    for label, counts in stacks:
        ax.barh(names, counts, left=left, label=label)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, c in enumerate(top):
        ax.annotate(
            f"{c.count}", (c.count, y), xytext=(3, 0), textcoords="offset points", va="center"
        )
    ax.invert_yaxis()  # rank 1 on top
    ax.set_xlabel("negative items")
    ax.set_title(
        f"Top {len(top)} complaints ({len(report.items)} negative of {report.total} items)"
    )
    if len(stacks) > 1:
        fig.legend(title=report.by, fontsize="small", loc="outside right upper")
    ax.margins(x=0.12)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def write_chart(report: ComplaintReport, path: Path) -> Path:
    path.write_bytes(chart_png(report))
    return path


def _cluster_html(c: ComplaintCluster) -> str:
    e = html.escape
    quotes = "".join(
        f"<li><q>{e(q.item.text)}</q> <cite>{e(q.item.citation())}</cite></li>" for q in c.quotes
    )
    groups = ", ".join(f"{e(g)}: {n}" for g, n in c.groups)
    by = f"<p class='groups'>{groups}</p>" if groups else ""
    return (
        f"<section><h2>{c.rank}. {e(c.name)} <small>({c.count} items, {c.share:.0%})</small></h2>"
        f"<p class='terms'>terms: {e(', '.join(c.terms))} · named by {e(c.named_by)}</p>"
        f"{by}<ul>{quotes}</ul></section>"
    )


def _groups_html(report: ComplaintReport) -> str:
    """A table: for each group, its top complaints as "#rank name (count)"."""
    if not report.by:
        return ""
    e = html.escape
    names = {c.rank: c.name for c in report.clusters}
    rows = "".join(
        f"<tr><td>{e(g)}</td><td>"
        + "; ".join(f"#{r} {e(names[r])} ({n})" for r, n in ranked)
        + "</td></tr>"
        for g, ranked in report.by_group().items()
    )
    return f"<h2>By {e(report.by)}</h2><table><tr><th>{e(report.by)}</th><th>top complaints</th></tr>{rows}</table>"


def report_html(report: ComplaintReport, *, with_chart: bool = True) -> str:
    """One HTML page: summary, the chart (when matplotlib is there), clusters with quotes."""
    e = html.escape
    img = ""
    if with_chart:
        try:
            data = base64.b64encode(chart_png(report)).decode("ascii")
            img = f"<img alt='bar chart of the top complaints' src='data:image/png;base64,{data}'>"
        except MissingDependency:
            img = "<p>The chart needs matplotlib: pip install 'veracity[eval]'.</p>"
    s = report.settings
    summary = (
        f"{report.total} items read, {len(report.items)} negative, "
        f"{len(report.items) - report.unclustered} in {len(report.clusters)} clusters "
        f"({report.unclustered} unclustered). Embedder {e(str(s.get('embedder')))}, "
        f"{e(str(s.get('algorithm')))} {e(str(s.get('threshold')))}."
    )
    body = "".join(_cluster_html(c) for c in report.top_clusters) + _groups_html(report)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Top complaints</title><style>"
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto}cite{color:#666;"
        "font-size:.85em}.terms,.groups{color:#444}img{max-width:100%}</style></head><body>"
        f"<h1>Top {len(report.top_clusters)} complaints</h1><p>{summary}</p>{img}{body}"
        "</body></html>"
    )


def write_html(report: ComplaintReport, path: Path) -> Path:
    path.write_text(report_html(report), encoding="utf-8")
    return path
