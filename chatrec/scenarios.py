"""Scenario profiles: YAML files in ``prompts/scenarios/``; adding one needs no code.

A scenario says what situation a request comes from (family movie night, a gift, study),
which domain it usually means, which constraints it implies (no horror with young
children), how to weight the ranking signals, and in what tone to explain.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from chatrec.datafiles import parse_yaml_model
from chatrec.models import Constraints

# Every signal a weight can name. semantic: similarity to the request; profile: to the
# embeddings of liked items; collaborative: the factor model (ALS/BPR) for this person;
# neighbours: item-kNN from their items ("more like these"); comention: items liked in the same real
# conversations as the ones they named; llm: the model's re-rank; audience: made for the children a request
# is for (and for their age, where items state one), or not made for children when it is for grown-ups;
# suggested: titles the model names for the conversation, each checked to be a catalog item; genres: how many of
# the genres asked an item has ("a horror comedy"); mood: how many of the moods asked its tags mark ("a sad film");
# topic: how many of the rare words the request names ("chess", "lego") its title, description or tags write.
SIGNALS = ("semantic", "popularity", "rating", "profile", "llm", "price", "collaborative", "neighbours", "comention", "audience",
           "suggested", "genres", "mood", "topic")  # fmt: skip


class Scenario(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,48}$")
    title: str
    title_zh: str | None = Field(None, description="The title in Chinese, for replies in Chinese.")
    domain: str
    description: str = Field(min_length=10)
    examples: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    constraints: Constraints = Field(default_factory=Constraints)
    weights: dict[str, float]
    style: str = ""
    open_requests: bool = Field(False, description="Serves requests in its domain that state no taste ('any good movie').")
    taste: str | None = Field(None, description="Searched by meaning in place of a request that states no taste of its own "
                              "('a film to watch with my wife tonight' finds romances, not films with 'Night' in the title).")
    pool: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_POOL),
                                 description="How many candidates a signal adds to the vector search's (the rest are unchanged).")  # fmt: skip

    def rules_out(self, genres: list[str]) -> bool:
        """Whether the scenario's defaults leave out a genre asked for outright: the model's family movie night for "a
        classic crime film from the 70s" is no reading of it (it had brought "for children" and "no Thriller")."""
        return bool({g.casefold() for g in genres} & {g.casefold() for g in self.constraints.exclude_genres})

    def taste_for(self, constraints: Constraints) -> str | None:
        """What to search for by meaning when a request states no taste: the scenario's, unless genres asked give one."""
        return None if constraints.include_genres else self.taste

    @field_validator("weights")
    @classmethod
    def _known_signals(cls, w: dict[str, float]) -> dict[str, float]:
        if unknown := set(w) - set(SIGNALS):
            raise ValueError(f"unknown signal(s) {sorted(unknown)}; known: {list(SIGNALS)}")
        if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        return w

    @field_validator("pool")
    @classmethod
    def _pool_signals(cls, pool: dict[str, int]) -> dict[str, int]:
        if unknown := set(pool) - set(DEFAULT_POOL):
            raise ValueError(f"no pool from signal(s) {sorted(unknown)}; these add candidates: {list(DEFAULT_POOL)}")
        if any(not 0 <= n <= 1000 for n in pool.values()):
            raise ValueError("pool sizes must be between 0 and 1000")
        return {**DEFAULT_POOL, **pool}


# Signals weighed on top of the rest (whose weights sum to 1): each carries information only for some requests, for
# children or grown-ups, for two genres or more or for a mood, and drops out of the fusion otherwise.
ON_TOP = ("audience", "genres", "mood", "topic")

# Candidates beyond the vector search, per signal that can name its own best items: the factor model's (people
# like this person), item-kNN's over ratings (more like what they named) and co-mention's (what real conversations
# name with it). Chosen on ReDial's tuning half (bench/redial.py --split tune): co-mention's 60 -> 100 took Recall@50
# from 0.340 to 0.346 (150: no change), within the noise, for more work per turn against a 150 ms p95 budget: kept
# at 60; 30 from item-kNN added 0.004, not kept.
# topic: the items whose words hold the request's rare words ("a movie about chess"), from the catalog's word index.
DEFAULT_POOL = {"collaborative": 20, "neighbours": 0, "comention": 60, "topic": 30}

# The model's re-rank ("llm") is off unless a scenario gives it weight: with the bundled 1.5B model it
# cost 0.5-2.7 s before the first word and showed no measurable gain (see README, "Where the model's time goes").
# Weights other than those ON_TOP sum to 1. Half goes to what the person named in the conversation (comention): on
# ReDial's tuning half that took Recall@10 from 0.02 to 0.21 (bench/redial.py --split tune). When they named nothing
# and the request leaves nothing to search for ("I like comedies"), it is how often conversations name each item;
# when they named nothing but asked for something ("a movie about a dog"), it drops out and the rest is rescaled.
# genres' 0.2 (every scenario has it): top-3 picks with every genre of 19 requests for a blend of two 14/57 -> 56/57
# (bench/asked.py); on ReDial's tuning half, when any two genres of a transcript counted, R@10 0.195 -> 0.193, R@50
# 0.345 -> 0.340 (0.1: 0.195 / 0.341; 0.3: 0.189 / 0.336). A blend's items now also lead (see README).
# mood's 0.35 (every scenario has it), on 11 requests for a tagged mood ("a sad film", bench/asked.py, the set it was
# chosen on): tagged picks in the top 10 7/110 without it, 59 at 0.2, 88 at 0.35, 99 at 0.5 (which lets in films whose
# tags are plot keywords: *Idiocracy*, "dark comedy", for "a dark thriller"); ReDial's tuning half unchanged.
# topic's 0.2 (every scenario has it), on 14 requests naming a thing ("a movie about chess", "a lego set") and 16
# follow-ups adding one (bench/asked.py, the sets it was chosen on): top-3 picks that write it 27/42 -> 38/42 and 27/48
# -> 31/48 (0.35: 38/42 and 32/48); ReDial's tuning half R@10 0.211 -> 0.210, R@50 0.361 -> 0.362, replayed message
# by message 0.101 -> 0.098 (0.35: 0.092); with no cap on the words (see retrieve.topic_words) R@10 fell to 0.190.
DEFAULT_WEIGHTS = {"semantic": 0.2, "popularity": 0.1, "rating": 0.05, "profile": 0.025, "llm": 0.0, "collaborative": 0.05,
                   "neighbours": 0.025, "comention": 0.5, "audience": 0.2, "genres": 0.2, "mood": 0.35, "topic": 0.2}  # fmt: skip


class ScenarioError(ValueError):
    """A scenario file is invalid."""


def parse_scenario(text: str, expected_name: str | None = None) -> Scenario:
    return parse_yaml_model(text, Scenario, ScenarioError, expected_name)


def load_scenarios(source: Path | list[Path]) -> dict[str, Scenario]:
    """Every scenario file (a folder's ``*.yaml``, or the given files), validated; the first
    invalid file stops the load with its path."""
    paths = sorted(source.glob("*.yaml")) if isinstance(source, Path) else source
    out: dict[str, Scenario] = {}
    for path in paths:
        try:
            scenario = parse_scenario(path.read_text(encoding="utf-8"), path.stem)
        except ScenarioError as e:
            raise ScenarioError(f"{path}: {e}") from e
        out[scenario.name] = scenario
    if not out:
        raise ScenarioError(f"no scenarios in {source}")
    return out
