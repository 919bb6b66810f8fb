"""Tokenizer trade-offs on real text: vocabulary size against sequence length and unknown rate,
and encode speed against Hugging Face ``tokenizers``, ``tiktoken`` and ``sentencepiece``.

Run: ``python -m benchmarks.tokenizers`` (``--quick`` for a smaller, faster run).

Text: SciFact abstracts (title + text) and SQuAD v1.1 dev contexts from ``../shared/datasets``.
Each corpus is split by document (SQuAD by article), shuffled with a fixed seed; every kind is
trained on the same train split (about 1 MB of each corpus by default: our trainers are pure
Python, the Unigram EM the slowest of them) and measured on held-out text of both corpora.

Measures, per tokenizer: tokens per whitespace word, tokens per SQuAD context (the sequence a
reader model would see), the unknown rate (share of output tokens that are ``<unk>``/``[UNK]``;
byte-level BPE has none by construction), training seconds, and encode speed in MB of held-out
text per CPU-second (one thread, ``time.process_time``, median of repeats, a fresh tokenizer
each repeat so our per-word caches start cold). Peers encode the same text with the same
vocabulary where one exists: tiktoken built from our ranks (BPE), HF ``tokenizers`` WordPiece
and Unigram models built from our vocabularies, SentencePiece trained on the same text at the same
size (a different vocabulary, so for Unigram the speed ratio is indicative). Where the peer uses
our exact vocabulary we also check its ids equal ours.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gzip
import io
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks._report import machine_line, write_section
from veracity.text.tokenizers import (
    BPETokenizer,
    Tokenizer,
    UnigramTokenizer,
    WordPieceTokenizer,
    get_tokenizer,
    load_tokenizer,
)
from veracity.train.tokenizers import train_tokenizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
PLOT = Path(__file__).resolve().parent.parent / "docs" / "tokenizers.png"
SIZES = {"word": [1000, 4000, 16000], "char": [300], "bpe": [1000, 4000, 16000],
         "wordpiece": [1000, 4000, 16000], "unigram": [1000, 4000, 16000]}  # fmt: skip
QUICK_SIZES = {"word": [1000, 4000], "char": [300], "bpe": [1000, 4000],
               "wordpiece": [1000, 4000], "unigram": [1000, 4000]}  # fmt: skip


def load_corpora(train_mb: float, test_mb: float, seed: int = 0) -> dict[str, list[str]]:
    """train / scifact_test / squad_test texts."""
    rng = random.Random(seed)
    with gzip.open(DATA / "scifact" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        scifact = [" ".join((r.get("title", ""), r["text"])).strip() for r in map(json.loads, fh)]
    with gzip.open(DATA / "squad" / "dev-v1.1.json.gz", "rt", encoding="utf-8") as fh:
        articles = [[p["context"] for p in a["paragraphs"]] for a in json.load(fh)["data"]]
    rng.shuffle(scifact)
    rng.shuffle(articles)

    def take(docs: list[list[str]], mb: float, start: int) -> tuple[list[str], int]:
        """Whole documents (lists of texts) from ``start`` until ``mb`` MB; and where it stopped."""
        out: list[str] = []
        i = start
        while i < len(docs) and sum(map(len, out)) < mb * 1e6:
            out.extend(docs[i])
            i += 1
        return out, i

    sci_docs = [[t] for t in scifact]
    sci_train, end_s = take(sci_docs, train_mb, 0)
    sci_test, _ = take(sci_docs, test_mb, end_s)
    squad_train, end_q = take(articles, train_mb, 0)  # held-out SQuAD: unseen articles
    squad_test, _ = take(articles, test_mb, end_q)
    return {"train": sci_train + squad_train, "scifact": sci_test, "squad": squad_test}


def unk_id(tok: Tokenizer) -> int | None:
    if isinstance(tok, BPETokenizer):
        return None
    if isinstance(tok, WordPieceTokenizer):
        return tok.ids[tok.unk_token]
    return 0  # word, char, unigram: id 0 is <unk>


def measure(tok: Tokenizer, corpora: dict[str, list[str]]) -> dict[str, float]:
    unk = unk_id(tok)
    out: dict[str, float] = {}
    tokens_all = unks = 0
    for name in ("scifact", "squad"):
        ids = [tok.encode(t) for t in corpora[name]]
        n_tokens = sum(map(len, ids))
        out[f"tpw_{name}"] = n_tokens / sum(len(t.split()) for t in corpora[name])
        tokens_all += n_tokens
        if unk is not None:
            unks += sum(i.count(unk) for i in ids)
        if name == "squad":
            out["squad_len"] = statistics.mean(map(len, ids))
    out["unk"] = unks / tokens_all
    return out


def cpu_median(make: Callable[[], Any], run: Callable[[Any], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        obj = make()  # not timed: a fresh tokenizer (cold caches) each repeat
        start = time.process_time()
        run(obj)
        times.append(time.process_time() - start)
    return statistics.median(times)


def speeds(
    make_ours: Callable[[], Tokenizer],
    make_peer: Callable[[], Any] | None,
    peer_encode: Callable[[Any, str], list[int]] | None,
    texts: Sequence[str],
    reps: int,
) -> tuple[float, float | None, float | None]:
    """MB/CPU-s for ours and the peer, and the share of texts where the peer's ids equal ours."""
    mb = sum(len(t) for t in texts) / 1e6
    ours_s = cpu_median(make_ours, lambda tok: [tok.encode(t) for t in texts], reps)
    if make_peer is None or peer_encode is None:
        return mb / ours_s, None, None
    peer_s = cpu_median(make_peer, lambda p: [peer_encode(p, t) for t in texts], reps)
    ours, peer = make_ours(), make_peer()
    same = sum(ours.encode(t) == peer_encode(peer, t) for t in texts) / len(texts)
    return mb / ours_s, mb / peer_s, same


