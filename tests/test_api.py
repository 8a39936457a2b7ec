"""Public API surface: lazy import, settings, async twin, generic schemas."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import summarizer
from summarizer.errors import ConfigError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.settings import Settings
from tests.conftest import EXAMPLES, ROOT, load_manifest

ENTRY = load_manifest()[0]
ARTICLE = EXAMPLES / ENTRY["file"]
CASSETTE = f"example_{Path(ENTRY['file']).stem}"


def test_import_is_lazy() -> None:
    code = (
        "import sys, summarizer\n"
        "heavy = [m for m in ('openai', 'instructor', 'pydantic', 'diskcache', 'typer')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert summarizer.OperationReport.__name__ == 'OperationReport'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_public_names_resolve() -> None:
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None
    with pytest.raises(AttributeError):
        summarizer.nope  # noqa: B018


def test_settings_from_env_and_secret_masking() -> None:
    key = "sk-live-" + "Zz9" * 8
    s = Settings.from_env(
        {
            "SUMMARIZER_BASE_URL": "https://api.openai.com/v1/",
            "SUMMARIZER_MODEL": "gpt-4o-mini",
            "OPENAI_API_KEY": key,
            "SUMMARIZER_NO_CACHE": "1",
        },
        timeout=5,
    )
    assert s.base_url == "https://api.openai.com/v1"
    assert s.resolved_endpoint_kind == "openai"
    assert not s.use_cache and s.timeout == 5
    assert key not in repr(s) and key not in str(s) and key not in s.model_dump_json()
    assert s.api_key_value() == key


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (None, "llamacpp"),
        ("http://localhost:11434/v1", "ollama"),
        ("http://gpu-box:8000/v1", "other"),
    ],
)
def test_endpoint_kind_guess(url: str | None, kind: str) -> None:
    assert Settings(base_url=url).resolved_endpoint_kind == kind


def test_remote_endpoint_needs_a_model() -> None:
    with pytest.raises(ConfigError):
        Summarizer(Settings(base_url="http://127.0.0.1:9/v1"))


async def test_async_twin(settings_for: Any, cassette: Any) -> None:
    with cassette(CASSETTE):
        async with Summarizer(settings_for()) as s:
            report = await s.asummarize(ARTICLE, published=date.fromisoformat(ENTRY["published"]))
    assert report.extraction is not None and report.extraction.usage.requests >= 1


def test_summarizer_is_shareable_across_threads(settings_for: Any, cassette: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pub = date.fromisoformat(ENTRY["published"])
    with cassette(CASSETTE), Summarizer(settings_for()) as s:
        s.summarize(ARTICLE, published=pub)  # fills the cache
        with ThreadPoolExecutor(4) as pool:
            reports = list(pool.map(lambda _: s.summarize(ARTICLE, published=pub), range(8)))
    assert all(r.extraction is not None and r.extraction.cache_hit for r in reports)
    assert len({r.model_dump_json(exclude={"extraction"}) for r in reports}) == 1


class Tiny(BaseModel):
    weapon: str | None


def test_generic_schema_uses_generic_prompt(settings_for: Any) -> None:
    with Summarizer(settings_for()) as s:
        job = s._job("Troops seized rifles.", None, Tiny, None)
    assert job.prompt.name == "generic"
    assert '"weapon"' in job.messages[0]["content"]
