"""Entry points behind ``chatrec eval run`` and ``chatrec eval tune``."""

from __future__ import annotations

import logging
import random
import re
import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chatrec.eval.data import MovieLens100K, TitleMapper, item_vectors, load_inspired
from chatrec.eval.methods import HYBRID_SIGNALS, Fitted, LLMJudge, full_tasks, tune_weights
from chatrec.eval.protocols import (
    Context,
    ProtocolResult,
    cold_items,
    conversation_turns,
    full_ranking,
    holdout,
    latest_among_sampled,
    offline_weights,
)
from chatrec.eval.report import EvalReport
from chatrec.pipeline.dialogue import ChatRec
from chatrec.settings import Settings
from chatrec.signals.collaborative import Interactions

log = logging.getLogger(__name__)


def run_eval(
    settings: Settings, ml100k: Path, inspired: Path | None, out: Path, *, redial: Path | None = None, seed: int = 42, llm_users: int = 150,
    llm_turns: int = 0, protocols: Sequence[str] = ("A", "B", "C", "D"), use_llm: bool = True,
    max_users: int | None = None, max_turns: int | None = None, budget: int | None = 16,
    folds: Sequence[int] = (1, 2, 3, 4, 5), update: bool = False, progress: bool = True,
    suggest_turns: int = 0, suggest_weight: float = 0.3,
) -> EvalReport:  # fmt: skip
    """Every requested protocol on the same data and seed; writes the report into ``out``.

    With ``update``, results already in ``out/report.json`` for other protocols are kept
    (each result records the command that produced it)."""
    from chatrec.catalog.demo import pack_path
    from chatrec.embeddings import load_embedder

    t0 = time.perf_counter()
    data = MovieLens100K.load(ml100k, settings.demo_dir, max_users)
    embedder = load_embedder(settings.embedder)
    vectors = item_vectors(data.items, embedder, [pack_path(settings.demo_dir, "movies")],
                           settings.cache_dir / "eval" / "ml100k-vectors.npz", settings.description_chars)  # fmt: skip
    bot_llm = ChatRec(settings) if use_llm and (llm_users or llm_turns or suggest_turns) else None
    ctx = Context(data, vectors, seed, budget, tuple(folds), llm_users if bot_llm else 0, progress=progress)
    if bot_llm is not None:
        scenario = bot_llm.scenarios["personal_picks"]

        def judge_for(train: Interactions) -> LLMJudge:
            def liked_titles(row: int) -> list[str]:
                r = train.matrix[row]
                best = r.indices[np.argsort(-r.data, kind="stable")]
                return [f"{data.items[i].title} ({data.items[i].year})" if data.items[i].year else data.items[i].title for i in best]

            return LLMJudge(bot_llm.ranker, bot_llm.llm, scenario, data.items, liked_titles)  # type: ignore[arg-type]

        ctx.judge_for = judge_for
    results: list[ProtocolResult] = []
    tuned_a: dict[str, Any] = {}
    for name in protocols:
        log.info("protocol %s", name)
        if name == "A":
            results.append(full_ranking(ctx))
            tuned_a = next(iter(results[-1].tuning.values()))
        elif name == "B":
            results.append(latest_among_sampled(ctx))
        elif name == "C":
            weights = {**({"protocol A's tuned hybrid (fold u1)": tuned_a["weights"]["hybrid"]} if tuned_a else {}),
                       **movie_scenario_weights(settings)}  # fmt: skip
            results.append(cold_items(ctx, weights, tuned_a.get("settings")))
        elif name == "D" and inspired is not None:
            results.append(_conversational(settings, bot_llm, inspired, redial, llm_turns if bot_llm else 0, seed, max_turns, progress,
                                           suggest_turns, suggest_weight))  # fmt: skip
    command = reproduce_command(ml100k, inspired, redial, out, protocols, seed, llm_users, llm_turns, use_llm, budget,
                                suggest_turns, suggest_weight)  # fmt: skip
    for r in results:
        r.command = command
    seconds = time.perf_counter() - t0
    if update and (out / "report.json").is_file():
        kept = [r for r in EvalReport.model_validate_json((out / "report.json").read_text()).results if r.protocol not in protocols]
        results = sorted([*kept, *results], key=lambda r: r.protocol)
        seconds = sum(r.seconds for r in results)
    report = EvalReport(
        command=command,
        seed=seed, data={"MovieLens-100K": str(ml100k), **({"INSPIRED": str(inspired)} if inspired else {}),
                         **({"ReDial validation": str(redial)} if redial else {})},
        llm=(f"{getattr(bot_llm.llm, 'name', type(bot_llm.llm).__name__)} via {settings.resolved_backend()} backend" if bot_llm else "none"),
        results=results, seconds=seconds,
    )  # fmt: skip
    report.write(out)
    return report


def movie_scenario_weights(settings: Settings) -> dict[str, dict[str, float]]:
    """Each movie scenario's offline part of its weights (collaborative, neighbours, profile, popularity), rescaled."""
    from chatrec.promptfiles import PromptFiles
    from chatrec.scenarios import load_scenarios

    files = PromptFiles(settings.prompts_dir, settings.prompt_overrides)
    scenarios = load_scenarios(files.scenario_paths())
    return {f"scenario {name}": w for name, sc in sorted(scenarios.items()) if sc.domain == "movies" and (w := offline_weights(sc.weights))}


