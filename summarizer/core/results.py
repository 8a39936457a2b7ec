"""Result records: what a call of the library hands back, as plain data.

Presentation is not here: notebooks display these through formatters registered by
type (:mod:`summarizer.outputs.notebook`), so the records import nothing above ``core``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from summarizer.core.schema import ExtractionMeta

T = TypeVar("T", bound=BaseModel)


@dataclass
class Extraction(Generic[T]):
    """A validated value and how it was obtained."""

    value: T
    meta: ExtractionMeta
