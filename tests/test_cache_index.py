"""What a cache entry carries besides the answer, so a cached rerun does less work.

* the alignments of the answer's quotes: a cached read does not align again, and
  stored alignments that are malformed are ignored (the quotes are aligned anew);
* a prepared-input index entry, keyed by the raw input and everything that shapes the
  request: a cached rerun neither cleans the page nor renders the prompt to find the
  key; anything wrong with that entry only sends the read the long way.

Either way the report is the one the full path gives.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import summarizer.core.ground as ground_module
import summarizer.pipeline.summarizer as api_module
from summarizer.core.schema import OperationReport
from summarizer.pipeline.prompts import Prompt
from summarizer.pipeline.summarizer import Summarizer
from tests.conftest import EXAMPLES, load_manifest

MANIFEST = load_manifest()
VOLATILE = {"latency_s", "cache_hit", "source"}


def _stable(report: OperationReport) -> dict[str, Any]:
    data = report.model_dump(mode="json")
    for key in VOLATILE:
        data["extraction"].pop(key, None)
    return data


def _first_run(settings: Any, cassette: Any, entry: dict[str, Any]) -> OperationReport:
    path = EXAMPLES / entry["file"]
    with cassette(f"example_{Path(entry['file']).stem}"), Summarizer(settings) as s:
        report: OperationReport = s.summarize(
            path, published=date.fromisoformat(entry["published"])
        )
    assert report.extraction is not None and not report.extraction.cache_hit
    return report


def _rerun(settings: Any, entry: dict[str, Any]) -> OperationReport:
    """A cached rerun with no endpoint at all: a miss would fail loudly."""
    offline = settings.model_copy(update={"base_url": "http://127.0.0.1:9/v1"})
    with Summarizer(offline) as s:
        report: OperationReport = s.summarize(
            EXAMPLES / entry["file"], published=date.fromisoformat(entry["published"])
        )
    assert report.extraction is not None and report.extraction.cache_hit
    return report


def _keys(settings: Any, entry: dict[str, Any]) -> tuple[str, str]:
    """(answer key, input-index key) of an example."""
    with Summarizer(settings) as s:
        job = s._job(EXAMPLES / entry["file"], date.fromisoformat(entry["published"]), None, None)
        ikey = s._input_keys.key(job.article, job.published, job.schema, job.prompt)
    assert ikey is not None
    return job.key, ikey


def _edit(settings: Any, key: str, change: Any, *, index: bool = False) -> None:
    with Summarizer(settings) as s:
        assert s._cache is not None
        store: Any = s._cache.index if index else s._cache
        entry = store.get(key)
        assert entry is not None
        change(entry)
        store.set(key, entry)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: Path(e["file"]).stem)
def test_cached_rerun_skips_cleaning_and_alignment_and_gives_the_same_report(
    entry: dict[str, Any], settings_for: Any, cassette: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for()
    first = _first_run(settings, cassette, entry)

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a cached rerun through the index does this again")

    with monkeypatch.context() as m:
        m.setattr(api_module, "clean_page", forbidden)
        m.setattr(Prompt, "render", forbidden)
        m.setattr(ground_module, "_align", forbidden)
        again = _rerun(settings, entry)
    assert again.model_dump(exclude={"extraction"}) == first.model_dump(exclude={"extraction"})
    assert first.extraction is not None and again.extraction is not None
    assert again.extraction.cleaning == first.extraction.cleaning
    assert again.extraction.warnings == first.extraction.warnings

    # without the index the long way gives exactly the same report
    with Summarizer(settings) as s:
        assert s._cache is not None
        s._cache.index.clear()
    assert _stable(_rerun(settings, entry)) == _stable(again)


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e.pop("key"),
        lambda e: e.update(key=17),
        lambda e: e.update(segments=[[0, 0, 5]]),  # does not cover the text
        lambda e: e.update(segments=[[1, 0, 10**6]]),  # does not tile, outside the page
        lambda e: e.update(segments="nonsense"),
        lambda e: e.update(cleaning={"chars_removed": "many"}),
        lambda e: e.update(warnings=[1, 2]),
        lambda e: e.update(key="0" * 64),  # points at no answer
    ],
)
def test_a_damaged_index_entry_takes_the_long_way(
    damage: Any, settings_for: Any, cassette: Any
) -> None:
    entry = next(e for e in MANIFEST if "outlet_b" in e["file"])  # cleaning matters here
    settings = settings_for()
    first = _first_run(settings, cassette, entry)
    _, ikey = _keys(settings, entry)
    _edit(settings, ikey, damage, index=True)
    again = _rerun(settings, entry)
    assert again.model_dump(exclude={"extraction"}) == first.model_dump(exclude={"extraction"})


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.update(rules="0:old"),
        lambda a: a["rows"][0].__setitem__(1, 10**9),  # start past the text
        lambda a: a["rows"][0].__setitem__(3, "somewhere"),
        lambda a: a.update(rows="nonsense"),
    ],
)
def test_damaged_stored_alignments_are_aligned_again(
    damage: Any, settings_for: Any, cassette: Any
) -> None:
    entry = MANIFEST[0]
    settings = settings_for()
    first = _first_run(settings, cassette, entry)
    key, _ = _keys(settings, entry)
    _edit(settings, key, lambda e: damage(e["alignments"]))
    again = _rerun(settings, entry)
    assert again.model_dump(exclude={"extraction"}) == first.model_dump(exclude={"extraction"})


def test_the_index_key_covers_what_shapes_the_request(settings_for: Any) -> None:
    entry = MANIFEST[0]
    path = EXAMPLES / entry["file"]
    published = date.fromisoformat(entry["published"])

    def ikey(published: date | None, **overrides: Any) -> str | None:
        with Summarizer(settings_for(**overrides)) as s:
            job = s._job(path, published, None, None)
            return s._input_keys.key(job.article, published, OperationReport, job.prompt)

    base = ikey(published)
    assert base is not None and base == ikey(published)
    assert base != ikey(None)
    assert base != ikey(published, clean=False)
    assert base != ikey(published, max_input_chars=1500)
    assert base != ikey(published, temperature=0.5)
    assert base != ikey(published, model="another-model")


def test_the_index_is_not_counted_and_is_cleared_with_the_cache(
    settings_for: Any, cassette: Any
) -> None:
    entry = MANIFEST[0]
    settings = settings_for()
    _first_run(settings, cassette, entry)
    _, ikey = _keys(settings, entry)
    with Summarizer(settings) as s:
        assert s._cache is not None
        assert s._cache.stats().entries == 1  # answers only
        assert s._cache.index.get(ikey) is not None
        s._cache.clear()
        assert s._cache.index.get(ikey) is None


def test_an_unusable_index_is_only_slower(settings_for: Any, cassette: Any) -> None:
    entry = MANIFEST[0]
    settings = settings_for()
    first = _first_run(settings, cassette, entry)
    inputs = Path(settings.resolved_cache_dir) / "inputs"
    for f in inputs.iterdir():
        f.write_bytes(b"not a database")
    again = _rerun(settings, entry)
    assert again.model_dump(exclude={"extraction"}) == first.model_dump(exclude={"extraction"})


def test_an_overgrown_index_is_emptied_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.cache import store as cache_module

    index = cache_module.InputIndex(tmp_path / "inputs")
    for i in range(50):
        index.set(f"k{i}", {"text": "x" * 2000})
    assert index.get("k0") is not None
    index.close()
    monkeypatch.setattr(cache_module, "INDEX_LIMIT_BYTES", 10_000)
    reopened = cache_module.InputIndex(tmp_path / "inputs")
    assert reopened.get("k0") is None  # emptied, and still usable
    reopened.set("k1", {"text": "y"})
    assert reopened.get("k1") == {"text": "y"}
    reopened.close()


def test_item_key_of_a_known_input_comes_from_the_index(
    settings_for: Any, cassette: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = MANIFEST[0]
    settings = settings_for()
    _first_run(settings, cassette, entry)
    key, _ = _keys(settings, entry)

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the index knew this input")

    path = EXAMPLES / entry["file"]
    published = date.fromisoformat(entry["published"])
    with monkeypatch.context() as m, Summarizer(settings) as s:
        m.setattr(api_module, "clean_page", forbidden)
        assert s.item_key(path, published=published) == key
    with Summarizer(settings.model_copy(update={"use_cache": False})) as s:
        assert s.item_key(path, published=published) == key  # the long way agrees
