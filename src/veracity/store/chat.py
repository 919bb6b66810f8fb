"""Chat sessions persisted in the collection: turns, and the chunks each answer used."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from veracity.errors import NotFound

if TYPE_CHECKING:
    from veracity.store.sqlite import SQLiteStore


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str
    chunk_ids: tuple[str, ...] = ()
    answer_json: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    title: str
    owner: str
    created_at: float
    updated_at: float


class ChatStore:
    """Sessions and turns of one collection; ``owner`` scopes sessions to an API key. The SQLite
    implementation of ``protocols.ChatTable`` (get one with ``store.chats()``)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def create(self, title: str = "", owner: str = "") -> Session:
        now = time.time()
        session = Session(uuid.uuid4().hex, title[:200], owner, now, now)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO chat_sessions VALUES (?, ?, ?, ?, ?)",
                (session.id, session.title, owner, now, now),
            )
        return session

    def get(self, session_id: str, owner: str | None = None) -> Session:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT id, title, owner, created_at, updated_at FROM chat_sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
        if row is None or (owner is not None and row[2] != owner):
            raise NotFound(f"no chat session {session_id!r}; start one with `veracity chat`")
        return Session(*row)

    def sessions(self, owner: str | None = None) -> list[Session]:
        sql = "SELECT id, title, owner, created_at, updated_at FROM chat_sessions"
        params: tuple[str, ...] = ()
        if owner is not None:
            sql += " WHERE owner = ?"
            params = (owner,)
        with self.store.reading() as db:
            rows = db.execute(sql + " ORDER BY updated_at DESC", params).fetchall()
        return [Session(*r) for r in rows]

    def append(self, session_id: str, turns: list[Turn]) -> None:
        """Add turns (a question and its answer) to a session in one transaction."""
        now = time.time()
        with self.store.transaction() as db:
            for turn in turns:
                db.execute(
                    "INSERT INTO chat_turns (session_id, role, content, chunk_ids, answer,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, turn.role, turn.content, json.dumps(list(turn.chunk_ids)),
                     turn.answer_json, now),
                )  # fmt: skip
            db.execute("UPDATE chat_sessions SET updated_at = ? WHERE id = ?", (now, session_id))

    def turns(self, session_id: str, limit: int | None = None) -> list[Turn]:
        """The session's turns in order (the last ``limit`` when given)."""
        with self.store.reading() as db:
            rows = db.execute(
                "SELECT role, content, chunk_ids, answer FROM chat_turns WHERE session_id = ?"
                " ORDER BY id DESC LIMIT ?",
                (session_id, -1 if limit is None else limit),
            ).fetchall()
        return [Turn(r[0], r[1], tuple(json.loads(r[2])), r[3]) for r in reversed(rows)]

    def delete(self, session_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM chat_sessions WHERE id = ?", (session_id,))
