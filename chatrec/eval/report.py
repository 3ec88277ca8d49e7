"""One evaluation run → ``report.json``, ``report.md`` and ``chart.png``.

Only figures measured under the same protocol share a table. Published figures from other
protocols are listed apart, each with what differs from ours.
"""

from __future__ import annotations

import platform
from pathlib import Path

from pydantic import BaseModel

from chatrec.eval.protocols import ANY, ProtocolResult, Stat

# Published figures that a reader will want to hold ours against, and why they cannot share our tables.
PUBLISHED_ELSEWHERE: list[tuple[str, str, str]] = [
    (
        "Chat-REC (Gao et al. 2023): LightGCN P@5 0.3030, R@5 0.1455, NDCG@5 0.3425; text-davinci-003 P@5 0.3240, R@5 0.1404, NDCG@5 0.3802",
        "A",
        "MovieLens-100K, but a relevance rule and candidate set the paper does not fully state: its R@5/P@5 ratio (0.43–0.48) "
        "implies about 2.5× fewer relevant items per user than every test rating, and under our rules popularity alone reaches "
        "P@5 above its LightGCN.",
    ),
    (
        "LLMRank (Hou et al. 2024): NDCG@10 Pop 0.5233, BPRMF 0.6429, SASRec 0.7889, zero-shot ChatGPT up to 0.4583",
        "B",
        "MovieLens-1M, 200 sampled users, the 19 negatives drawn from the whole item set, and a sequential history in the prompt; "
        "ours: MovieLens-100K, all 943 users, negatives the user never rated.",
    ),
    (
        "He et al. 2023 (LLMs as zero-shot conversational recommenders): Recall@10 GPT-4 0.201, GPT-3.5 0.183, Vicuna-13B 0.120",
        "D",
        "ReDial's test set over ReDial's own item set (every movie any dialogue names); ours: INSPIRED turns mapped onto the "
        "demo catalog (ml-latest-small), where only the turns whose gold movie is in the catalog count.",
    ),
]