# --- peers ------------------------------------------------------------------------------------


def tiktoken_peer(tok: BPETokenizer) -> tuple[Callable[[], Any], Callable[[Any, str], list[int]]]:
    import tiktoken

    def make() -> Any:
        return tiktoken.Encoding(
            "peer", pat_str=tok.pattern, mergeable_ranks=tok.ranks, special_tokens={}
        )

    return make, lambda enc, text: list(enc.encode_ordinary(text))


def hf_wordpiece_peer(
    tok: WordPieceTokenizer,
) -> tuple[Callable[[], Any], Callable[[Any, str], list[int]]]:
    from tokenizers import Tokenizer as HF
    from tokenizers import models, normalizers, pre_tokenizers

    def make() -> Any:
        vocab = {t: i for i, t in enumerate(tok.vocab)}
        hf = HF(models.WordPiece(vocab, unk_token=tok.unk_token, max_input_chars_per_word=100))
        hf.normalizer = normalizers.BertNormalizer(lowercase=tok.lowercase)
        hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        hf.add_special_tokens(tok.special_tokens)
        return hf

    return make, lambda hf, text: hf.encode(text, add_special_tokens=False).ids


def hf_unigram_peer(
    tok: UnigramTokenizer,
) -> tuple[Callable[[], Any], Callable[[Any, str], list[int]]]:
    from tokenizers import Regex, models, normalizers, pre_tokenizers
    from tokenizers import Tokenizer as HF

    def make() -> Any:
        hf = HF(models.Unigram(tok.pieces, unk_id=0))
        # As ``unigram_words``: NFKC, whitespace runs to one space, no leading/trailing space.
        hf.normalizer = normalizers.Sequence(
            [normalizers.NFKC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip()]
        )
        hf.pre_tokenizer = pre_tokenizers.Metaspace()
        return hf

    return make, lambda hf, text: hf.encode(text, add_special_tokens=False).ids


