"""One evaluation run → ``report.json``, ``report.md`` and ``chart.png``, next to the published anchors."""

from __future__ import annotations

import platform
from pathlib import Path

from pydantic import BaseModel

from chatrec.eval.protocols import ProtocolResult

# Published figures the issue asks to compare against (different data or models: context, not a race).
ANCHORS: dict[str, dict[str, dict[str, float]]] = {
    "A": {
        "LightGCN (Chat-REC paper, ML-100K)": {"precision@5": 0.3030, "recall@5": 0.1455, "ndcg@5": 0.3425},
        "Chat-REC text-davinci-003 (ML-100K)": {"precision@5": 0.3240, "recall@5": 0.1404, "ndcg@5": 0.3802},
    },
    "B": {  # LLMRank, ML-1M, NDCG@10 in percent in the paper
        "Pop (LLMRank, ML-1M)": {"ndcg@10": 0.5233},
        "BPRMF (LLMRank, ML-1M)": {"ndcg@10": 0.6429},
        "SASRec (LLMRank, ML-1M)": {"ndcg@10": 0.7889},
        "zero-shot ChatGPT (LLMRank, ML-1M, best)": {"ndcg@10": 0.4583},
    },
    "D": {  # He et al. 2023, ReDial
        "GPT-4 zero-shot (ReDial)": {"recall@10": 0.201},
        "GPT-3.5 zero-shot (ReDial)": {"recall@10": 0.183},
    },
}


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
               f"Seed {self.seed}; LLM for the re-rank: {self.llm}; {self.machine}; total wall time {self.seconds / 60:.1f} min.", "",
               "Data: " + "; ".join(f"{k}: `{v}`" for k, v in self.data.items()), ""]  # fmt: skip
        for r in self.results:
            names = list(next(iter(r.metrics.values())))
            out += [f"## Protocol {r.protocol}", "", r.description + ".", "",
                    *([f"Reproduce: `{r.command}`", ""] if r.command and r.command != self.command else []),
                    f"Users/turns evaluated: {r.users}; wall time {r.seconds:.0f} s." +
                    (f" Tuned hybrid weights: {_weights(r.weights)}." if r.weights else ""), ""]  # fmt: skip
            out += _table(names, {**r.metrics, **{f"*{k}* (published)": v for k, v in ANCHORS.get(r.protocol, {}).items()}})
            if r.llm_metrics:
                out += ["", f"LLM re-rank on a fixed random sample of {r.llm_users} (seed {self.seed}); "
                        f"{r.llm_failures} model calls failed and kept the fused order:", ""]  # fmt: skip
                out += _table(names, r.llm_metrics)
                out += ["", "Effect of the LLM (with − without, paired bootstrap over the sample):", ""]
                out += [f"- {m}: {iv.text()}" for m, iv in r.llm_effect.items()]
            if r.extra:
                out += [""] + [f"- {k}: {v:.4f}" if isinstance(v, float) else f"- {k}: {v}" for k, v in r.extra.items()]
            out.append("")
        out += ["![chart](chart.png)", ""]
        return "\n".join(out)

    def chart(self, path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        headline = {"A": "ndcg@5", "B": "ndcg@10", "C": "ndcg@10", "D": "recall@10"}
        fig, axes = plt.subplots(1, len(self.results), figsize=(4.2 * len(self.results), 3.6), squeeze=False)
        for ax, r in zip(axes[0], self.results, strict=True):
            metric = headline[r.protocol]
            rows = {m: v[metric] for m, v in r.metrics.items()}
            rows |= {f"{m} (sample, n={r.llm_users})": v[metric] for m, v in r.llm_metrics.items()}  # with and without, same sample
            colours = ["#1f77b4" if "sample" in k else "#d62728" if "hybrid" in k or "pipeline" in k else "#7f7f7f" for k in rows]
            ax.barh(list(rows), list(rows.values()), color=colours)
            ax.invert_yaxis()
            ax.set_title(f"Protocol {r.protocol}: {metric}")
            ax.tick_params(labelsize=8)
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


def _weights(w: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in w.items() if v)


def _table(names: list[str], rows: dict[str, dict[str, float]]) -> list[str]:
    lines = ["| method | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for method, values in rows.items():
        lines.append(f"| {method} | " + " | ".join(f"{values[n]:.4f}" if n in values else "" for n in names) + " |")
    return lines
