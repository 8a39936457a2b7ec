"""bench/quality.py and its peers: mapping answers onto reports, scoring, the cache.

Offline and model-free: answers are built by hand; the library's scorer does the rest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from summarizer.evaluate import Gold
from tests.conftest import ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

import muc4
import quality
from peers import instructor_peer, langextract_peer
from peers.cache import CachedCreate, JsonCache, request_key

PAGE = (
    "Iraqi Counter-Terrorism Service units killed 12 militants near Rutba on Sunday, "
    "said Maj. Gen. Sami Aziz. Federal Police took part.\n\n"
    "Storm hits coast\nFishermen rescued 40 sailors off Tartus, said Captain Omar Nadir.\n"
)
SECOND = (PAGE.index("Storm"), len(PAGE))


def gold(**extra: Any) -> Gold:
    data: dict[str, Any] = {
        "article": "x/page-1",
        "relevance": "operation_report",
        "country": ["Iraq"],
        "forces": [{"name": "Counter-Terrorism Service", "role": "lead"}],
        "locations": [{"name": "Rutba"}],
        "officials": [{"name": "Sami Aziz"}],
        "outcomes": [{"category": "killed", "object": "militants", "value": 12}],
        "traps": [
            {"field": "locations", "name": ["Tartus"], "note": "second story"},
            {"field": "officials", "name": ["Omar Nadir"], "note": "second story"},
            {"field": "outcomes", "value": 40, "note": "second story"},
        ],
    }
    return Gold.model_validate({**data, **extra})


# --------------------------------------------------------------------------- instructor peer


def user_report(**extra: Any) -> instructor_peer.UserReport:
    data: dict[str, Any] = {
        "relevance": "operation_report",
        "operation_name": None,
        "phase": 0,
        "country": "Iraq",
        "forces": [
            {"name": "Iraqi Counter-Terrorism Service", "role": "lead"},
            {"name": "  ", "role": "participating"},
        ],
        "locations": [{"name": "Rutba"}, {"name": "Tartus"}],
        "adversaries": ["ISIS"],
        "officials": [{"name": "Sami Aziz", "title": "Maj. Gen."}],
        "outcomes": [
            {"category": "killed", "count": "12", "object": "militants"},
            {"category": "other", "count": None, "object": "sailors"},
        ],
        "summary": "Troops killed 12 militants.",
    }
    return instructor_peer.UserReport.model_validate({**data, **extra})


def test_instructor_answer_maps_onto_report_fields() -> None:
    report = instructor_peer.to_operation_report(user_report())
    assert report is not None
    assert report.relevance == "operation_report"
    assert report.phase is None  # phase 0 is no phase, not a refused report
    assert report.country is not None and report.country.name == "Iraq"
    assert [f.name for f in report.forces] == ["Iraqi Counter-Terrorism Service"]  # blank dropped
    assert report.forces[0].role == "lead"
    assert [loc.name for loc in report.locations] == ["Rutba", "Tartus"]
    assert [a.name for a in report.adversaries] == ["ISIS"]
    assert report.officials[0].title == "Maj. Gen."
    killed = report.outcomes[0]
    assert killed.quantity is not None and killed.quantity.value == 12
    assert report.outcomes[1].quantity is None
    # no quotes: nothing is grounded, the evidence is the value itself
    assert all(e.status == "unchecked" for e in report.evidence_items())


def test_instructor_answer_scores_with_the_library_scorer() -> None:
    report = instructor_peer.to_operation_report(user_report())
    sc = quality.evaluate.score_report(report, gold())
    assert sc.fields["forces"].tp == 1 and sc.fields["locations"].tp == 1
    assert sc.fields["outcomes"].tp == 1
    assert sc.traps == ["locations: second story"]
    assert sc.scalars["country"] is True


def test_off_topic_answer_keeps_no_facts() -> None:
    report = instructor_peer.to_operation_report(user_report(relevance="not_about_operations"))
    assert report is not None and report.forces == [] and report.outcomes == []


def test_incident_roles_pool_over_incidents() -> None:
    answer = instructor_peer.UserIncidents.model_validate(
        {
            "incidents": [
                {"incident_type": "bombing", "perpetrators": ["urban guerrillas"]},
                {"incident_type": "attack", "victims": ["two guards"], "weapons": ["dynamite"]},
            ]
        }
    )
    roles = instructor_peer.incident_roles(answer)
    assert roles["PerpInd"] == ["urban guerrillas"]
    assert roles["Victim"] == ["two guards"] and roles["Weapon"] == ["dynamite"]
    assert instructor_peer.incident_roles(None) == {r: [] for r in muc4.ROLES}


# --------------------------------------------------------------------------- langextract peer


def ext(cls: str, text: str, **attributes: Any) -> dict[str, Any]:
    return {"class": cls, "text": text, "attributes": attributes}


EXTRACTIONS = [
    ext("force", "Iraqi Counter-Terrorism Service units", role="lead"),
    ext("outcome", "killed 12 militants", category="killed", count="12", object="militants"),
    ext("location", "Rutba"),
    ext("official", "Sami Aziz", title="Maj. Gen."),
    ext("force", "Federal Police", role="helping"),
    ext("operation", "Operation Dawn", phase="second"),
    ext("outcome", "rescued 40 sailors", category="rescued", count="40", object="sailors"),
    ext("location", "Tartus"),
    ext("unknown_class", "anything"),
]


def test_langextract_extractions_map_onto_report_fields() -> None:
    report = langextract_peer.to_operation_report(EXTRACTIONS, PAGE)
    assert report is not None
    assert report.relevance == "operation_report"
    assert [f.role for f in report.forces] == ["lead", "participating"]  # unknown role
    assert report.operation_name == "Operation Dawn" and report.phase == 2
    assert [o.category for o in report.outcomes] == ["killed", "other"]
    assert report.outcomes[0].quantity is not None and report.outcomes[0].quantity.value == 12
    assert report.officials[0].title == "Maj. Gen."
    # quotes grounded against the page by the library, as its own are
    located = {e.quote: e.status for e in report.evidence_items()}
    assert located["Rutba"] == "exact"
    assert located["Operation Dawn"] == "not_found"
    assert report.grounded_share is not None and 0 < report.grounded_share < 1


@pytest.mark.parametrize(
    ("classes", "relevance"),
    [
        ({"outcome", "location"}, "operation_report"),
        ({"force"}, "operation_report"),
        ({"official", "operation"}, "mentions_operation"),
        (set(), "not_about_operations"),
        ({"perpetrator"}, "not_about_operations"),
    ],
)
def test_langextract_relevance_from_what_was_found(classes: set[str], relevance: str) -> None:
    assert langextract_peer.relevance_of(classes) == relevance


def test_langextract_muc4_classes_are_roles() -> None:
    roles = langextract_peer.incident_roles(
        [ext("perpetrator", "ARMED MEN"), ext("Victim", "TWO GUARDS"), ext("other", "X")]
    )
    assert roles["PerpInd"] == ["ARMED MEN"] and roles["Victim"] == ["TWO GUARDS"]
    assert roles["Weapon"] == []


def test_few_shot_examples_quote_their_own_text() -> None:
    """LangExtract aligns each example extraction to the example text: all verbatim."""
    for example in (langextract_peer.EXAMPLE, langextract_peer.MUC4_EXAMPLE):
        for e in example["extractions"]:
            assert e["text"] in example["text"], e["text"]


def test_missing_peer_interpreter_names_the_setup(tmp_path: Path) -> None:
    settings = instructor_peer.PeerSettings("m", 0.0, 16, 0)
    with pytest.raises(FileNotFoundError, match="venv-peers"):
        next(
            langextract_peer.run(
                [("a", "text")],
                task="report",
                base_url="http://127.0.0.1:9/v1",
                settings=settings,
                cache_dir=tmp_path,
                namespace="n",
                python=tmp_path / "no-python",
            )
        )


# --------------------------------------------------------------------------- scoring


def test_second_story_facts_by_value_or_quote() -> None:
    extractions = [
        *EXTRACTIONS[:4],
        ext("official", "Omar Nadir"),  # a trap value, quoted from the second story
        ext("adversary", "Fishermen"),  # no trap, but quoted from the second story
    ]
    report = langextract_peer.to_operation_report(extractions, PAGE)
    g = gold()
    facts = quality.second_story_facts(report, SECOND, g.traps)
    assert sorted(facts) == ["adversaries: Fishermen", "officials: Omar Nadir"]
    # values only (no quotes to place): the trap value still counts, once
    assert quality.second_story_facts(report, None, g.traps) == ["officials: Omar Nadir"]
    assert quality.second_story_facts(None, SECOND, g.traps) == []


def run_of(value: Any, **kw: Any) -> quality.Run:
    return quality.Run("page-1", value, prompt_tokens=100, completion_tokens=20, requests=1, **kw)


def test_score_reports_uses_the_library_and_counts_the_second_story() -> None:
    item = quality.Item("page-1", PAGE, gold=gold(), second=SECOND)
    with_quotes = langextract_peer.to_operation_report(EXTRACTIONS, PAGE)
    summary, rows = quality.score_reports([item], [run_of(with_quotes, seconds=3.0)], True)
    scores = summary["scores"]
    assert scores["fields"]["forces"]["tp"] == 1
    assert scores["trap_violations"] == 2  # Tartus, 40 (rescued)
    assert summary["second_story_facts"] == 2
    assert scores["grounded_share"] is not None
    assert rows[0]["relevance"] == "operation_report" and rows[0]["seconds"] == 3.0
    no_quotes = instructor_peer.to_operation_report(user_report())
    summary, _ = quality.score_reports([item], [run_of(no_quotes)], False)
    assert summary["scores"]["grounded_share"] is None
    assert summary["second_story_facts"] == 1  # Tartus by value
    missing, _ = quality.score_reports([item], [run_of(None, error="boom")], True)
    assert missing["scores"]["missing"] == 1 and missing["cost"]["errors"] == 1


def test_score_muc4_reuses_the_muc4_scorer() -> None:
    doc = muc4.Doc(
        "TST3-1",
        "text",
        {r: [] for r in muc4.ROLES} | {"PerpInd": [muc4.Entity(["URBAN GUERRILLAS"])]},
    )
    item = quality.Item("TST3-1", "text", muc4=doc)
    preds: dict[str, list[str]] = {r: [] for r in muc4.ROLES}
    preds |= {"PerpInd": ["guerrillas"], "Weapon": ["bomb"]}
    summary, rows = quality.score_muc4([item], [run_of(preds)])
    head = summary["scores"]["head"]
    assert head["roles"]["PerpInd"] == {"P": 1.0, "R": 1.0, "F1": 1.0}
    assert head["roles"]["Weapon"]["P"] == 0.0
    assert summary["scores"]["exact"]["roles"]["PerpInd"]["F1"] == 0.0
    assert rows[0]["head"]["PerpInd"] == [1, 1, 1, 1]


def test_cost_medians_skip_untimed_articles() -> None:
    runs = [run_of(None, seconds=2.0), run_of(None, seconds=4.0), run_of(None, cache_hit=True)]
    c = quality.cost(runs)
    assert c["median_seconds"] == 3.0 and c["timed_articles"] == 2
    assert c["median_prompt_tokens"] == 100 and c["requests_per_article"] == 1.0
    assert c["cache_hits"] == 1


def test_markdown_table_has_a_column_per_system() -> None:
    item = quality.Item("page-1", PAGE, gold=gold(), second=SECOND)
    results = {}
    for system, report, quotes in (
        ("summarizer", langextract_peer.to_operation_report(EXTRACTIONS, PAGE), True),
        ("instructor", instructor_peer.to_operation_report(user_report()), False),
    ):
        summary, _ = quality.score_reports([item], [run_of(report, seconds=1.0)], quotes)
        results[system] = summary
    table = quality.markdown("pages", 1, results).splitlines()
    assert table[2] == "| measure | summarizer | instructor |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table[4:]}
    assert "second-story facts (value or quote)" in rows
    assert rows["second-story facts (value or quote)"].endswith("| 1 (values only) |")
    assert all(line.count("|") == 4 for line in table[2:])
    assert "country accuracy (judged)" in rows


def test_sets_and_systems_options() -> None:
    args = quality.parse_args(["--sets", "pages,re3d", "--systems", "instructor", "--limit", "2"])
    assert args.sets == ["re3d", "pages"] and args.systems == ["instructor"]
    assert args.limit == 2
    with pytest.raises(SystemExit):
        quality.parse_args(["--sets", "nope"])


# --------------------------------------------------------------------------- the cache


class FakeResponse:
    """What the cache needs of a ChatCompletion: usage and JSON text."""

    def __init__(self, content: str, prompt: int = 7, completion: int = 3) -> None:
        self.content = content
        self.usage = SimpleNamespace(prompt_tokens=prompt, completion_tokens=completion)

    def model_dump_json(self) -> str:
        return json.dumps({"content": self.content, "p": self.usage.prompt_tokens})

    @classmethod
    def parse(cls, text: str) -> FakeResponse:
        data = json.loads(text)
        return cls(data["content"], data["p"])


def test_cached_create_replays_by_full_request(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def raw(**kwargs: Any) -> FakeResponse:
        calls.append(kwargs)
        return FakeResponse(f"answer {len(calls)}")

    cache = JsonCache(tmp_path / "c")
    cached = CachedCreate(raw, cache, "model-a", FakeResponse.parse)
    first = cached(model="m", messages=[{"role": "user", "content": "x"}], temperature=0)
    again = cached(temperature=0, messages=[{"role": "user", "content": "x"}], model="m")
    other = cached(model="m", messages=[{"role": "user", "content": "y"}], temperature=0)
    assert (first.content, again.content, other.content) == ("answer 1", "answer 1", "answer 2")
    assert len(calls) == 2
    usage = cached.reset()
    assert (usage.requests, usage.cache_hits, usage.prompt_tokens) == (3, 1, 21)
    # another model identity never shares an answer
    assert request_key("model-a", {"a": 1}) != request_key("model-b", {"a": 1})
    cache.close()


def test_cache_is_json_text_and_reads_garbage_as_a_miss(tmp_path: Path) -> None:
    cache = JsonCache(tmp_path / "c")
    cache.set("k", {"a": [1, 2]})
    assert cache.get("k") == {"a": [1, 2]}
    cache._cache.set("bad", "{not json")
    assert cache.get("bad") is None and cache.get("absent") is None
    with pytest.raises(TypeError):
        cache._cache.set("pickled", {"a": 1})  # TextOnlyDisk stores text only
    assert (tmp_path / "c").stat().st_mode & 0o077 == 0
    timings = quality.Timings(cache)
    assert timings.seconds("art", 12.3456, fresh=True) == 12.346
    assert timings.seconds("art", 0.01, fresh=False) == 12.346  # a hit reports generation time
    assert timings.seconds("other", 0.01, fresh=False) is None
    cache.close()


# --------------------------------------------------------------------------- the real sets

DATA = ROOT.parent / "shared" / "evaldata"
needs_re3d = pytest.mark.skipif(
    not (DATA / "re3d" / "CENTCOM" / "documents.json").exists(), reason="re3d texts absent"
)


def test_second_region_opens_at_the_glued_headline() -> None:
    """From the second story's headline block (as pages.build_page lays it) to its end."""
    body = "First story text.\n"
    page = f"Site\nMenu\n\nTitle one\n{body}Check Also\nTeaser\n\nTitle two\nCaption\nTitle two\n"
    second_text = "Second story text."
    page += second_text + "\n\nLeave a Reply\n"
    start = page.index(second_text)
    variant: Any = SimpleNamespace(
        text=page,
        body_span=(page.index(body), page.index(body) + len(body)),
        second_span=(start, start + len(second_text)),
        second=SimpleNamespace(title="Title two"),
    )
    assert quality.second_region(variant) == (page.index("Title two"), start + len(second_text))
    variant.second = SimpleNamespace(title="")
    assert quality.second_region(variant) == variant.second_span


@needs_re3d
def test_re3d_items_are_the_gold_documents() -> None:
    items = quality.load_re3d(None)
    assert len(items) == len(list((ROOT / "bench" / "gold" / "re3d").glob("*/*.json")))
    assert all(item.gold is not None and item.text.strip() for item in items)
    examples = quality.load_examples(None)
    assert len(examples) == 7 and all(e.published is not None for e in examples)
