"""Self-contained HTML reports with plots for ``veracity eval rag`` and ``veracity eval beir``.

Plots are drawn with matplotlib (the ``eval`` extra) on the Agg backend and inlined as SVG, so a
report is one file with no network access. Without matplotlib the report is still written, with
a note in place of the plots. Every number shown is escaped; nothing from the dataset is trusted.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{background:#fde8e8} .ok{background:#e8f6e8} .muted{color:#777}
figure{display:inline-block;margin:0 1em 1em 0} details{margin:.5em 0}
blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #ccc;color:#444}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _fmt(x: Any) -> str:
    if x is None:
        return "<span class='muted'>-</span>"
    if isinstance(x, float):
        return f"{x:.3f}"
    return _e(x)


def _pyplot() -> Any:
    """matplotlib's pyplot on the headless Agg backend, or None when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def _inline_svg(plt: Any, fig: Any) -> str:
    """The figure as an ``<svg>`` element (XML prolog dropped), closing the figure."""
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def svg_histograms(series: Mapping[str, Sequence[float]], title: str = "") -> str | None:
    """One small histogram per named series, as inline SVG; None without matplotlib."""
    plt = _pyplot()
    if plt is None:
        return None
    names = [n for n, v in series.items() if len(v)]
    if not names:
        return ""
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.6), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        ax.hist(list(series[name]), bins=10, range=(0.0, 1.0), color="#4477aa", edgecolor="white")
        ax.set_title(name, fontsize=10)
        ax.set_xlim(0, 1)
        ax.tick_params(labelsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    return _inline_svg(plt, fig)


def svg_means(metrics: Mapping[str, Any], title: str = "") -> str | None:
    """Horizontal bars of the means with their 95% CI whiskers, as inline SVG; None without
    matplotlib. ``metrics``: ``{name: {"mean", "ci95": [lo, hi], "n"} or None}``."""
    plt = _pyplot()
    if plt is None:
        return None
    rows = [(k, v) for k, v in metrics.items() if v and 0.0 <= v["mean"] <= 1.0]
    if not rows:
        return ""
    names = [k for k, _ in rows]
    means = [v["mean"] for _, v in rows]
    err = [[m - v["ci95"][0] for m, (_, v) in zip(means, rows, strict=True)],
           [v["ci95"][1] - m for m, (_, v) in zip(means, rows, strict=True)]]  # fmt: skip
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(rows) + 0.9))
    ax.barh(names, means, xerr=err, color="#66aa55", ecolor="#333", capsize=3)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.tick_params(labelsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return _inline_svg(plt, fig)


NO_PLOTS = "<p class='muted'>Plots need matplotlib: pip install 'veracity[eval]'.</p>"


def _plots(series: Mapping[str, Sequence[float]], title: str) -> str:
    svg = svg_histograms(series, title)
    return NO_PLOTS if svg is None else f"<figure>{svg}</figure>"


def _means_plot(metrics: Mapping[str, Any]) -> str:
    svg = svg_means(metrics, "means with bootstrap 95% CIs")
    return "" if svg is None else f"<figure>{svg}</figure>"


def _summary_table(metrics: Mapping[str, Any]) -> str:
    rows = []
    for name, agg in metrics.items():
        if not agg:
            rows.append(f"<tr><td>{_e(name)}</td><td colspan=3 class='muted'>undefined</td></tr>")
            continue
        lo, hi = agg["ci95"]
        rows.append(
            f"<tr><td>{_e(name)}</td><td class=num>{_fmt(agg['mean'])}</td>"
            f"<td class=num>[{_fmt(lo)}, {_fmt(hi)}]</td><td class=num>{agg['n']}</td></tr>"
        )
    return (
        "<table><tr><th>metric</th><th>mean</th><th>95% CI (bootstrap)</th><th>n</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{_e(title)}</h1>{body}</body></html>"
    )


# -- RAG ----------------------------------------------------------------------------------------

COLUMNS = ("context_relevance", "groundedness", "answer_relevance", "exact_match", "f1")


def _question_row(q: Mapping[str, Any]) -> str:
    cls = "bad" if (q.get("groundedness") or 1.0) < 1.0 else ""
    cells = "".join(f"<td class=num>{_fmt(q.get(c))}</td>" for c in COLUMNS)
    return (
        f"<tr class='{cls}'><td>{_e(q['id'])}</td><td>{_e(q['question'])}</td>"
        f"<td>{_e(q['answer'])}</td><td>{_e(' | '.join(q['gold']))}</td>"
        f"<td>{'yes' if q['abstained'] else 'no'}</td>{cells}</tr>"
    )


def _badness(q: Mapping[str, Any]) -> float:
    """Lower is worse: unsupported answers and wrong answers first."""
    parts = [q[c] for c in ("groundedness", "f1", "answer_relevance") if q.get(c) is not None]
    if q.get("should_answer") is False and not q["abstained"]:
        parts.append(0.0)
    return sum(parts) / len(parts) if parts else 1.0


def _worst_case(q: Mapping[str, Any]) -> str:
    sents = "".join(
        f"<li class='{'ok' if s['supported'] else 'bad'}'>{_e(s['text'])} "
        f"<span class=muted>(cites {_e(s['citations'])}, support {s['support']:.2f})</span></li>"
        for s in q["sentences"]
    )
    ctx = "".join(
        f"<blockquote><b>{_e(c['uri'])}</b> <span class=muted>score {c['score']:.2f}</span><br>"
        f"{_e(c['text'][:1200])}</blockquote>"
        for c in q["contexts"]
    )
    return (
        f"<details open><summary><b>{_e(q['id'])}</b>: {_e(q['question'])}</summary>"
        f"<p><b>answer</b>: {_e(q['answer'])}<br><b>gold</b>: {_e(' | '.join(q['gold']))}</p>"
        f"<ul>{sents}</ul><p><b>contexts</b></p>{ctx or '<p class=muted>none</p>'}</details>"
    )


def rag_html(result: Mapping[str, Any], *, worst: int = 10) -> str:
    """The report page for a ``RagEvaluation.to_dict()``."""
    qs: Sequence[Mapping[str, Any]] = result["questions"]
    series = {c: [q[c] for q in qs if q.get(c) is not None] for c in COLUMNS}
    params = ", ".join(f"{_e(k)}={_e(v)}" for k, v in result.get("params", {}).items())
    worst_qs = sorted(qs, key=_badness)[:worst]
    head = (
        "<tr><th>id</th><th>question</th><th>answer</th><th>gold</th><th>abstained</th>"
        + "".join(f"<th>{c}</th>" for c in COLUMNS)
        + "</tr>"
    )
    body = (
        f"<p>dataset <b>{_e(result['dataset'])}</b>, judge <b>{_e(result['judge'])}</b>, "
        f"{result['n']} questions. {params}</p>"
        f"<h2>Summary</h2>{_summary_table(result['metrics'])}{_means_plot(result['metrics'])}"
        f"<h3>Abstention (positive class: should abstain)</h3>"
        f"{_summary_table(result['abstention'])}"
        f"<p>latency (ms): {_e(result.get('latency_ms', {}))}</p>"
        f"<h2>Score distributions</h2>{_plots(series, 'per-question scores')}"
        f"<h2>Worst {len(worst_qs)} cases</h2>{''.join(_worst_case(q) for q in worst_qs)}"
        f"<h2>Per question</h2><table>{head}{''.join(_question_row(q) for q in qs)}</table>"
    )
    return _page(f"Veracity RAG evaluation: {result['dataset']}", body)


# -- BEIR ---------------------------------------------------------------------------------------


def beir_html(result: Mapping[str, Any], per_query: Mapping[str, Mapping[str, float]]) -> str:
    """The report page for ``veracity eval beir``: summary, metric distributions, per query.

    ``result``: ``BeirResult.to_dict()`` plus dataset keys; ``per_query``: ``{metric: {qid: v}}``.
    """
    skip = {"metrics", "per_query"}
    summary = "".join(
        f"<tr><td>{_e(k)}</td><td class=num>{_fmt(v)}</td></tr>"
        for k, v in result.items()
        if k not in skip and not isinstance(v, dict | list)
    )
    cis = _summary_table(result["metrics"]) if "metrics" in result else ""
    names = list(per_query)
    qids = sorted(next(iter(per_query.values()), {}))
    rows = "".join(
        f"<tr><td>{_e(q)}</td>"
        + "".join(f"<td class=num>{_fmt(per_query[n].get(q))}</td>" for n in names)
        + "</tr>"
        for q in qids
    )
    head = "<tr><th>query</th>" + "".join(f"<th>{_e(n)}</th>" for n in names) + "</tr>"
    body = (
        f"<h2>Summary</h2><table>{summary}</table>{cis}{_means_plot(result.get('metrics', {}))}"
        f"<h2>Distributions over queries</h2>"
        f"{_plots({n: list(v.values()) for n, v in per_query.items()}, 'per-query metrics')}"
        f"<h2>Per query</h2><table>{head}{rows}</table>"
    )
    return _page(f"Veracity retrieval evaluation: {result.get('dataset', '')}", body)


def beir_per_query(
    qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Sequence[str]], seed: int = 0
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, Any]]]:
    """Per-query nDCG@10, Recall@100, MRR@10 over the judged queries of ``run``, and each mean
    with its bootstrap 95% CI (``{"mean", "ci95", "n"}``), for the JSON and the report."""
    from veracity.evaluate.bootstrap import bootstrap_ci
    from veracity.evaluate.ir_metrics import (
        mrr_at_k_per_query,
        ndcg_at_k_per_query,
        recall_at_k_per_query,
    )

    judged = {q: dict(qrels[q]) for q in run if q in qrels}
    runs = {q: list(run[q]) for q in judged}
    per: dict[str, dict[str, float]] = {
        "ndcg@10": ndcg_at_k_per_query(judged, runs, 10),
        "recall@100": recall_at_k_per_query(judged, runs, 100),
        "mrr@10": mrr_at_k_per_query(judged, runs, 10),
    }
    cis: dict[str, dict[str, Any]] = {}
    for name, values in per.items():
        if values:
            mean, lo, hi = bootstrap_ci(list(values.values()), seed=seed)
            cis[name] = {"mean": mean, "ci95": [lo, hi], "n": len(values)}
    return per, cis
