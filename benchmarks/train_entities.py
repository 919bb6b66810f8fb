"""Train the shipped entity tagger: ``python -m benchmarks.train_entities``.

A CRF on the CoNLL-2003 train split only (``../shared/datasets/ner/conll2003/train.txt``), written
to ``src/veracity/tasks/entities/conll2003_crf.npz`` with its report beside it (``.json``).
Deterministic: CRFsuite's L-BFGS has no randomness, so the same data gives the same weights.
Needs ``pip install 'veracity[ner]'`` (python-crfsuite); tagging with the result needs only numpy.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from veracity.tasks.entities.tagger import default_model_path
from veracity.train.entities import CrfConfig, read_conll, train_crf

CONLL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ner" / "conll2003"


def main(argv: Sequence[str] | None = None) -> None:
    defaults = CrfConfig()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--conll", type=Path, default=CONLL, help="folder with train.txt")
    ap.add_argument("--out", type=Path, default=default_model_path(), help="model file (.npz)")
    ap.add_argument("--c1", type=float, default=defaults.c1, help="L1 strength")
    ap.add_argument("--c2", type=float, default=defaults.c2, help="L2 strength")
    ap.add_argument("--iterations", type=int, default=defaults.max_iterations)
    ap.add_argument("--limit", type=int, default=None, help="first N training sentences only")
    args = ap.parse_args(argv)
    train = read_conll(args.conll / "train.txt")[: args.limit]
    config = CrfConfig(c1=args.c1, c2=args.c2, max_iterations=args.iterations)
    report = train_crf(train, args.out, config)
    size = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.out} ({size:.2f} MB): {report['attributes']} features, "
        f"{report['state_weights']} non-zero weights, {report['train']['iterations']} iterations, "
        f"{report['train']['cpu_seconds']:.0f} CPU s"
    )


if __name__ == "__main__":
    main()
