"""Calibrate the relevance model and the abstention floor on SQuAD v1.1 dev, per embedder.

Run: ``python -m benchmarks.calibrate_relevance [--embedder minilm] [--questions N] [--seed S]``.

Set-up (all choices fixed by ``--seed``, default 0):

- The 2,067 dev paragraphs become ``Document`` records (uri ``squad:{article}:{paragraph}``,
  metadata ``{"article": title}``) in three collections cached under ``benchmarks/results/``:
  ``full`` (all 48 articles), ``even`` and ``odd`` (articles by parity of their index). Each
  chunk is embedded once: the three collections share one embedding cache.
- ANSWERABLE: the question asked of ``full``, which holds its own paragraph.
  UNANSWERABLE: the same question asked of the half (``even``/``odd``) that does not hold its
  article, so nothing in that collection was written to answer it. Every question appears once
  in each role, so the two classes are paired and balanced.
- Retrieval is what ``AnswerEngine`` does: hybrid search (RRF, 100 candidates per retriever),
  the top 30 chunks, scored by ``BlendReranker.features`` (cosine, BM25 coverage).
- Articles are split in halves (train / held-out) by a seeded permutation, so no held-out
  question shares an article, and hence a paragraph, with the fit.

Fit (train articles only): a logistic regression of "this chunk is from the gold paragraph" on
``(cosine, coverage)`` over every candidate chunk of both roles (answerable candidates other than
the gold paragraph and all unanswerable candidates are negatives). The floor is then chosen for the
engine's actual decision, "answer when the best reranked chunk's probability >= floor", to
maximise balanced accuracy (mean of the answer rate on answerable questions and the abstention
rate on unanswerable ones). Balanced accuracy weighs both errors equally and does not depend on the
share of unanswerable questions a user happens to ask, which we do not know; the alternative (answer
90% of answerable questions) is reported alongside as a second operating point.

Held-out figures carry percentile bootstrap 95% intervals over questions
(``veracity.evaluate.bootstrap``). Results go to ``src/veracity/rag/relevance_model.json`` (the
entry named after the embedder instance: ``minilm``, ``hash-256``; a ``--embedder minilm`` run also
refits ``default``, coverage only, for embedders never calibrated) and to the ``abstention``
section of ``docs/benchmarks.md`` (with the hand-written samples set, see ``--samples-only``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import datetime  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import veracity  # noqa: E402
from benchmarks._report import machine_line, write_section  # noqa: E402
from veracity.collection import Collection  # noqa: E402
from veracity.embed.base import get_embedder  # noqa: E402
from veracity.evaluate.bootstrap import auc_of_pairs, bootstrap_ci, roc_auc  # noqa: E402
from veracity.rag.relevance import MODEL_PATH, BlendReranker, RelevanceModel  # noqa: E402
from veracity.records import Document  # noqa: E402
from veracity.retrieve.search import SearchOptions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "datasets" / "squad" / "dev-v1.1.json.gz"
RESULTS = ROOT / "benchmarks" / "results"
SAMPLES_DIR = ROOT / "samples"
SAMPLES_SET = ROOT / "tests" / "rag" / "abstention_samples.jsonl"
CANDIDATES = 30  # AskOptions.candidates: what the engine reranks
SOURCES = 4  # AskOptions.sources: what the engine packs into the prompt


@dataclass(frozen=True)
class Question:
    text: str
    article: int
    paragraph: int

    @property
    def gold_uri(self) -> str:
        return f"squad:{self.article}:{self.paragraph}"


class CachingEmbedder:
    """Wraps an embedder so a text is embedded once across the three collections and queries."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.dim: int = inner.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vecs = self.inner.embed(missing)  # (m, dim)
            self._cache.update(zip(missing, vecs, strict=True))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for i, t in enumerate(texts):
            out[i] = self._cache[t]
        return out


# -- data -------------------------------------------------------------------------------------


