"""Per-session conversation state: turns, what was shown, liked and rejected, running constraints.

The history handed to the model is the newest turns that fit a token budget (tiktoken);
older turns are folded into a summary built from the session's own state, so "something
cheaper" still knows what was shown and rejected without the model re-reading everything.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from chatrec.models import Constraints, Intent, Recommendation, Reply
from chatrec.tokens import count_tokens


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    text: str
    shown: list[str] = Field(default_factory=list, description="Titles an assistant turn recommended, in order.")

    def line(self, compact: bool = False) -> str:
        """The turn as a history line; ``compact`` gives a recommending turn as its list of titles."""
        if compact and self.shown:
            return "Assistant: (recommended " + "; ".join(f"{n}. {t}" for n, t in enumerate(self.shown, start=1)) + ")"
        return f"{'User' if self.role == 'user' else 'Assistant'}: {self.text}"


class Session(BaseModel):
    id: str
    user_id: str | None = Field(None, description="Whose interaction history personalises this session, if any.")
    turns: list[Turn] = Field(default_factory=list)
    shown: list[str] = Field(default_factory=list, description="Every item id shown, oldest first.")
    last_items: list[Recommendation] = Field(default_factory=list)
    liked: list[str] = Field(default_factory=list)
    rejected: list[str] = Field(default_factory=list)
    constraints: Constraints = Field(default_factory=Constraints)
    domain: str | None = None
    scenario: str | None = None
    query: str = ""
    open_request: bool = Field(False, description="The last request's only taste was its constraints: its refinements stay open too.")
    ruled_out: list[str] = Field(default_factory=list, description="Genres the person ruled out in their own words (Intent.ruled_out).")
    titles: dict[str, str] = Field(default_factory=dict, description="Titles of items mentioned, for summaries.")
    asked: list[str] = Field(default_factory=list, description="The person's last messages of the request under way (a new "
                             "request starts it again; a long one is left out): a follow-up's reasons answer them too.")
    last_reply: Reply | None = None

    def item_at(self, reference: int | None) -> Recommendation | None:
        """The last list's item at a 1-based position (-1: the last one)."""
        if reference is None or not self.last_items:
            return None
        index = len(self.last_items) - 1 if reference == -1 else reference - 1
        return self.last_items[index] if 0 <= index < len(self.last_items) else None

    def add_liked(self, item_id: str) -> None:
        self.liked = [*dict.fromkeys([*self.liked, item_id])]
        self.rejected = [i for i in self.rejected if i != item_id]

    def add_rejected(self, item_id: str) -> None:
        self.rejected = [*dict.fromkeys([*self.rejected, item_id])]
        self.liked = [i for i in self.liked if i != item_id]

    def take_feedback(self, intent: Intent) -> None:
        """What a message said of items: liked ones (and one to find more like) steer this and later turns, rejected ones go."""
        for item_id in [*intent.liked_ids, *([intent.anchor_id] if intent.anchor_id else [])]:
            self.add_liked(item_id)
        for item_id in intent.rejected_ids:
            self.add_rejected(item_id)

    def summary(self) -> str:
        """What older turns established, from state rather than from text."""
        parts = []
        if self.domain:
            parts.append(f"looking for {self.domain}" + (f" ({self.scenario.replace('_', ' ')})" if self.scenario else ""))
        if chips := self.constraints.describe():
            parts.append("constraints: " + ", ".join(chips))
        if self.liked:
            parts.append("liked: " + ", ".join(self.titles.get(i, i) for i in self.liked[-5:]))
        if self.rejected:
            parts.append("rejected: " + ", ".join(self.titles.get(i, i) for i in self.rejected[-5:]))
        return "; ".join(parts)

    def history(self, budget_tokens: int, compact: bool = False) -> str:
        """Newest turns that fit ``budget_tokens``, oldest first, after a summary of the rest
        (``compact``: recommending turns as their titles, which is all a reading of the next message needs)."""
        lines: list[str] = []
        used = 0
        kept = 0
        for turn in reversed(self.turns):
            line = turn.line(compact)
            cost = count_tokens(line)
            if used + cost > budget_tokens:
                break
            lines.append(line)
            used += cost
            kept += 1
        lines.reverse()
        if kept < len(self.turns) and (summary := self.summary()):
            lines.insert(0, f"(Earlier: {summary})")
        return "\n".join(lines) if lines else "(none)"


class SessionStore(Protocol):
    """Where sessions and feedback live: :class:`InMemorySessions`, or :class:`chatrec.storage.SQLSessions`."""

    def get(self, session_id: str) -> Session: ...
    def save(self, session: Session, snapshot: bool = True) -> None: ...
    def undo(self, session_id: str) -> bool: ...
    def lock(self, session_id: str) -> threading.Lock: ...
    def reset(self, session_id: str) -> None: ...
    def record_feedback(self, session_id: str, item_id: str, liked: bool, title: str = "", user_id: str | None = None) -> None: ...
    def feedback(self, session_id: str | None = None) -> list[dict[str, Any]]: ...
    def session_ids(self) -> list[str]: ...


class InMemorySessions:
    """Sessions in this process (gone when it exits), with a snapshot per turn for undo.

    One lock per session keeps concurrent turns of a session from interleaving.
    """

    def __init__(self, undo_depth: int = 20) -> None:
        self._sessions: dict[str, Session] = {}
        self._snapshots: dict[str, list[Session]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._feedback: list[dict[str, Any]] = []
        self.undo_depth = undo_depth

    def get(self, session_id: str) -> Session:
        with self._guard:
            found = self._sessions.get(session_id)  # reading does not create a session
            return found.model_copy(deep=True) if found else Session(id=session_id)

    def save(self, session: Session, snapshot: bool = True) -> None:
        """Store ``session``; with ``snapshot``, the state it replaces can be restored by :meth:`undo`."""
        with self._guard:
            if snapshot:
                stack = self._snapshots.setdefault(session.id, [])
                stack.append(self._sessions.get(session.id, Session(id=session.id)))
                del stack[: -self.undo_depth]
            self._sessions[session.id] = session.model_copy(deep=True)

    def undo(self, session_id: str) -> bool:
        with self._guard:
            stack = self._snapshots.get(session_id)
            if not stack:
                return False
            self._sessions[session_id] = stack.pop()
            return True

    def lock(self, session_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def reset(self, session_id: str) -> None:
        with self._guard:
            self._sessions.pop(session_id, None)
            self._snapshots.pop(session_id, None)

    def record_feedback(self, session_id: str, item_id: str, liked: bool, title: str = "", user_id: str | None = None) -> None:
        with self._guard:
            self._feedback.append({"time": time.time(), "session_id": session_id, "user_id": user_id,
                                   "item_id": item_id, "liked": liked, "title": title})  # fmt: skip

    def feedback(self, session_id: str | None = None) -> list[dict[str, Any]]:
        with self._guard:
            return [dict(f) for f in self._feedback if session_id is None or f["session_id"] == session_id]

    def session_ids(self) -> list[str]:
        with self._guard:
            return list(self._sessions)
