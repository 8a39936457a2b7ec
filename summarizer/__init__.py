"""summarizer: news articles about military and security operations in, validated
and evidence-backed ``OperationReport`` objects out.

The public API is re-exported here and imported lazily, so ``import summarizer``
stays cheap (no openai, instructor or pydantic until first use).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from summarizer._version import __version__

if TYPE_CHECKING:
    from summarizer.api import Extraction, Summarizer, asummarize, summarize
    from summarizer.consolidate import (
        AliasTable,
        Conflict,
        Consolidation,
        OperationTimeline,
        PhaseRecord,
        load_reports,
    )
    from summarizer.errors import (
        CacheError,
        ConfigError,
        ExtractionError,
        InputError,
        LocalModelError,
        ModelIntegrityError,
        SummarizerError,
        TransportError,
    )
    from summarizer.ground import Alignment, align
    from summarizer.prompts import Prompt, load_prompt
    from summarizer.schema import (
        DateFact,
        Evidence,
        ExtractionMeta,
        Force,
        Location,
        OperationReport,
        Outcome,
        Quantity,
    )
    from summarizer.settings import Settings

_EXPORTS: dict[str, str] = {
    "Summarizer": "summarizer.api",
    "Extraction": "summarizer.api",
    "summarize": "summarizer.api",
    "asummarize": "summarizer.api",
    "Settings": "summarizer.settings",
    "OperationReport": "summarizer.schema",
    "Evidence": "summarizer.schema",
    "Quantity": "summarizer.schema",
    "DateFact": "summarizer.schema",
    "Force": "summarizer.schema",
    "Location": "summarizer.schema",
    "Outcome": "summarizer.schema",
    "ExtractionMeta": "summarizer.schema",
    "Prompt": "summarizer.prompts",
    "load_prompt": "summarizer.prompts",
    "align": "summarizer.ground",
    "Alignment": "summarizer.ground",
    "SummarizerError": "summarizer.errors",
    "ConfigError": "summarizer.errors",
    "InputError": "summarizer.errors",
    "LocalModelError": "summarizer.errors",
    "ModelIntegrityError": "summarizer.errors",
    "TransportError": "summarizer.errors",
    "ExtractionError": "summarizer.errors",
    "CacheError": "summarizer.errors",
    "load_reports": "summarizer.consolidate",
    "AliasTable": "summarizer.consolidate",
    "Conflict": "summarizer.consolidate",
    "Consolidation": "summarizer.consolidate",
    "OperationTimeline": "summarizer.consolidate",
    "PhaseRecord": "summarizer.consolidate",
}

__all__ = [
    "AliasTable",
    "Alignment",
    "CacheError",
    "ConfigError",
    "Conflict",
    "Consolidation",
    "DateFact",
    "Evidence",
    "Extraction",
    "ExtractionError",
    "ExtractionMeta",
    "Force",
    "InputError",
    "LocalModelError",
    "Location",
    "ModelIntegrityError",
    "OperationReport",
    "OperationTimeline",
    "Outcome",
    "PhaseRecord",
    "Prompt",
    "Quantity",
    "Settings",
    "Summarizer",
    "SummarizerError",
    "TransportError",
    "__version__",
    "align",
    "asummarize",
    "load_prompt",
    "load_reports",
    "summarize",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
