"""Typed records that cross module boundaries."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

Scalar = str | int | float | bool


class Item(BaseModel):
    """One catalog entry. Code, not the model, owns these facts."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    domain: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    genres: list[str] = Field(default_factory=list, description="Genres or categories.")
    year: int | None = Field(None, ge=1000, le=2100)
    authors: list[str] = Field(default_factory=list, description="Authors, directors or makers.")
    price: float | None = Field(None, ge=0)
    tags: list[str] = Field(default_factory=list)
    rating: float | None = None
    popularity: float | None = Field(None, ge=0, description="A count (ratings, reviews) usable as a prior.")
    extra: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("id", "title", "domain")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be blank")
        return v

    def content_hash(self) -> str:
        """Stable digest of every field: a changed row gets a new hash and is re-upserted."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:32]

    def to_metadata(self) -> dict[str, Scalar]:
        """Flat metadata for a vector store: scalar filter fields plus the full record as JSON."""
        meta: dict[str, Scalar] = {"title": self.title, "item": self.model_dump_json()}
        if self.year is not None:
            meta["year"] = self.year
        if self.price is not None:
            meta["price"] = self.price
        return meta

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> "Item":
        return cls.model_validate(json.loads(str(meta["item"])))
