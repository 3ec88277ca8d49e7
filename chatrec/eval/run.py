"""Entry points behind ``chatrec eval run`` and ``chatrec eval tune``."""

from __future__ import annotations

import logging
import random
import re
import shlex
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chatrec.eval.data import MovieLens100K, TitleMapper, item_vectors, load_inspired
from chatrec.eval.methods import GRID, HYBRID_SIGNALS, Fitted, LLMReranker, Task, tune
from chatrec.eval.protocols import Context, ProtocolResult, full_tasks, holdout, protocol_a, protocol_b, protocol_c, protocol_d
from chatrec.eval.report import EvalReport
from chatrec.pipeline.dialogue import ChatRec
from chatrec.settings import Settings
from chatrec.signals.collaborative import Interactions

log = logging.getLogger(__name__)


def run_eval(
    settings: Settings, ml100k: Path, inspired: Path | None, out: Path, *, seed: int = 42, llm_users: int = 50,
    llm_turns: int = 30, protocols: Sequence[str] = ("A", "B", "C", "D"), use_llm: bool = True,
    max_users: int | None = None, max_turns: int | None = None, grid: tuple[float, ...] = GRID, update: bool = False,
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
    bot_llm = ChatRec(settings) if use_llm and (llm_users or llm_turns) else None
    llm = bot_llm.llm if bot_llm else None
    ctx = Context(data, vectors, seed, llm_users if llm else 0, grid)
    if bot_llm is not None:
        scenario = bot_llm.scenarios["personal_picks"]

        def reranker_for(train: Interactions, tasks: list[Task]) -> LLMReranker:
            def liked_titles(n: int) -> list[str]:
                row = train.matrix[tasks[n].user]
                best = row.indices[np.argsort(-row.data, kind="stable")]
                return [f"{data.items[i].title} ({data.items[i].year})" if data.items[i].year else data.items[i].title for i in best]

            return LLMReranker(bot_llm.ranker, bot_llm.llm, scenario, data.items, liked_titles)  # type: ignore[arg-type]

        ctx.reranker_for = reranker_for
    results: list[ProtocolResult] = []
    weights_a: dict[str, float] | None = None
    for name in protocols:
        log.info("protocol %s", name)
        if name == "A":
            results.append(protocol_a(ctx))
            weights_a = results[-1].weights
        elif name == "B":
            results.append(protocol_b(ctx))
        elif name == "C":
            weights = weights_a or protocol_a(Context(data, vectors, seed, 0, grid)).weights
            results.append(protocol_c(ctx, weights, cold_start_weights(settings)))
        elif name == "D" and inspired is not None:
            results.append(_conversational(settings, bot_llm, inspired, llm_turns if llm else 0, seed, max_turns))
    command = reproduce_command(ml100k, inspired, out, protocols, seed, llm_users, llm_turns, use_llm)
    for r in results:
        r.command = command
    seconds = time.perf_counter() - t0
    if update and (out / "report.json").is_file():
        kept = [r for r in EvalReport.model_validate_json((out / "report.json").read_text()).results if r.protocol not in protocols]
        results = sorted([*kept, *results], key=lambda r: r.protocol)
        seconds = sum(r.seconds for r in results)
    report = EvalReport(
        command=command,
        seed=seed, data={"MovieLens-100K": str(ml100k), **({"INSPIRED": str(inspired)} if inspired else {})},
        llm=(f"{getattr(llm, 'name', type(llm).__name__)} via {settings.resolved_backend()} backend" if llm else "none"),
        results=results, seconds=seconds,
    )  # fmt: skip
    report.write(out)
    return report


def cold_start_weights(settings: Settings, scenario: str = "new_releases") -> dict[str, float]:
    """The hybrid's share of a content-leaning scenario's weights (its signals that exist offline)."""
    from chatrec.promptfiles import PromptFiles
    from chatrec.scenarios import parse_scenario

    files = PromptFiles(settings.prompts_dir, settings.prompt_overrides)
    weights = parse_scenario(files.read(f"scenarios/{scenario}"), scenario).weights
    offline = {k: weights.get(k, 0.0) for k in HYBRID_SIGNALS}
    total = sum(offline.values()) or 1.0
    return {k: round(v / total, 4) for k, v in offline.items()}


def reproduce_command(ml100k: Path, inspired: Path | None, out: Path, protocols: Sequence[str], seed: int,
                      llm_users: int, llm_turns: int, use_llm: bool) -> str:  # fmt: skip
    """The ``chatrec eval run`` command line that repeats a run."""
    args = ["chatrec", "eval", "run", "--ml100k", str(ml100k), *(["--inspired", str(inspired)] if inspired else []),
            "--out", str(out), "--protocols", "".join(protocols), "--seed", str(seed),
            "--llm-users", str(llm_users), "--llm-turns", str(llm_turns), *([] if use_llm else ["--no-llm"])]  # fmt: skip
    args += ["--update"] if len(protocols) < 4 else []
    return " ".join(shlex.quote(a) for a in args)


def _conversational(
    settings: Settings, bot_llm: ChatRec | None, inspired: Path, llm_turns: int, seed: int, max_turns: int | None
) -> ProtocolResult:
    """Protocol D through the chat pipeline: every turn without the model, a sample with it."""
    from chatrec.catalog.loaders import load_catalog

    plain = ChatRec(settings, llm=None)
    movies = load_catalog(settings.demo_dir / "movies.jsonl", "movies").items
    collab = plain.collaborative("movies")
    counts = np.asarray((collab.interactions.matrix > 0).sum(axis=0)).ravel() if collab else np.zeros(0)
    popular = [collab.interactions.items[i] for i in np.argsort(-counts, kind="stable")] if collab else []

    def rank(message: str, exclude: set[str], with_llm: bool) -> list[str]:
        bot = bot_llm if with_llm and bot_llm is not None else plain
        return [r.item_id for r in bot.rank(message, k=50, exclude=exclude, domain="movies")]

    return protocol_d(load_inspired(inspired)[:max_turns], rank, TitleMapper(movies), popular, llm_turns, seed)


def tune_scenario(
    settings: Settings, scenario: str, domain: str = "movies", seed: int = 42, shipped: bool = False, bot: ChatRec | None = None
) -> dict[str, float]:
    """Fit the collaborative/content/popularity weights of ``scenario`` on a validation split of the
    domain's interactions and save them into the scenario file (the override layer unless ``shipped``)."""
    from chatrec.promptfiles import PromptFiles
    from chatrec.scenarios import parse_scenario

    bot = bot or ChatRec(settings, llm=None)
    collab = bot.collaborative(domain)
    if collab is None:
        raise ValueError(f"no interaction file for {domain!r}; set CHATREC_INTERACTIONS")
    inter = collab.interactions
    found = bot.store.vectors(domain, inter.items)
    dim = len(next(iter(found.values())))
    vectors = np.stack([found.get(i, np.zeros(dim, np.float32)) for i in inter.items])
    fit, held = holdout(Interactions(inter.users, inter.items, inter.binary()), 0.2, seed)
    tasks = full_tasks(fit, held, random.Random(seed))
    if not tasks:
        raise ValueError(f"too little data to tune: no user in {domain!r} has 5 or more interactions")
    tuned, value = tune(tasks, Fitted.fit(fit, vectors, seed).scores([t.user for t in tasks]), "ndcg@10", 10)
    files = PromptFiles(settings.prompts_dir, settings.prompt_overrides)
    key = f"scenarios/{scenario}"
    current = parse_scenario(files.read(key), scenario)
    rest = {k: v for k, v in current.weights.items() if k not in HYBRID_SIGNALS}
    mass = max(0.0, 1.0 - sum(rest.values()))
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
