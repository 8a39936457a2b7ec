"""summarizer: news articles about military and security operations in, validated
and evidence-backed ``OperationReport`` objects out.

The public API is re-exported here and imported lazily, so ``import summarizer``
stays cheap (no openai, instructor or pydantic until first use).
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

from summarizer._version import __version__

if TYPE_CHECKING:
    from summarizer.consolidate.models import (
        Conflict,
        Consolidation,
        OperationTimeline,
        PhaseRecord,
    )
    from summarizer.consolidate.names import AliasTable
    from summarizer.consolidate.sources import load_reports
    from summarizer.core.ground import Alignment, align
    from summarizer.core.results import Extraction
    from summarizer.core.schema import (
        DateFact,
        Evidence,
        ExtractionMeta,
        Force,
        Location,
        OperationReport,
        Outcome,
        Quantity,
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
    from summarizer.outputs.review import to_html
    from summarizer.pipeline.prompts import Prompt, load_prompt
    from summarizer.pipeline.summarizer import Summarizer, asummarize, summarize
    from summarizer.settings import Settings

_EXPORTS: dict[str, str] = {
    "Summarizer": "summarizer.pipeline.summarizer",
    "Extraction": "summarizer.core.results",
    "summarize": "summarizer.pipeline.summarizer",
    "asummarize": "summarizer.pipeline.summarizer",
    "Settings": "summarizer.settings",
    "OperationReport": "summarizer.core.schema",
    "Evidence": "summarizer.core.schema",
    "Quantity": "summarizer.core.schema",
    "DateFact": "summarizer.core.schema",
    "Force": "summarizer.core.schema",
    "Location": "summarizer.core.schema",
    "Outcome": "summarizer.core.schema",
    "ExtractionMeta": "summarizer.core.schema",
    "Prompt": "summarizer.pipeline.prompts",
    "load_prompt": "summarizer.pipeline.prompts",
    "align": "summarizer.core.ground",
    "Alignment": "summarizer.core.ground",
    "SummarizerError": "summarizer.errors",
    "ConfigError": "summarizer.errors",
    "InputError": "summarizer.errors",
    "LocalModelError": "summarizer.errors",
    "ModelIntegrityError": "summarizer.errors",
    "TransportError": "summarizer.errors",
    "ExtractionError": "summarizer.errors",
    "CacheError": "summarizer.errors",
    "load_reports": "summarizer.consolidate.sources",
    "to_html": "summarizer.outputs.review",
    "AliasTable": "summarizer.consolidate.names",
    "Conflict": "summarizer.consolidate.models",
    "Consolidation": "summarizer.consolidate.models",
    "OperationTimeline": "summarizer.consolidate.models",
    "PhaseRecord": "summarizer.consolidate.models",
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
    "to_html",
]


def _register_notebook_display() -> None:
    """Reports display as inline reviews in a running IPython (notebook) shell; elsewhere
    nothing is imported, so ``import summarizer`` stays cheap."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        from summarizer.outputs.notebook import register_formatters

        register_formatters(shell)


_register_notebook_display()


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
