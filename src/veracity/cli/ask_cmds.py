"""``veracity ask`` and ``veracity chat``: cited answers, streamed, from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from veracity.cli.common import add_collection_arg, open_collection, print_json
from veracity.collection import Collection
from veracity.errors import ConfigError
from veracity.generate.lazy import LazyGenerator
from veracity.rag.chat import final_answer, history_of, record_turn
from veracity.rag.engine import MODES, STYLES, AnswerEngine, AskOptions
from veracity.rag.serialize import answer_to_dict
from veracity.records import Answer, Decoding, Filter
from veracity.store.filters import parse_where
from veracity.text.markup import display_text


def _engine_args(p: argparse.ArgumentParser) -> None:
    add_collection_arg(p)
    p.add_argument(
        "--style",
        choices=STYLES,
        default="extractive",
        help="extractive: the reader's answer span and its sentence, quoted (default, no LLM); "
        "generative: the language model writes the answer, every sentence checked",
    )
    p.add_argument(
        "--mode",
        choices=MODES,
        default="sequence",
        help="generative style: RAG-sequence or RAG-token",
    )
    p.add_argument(
        "--model", default="smollm2", help="generator: smollm2, a .gguf path, openai:NAME, hf:PATH"
    )
    p.add_argument(
        "--base-url", default=None, help="OpenAI-compatible server URL (with --model NAME)"
    )
    p.add_argument("--threads", type=int, default=None, help="generator threads (default: 1)")
    p.add_argument(
        "--lora",
        default=None,
        metavar="ADAPTER.gguf",
        help="a GGUF LoRA adapter for the GGUF model (`veracity finetune generator --method lora`)",
    )
    p.add_argument(
        "--soft-prompt",
        default=None,
        metavar="DIR",
        help="a soft prompt for an hf: model (`veracity finetune generator --method prompt`, "
        "its OUT/adapter folder)",
    )
    p.add_argument("--max-tokens", type=int, default=160)
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sources", type=int, default=4, help="passages placed in the prompt")
    p.add_argument(
        "--unsupported",
        choices=("flag", "drop"),
        default="drop",
        help="generative style: drop unsupported sentences (default) or show them flagged",
    )
    p.add_argument("--no-cache", action="store_true")
    p.add_argument(
        "--allow-flagged",
        action="store_true",
        help="let passages flagged as prompt injection at ingest into the answer, unredacted "
        "(for documents you trust: a security handbook's password rules can look like an attack)",
    )
    p.add_argument("--labels", default=None, help="ACL labels the caller may see")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE")


def register(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer a question with citations, or abstain")
    p.add_argument("question")
    _engine_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("chat", help="interactive chat with history (type /help)")
    _engine_args(p)
    p.add_argument("--session", default=None, help="resume a session by id")
    p.set_defaults(run=cmd_chat)


def _build(args: argparse.Namespace) -> tuple[Collection, AnswerEngine, AskOptions, Filter | None]:
    if args.max_tokens < 1:
        raise ConfigError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    collection = open_collection(args)
    gen_opts: dict[str, Any] = {}
    if args.base_url:
        gen_opts["base_url"] = args.base_url
    if args.threads is not None and not args.base_url:
        gen_opts["n_threads"] = args.threads
    if args.lora is not None:
        if (
            args.base_url
            or args.model.startswith(("openai:", "hf:"))
            or args.model
            in (
                "fake",
                "scripted",
            )
        ):
            raise ConfigError(
                f"--lora applies to a GGUF model (smollm2 or a .gguf path), not {args.model!r}"
            )
        gen_opts["lora"] = args.lora
    if args.soft_prompt is not None:
        if args.base_url or not args.model.startswith("hf:"):
            raise ConfigError(
                f"--soft-prompt applies to an hf:<folder> model (our decoding loop over "
                f"transformers; llama.cpp cannot read learned embeddings), not {args.model!r}"
            )
        gen_opts["soft_prompt"] = args.soft_prompt
    engine = collection.answer_engine(args.model, cache=not args.no_cache, **gen_opts)
    opts = AskOptions(
        style=args.style,
        mode=args.mode,
        sources=args.sources,
        relevance_floor=engine.options.relevance_floor,
        unsupported=args.unsupported,
        decoding=Decoding(temperature=args.temperature, max_tokens=args.max_tokens, seed=args.seed),
        use_cache=not args.no_cache,
        allow_flagged=args.allow_flagged,
    )
    if opts.style == "generative" and isinstance(engine.generator, LazyGenerator):
        engine.generator.get()  # a bad --model fails now, before the first question
    where = parse_where(args.where) if args.where else None
    if args.labels is not None:
        labels = frozenset(x for x in args.labels.split(",") if x)
        where = Filter(where=where.where if where else {}, labels=labels)
    return collection, engine, opts, where


def print_answer(answer: Answer, streamed: str = "") -> None:
    """The answer (after ``streamed``, the text already shown as it was checked), its sources and
    each sentence's support verdict."""
    out = sys.stdout
    if not streamed:
        out.write(answer.text + "\n")
    elif streamed.strip() == answer.text.strip():
        out.write("\n")
    else:  # decided on the whole draft: a fallback, or an abstention after all
        out.write(f"\n\nAnswer: {answer.text}\n")
    if answer.closest is not None:
        c = answer.closest
        page = f", page {c.page}" if c.page else ""
        out.write(f"\nClosest passage (not confirmed as an answer): \u201c{display_text(c.text)}"
                  f"\u201d\n  {c.uri}{page} (chars {c.start}-{c.end})\n")  # fmt: skip
    if answer.citations:
        out.write("\nSources:\n")
        for c in answer.citations:
            page = f", page {c.page}" if c.page else ""
            snippet = display_text(c.text)  # as prose; --json keeps the exact characters
            snippet = snippet[:160] + ("..." if len(snippet) > 160 else "")
            out.write(f"  [{c.n}] {c.uri}{page} (chars {c.start}-{c.end})\n      {snippet}\n")
    if answer.sentences:
        out.write("\nSupport:\n")
        for s in answer.sentences:
            mark = "supported" if s.supported else "NOT SUPPORTED"
            cites = ",".join(str(n) for n in s.citations) or "-"
            out.write(f"  [{mark} {s.score:.2f}; cites {cites}] {s.text}\n")
    # what shaped the answer that the answer itself does not say: a passage kept out as a
    # possible injection ("the documents don't say" may then be wrong), a question answered
    # with care
    for warning in answer.warnings:
        out.write(f"\nNote: {warning}\n")
    out.flush()


