"""The chat core both faces call (issue 12): the history window, the recorded turn, the answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veracity.errors import NotFound
from veracity.rag.chat import HISTORY_TURNS, final_answer, history_of, record_turn
from veracity.rag.engine import Final, Token
from veracity.rag.serialize import answer_to_dict
from veracity.records import Answer, Citation
from veracity.store.chat import ChatStore
from veracity.store.sqlite import SQLiteStore


@pytest.fixture
def chats(tmp_path: Path) -> ChatStore:
    return SQLiteStore(tmp_path / "col").chats()


def _answer(text: str, chunk_ids: tuple[str, ...] = ()) -> Answer:
    cites = tuple(
        Citation(n + 1, "doc1", "mem://a", 0, 5, "Lisbo", chunk_id=c)
        for n, c in enumerate(chunk_ids)
    )
    return Answer(text, abstained=False, citations=cites, reason="", style="extractive")


def test_history_is_the_last_turns_oldest_first(chats: ChatStore) -> None:
    sid = chats.create().id
    assert history_of(chats, sid) == [] and history_of(chats, None) == []
    for i in range(4):
        record_turn(chats, sid, f"q{i}", _answer(f"a{i}"))
    assert HISTORY_TURNS == 6
    assert history_of(chats, sid) == [
        ("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2"),
        ("user", "q3"), ("assistant", "a3"),
    ]  # fmt: skip
    assert history_of(chats, sid, limit=2) == [("user", "q3"), ("assistant", "a3")]


def test_history_checks_the_session_and_its_owner(chats: ChatStore) -> None:
    sid = chats.create(owner="key1").id
    assert history_of(chats, sid, owner="key1") == []
    assert history_of(chats, sid) == []  # no owner given: any session (the local CLI)
    with pytest.raises(NotFound):
        history_of(chats, sid, owner="key2")
    with pytest.raises(NotFound):
        history_of(chats, "missing")


def test_recorded_turn_holds_the_cited_chunks_and_the_answer_json(chats: ChatStore) -> None:
    sid = chats.create().id
    answer = _answer("Lisbon opens at 9 [1][2].", ("c1", "c2"))
    record_turn(chats, sid, "When?", answer)
    record_turn(chats, None, "ignored", answer)  # no session: nothing recorded
    user, bot = chats.turns(sid)
    assert (user.role, user.content, user.chunk_ids, user.answer_json) == (
        "user",
        "When?",
        (),
        None,
    )
    assert (bot.role, bot.content, bot.chunk_ids) == ("assistant", answer.text, ("c1", "c2"))
    assert bot.answer_json is not None
    assert json.loads(bot.answer_json) == answer_to_dict(answer)


def test_final_answer_streams_tokens_and_returns_the_final() -> None:
    answer = _answer("done")
    seen: list[str] = []
    events = [Token("do"), Token("ne"), Final(answer)]
    assert final_answer(iter(events), seen.append) is answer and seen == ["do", "ne"]
    assert final_answer(iter(events)) is answer
    with pytest.raises(RuntimeError, match="without a final answer"):
        final_answer(iter([Token("x")]))
