"""Session stores: one contract for the in-memory and SQL stores; restarts and crashes lose nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from chatrec.catalog.store import ChromaStore
from chatrec.memory import InMemorySessions, Session, SessionStore
from chatrec.storage import SQLSessions, StorageError
from tests.helpers import make_bot


def empty_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database in the throwaway PostgreSQL cluster."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 's.db'}"
    return request.getfixturevalue("postgres").new_database()  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_database(request.param, request, tmp_path)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> SessionStore:
    if request.param == "memory":
        return InMemorySessions(undo_depth=3)
    return SQLSessions(empty_database(request.param, request, tmp_path), undo_depth=3)


def test_store_contract(sessions: SessionStore) -> None:
    assert sessions.get("a") == Session(id="a")
    s = sessions.get("a")
    for n in range(5):
        s.query = f"q{n}"
        s.add_liked(f"i{n}")
        sessions.save(s)
    assert sessions.get("a").query == "q4" and sessions.get("b").query == ""  # no bleeding between sessions
    assert sessions.undo("a") and sessions.get("a").query == "q3"
    assert sessions.undo("a") and sessions.undo("a")
    assert not sessions.undo("a")  # only undo_depth snapshots are kept
    assert sessions.get("a").query == "q1"
    s = sessions.get("a")
    s.query = "no snapshot"
    sessions.save(s, snapshot=False)
    assert sessions.get("a").query == "no snapshot" and not sessions.undo("a")
    sessions.record_feedback("a", "i1", True, "Title", "u7")
    sessions.record_feedback("b", "i2", False)
    assert [(f["item_id"], f["liked"], f["user_id"]) for f in sessions.feedback("a")] == [("i1", True, "u7")]
    assert len(sessions.feedback()) == 2
    assert sorted(sessions.session_ids()) == ["a"]  # reading "b" did not create it
    sessions.reset("a")
    assert sessions.get("a") == Session(id="a") and not sessions.undo("a")
    assert isinstance(sessions.lock("a"), type(threading.Lock()))


def test_sql_store_is_safe_under_concurrent_writers(db_url: str) -> None:
    store = SQLSessions(db_url)

    def worker(n: int) -> None:
        for k in range(20):
            s = store.get(f"s{n}")
            s.liked.append(f"{n}-{k}")
            store.save(s)
            store.record_feedback(f"s{n}", f"{n}-{k}", True)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in range(6):
        assert store.get(f"s{n}").liked == [f"{n}-{k}" for k in range(20)]
    assert len(store.feedback()) == 120


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open the session database"):
        SQLSessions(f"sqlite:///{tmp_path / 'missing-dir' / 'x' / 's.db'}")
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StorageError, match="cannot open the session database"):
        SQLSessions(f"postgresql+psycopg://chatrec@127.0.0.1:{port}/chatrec")


def test_a_conversation_continues_after_a_restart(catalog_store: ChromaStore, tmp_path: Path, db_url: str) -> None:
    first = make_bot(catalog_store, None, tmp_path, database_url=db_url)
    shown = first.chat("an animated film", "s1", domain="movies")
    first.feedback("s1", shown.items[0].item_id, liked=True)
    restarted = make_bot(catalog_store, None, tmp_path, database_url=db_url)  # a new process would see the same database
    session = restarted.session("s1")
    assert [t.role for t in session.turns] == ["user", "assistant"]
    assert session.liked == [shown.items[0].item_id]
    more = restarted.chat("show me more", "s1")
    assert more.intent.domain == "movies"
    assert not {r.item_id for r in more.items} & {r.item_id for r in shown.items}  # remembers what was shown
    assert restarted.undo("s1") and len(restarted.session("s1").turns) == 2


def test_feedback_is_on_disk_when_the_call_returns(db_url: str) -> None:
    """The writer is killed with SIGKILL right after record_feedback returns; the row must be there."""
    url = db_url
    code = (
        "import os, signal, sys\n"
        "from chatrec.storage import SQLSessions\n"
        f"SQLSessions({url!r}).record_feedback('s', 'item-9', True, 'T')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == -9
    assert [f["item_id"] for f in SQLSessions(url).feedback("s")] == ["item-9"]