def _run(
    engine: AnswerEngine,
    question: str,
    history: list[tuple[str, str]],
    where: Filter | None,
    opts: AskOptions,
    stream_tokens: bool,
) -> tuple[Answer, str]:
    """The answer, and the text streamed to the terminal before it (checked sentences)."""
    shown: list[str] = []

    def write(text: str) -> None:
        shown.append(text)
        sys.stdout.write(text)
        sys.stdout.flush()

    answer = final_answer(
        engine.stream(question, history, where, opts), write if stream_tokens else None
    )
    return answer, "".join(shown)


def cmd_ask(args: argparse.Namespace) -> int:
    _, engine, opts, where = _build(args)
    answer, shown = _run(engine, args.question, [], where, opts, stream_tokens=not args.json)
    if args.json:
        print_json(answer_to_dict(answer))
    else:
        print_answer(answer, shown)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    collection, engine, opts, where = _build(args)
    chats = collection.chats()
    session = chats.get(args.session) if args.session else chats.create()
    print(f"session {session.id} (type /help for commands, /quit to leave)")
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            print()
            return 0
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return 0
        if line == "/help":
            print("/new  start a new session    /history  show this session    /quit  leave")
            continue
        if line == "/new":
            session = chats.create()
            print(f"session {session.id}")
            continue
        if line == "/history":
            for turn in chats.turns(session.id):
                print(f"{turn.role}> {turn.content}")
            continue
        history = history_of(chats, session.id)
        sys.stdout.write("veracity> ")
        answer, shown = _run(engine, line, history, where, opts, stream_tokens=True)
        print_answer(answer, shown)
        record_turn(chats, session.id, line, answer)
