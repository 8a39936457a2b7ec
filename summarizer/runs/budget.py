"""What a run may spend: model prices, the cost of an extraction, and the
:class:`Budget` that stops a run from starting new items once a cap is reached."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from summarizer.core.schema import ExtractionMeta
from summarizer.errors import ConfigError, Usage
from summarizer.settings import EMBEDDED_MODEL_NAME

__all__ = [
    "DEFAULT_PRICES",
    "PRICES_AS_OF",
    "Budget",
    "Prices",
    "cost_of",
    "load_prices",
    "price_for",
    "token_cost",
]

#: model -> (USD per 1M prompt tokens, USD per 1M completion tokens)
Prices = Mapping[str, tuple[float, float]]


def cost_of(meta: ExtractionMeta, prices: Prices) -> float | None:
    """USD for one extraction; a cache hit is free; ``None`` when the model has no price."""
    if meta.cache_hit:
        return 0.0
    return token_cost(meta.usage.prompt_tokens, meta.usage.completion_tokens, meta.model, prices)


def token_cost(
    prompt_tokens: int, completion_tokens: int, model: str, prices: Prices
) -> float | None:
    """USD at the table's price for exactly ``model`` (``None`` when it has none): the one
    lookup for successful and failed items alike."""
    price = prices.get(model)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1e6


#: when :data:`DEFAULT_PRICES` was copied from OpenAI's price list; prices change
PRICES_AS_OF = "2025-08"

#: model -> (USD per 1M prompt tokens, USD per 1M completion tokens): OpenAI list
#: prices, standard tier, uncached input, as of :data:`PRICES_AS_OF`; a fallback for a
#: cost estimate, not a bill.  Pass your own table for anything that matters.  The
#: embedded model runs on your machine and costs nothing.
DEFAULT_PRICES: Prices = MappingProxyType(
    {
        EMBEDDED_MODEL_NAME: (0.0, 0.0),
        "gpt-4o": (2.50, 10.00),
        "gpt-4o-mini": (0.15, 0.60),
        "gpt-4.1": (2.00, 8.00),
        "gpt-4.1-mini": (0.40, 1.60),
        "gpt-4.1-nano": (0.10, 0.40),
        "gpt-5": (1.25, 10.00),
        "gpt-5-mini": (0.25, 2.00),
        "gpt-5-nano": (0.05, 0.40),
    }
)

_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def price_for(model: str, prices: Prices) -> tuple[float, float] | None:
    """The model's price; a dated snapshot (``gpt-4o-mini-2024-07-18``) falls back to
    its family's entry.  ``None`` when the table has neither."""
    if model in prices:
        return prices[model]
    family = _SNAPSHOT.sub("", model)
    return prices.get(family) if family != model else None


def load_prices(spec: str | Path) -> dict[str, tuple[float, float]]:
    """A price table from JSON text or a JSON file: ``{"model": [prompt, completion]}``
    or ``{"model": {"prompt": p, "completion": c}}``, USD per 1M tokens."""
    text = str(spec)
    try:
        if not text.lstrip().startswith("{"):
            text = Path(spec).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the price table {str(spec)[:80]!r}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError("a price table is a JSON object: model -> [prompt, completion]")
    table: dict[str, tuple[float, float]] = {}
    for model, entry in data.items():
        pair = (entry.get("prompt"), entry.get("completion")) if isinstance(entry, dict) else entry
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pair)
            or min(pair) < 0
        ):
            raise ConfigError(
                f"price for {model!r} must be two non-negative numbers "
                "(USD per 1M prompt and completion tokens)"
            )
        table[str(model)] = (float(pair[0]), float(pair[1]))
    return table


@dataclass
class Budget:
    """Stops starting new items once tokens or cost reach a cap.

    Items already running finish and count, so a run can overshoot by up to
    ``concurrency`` items.  Cache hits are free.  A failed item counts what its
    attempts spent (``ItemError.usage``).
    Shared safely by the worker threads (and tasks) of one run.
    """

    max_tokens_total: int | None = None
    max_cost: float | None = None
    #: model -> (USD per 1M prompt tokens, USD per 1M completion tokens)
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    tokens_used: int = field(default=0, init=False)
    cost_used: float = field(default=0.0, init=False)
    _unpriced: bool = field(default=False, init=False, repr=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def check(self, model: str) -> None:
        """A cost cap needs the model's price; found out before any request is made."""
        if self.max_cost is not None and model not in self.prices:
            raise ConfigError(
                f"Budget.max_cost is set but Budget.prices has no entry for {model!r}"
            )

    def add(self, meta: ExtractionMeta) -> None:
        if meta.cache_hit:
            return
        self._spend(
            meta.usage.prompt_tokens, meta.usage.completion_tokens, cost_of(meta, self.prices)
        )

    def add_failed(self, usage: Usage, model: str) -> None:
        """A failed item's attempts cost tokens too (re-asks, a cut-off answer)."""
        cost = token_cost(usage.prompt_tokens, usage.completion_tokens, model, self.prices)
        self._spend(usage.prompt_tokens, usage.completion_tokens, cost)

    def _spend(self, prompt_tokens: int, completion_tokens: int, cost: float | None) -> None:
        with self._lock:
            self.tokens_used += prompt_tokens + completion_tokens
            if cost is None:
                self._unpriced = True  # cannot prove we are under a cost cap: fail closed
            else:
                self.cost_used += cost

    def exceeded(self) -> bool:
        """True once a cap is reached; no further item is started."""
        with self._lock:
            if self.max_tokens_total is not None and self.tokens_used >= self.max_tokens_total:
                return True
            return self.max_cost is not None and (self._unpriced or self.cost_used >= self.max_cost)
