"""``veracity deploy mlflow``: package a collection's answer engine as an MLflow pyfunc model.

The BentoML service needs no command of its own: ``bentoml serve
veracity.deploy.bento_service:VeracityService`` with ``VERACITY_COLLECTION`` set (docs/deploy.md).
"""

from __future__ import annotations

import argparse
from typing import Any

from veracity.cli.common import add_collection_arg, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("deploy", help="package a collection for a model server (MLflow)")
    deploy_sub = p.add_subparsers(dest="deploy_command", metavar="TARGET", required=True)
    m = deploy_sub.add_parser(
        "mlflow",
        help="write an MLflow pyfunc model that answers from a collection",
        description="The model answers a table with a 'question' column (optional 'style', "
        "'k') with cited answers or abstentions; serve it with `mlflow models serve -m OUT`. "
        "A collection directory is bundled (a consistent snapshot of its store); a "
        "postgresql:// collection is referenced (its password comes from PGPASSWORD where the "
        "model is served).",
    )
    add_collection_arg(m)
    m.add_argument("--out", required=True, metavar="DIR", help="new folder for the model")
    m.add_argument(
        "--model", default="smollm2",
        help="generator: smollm2, a .gguf path (bundled), openai:NAME, fake, ... (default smollm2)",
    )  # fmt: skip
    m.add_argument("--base-url", default=None, help="OpenAI-compatible server for --model NAME")
    m.add_argument(
        "--labels", default=None,
        help="comma-separated ACL labels the model may read (default: every document; the "
        "endpoint has no per-caller keys)",
    )  # fmt: skip
    m.add_argument("--style", default="auto", choices=("auto", "extractive", "generative"))
    m.add_argument("--k", type=int, default=4, help="sources an answer may cite (default 4)")
    m.add_argument(
        "--requirement", action="append", default=None, metavar="REQ",
        help="a pip requirement of the serving environment (repeatable; default: "
        "veracity[onnx,gguf], mlflow, pandas). Name your Veracity wheel or index here.",
    )  # fmt: skip
    m.add_argument("--json", action="store_true")
    m.set_defaults(run=cmd_deploy_mlflow)


def cmd_deploy_mlflow(args: argparse.Namespace) -> int:
    from veracity.deploy.mlflow_model import save_model

    options: dict[str, Any] = {"base_url": args.base_url} if args.base_url else {}
    out = save_model(
        args.collection, args.out, generator=args.model, generator_options=options,
        labels=args.labels, style=args.style, k=args.k, pip_requirements=args.requirement,
    )  # fmt: skip
    if args.json:
        print_json({"model": str(out), "collection": args.collection, "generator": args.model})
    else:
        print(f"MLflow model written to {out}; serve it with: mlflow models serve -m {out}")
    return 0
