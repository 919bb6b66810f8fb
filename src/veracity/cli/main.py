"""``veracity`` entry point: builds the parser from each command module and maps errors.

User errors (``VeracityError``, bad arguments) print one line to stderr and exit non-zero; only a
genuine bug shows a traceback, and only with ``VERACITY_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from veracity.cli import (
    ask_cmds,
    collection_cmds,
    complaints_cmds,
    deploy_cmds,
    entities_cmds,
    eval_cmds,
    finetune_cmds,
    genai_cmds,
    generate_cmds,
    guard_cmds,
    search_cmds,
    serve_cmds,
    summarize_cmds,
    tasks_cmds,
    tokenizer_cmds,
    train_cmds,
)
from veracity.errors import VeracityError

COMMAND_MODULES = [
    collection_cmds, search_cmds, ask_cmds, eval_cmds, serve_cmds, guard_cmds, train_cmds,
    tasks_cmds, generate_cmds, entities_cmds, tokenizer_cmds, complaints_cmds,
    summarize_cmds, finetune_cmds, genai_cmds, deploy_cmds,
]  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veracity", description="Grounded, cited answers over your own documents."
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _version() -> str:
    from veracity import __version__

    return f"veracity {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except VeracityError as exc:
        print(f"veracity: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "veracity: interrupted; work committed so far is kept (re-run to resume)",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, traceback only on request
        if os.environ.get("VERACITY_DEBUG"):
            raise
        print(
            f"veracity: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug; rerun with VERACITY_DEBUG=1 for a traceback and report it.",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
