"""Understanding, measured: a set of requests and refinements, each with what a correct reading is.

Each case is a short conversation (``turns``); the earlier turns are answered by code alone
to set the session up (what was shown, the running constraints), then the last message is
read by the understander, without and (optionally) with the model, on the same session. A
case passes when every field it lists matches. The paired difference tells whether the
model's reading is worth its seconds.
"""

from __future__ import annotations

import time
import uuid
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import BaseModel, Field

from chatrec.eval.metrics import Interval, paired_bootstrap
from chatrec.models import Intent
from chatrec.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from chatrec.pipeline.dialogue import ChatRec

DEFAULT_CASES = PROJECT_ROOT / "data" / "eval" / "phrasings.yaml"
_EXACT = ("action", "domain", "scenario", "language", "audience", "age", "year_min", "year_max", "price_min", "price_max")


class Expect(BaseModel):
    """What the reading of the last turn must produce; only the fields given are checked."""

    action: str | None = None
    domain: str | None = None
    scenario: str | None = None
    language: str | None = None
    audience: str | None = None
    age: int | None = None
    year_min: int | None = None
    year_max: int | None = None
    years_back: int | None = Field(None, description="year_min is this many years before this year ('the last 10 years').")
    price_min: float | None = None
    price_max: float | None = None
    include: list[str] = Field(default_factory=list, description="Genres that must be wanted.")
    exclude: list[str] = Field(default_factory=list, description="Genres that must be ruled out.")
    allowed: list[str] = Field(default_factory=list, description="Genres that must not be ruled out ('a classic crime film' "
                               "after 'something less violent').")
    no_include: bool = Field(False, description="No genre may be required (the request states no taste).")
    not_moods: list[str] = Field(default_factory=list, description="Moods that must be ruled out ('nothing too sad'), "
                                 "and not asked for.")
    moods: list[str] = Field(default_factory=list, description="Tagged moods that must be asked for ('a sad film to cry to').")
    not_words: list[str] = Field(default_factory=list, description="Things that must be ruled out by the catalog's words for "
                                 "them ('no zombies', '不要丧尸').")


class Case(BaseModel):
    turns: list[str] = Field(min_length=1)
    expect: Expect


class CaseResult(BaseModel):
    case: Case
    errors: list[str]
    seconds: float
    used_model: bool = Field(description="The model's reading was available (not down, not refused).")

    @property
    def passed(self) -> bool:
        return not self.errors


class PhrasingReport(BaseModel):
    cases: int
    code_only: list[CaseResult]
    with_model: list[CaseResult] = Field(default_factory=list)
    effect: Interval | None = Field(None, description="Case accuracy with the model minus without, paired.")

    @staticmethod
    def accuracy(results: list[CaseResult]) -> float:
        return sum(r.passed for r in results) / len(results) if results else 0.0


def load_cases(path: Path = DEFAULT_CASES) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Case.model_validate(c) for c in data["cases"]]


def mismatches(intent: Intent, expect: Expect) -> list[str]:
    """How ``intent`` differs from what ``expect`` asks for (empty: it passes)."""
    got: dict[str, Any] = {
        "action": intent.action, "domain": intent.domain, "scenario": intent.scenario, "language": intent.language,
        **intent.constraints.model_dump(include={"audience", "age", "year_min", "year_max", "price_min", "price_max"}),
    }  # fmt: skip
    if intent.exchange is not None:  # the set states prices as asked ("100元以内": 100); the catalog's are converted at set rates
        got |= intent.exchange.model_dump(include={"price_min", "price_max"})
    if intent.edge is not None:  # years as asked too ("from 2022"); the catalog's may end before them
        got["year_min"], got["year_max"] = intent.edge.asked
    errors = [f"{f}: want {getattr(expect, f)!r}, got {got[f]!r}" for f in _EXACT
              if f in expect.model_fields_set and got[f] != getattr(expect, f)]  # fmt: skip
    if expect.years_back is not None and got["year_min"] != (want := date.today().year - expect.years_back):
        errors.append(f"years_back: want from {want}, got {got['year_min']!r}")
    c = intent.constraints
    if missing := [g for g in expect.include if g not in c.include_genres]:
        errors.append(f"include: missing {missing} (got {c.include_genres})")
    if missing := [g for g in expect.exclude if g not in c.exclude_genres]:
        errors.append(f"exclude: missing {missing} (got {c.exclude_genres})")
    if barred := [g for g in expect.allowed if g in c.exclude_genres]:
        errors.append(f"allowed: {barred} ruled out")
    if missing := [m for m in expect.not_moods if m not in c.exclude_moods]:
        errors.append(f"not_moods: missing {missing} (got {list(c.exclude_moods)})")
    if missing := [w for w in expect.not_words if w not in c.exclude_words]:
        errors.append(f"not_words: missing {missing} (got {list(c.exclude_words)})")
    if wanted := [m for m in expect.not_moods if m in c.want_moods]:
        errors.append(f"not_moods: {wanted} asked for")
    if missing := [m for m in expect.moods if m not in c.want_moods]:
        errors.append(f"moods: missing {missing} (got {list(c.want_moods)})")
    if expect.no_include and c.include_genres:
        errors.append(f"include: want none, got {c.include_genres}")
    return errors


def run_phrasings(plain: ChatRec, cases: list[Case], modelled: ChatRec | None = None) -> PhrasingReport:
    """Every case read by ``plain`` (a bot without a model), and by ``modelled`` (the same catalog and
    sessions, with a model) on the same session state; earlier turns are answered by ``plain``."""
    code_only: list[CaseResult] = []
    with_model: list[CaseResult] = []
    readers = [(plain, code_only), *([(modelled, with_model)] if modelled is not None else [])]
    for case in cases:
        session = f"phrasing-{uuid.uuid4()}"
        for turn in case.turns[:-1]:
            plain.chat(turn, session)
        for bot, out in readers:
            started = time.perf_counter()
            intent = bot.understand(case.turns[-1], session)
            out.append(CaseResult(case=case, errors=mismatches(intent, case.expect), seconds=time.perf_counter() - started,
                                  used_model=intent.used_llm))  # fmt: skip
        plain.reset(session)
    effect = None
    if with_model:
        effect = paired_bootstrap(np.array([r.passed for r in code_only], float), np.array([r.passed for r in with_model], float))
    return PhrasingReport(cases=len(cases), code_only=code_only, with_model=with_model, effect=effect)
