"""Durable sessions and feedback in a SQL database through SQLAlchemy (SQLite by default).

Every write is its own committed transaction before the caller goes on, so a conversation
survives a restart and a thumbs-up survives a crash. Point ``CHATREC_DATABASE_URL`` at
PostgreSQL (``postgresql+psycopg://…``) to let several app instances share state; the schema
is three plain tables created on first use.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from chatrec.memory import Session

metadata = MetaData()
sessions_table = Table(
    "chatrec_sessions", metadata,
    Column("id", String(200), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated", Float, nullable=False),
)  # fmt: skip
snapshots_table = Table(
    "chatrec_snapshots", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(200), index=True, nullable=False),
    Column("state", Text, nullable=False),
)  # fmt: skip
feedback_table = Table(
    "chatrec_feedback", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("time", Float, nullable=False),
    Column("session_id", String(200), index=True, nullable=False),
    Column("user_id", String(200)),
    Column("item_id", String(400), nullable=False),
    Column("liked", Boolean, nullable=False),
    Column("title", Text, nullable=False, default=""),
)  # fmt: skip


class StorageError(RuntimeError):
    """The session database cannot be reached or written."""


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL and a busy timeout so several threads and processes can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # committed means on disk
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class SQLSessions:
    """The :class:`chatrec.memory.SessionStore` contract on a SQL database, plus the feedback log."""

    def __init__(self, url: str, undo_depth: int = 20) -> None:
        self.url = url
        self.undo_depth = undo_depth
        try:
            self.engine = make_engine(url)
            metadata.create_all(self.engine)
        except SQLAlchemyError as e:
            raise StorageError(f"cannot open the session database: {type(e).__name__}") from e
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _state(self, conn: Any, session_id: str) -> str | None:
        return conn.execute(select(sessions_table.c.state).where(sessions_table.c.id == session_id)).scalar_one_or_none()

    def get(self, session_id: str) -> Session:
        with self.engine.connect() as conn:
            state = self._state(conn, session_id)
        return Session.model_validate_json(state) if state else Session(id=session_id)

    def save(self, session: Session, snapshot: bool = True) -> None:
        """Store ``session``; with ``snapshot``, the state it replaces can be restored by :meth:`undo`."""
        state = session.model_dump_json()
        with self.engine.begin() as conn:
            old = self._state(conn, session.id)
            if snapshot:
                conn.execute(insert(snapshots_table).values(session_id=session.id, state=old or Session(id=session.id).model_dump_json()))
                keep = select(snapshots_table.c.seq).where(snapshots_table.c.session_id == session.id)
                keep = keep.order_by(snapshots_table.c.seq.desc()).limit(self.undo_depth)
                conn.execute(delete(snapshots_table).where(snapshots_table.c.session_id == session.id,
                                                           snapshots_table.c.seq.not_in(keep.scalar_subquery())))  # fmt: skip
            if old is None:
                conn.execute(insert(sessions_table).values(id=session.id, state=state, updated=time.time()))
            else:
                conn.execute(update(sessions_table).where(sessions_table.c.id == session.id).values(state=state, updated=time.time()))

    def undo(self, session_id: str) -> bool:
        with self.engine.begin() as conn:
            row = conn.execute(
                select(snapshots_table.c.seq, snapshots_table.c.state)
                .where(snapshots_table.c.session_id == session_id).order_by(snapshots_table.c.seq.desc()).limit(1)
            ).first()  # fmt: skip
            if row is None:
                return False
            conn.execute(delete(snapshots_table).where(snapshots_table.c.seq == row.seq))
            conn.execute(update(sessions_table).where(sessions_table.c.id == session_id).values(state=row.state, updated=time.time()))
            return True

    def lock(self, session_id: str) -> threading.Lock:
        """Serialises turns of one session within this process (route a session to one instance)."""
        with self._guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def reset(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions_table).where(sessions_table.c.id == session_id))
            conn.execute(delete(snapshots_table).where(snapshots_table.c.session_id == session_id))

    def record_feedback(self, session_id: str, item_id: str, liked: bool, title: str = "", user_id: str | None = None) -> None:
        """Committed (and, for SQLite, synced) before returning."""
        with self.engine.begin() as conn:
            conn.execute(insert(feedback_table).values(time=time.time(), session_id=session_id, user_id=user_id,
                                                       item_id=item_id, liked=liked, title=title))  # fmt: skip

    def feedback(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Logged feedback, oldest first (all sessions when ``session_id`` is None)."""
        query = select(feedback_table).order_by(feedback_table.c.seq)
        if session_id is not None:
            query = query.where(feedback_table.c.session_id == session_id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def session_ids(self) -> list[str]:
        """Stored sessions, least recently updated first."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(sessions_table.c.id).order_by(sessions_table.c.updated)).scalars())