def spm_compare(tok: UnigramTokenizer, train: list[str], corpora: dict[str, list[str]]) -> str:
    import sentencepiece as spm

    start = time.process_time()
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(train), model_writer=model, vocab_size=tok.vocab_size,
        model_type="unigram", num_threads=1, minloglevel=2, character_coverage=0.9995,
    )  # fmt: skip
    train_s = time.process_time() - start
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    theirs = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    overlap = len(theirs & {p for p, _ in tok.pieces}) / len(theirs)
    test = corpora["scifact"] + corpora["squad"]
    ratio = sum(len(tok.encode(t)) for t in test) / sum(len(sp.encode(t)) for t in test)
    words = [w for t in test for w in t.split()][:20000]
    agree = sum(tok.tokens(w) == sp.encode(w, out_type=str) for w in words) / len(words)
    mb = sum(map(len, test)) / 1e6
    sp_speed = mb / cpu_median(lambda: sp, lambda p: [p.encode(t) for t in test], 3)
    return (
        f"| {tok.vocab_size} | {overlap:.0%} | {ratio:.3f} | {agree:.0%} | "
        f"{train_s:.1f} | {sp_speed:.2f} |"
    )


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="0.3 MB train, two sizes per kind")
    ap.add_argument("--train-mb", type=float, default=None, help="MB of each corpus to train on")
    ap.add_argument("--test-mb", type=float, default=0.25, help="held-out MB of each corpus")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="print, do not touch docs/")
    args = ap.parse_args()
    train_mb = args.train_mb or (0.3 if args.quick else 1.0)
    sizes = QUICK_SIZES if args.quick else SIZES
    corpora = load_corpora(train_mb, args.test_mb)
    train, test = corpora["train"], corpora["scifact"] + corpora["squad"]
    print(f"train {sum(map(len, train)) / 1e6:.2f} MB, held-out {sum(map(len, test)) / 1e6:.2f} MB")

    rows: list[dict[str, Any]] = []
    spm_rows: list[str] = []
    tmp = tempfile.TemporaryDirectory(prefix="veracity-tok-bench-")
    for kind, vocab_sizes in sizes.items():
        for size in vocab_sizes:
            start = time.process_time()
            tok = train_tokenizer(train, kind, size)
            train_s = time.process_time() - start
            peer: tuple[str, Any, Any] | None = None
            if isinstance(tok, BPETokenizer):
                peer = ("tiktoken", *tiktoken_peer(tok))
            elif isinstance(tok, WordPieceTokenizer):
                peer = ("HF tokenizers", *hf_wordpiece_peer(tok))
            elif isinstance(tok, UnigramTokenizer):
                peer = ("HF tokenizers", *hf_unigram_peer(tok))
                spm_rows.append(spm_compare(tok, train, corpora))
            path = Path(tmp.name) / f"{kind}-{size}.json"
            tok.save(path)
            rows.append(row(kind, partial(load_tokenizer, path), corpora, train_s, peer, args.reps))
            print(rows[-1])
    pretrained_peers: list[tuple[str, str, Callable[[Any], tuple[Any, Any]]]] = [
        ("gpt2", "tiktoken", tiktoken_peer),
        ("cl100k", "tiktoken", tiktoken_peer),
        ("minilm", "HF tokenizers", hf_wordpiece_peer),
    ]
    for name, peer_name, peer_fn in pretrained_peers:
        pretrained: Any = get_tokenizer(name)
        peer = (peer_name, *peer_fn(pretrained))
        rows.append(
            row(
                f"{name} (pretrained)", partial(get_tokenizer, name), corpora, None, peer, args.reps
            )
        )
        print(rows[-1])
    tmp.cleanup()
    gpt2: Any = get_tokenizer("gpt2")
    split_mb_s = (
        sum(map(len, test))
        / 1e6
        / cpu_median(lambda: gpt2, lambda tok: [tok._split.findall(t) for t in test], args.reps)
    )
    tiktoken_mb_s = next(r["peer_speed"] for r in rows if r["kind"] == "gpt2 (pretrained)")
    notes = (
        "Why BPE is not within 3x of tiktoken: the GPT-2 regex pre-split alone (the same pattern, "
        f"the `regex` module) runs at {split_mb_s:.1f} MB/s against {tiktoken_mb_s:.1f} MB/s for "
        "tiktoken's whole encode, and the merges of each distinct word then run in Python. "
        "WordPiece and Unigram come closer to HF's Rust (ratio column): they need no regex, and "
        "their per-word results are cached, so the Python work grows with the distinct words."
    )
    if not args.no_write:
        plot(rows)
    report(rows, spm_rows, corpora, train_mb, args, notes)