def load_squad(path: Path = SQUAD) -> tuple[list[Document], list[Question]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    docs: list[Document] = []
    questions: list[Question] = []
    for a, article in enumerate(data):
        title = article["title"].replace("_", " ")
        for p, para in enumerate(article["paragraphs"]):
            docs.append(
                Document.make(
                    f"squad:{a}:{p}", para["context"], title=title, metadata={"article": title}
                )
            )
            questions.extend(Question(qa["question"], a, p) for qa in para["qas"])
    return docs, questions


def article_of(uri: str) -> int:
    return int(uri.split(":")[1])


def build_collections(embedder: CachingEmbedder, docs: list[Document]) -> dict[str, Collection]:
    """``full``, ``even`` and ``odd`` collections, built once and reused from ``RESULTS``."""
    root = RESULTS / f"squad-calib-{embedder.name}"
    parts = {
        "full": docs,
        "even": [d for d in docs if article_of(d.uri) % 2 == 0],
        "odd": [d for d in docs if article_of(d.uri) % 2 == 1],
    }
    out: dict[str, Collection] = {}
    for name, part in parts.items():
        col = veracity.open(root / name, embedder=embedder)
        if col.status().documents != len(part):
            t0 = time.perf_counter()
            col.add(part)
            print(
                f"ingested {name}: {len(part)} docs in {time.perf_counter() - t0:.0f}s",
                file=sys.stderr,
            )
        out[name] = col
    return out


# -- features ---------------------------------------------------------------------------------


@dataclass
class Candidates:
    """The engine's 30 candidates for one question in one role: features and gold flags."""

    cosine: np.ndarray  # (n,)
    coverage: np.ndarray  # (n,)
    gold: np.ndarray  # (n,) bool


def candidates(col: Collection, rer: BlendReranker, query: str, gold_uri: str) -> Candidates:
    searcher = col.searcher(SearchOptions(mode="hybrid", candidates=100))
    hits = searcher.retrieve(query, CANDIDATES)
    if not hits:
        return Candidates(np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool))
    cos, cov = rer.features(query, hits)
    return Candidates(cos, cov, np.array([h.uri == gold_uri for h in hits], dtype=bool))


