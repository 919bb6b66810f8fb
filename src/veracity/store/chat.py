"""Chat sessions persisted in the collection: turns, and the chunks each answer used."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from veracity.errors import NotFound


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str
    chunk_ids: tuple[str, ...] = ()
    answer_json: str | None = None


_SESSION = "id, title, owner, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    title: str
    owner: str
    created_at: float
    updated_at: float


class ChatStore:
    """Sessions and turns of one collection; ``owner`` scopes sessions to an API key. The
    ``protocols.ChatTable`` of any SQL backend (get one with ``store.chats()``): ``write`` and
    ``read`` open a transaction and a read, each yielding a connection whose ``execute(sql,
    params)`` returns a cursor; ``placeholder`` is the driver's parameter mark."""

    def __init__(
        self,
        write: Callable[[], AbstractContextManager[Any]],
        read: Callable[[], AbstractContextManager[Any]],
        placeholder: str = "?",
    ) -> None:
        self._write, self._read, self._mark = write, read, placeholder

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._mark)

    def create(self, title: str = "", owner: str = "") -> Session:
        now = time.time()
        session = Session(uuid.uuid4().hex, title[:200], owner, now, now)
        with self._write() as db:
            db.execute(
                self._sql("INSERT INTO chat_sessions VALUES (?, ?, ?, ?, ?)"),
                (session.id, session.title, owner, now, now),
            )
        return session

    def get(self, session_id: str, owner: str | None = None) -> Session:
        with self._read() as db:
            row = db.execute(
                self._sql(f"SELECT {_SESSION} FROM chat_sessions WHERE id = ?"), (session_id,)
            ).fetchone()
        if row is None or (owner is not None and row[2] != owner):
            raise NotFound(f"no chat session {session_id!r}; start one with `veracity chat`")
        return Session(*row)

    def sessions(self, owner: str | None = None) -> list[Session]:
        sql = f"SELECT {_SESSION} FROM chat_sessions"
        params: tuple[str, ...] = ()
        if owner is not None:
            sql, params = sql + " WHERE owner = ?", (owner,)
        with self._read() as db:
            rows = db.execute(self._sql(sql + " ORDER BY updated_at DESC"), params).fetchall()
        return [Session(*r) for r in rows]

    def append(self, session_id: str, turns: list[Turn]) -> None:
        """Add turns (a question and its answer) to a session in one transaction."""
        now = time.time()
        with self._write() as db:
            for turn in turns:
                db.execute(
                    self._sql("INSERT INTO chat_turns (session_id, role, content, chunk_ids, "
                              "answer, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                    (session_id, turn.role, turn.content, json.dumps(list(turn.chunk_ids)),
                     turn.answer_json, now),
                )  # fmt: skip
            db.execute(
                self._sql("UPDATE chat_sessions SET updated_at = ? WHERE id = ?"), (now, session_id)
            )

    def turns(self, session_id: str, limit: int | None = None) -> list[Turn]:
        """The session's turns in order (the last ``limit`` when given)."""
        sql = "SELECT role, content, chunk_ids, answer FROM chat_turns WHERE session_id = ?"
        params: tuple[str | int, ...] = (session_id,)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql, params = sql + " LIMIT ?", (session_id, limit)
        with self._read() as db:
            rows = db.execute(self._sql(sql), params).fetchall()
        return [Turn(r[0], r[1], tuple(json.loads(r[2])), r[3]) for r in reversed(rows)]

    def delete(self, session_id: str) -> None:
        with self._write() as db:
            db.execute(self._sql("DELETE FROM chat_sessions WHERE id = ?"), (session_id,))