def reproduce_command(ml100k: Path, inspired: Path | None, redial: Path | None, out: Path, protocols: Sequence[str], seed: int,
                      llm_users: int, llm_turns: int, use_llm: bool, budget: int | None, suggest_turns: int = 0,
                      suggest_weight: float = 0.3) -> str:  # fmt: skip
    """The ``chatrec eval run`` command line that repeats a run."""
    args = ["chatrec", "eval", "run", "--ml100k", str(ml100k), *(["--inspired", str(inspired)] if inspired else []),
            *(["--redial", str(redial)] if redial else []),
            "--out", str(out), "--protocols", "".join(protocols), "--seed", str(seed), "--budget", str(budget or 0),
            "--llm-users", str(llm_users), "--llm-turns", str(llm_turns), *([] if use_llm else ["--no-llm"])]  # fmt: skip
    args += ["--suggest-turns", str(suggest_turns), "--suggest-weight", f"{suggest_weight:g}"] if suggest_turns else []
    args += ["--update"] if len(protocols) < 4 else []
    return " ".join(shlex.quote(a) for a in args)


def _conversational(
    settings: Settings, bot_llm: ChatRec | None, inspired: Path, redial: Path | None, llm_turns: int, seed: int,
    max_turns: int | None, progress: bool, suggest_turns: int, suggest_weight: float,
) -> ProtocolResult:  # fmt: skip
    """Protocol D through the chat pipeline: every turn without the model, a sample with it."""
    from chatrec.catalog.loaders import load_catalog
    from chatrec.eval.redial import run_redial
    from chatrec.memory import InMemorySessions

    t0 = time.perf_counter()
    plain = ChatRec(settings, llm=None, sessions=InMemorySessions())  # the ReDial replay's sessions are not kept
    movies = load_catalog(settings.demo_dir / "movies.jsonl", "movies").items
    collab = plain.collaborative("movies")
    counts = np.asarray((collab.interactions.matrix > 0).sum(axis=0)).ravel() if collab else np.zeros(0)
    popular = [collab.interactions.items[i] for i in np.argsort(-counts, kind="stable")] if collab else []

    def rank(message: str, exclude: set[str], with_llm: bool) -> list[str]:
        bot = bot_llm if with_llm and bot_llm is not None else plain
        return [r.item_id for r in bot.rank(message, k=50, exclude=exclude, domain="movies")]

    conversations = None
    if redial is not None:
        suggesting = bot_llm.with_weight("suggested", suggest_weight) if bot_llm is not None and suggest_turns else None
        conversations = run_redial(plain, redial, "test", max_turns or 600, progress, suggesting, suggest_turns)
        if suggesting is not None:
            suggesting.with_weight("suggested", 0.0)  # as shipped, for anything after this
    result = conversation_turns(load_inspired(inspired)[:max_turns], rank, TitleMapper(movies), popular, llm_turns, seed, progress,
                                conversations)  # fmt: skip
    return result.model_copy(update={"seconds": time.perf_counter() - t0})  # ReDial's turns included


def tune_scenario(
    settings: Settings, scenario: str, domain: str = "movies", seed: int = 42, shipped: bool = False, bot: ChatRec | None = None
) -> dict[str, float]:
    """Fit the collaborative/content/popularity weights of ``scenario`` on a validation split of the
    domain's interactions and save them into the scenario file (the override layer unless ``shipped``)."""
    from chatrec.promptfiles import PromptFiles
    from chatrec.scenarios import ON_TOP, parse_scenario

    bot = bot or ChatRec(settings, llm=None)
    collab = bot.collaborative(domain)
    if collab is None:
        raise ValueError(f"no interaction file for {domain!r}; set CHATREC_INTERACTIONS")
    inter = collab.interactions
    found = bot.store.vectors(domain, inter.items)
    dim = len(next(iter(found.values())))
    vectors = np.stack([found.get(i, np.zeros(dim, np.float32)) for i in inter.items])
    fit, held = holdout(Interactions(inter.users, inter.items, inter.binary()), 0.2, seed)
    if not held:
        raise ValueError(f"too little data to tune: no user in {domain!r} has 5 or more interactions")
    tasks = full_tasks(fit, held, random.Random(seed))
    scores = Fitted.fit(fit, vectors, seed).scores(tasks)
    signals = tuple(HYBRID_SIGNALS)
    best, validation, _ = tune_weights(scores, tasks, {"hybrid": signals}, None, "ndcg@10", 10, random.Random(seed))
    tuned, value = best["hybrid"], validation["hybrid"]
    files = PromptFiles(settings.prompts_dir, settings.prompt_overrides)
    key = f"scenarios/{scenario}"
    current = parse_scenario(files.read(key), scenario)
    rest = {k: v for k, v in current.weights.items() if k not in HYBRID_SIGNALS}
    mass = max(0.0, 1.0 - sum(v for k, v in rest.items() if k not in ON_TOP))
    weights = {**rest, **{k: round(v * mass, 3) for k, v in tuned.items()}}
    line = "weights: {" + ", ".join(f"{k}: {v:g}" for k, v in weights.items()) + "}"
    text = re.sub(r"^weights:.*$", line, files.read(key), count=1, flags=re.MULTILINE)
    if shipped:
        parse_scenario(text, scenario)
        (settings.prompts_dir / f"{key}.yaml").write_text(text, encoding="utf-8")
    else:
        files.save(key, text)
    log.info("validation ndcg@10 %.4f over %d users", value, len(tasks))
    return weights | {"validation ndcg@10": round(value, 4), "users": len(tasks)}