def row(
    label: str,
    make_ours: Callable[[], Tokenizer],
    corpora: dict[str, list[str]],
    train_s: float | None,
    peer: tuple[str, Any, Any] | None,
    reps: int,
) -> dict[str, Any]:
    tok = make_ours()
    test = corpora["scifact"] + corpora["squad"]
    make_peer, peer_encode = (peer[1], peer[2]) if peer else (None, None)
    ours, theirs, same = speeds(make_ours, make_peer, peer_encode, test, reps)
    return {
        "kind": label, "vocab": tok.vocab_size, **measure(tok, corpora), "train_s": train_s,
        "speed": ours, "peer": peer[0] if peer else None, "peer_speed": theirs, "same": same,
    }  # fmt: skip


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def plot(rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for kind in SIZES:
        pts = sorted((r["vocab"], r) for r in rows if r["kind"] == kind)
        if not pts:
            continue
        xs = [v for v, _ in pts]
        ax1.plot(xs, [(r["tpw_scifact"] + r["tpw_squad"]) / 2 for _, r in pts], "o-", label=kind)
        ax2.plot(xs, [100 * r["unk"] for _, r in pts], "o-", label=kind)
    pretrained = [r for r in rows if "pretrained" in r["kind"]]
    for n, r in enumerate(pretrained):  # stars; labels stacked above them so they never overlap
        y = (r["tpw_scifact"] + r["tpw_squad"]) / 2
        ax1.plot(r["vocab"], y, "k*")
        ax1.annotate(r["kind"].split()[0], (r["vocab"], y), xytext=(-12, 14 + 14 * n),
                     textcoords="offset points", fontsize=8, arrowprops={"arrowstyle": "-"})  # fmt: skip
    ax1.set(xscale="log", xlabel="vocabulary size", ylabel="tokens per word (held-out)")
    ax1.set_title("sequence length")
    ax2.set(xscale="log", xlabel="vocabulary size", ylabel="unknown tokens (%, symlog)")
    ax2.set_yscale("symlog", linthresh=0.01)
    ax2.set_ylim(bottom=0)
    ax2.set_title("out-of-vocabulary rate")
    ax1.legend()
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


def report(
    rows: list[dict[str, Any]],
    spm_rows: list[str],
    corpora: dict[str, list[str]],
    train_mb: float,
    args: argparse.Namespace,
    notes: str,
) -> None:
    lines = [
        "## Tokenizers: vocabulary size, sequence length, unknowns, encode speed",
        "",
        f"`python -m benchmarks.tokenizers{' --quick' if args.quick else ''}`. Trained on "
        f"{sum(map(len, corpora['train'])) / 1e6:.1f} MB ({train_mb:g} MB of SciFact abstracts + "
        f"{train_mb:g} MB of SQuAD dev contexts), measured on held-out "
        f"{sum(map(len, corpora['scifact'])) / 1e6:.2f} MB SciFact + "
        f"{sum(map(len, corpora['squad'])) / 1e6:.2f} MB SQuAD (unseen documents and articles). "
        "Tokens per whitespace word; SQuAD length = mean tokens per context; unknown = share of "
        "output tokens that are `<unk>`/`[UNK]`. Speed: MB of held-out text per CPU-second, one "
        f"thread, median of {args.reps}, fresh tokenizer each repeat (our per-word caches start "
        'cold); peers use our exact vocabulary; "same ids" is the share of held-out texts whose ids '
        "equal ours. "
        "Train time is pure Python, CPU seconds. " + machine_line(),
        "",
        "| tokenizer | vocab | tokens/word SciFact | tokens/word SQuAD | SQuAD length | unknown "
        "| train s | ours MB/s | peer | peer MB/s | ours/peer | same ids |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        peer, same = r["peer_speed"], r["same"]
        cells = [
            r["kind"], str(r["vocab"]), f"{r['tpw_scifact']:.2f}", f"{r['tpw_squad']:.2f}",
            f"{r['squad_len']:.0f}", f"{r['unk']:.2%}", _fmt(r["train_s"], ".1f"),
            f"{r['speed']:.2f}", r["peer"] or "", _fmt(peer, ".2f"),
            "" if peer is None else f"{r['speed'] / peer:.2f}x",
            "" if same is None else ("all" if same == 1 else f"{same:.1%} of texts"),
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        notes,
        "",
        "Our Unigram against SentencePiece (unigram, same text, same size, its defaults, one "
        "thread): vocabulary overlap (share of its pieces we also have), our tokens / its tokens "
        "on held-out text, share of held-out words segmented identically, its training CPU-s and "
        "encode MB/s (different vocabulary from ours, so the speed is indicative).",
        "",
        "| vocab | overlap | length ratio | same segmentation | spm train s | spm MB/s |",
        "|---|---|---|---|---|---|",
        *spm_rows,
        "",
        f"![tokens per word and unknown rate against vocabulary size]({PLOT.name})",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("tokenizers", text)


if __name__ == "__main__":
    main()
