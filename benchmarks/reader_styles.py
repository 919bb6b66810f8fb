"""The reader on questions typed as users type them: styles it was never trained on.

Run: ``python -m benchmarks.reader_styles [--n 300] [--candidate A.npz ...] [--no-write]``.

The same held-out SQuAD questions as ``benchmarks.reader_answers`` (articles the reader never
saw; answerable ones, and unanswerable twins: a name swapped, a number changed, "not" inserted,
an antonym), read against their own paragraph (no retrieval), each asked in several styles:

- ``as written``: SQuAD's own wording;
- ``opener``: a polite or chatty opening ("Hi! Sorry if this is obvious, but ...");
- ``context``: the user says what they are working on ("I'm writing up notes on {title} and
  one detail is missing: ...");
- ``closing``: a sentence after the question ("Thanks in advance.");
- ``lower case``: all lower case, no question mark.

None of these openers, closings or context sentences is in the training styles
(``veracity.train.reader_styles``); they were written apart from them, to measure transfer.
For each adapter (the shipped one first, then ``--candidate`` files): the share of answerable
questions answered (at the adapter's own calibrated threshold), F1 on them (a declined answer
scores 0), and the share of unanswerable ones declined. 95% bootstrap intervals.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VERACITY_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import random  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks._report import machine_line, write_section  # noqa: E402
from benchmarks.reader_answers import _ci, question_sets  # noqa: E402
from veracity.evaluate.qa_metrics import qa_scores  # noqa: E402
from veracity.rag.focus import question_focus  # noqa: E402
from veracity.rag.reader.base import Reading  # noqa: E402
from veracity.rag.reader.export import ADAPTER_PATH  # noqa: E402
from veracity.rag.reader.model import Reader  # noqa: E402
from veracity.train.reader_data import Example  # noqa: E402

_OPENERS = (
    "Hi! Sorry if this is obvious, but ",
    "I have a question about this. ",
    "I was reading the document and wondered, ",
    "Quick one for you - ",
    "My colleague asked me this and I'm not sure: ",
)
_CONTEXTS = (
    "I'm writing up notes on {title} and one detail is missing. ",
    "We're preparing a quiz about {title}. ",
    "Background: I'm studying {title}. ",
)
_CLOSINGS = (" Thanks in advance.", " Any idea?", " I'd appreciate a pointer.", " Cheers")


def _lower_first(q: str) -> str:
    return q[:1].lower() + q[1:] if q[1:2].islower() else q


def styles(rng: random.Random) -> dict[str, Callable[[str, str], str]]:
    """Style name -> ``(question, title) -> restyled question``."""
    return {
        "as written": lambda q, t: q,
        "opener": lambda q, t: rng.choice(_OPENERS) + _lower_first(q),
        "context": lambda q, t: rng.choice(_CONTEXTS).format(title=t) + q,
        "closing": lambda q, t: q + rng.choice(_CLOSINGS),
        "lower case": lambda q, t: q.lower().replace("?", ""),
    }


def _read(reader: Reader, question: str, context: str, focus: bool) -> Reading:
    """The reader's reading; with ``focus``, the better of the message and its question alone
    (``rag.focus.question_focus``), as the engine reads."""
    (r,) = reader.read(question, [context])
    if focus and (q := question_focus(question)) != question:
        (f,) = reader.read(q, [context])
        r = max(r, f, key=lambda x: x.probability)
    return r


def measure(
    reader: Reader,
    pos: list[Example],
    negs: list[Example],
    titles: dict[str, str],
    seed: int,
    focus: bool = False,
) -> dict[str, list[str]]:
    """Style -> [answered, F1, declined] cells for one reader."""
    out: dict[str, list[str]] = {}
    for name, restyle in styles(random.Random(seed)).items():
        said, f1s = [], []
        for ex in pos:
            r = _read(reader, restyle(ex.question, titles[ex.context]), ex.context, focus)
            answered = r.probability >= reader.threshold
            said.append(float(answered))
            f1s.append(qa_scores(r.text, ex.answers)[1] if answered else 0.0)
        declined = [
            float(_read(reader, restyle(ex.question, titles[ex.context]), ex.context, focus)
                  .probability < reader.threshold)
            for ex in negs
        ]  # fmt: skip
        out[name] = [_ci(said), _ci(f1s), _ci(declined)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="answerable questions (as many edits)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--candidate", action="append", default=[], help="another adapter (.npz)")
    parser.add_argument(
        "--focus", action="store_true", help="also each adapter reading as the engine does, "
        "the better of the message and its question alone",
    )  # fmt: skip
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    pos, negs, test = question_sets(args.seed, args.n)
    titles = {p.context: a.title for a in test for p in a.paragraphs}
    adapters = [ADAPTER_PATH, *(Path(c) for c in args.candidate)]
    rows = []
    for adapter in adapters:
        reader = Reader(adapter)
        label = "shipped" if adapter == ADAPTER_PATH else adapter.name
        for focus in (False, True) if args.focus else (False,):
            name = f"{label} + focus" if focus else label
            for style, cells in measure(reader, pos, negs, titles, args.seed, focus).items():
                rows.append(f"| {name} | {style} | " + " | ".join(cells) + " |")
                print(rows[-1], flush=True)
    cand = "".join(f" --candidate {c}" for c in args.candidate) + (" --focus" if args.focus else "")
    md = f"""## The reader on questions in users' styles

Command: `python -m benchmarks.reader_styles --n {args.n}{cand}`. The held-out SQuAD questions of
`reader-answers` ({len(pos)} answerable, {len(negs)} unanswerable edits), each read against its own
paragraph in five styles; the openers, context sentences and closings are not the ones the
reader was trained with (`train/reader_styles.py`). Each adapter at its own calibrated threshold.
95% bootstrap intervals.

| adapter | style | answered (answerable) | F1 (declined = 0) | declined (unanswerable) |
|---|---|---|---|---|
{chr(10).join(rows)}

{machine_line()}"""
    if not args.no_write:
        write_section("reader-styles", md)
    print(md)


if __name__ == "__main__":
    main()