class EvalReport(BaseModel):
    command: str
    seed: int
    data: dict[str, str]
    llm: str
    machine: str = f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}"
    results: list[ProtocolResult]
    seconds: float

    def markdown(self) -> str:
        out = ["# chatrec evaluation report", "",
               f"Reproduce: `{self.command}`", "",
               f"Seed {self.seed}; model: {self.llm}; {self.machine}; total wall time {self.seconds / 60:.1f} min.", "",
               "Data: " + "; ".join(f"{k}: `{v}`" for k, v in self.data.items()), ""]  # fmt: skip
        for r in self.results:
            out += [f"## {r.protocol}. {r.title}", "", r.description + ".", "",
                    *([f"Reproduce: `{r.command}`", ""] if r.command and r.command != self.command else []),
                    f"Wall time {r.seconds:.0f} s.", ""]  # fmt: skip
            for rule, table in r.tables.items():
                out += [f"**Relevant: {rule}** ({r.users.get(rule, 0)} users or turns)", ""]
                out += _table(r.metrics, table, best=_best_baseline(table, r.headline) if r.tuning else None)
                out += [""]
                if tests := r.tests.get(rule):
                    out += [f"Paired tests on {tests[0].metric} (b − a, 95% bootstrap interval; randomisation-test p, Holm-corrected over "
                            f"the {len(tests)} comparison{'s' if len(tests) > 1 else ''}):", "",
                            "| b | a | b − a | p | p (Holm) | verdict |", "|---|---|---:|---:|---:|---|"]  # fmt: skip
                    out += [f"| {c.b} | {c.a} | {c.effect.text()} | {c.p:.2g} | {c.p_holm:.2g} | {c.verdict()} |" for c in tests]
                    out += [""]
            if r.llm is not None:
                out += _llm_section(r)
            if r.tuning:
                out += _tuning_section(r)
            if r.extra:
                out += [f"- {k}: {v:.4f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in r.extra.items()] + [""]
        out += ["## Published figures under other protocols", "",
                "Not comparable with any table above; listed so a reader knows where they stand and why they are not beside ours.", ""]  # fmt: skip
        out += [f"- **{what}.** Near protocol {near}; differs: {why}" for what, near, why in PUBLISHED_ELSEWHERE]
        out += ["", "![chart](chart.png)", ""]
        return "\n".join(out)

    def chart(self, path: Path) -> None:
        """Each protocol's headline metric per method, with its sd over folds or its 95% interval."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, len(self.results), figsize=(4.6 * len(self.results), 4.2), squeeze=False)
        for ax, r in zip(axes[0], self.results, strict=True):
            rule = ANY if ANY in r.tables else max(r.tables, key=lambda k: r.users.get(k, 0))  # the largest sample
            table = r.tables[rule]
            rows = {m: v[r.headline] for m, v in table.items()}
            names = list(rows)
            errs = [_err(s) for s in rows.values()]
            colours = ["#d62728" if n == "hybrid" or n.startswith("pipeline") or n == "content" else "#7f7f7f" for n in names]
            ax.barh(names, [s.mean for s in rows.values()], xerr=[[e[0] for e in errs], [e[1] for e in errs]], color=colours, capsize=2)
            ax.invert_yaxis()
            spread = "± sd over folds" if any(s.sd is not None for s in rows.values()) else "95% interval"
            ax.set_title(f"{r.protocol}: {r.headline} ({spread})" + ("" if rule == ANY else f"\n{rule}"), fontsize=9)
            ax.tick_params(labelsize=7)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "report.json", folder / "report.md", folder / "chart.png"]
        paths[0].write_text(self.model_dump_json(indent=2), encoding="utf-8")
        paths[1].write_text(self.markdown(), encoding="utf-8")
        self.chart(paths[2])
        return paths


def _err(s: Stat) -> tuple[float, float]:
    """The error bar below and above the mean."""
    if s.sd is not None:
        return s.sd, s.sd
    if s.low is not None and s.high is not None:
        return s.mean - s.low, s.high - s.mean
    return 0.0, 0.0


def _best_baseline(table: dict[str, dict[str, Stat]], metric: str) -> str | None:
    baselines = [m for m in ("popularity", "item_knn", "als", "bpr") if m in table]
    return max(baselines, key=lambda m: table[m][metric].mean) if baselines else None


def _table(metrics: list[str], rows: dict[str, dict[str, Stat]], best: str | None) -> list[str]:
    lines = ["| method | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
    for method, values in rows.items():
        label = f"{method} (best tuned baseline)" if method == best else method
        lines.append(f"| {label} | " + " | ".join(values[m].text() if m in values else "" for m in metrics) + " |")
    return lines


def _llm_section(r: ProtocolResult) -> list[str]:
    llm = r.llm
    assert llm is not None
    calls = (f"; {llm.failures} calls failed and {llm.silent} named nothing usable or echoed the order (both leave the order as it was)"
             if llm.refusion else "")  # fmt: skip
    out = [f"**The model's effect** on a fixed sample of {llm.users} drawn with the seed, {llm.seconds_per_call:.1f} s per turn{calls}:", ""]
    out += _table(r.metrics, {k: {m: Stat(mean=v) for m, v in vals.items()} for k, vals in llm.metrics.items()}, None)
    out += ["", *([llm.note + ".", ""] if llm.note else [])]
    if llm.refusion:
        out += [f"The re-rank re-fuses the hybrid's top {llm.pool} alone, so the comparison is with that pool re-fused the same way "
                f"without the model (the model's share of the weight: {llm.weight:.2f}).", ""]  # fmt: skip
        out += [f"- with − without the model, {m}: {iv.text()}" for m, iv in llm.effect.items()]
        out += [
            f"- pool re-fused without the model − the hybrid's own order (no model involved), {m}: {iv.text()}"
            for m, iv in llm.refusion.items()
        ]
    else:
        out += [f"- with − without the model, {m}: {iv.text()}" for m, iv in llm.effect.items()]
    return out + [""]


def _tuning_section(r: ProtocolResult) -> list[str]:
    folds = r.tuning if all(isinstance(v, dict) and "settings" in v for v in r.tuning.values()) else {"": r.tuning}
    out = ["Tuned on validation (same budget for every method):", ""]
    for fold, t in folds.items():
        settings = "; ".join(f"{m} {_kv(p)}" for m, p in t["settings"].items() if p)
        weights = "; ".join(f"{f} ({_kv(w)})" for f, w in t["weights"].items())
        out.append(f"- {fold + ': ' if fold else ''}{settings}. Weights: {weights}.")
    return out + [""]


def _kv(d: dict[str, object]) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in d.items() if v != 0)
