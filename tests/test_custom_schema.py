"""The generic path: a caller's own Pydantic schema, the generic prompt, same grounding."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from summarizer.core.schema import Evidence
from summarizer.pipeline.summarizer import Summarizer
from tests.test_reask import ARTICLE


class Arrest(BaseModel):
    """An analyst's own template: who was arrested, how many, by whom."""

    arresting_force: str = Field(description="Who made the arrests, as written.")
    count: int = Field(description="How many people were arrested.")
    evidence: Evidence


def test_user_schema_through_the_generic_prompt(settings_for: Any, cassette: Any) -> None:
    with cassette("custom_schema_arrest"), Summarizer(settings_for()) as s:
        ex = s.extract(ARTICLE, published=date(2025, 5, 4), schema=Arrest)
    assert isinstance(ex.value, Arrest)
    assert ex.meta.prompt_version == "generic.v1"
    assert ex.meta.schema_name == "Arrest" and len(ex.meta.schema_version) == 12
    assert ex.value.count == 14
    assert ex.value.evidence.status in {"exact", "normalized", "fuzzy"}
    assert ex.value.evidence.start is not None