def collect(
    cols: dict[str, Collection], embedder: CachingEmbedder, questions: list[Question]
) -> list[tuple[Candidates, Candidates]]:
    """``(answerable, unanswerable)`` candidates for every question."""
    embedder.embed([q.text for q in questions])  # one batched pass fills the cache
    rers = {
        name: BlendReranker(c.store, c.indexes().bm25(), embedder, _any_model())
        for name, c in cols.items()
    }
    out = []
    t0 = time.perf_counter()
    for i, q in enumerate(questions):
        other = "odd" if q.article % 2 == 0 else "even"
        ans = candidates(cols["full"], rers["full"], q.text, q.gold_uri)
        una = candidates(cols[other], rers[other], q.text, q.gold_uri)
        out.append((ans, una))
        if (i + 1) % 500 == 0:
            print(f"  {i + 1} questions, {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return out


def _any_model() -> RelevanceModel:
    return RelevanceModel(1.0, 1.0, 0.0, 0.5, "features only")


# -- fitting ----------------------------------------------------------------------------------


def fit_weights(
    pairs: list[tuple[Candidates, Candidates]], cosine: bool
) -> tuple[float, float, float]:
    """``(w_cosine, w_coverage, bias)`` by logistic regression on every candidate chunk."""
    from sklearn.linear_model import LogisticRegression

    cands = [c for pair in pairs for c in pair]
    cos = np.concatenate([c.cosine for c in cands])
    cov = np.concatenate([c.coverage for c in cands])
    y = np.concatenate([c.gold for c in cands]).astype(int)
    x = np.column_stack([cos, cov]) if cosine else cov[:, None]  # (n, 2) or (n, 1)
    model = LogisticRegression(C=100.0, max_iter=1000).fit(x, y)
    w = model.coef_[0]
    return (float(w[0]) if cosine else 0.0, float(w[-1]), float(model.intercept_[0]))


def best_probs(model: RelevanceModel, pairs: list[tuple[Candidates, Candidates]]) -> np.ndarray:
    """``(n, 2)``: the best candidate's probability, answerable then unanswerable role."""
    out = np.zeros((len(pairs), 2))
    for i, pair in enumerate(pairs):
        for j, c in enumerate(pair):
            probs = [model.probability(a, b) for a, b in zip(c.cosine, c.coverage, strict=True)]
            out[i, j] = max(probs, default=0.0)
    return out


def gold_in_sources(
    model: RelevanceModel, pairs: list[tuple[Candidates, Candidates]]
) -> np.ndarray:
    """``(n,)`` bool: the gold paragraph is among the top ``SOURCES`` reranked answerable chunks."""
    out = np.zeros(len(pairs), dtype=bool)
    for i, (ans, _) in enumerate(pairs):
        probs = np.array(
            [model.probability(a, b) for a, b in zip(ans.cosine, ans.coverage, strict=True)]
        )
        top = np.argsort(-probs, kind="stable")[:SOURCES]
        out[i] = bool(ans.gold[top].any()) if len(top) else False
    return out


def choose_floor(best: np.ndarray) -> float:
    """The floor maximising balanced accuracy of ``best[:, 0] >= floor`` vs ``best[:, 1] < floor``."""
    cands = np.unique(best)
    ans = np.sort(best[:, 0])
    una = np.sort(best[:, 1])
    answer_rate = 1.0 - np.searchsorted(ans, cands, side="left") / len(ans)
    abstain_rate = np.searchsorted(una, cands, side="left") / len(una)
    bal = (answer_rate + abstain_rate) / 2
    i = int(np.argmax(bal))
    # midway to the next lower score, so the cut does not sit on a training point
    lower = cands[i - 1] if i > 0 else cands[i]
    return float((cands[i] + lower) / 2)


def floor_for_answer_rate(best: np.ndarray, rate: float) -> float:
    return float(np.quantile(best[:, 0], 1.0 - rate))


# -- reporting --------------------------------------------------------------------------------


def decision_figures(
    best: np.ndarray, floor: float, seed: int
) -> dict[str, tuple[float, float, float]]:
    answered = (best[:, 0] >= floor).astype(float)
    abstained = (best[:, 1] < floor).astype(float)
    both = np.column_stack([answered, abstained])  # (n, 2): equal classes, mean = balanced acc
    rows = np.column_stack([np.concatenate([best[:, 0], best[:, 1]]),
                            np.concatenate([np.ones(len(best)), np.zeros(len(best))])])  # fmt: skip
    return {
        "answer_rate": bootstrap_ci(answered, seed=seed),
        "abstain_rate": bootstrap_ci(abstained, seed=seed),
        "balanced_accuracy": bootstrap_ci(both, stat=_mean, seed=seed),
        "auc": bootstrap_ci(rows, stat=auc_of_pairs, seed=seed),
    }


def _mean(a: np.ndarray) -> float:
    return float(a.mean())


def fmt_ci(v: tuple[float, float, float]) -> str:
    return f"{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]"


def write_model(name: str, model: RelevanceModel, path: Path = MODEL_PATH) -> None:
    doc: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault("format", "veracity-relevance/2")
    models = doc.setdefault("models", {})
    models[name] = {
        "w_cosine": round(model.w_cosine, 4),
        "w_coverage": round(model.w_coverage, 4),
        "bias": round(model.bias, 4),
        "floor": round(model.floor, 4),
        "source": model.source,
    }
    doc["models"] = dict(sorted(models.items()))
    path.write_text(json.dumps(doc, indent=2) + "\n")


# -- the hand-written samples set -------------------------------------------------------------


def samples_figures(embedder_name: str = "minilm") -> tuple[str, dict[str, Any]]:
    """Retrieval-level decisions of the engine on ``tests/rag/abstention_samples.jsonl``."""
    rows = [json.loads(line) for line in SAMPLES_SET.read_text().splitlines() if line.strip()]
    col = veracity.open(RESULTS / f"samples-{embedder_name}", embedder=embedder_name)
    col.add(SAMPLES_DIR)
    rer = BlendReranker(col.store, col.indexes().bm25(), col.embedder())
    searcher = col.searcher(SearchOptions(mode="hybrid", candidates=100))
    lines, correct, stats = [], 0, {"ans": [0, 0], "una": [0, 0]}
    for row in rows:
        hits = rer.rerank(
            row["question"], searcher.retrieve(row["question"], CANDIDATES), CANDIDATES
        )
        best = hits[0].score if hits else 0.0
        answers = best >= rer.model.floor
        ok = answers == bool(row["answerable"])
        correct += ok
        key = "ans" if row["answerable"] else "una"
        stats[key][0] += ok
        stats[key][1] += 1
        if not ok:
            lines.append(
                f"| {row['question']} | {'answerable' if row['answerable'] else 'unanswerable'} | {best:.3f} |"
            )
    summary = {
        "correct": correct, "n": len(rows), "answerable": stats["ans"], "unanswerable": stats["una"],
        "floor": rer.model.floor, "embedder": col.embedder().name, "errors": lines,
    }  # fmt: skip
    text = (
        f"Hand-written set (`tests/rag/abstention_samples.jsonl`, questions over `samples/`, "
        f"embedder `{summary['embedder']}`, floor {summary['floor']:.3f}): "
        f"{correct}/{len(rows)} correct decisions (95% Wilson interval "
        f"{_wilson(correct, len(rows))[0]:.2f}-{_wilson(correct, len(rows))[1]:.2f}); answered {stats['ans'][0]}/{stats['ans'][1]} "
        f"answerable, abstained on {stats['una'][0]}/{stats['una'][1]} unanswerable."
    )
    if lines:
        text += "\n\n| wrong decision on | truth | best probability |\n|---|---|---|\n" + "\n".join(
            lines
        )
    return text, summary


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` (Wilson 1927); sound at k = n."""
    p = k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(mid - half), float(mid + half)


# -- main -------------------------------------------------------------------------------------


Pairs = list[tuple[Candidates, Candidates]]


def split_questions(
    questions: list[Question], n_questions: int, seed: int
) -> tuple[list[Question], set[int]]:
    """A seeded sample of ``n_questions`` (in corpus order) and the set of train articles."""
    rng = np.random.default_rng(seed)
    n_articles = 1 + max(q.article for q in questions)
    train_articles = set(rng.permutation(n_articles)[: n_articles // 2].tolist())
    picked = rng.permutation(len(questions))[: min(n_questions, len(questions))]
    return [questions[i] for i in sorted(picked.tolist())], train_articles


def fit_models(embedder: str, train: Pairs, command: str) -> dict[str, RelevanceModel]:
    """The embedder's model (and, for MiniLM, the coverage-only default), floors included."""
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    variants = [(embedder, True)] + ([("default", False)] if embedder == "minilm" else [])
    fitted: dict[str, RelevanceModel] = {}
    for name, use_cos in variants:
        w_cos, w_cov, bias = fit_weights(train, cosine=use_cos)
        floor = choose_floor(best_probs(RelevanceModel(w_cos, w_cov, bias, 0.5), train))
        what = "cosine + coverage" if use_cos else "coverage only, for uncalibrated embedders"
        source = (
            f"fitted on SQuAD v1.1 dev ({what}; {len(train)} train questions; floor maximises "
            f"balanced accuracy) by `{command}` on {today}"
        )
        fitted[name] = RelevanceModel(w_cos, w_cov, bias, floor, source)
    return fitted


def best_cosine_auc(pairs: Pairs) -> float:
    """Baseline: AUC of the best candidate's cosine alone (no coverage, no fitting)."""
    ans = [a.cosine.max(initial=0.0) for a, _ in pairs]
    una = [u.cosine.max(initial=0.0) for _, u in pairs]
    return roc_auc(np.r_[ans, una], np.r_[np.ones(len(ans)), np.zeros(len(una))])


def report(
    embedder: str, fitted: dict[str, RelevanceModel], train: Pairs, test: Pairs, seed: int
) -> list[str]:
    """The held-out table rows and the 90%-answer operating point."""
    rows = []
    for name, m in fitted.items():
        best = best_probs(m, test)
        f = decision_figures(best, m.floor, seed)
        gold = bootstrap_ci(gold_in_sources(m, test).astype(float), seed=seed)
        rows.append(
            f"| `{name}` | {m.w_cosine:.3f} | {m.w_coverage:.3f} | {m.bias:.3f} | {m.floor:.4f} | "
            f"{fmt_ci(f['answer_rate'])} | {fmt_ci(f['abstain_rate'])} | "
            f"{fmt_ci(f['balanced_accuracy'])} | {fmt_ci(f['auc'])} | {fmt_ci(gold)} |"
        )
    m = fitted[embedder]
    alt = floor_for_answer_rate(best_probs(m, train), 0.90)
    fa = decision_figures(best_probs(m, test), alt, seed)
    return [
        *rows,
        "",
        f"Second operating point (`{embedder}`, floor {alt:.4f}, set to answer 90% of the train "
        f"answerable questions): held-out answer rate {fmt_ci(fa['answer_rate'])}, abstention "
        f"rate {fmt_ci(fa['abstain_rate'])}. Baseline: the best candidate's cosine alone has "
        f"held-out AUC {best_cosine_auc(test):.3f}.",
    ]


def run(embedder_name: str, n_questions: int, seed: int) -> str:
    docs, all_questions = load_squad()
    questions, train_articles = split_questions(all_questions, n_questions, seed)
    embedder = CachingEmbedder(get_embedder(embedder_name))
    cols = build_collections(embedder, docs)
    t0 = time.perf_counter()
    pairs = collect(cols, embedder, questions)
    collect_s = time.perf_counter() - t0
    train = [p for p, q in zip(pairs, questions, strict=True) if q.article in train_articles]
    test = [p for p, q in zip(pairs, questions, strict=True) if q.article not in train_articles]
    command = (
        f"python -m benchmarks.calibrate_relevance --embedder {embedder_name} "
        f"--questions {n_questions} --seed {seed}"
    )
    fitted = fit_models(embedder.name, train, command)
    for name, model in fitted.items():
        write_model(name, model)
    return "\n".join(
        [
            f"### SQuAD v1.1 dev, embedder `{embedder.name}`",
            "",
            f"`{command}`: {len(questions)} questions ({len(train)} train / {len(test)} held-out, "
            f"split by article), each asked of the collection holding its article (answerable) "
            f"and of the half without it (unanswerable); feature collection {collect_s:.0f}s. "
            + machine_line(),
            "",
            "| model | w_cosine | w_coverage | bias | floor | answer rate (answerable) | "
            "abstention rate (unanswerable) | balanced accuracy | AUC of best-hit probability | "
            "gold paragraph in top 4 |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *report(embedder.name, fitted, train, test, seed),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--embedder", default="minilm", choices=("minilm", "hash"))
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--build-only", action="store_true", help="only build the cached collections"
    )
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.build_only:
        docs, _ = load_squad()
        build_collections(CachingEmbedder(get_embedder(args.embedder)), docs)
        return
    section = run(args.embedder, args.questions, args.seed)
    (RESULTS / f"abstention-{args.embedder}.md").write_text(section + "\n")
    print(section)
    sections = [
        (RESULTS / f"abstention-{e}.md").read_text()
        for e in ("minilm", "hash")
        if (RESULTS / f"abstention-{e}.md").exists()
    ]
    samples, _ = samples_figures("minilm")
    print(samples)
    intro = (
        "## Abstention: relevance model and floor\n\n"
        "Written by `python -m benchmarks.calibrate_relevance` (see its docstring for the set-up). "
        "Figures are retrieval-level: the engine's decision to answer (best reranked chunk's "
        "probability >= floor) or abstain, before any generation. 95% percentile bootstrap "
        "intervals over held-out questions in brackets.\n\n"
        'Reading the figures: the probability is per chunk ("this chunk comes from the paragraph '
        "the question was written on\"), fitted over the engine's 30 candidates of which at most "
        "one paragraph is gold, so its base rate is a few percent and the floors are small numbers "
        "on that scale. Unanswerable here means the question's whole article is absent (a topic "
        "the collection does not cover); same-topic questions whose near-miss paragraph is present "
        "(SQuAD 2.0 style) are not measured and are left to the support checks after generation."
    )
    write_section(
        "abstention", "\n\n".join([intro, *sections, "### Hand-written samples set", samples])
    )


if __name__ == "__main__":
    main()
