"""Chat turns around the answer engine: the history window a question is asked with, the turn
recorded after it, and the final answer collected from the engine's events.

The CLI (``veracity chat``) and the server (``/ask`` with a ``session_id``) both call these, so a
session reads the same whichever face wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from veracity.rag.engine import Final, Token
from veracity.rag.serialize import answer_to_dict
from veracity.records import Answer
from veracity.store.chat import Turn
from veracity.store.protocols import ChatTable

HISTORY_TURNS = 6  # turns (not exchanges) of a session a new question is condensed with


def history_of(
    chats: ChatTable, session_id: str | None, owner: str | None = None, limit: int = HISTORY_TURNS
) -> list[tuple[str, str]]:
    """The last ``limit`` turns of the session as ``(role, content)``, oldest first; ``[]`` for
    no session. NotFound when the session does not exist or (``owner`` given) belongs to
    another owner."""
    if session_id is None:
        return []
    chats.get(session_id, owner=owner)
    return [(t.role, t.content) for t in chats.turns(session_id, limit=limit)]


def record_turn(chats: ChatTable, session_id: str | None, question: str, answer: Answer) -> None:
    """Append the question and its answer (with the cited chunk ids and the answer's JSON, so
    a session can show its sources later) to the session, in one transaction; a no-op for no
    session."""
    if session_id is None:
        return
    reply = Turn(
        "assistant",
        answer.text,
        tuple(c.chunk_id for c in answer.citations),
        json.dumps(answer_to_dict(answer)),
    )
    chats.append(session_id, [Turn("user", question), reply])


def final_answer(
    events: Iterable[Token | Final], on_token: Callable[[str], None] | None = None
) -> Answer:
    """Run the engine's events to the end and return the final answer, handing each token's
    text to ``on_token`` as it comes (a face streams it; the core never prints)."""
    answer: Answer | None = None
    for event in events:
        if isinstance(event, Final):
            answer = event.answer
        elif on_token is not None:
            on_token(event.text)
    if answer is None:
        raise RuntimeError("the answer engine's events ended without a final answer")
    return answer
