"""Provider batches: submit, poll and collect through the OpenAI Files + Batches API.

The cassettes ``provider_batch_submit`` (upload, batch creation, a poll while the batch
runs) and ``provider_batch_collect`` (a poll once it completed, the output file) were
recorded from the openai SDK talking to ``bench/batch_front.py``, our loopback
implementation of the Batch API protocol, which ran each line against the embedded
llama.cpp model: the answers are the real model's.  Re-record with
``python -m pytest --record tests/test_provider_batch.py -k round_trip`` (reuses the
server of ``summarizer local start`` when one is running, busy or not).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from summarizer.errors import SummarizerError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.runs import provider_batch as pb
from summarizer.runs.many import ItemResult, JsonlSink
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings
from tests.conftest import (
    CASSETTES,
    EXAMPLES,
    REPLAY_BASE_URL,
    SECRET_HEADERS,
    USER_CACHE,
    load_manifest,
    replay_settings,
    use_cassette,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from fault_server import OK, FaultServer, Request  # noqa: E402

#: the three shortest example pages (the embedded model takes minutes per article)
NAMES = ["diyala_orchards_mentions", "market_prices_not_operations", "sahel_border_sweep"]
DATES = {Path(e["file"]).stem: date.fromisoformat(e["published"]) for e in load_manifest()}
ITEMS: list[Any] = [(EXAMPLES / "articles" / f"{n}.txt", DATES[n]) for n in NAMES]
SUBMIT, COLLECT = "provider_batch_submit", "provider_batch_collect"


# --------------------------------------------------------------------------- plumbing


def _parts(r: Any) -> Any:
    """A request body as something comparable: multipart fields (the uploaded JSONL as
    its parsed lines, whatever the boundary), else the JSON body, else None."""
    body = r.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body:
        return None
    ctype = next((v for k, v in r.headers.items() if k.lower() == "content-type"), "")
    if ctype.startswith("multipart/form-data"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
        )
        fields: dict[str, Any] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if name == "file":
                fields[name] = [json.loads(line) for line in payload.splitlines()]
                fields["filename"] = part.get_filename()
            else:
                fields[str(name)] = payload.decode()
        return fields
    return json.loads(body)


def _body(r1: Any, r2: Any) -> None:
    assert _parts(r1) == _parts(r2), "request bodies differ"


@pytest.fixture
def tape() -> Any:
    """``with tape(name):`` replays ``cassettes/name.yaml``; ``tape(name, record=True)``
    records it afresh (only the round trip does, and only under ``--record``)."""

    def use(name: str, record: bool = False) -> Any:
        return use_cassette(name, record=record, body=_body)

    return use


@pytest.fixture(scope="module")
def front_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The batch front over the real embedded model when recording, else the replay URL.

    The upstream is the long-lived server of ``summarizer local start`` if one is
    running (even while busy with another request); only when none is does this start
    (and stop) an embedded server of its own."""
    if not request.config.getoption("--record"):
        yield REPLAY_BASE_URL
        return
    from batch_front import spawn

    from summarizer.llm import local

    settings = Settings(cache_dir=USER_CACHE)
    state = local.background_status(settings)
    if state is not None:
        with spawn(str(state["base_url"])) as url:
            yield url
        return
    with local.LocalServer(settings) as server, spawn(str(server.base_url)) as url:
        yield url


def _settings(tmp_path: Path, base_url: str = REPLAY_BASE_URL, **overrides: Any) -> Settings:
    return replay_settings(cache_dir=tmp_path / "cache", base_url=base_url, **overrides)


def _facts(value: Any) -> dict[str, Any]:
    data: dict[str, Any] = value.model_dump(mode="json")
    data.pop("extraction", None)
    return data


def _recorded_answers() -> dict[str, dict[str, Any]]:
    """custom_id -> recorded output line, read from the collect cassette."""
    tape_data = yaml.safe_load((CASSETTES / f"{COLLECT}.yaml").read_text(encoding="utf-8"))
    answers: dict[str, dict[str, Any]] = {}
    for interaction in tape_data["interactions"]:
        if interaction["request"]["uri"].endswith("/content"):
            answers.update(pb._lines(interaction["response"]["body"]["string"]))
    return answers


def _submitted(tape: Any, s: Summarizer, tmp_path: Path) -> tuple[pb.BatchJob, pb.BatchStatus]:
    with tape(SUBMIT):
        job = pb.submit(ITEMS, summarizer=s, manifest=tmp_path / "job.json")
        status = pb.poll(job, s.settings)
    return job, status


def _collected(tape: Any, job: pb.BatchJob, s: Summarizer, **kw: Any) -> list[ItemResult]:
    with tape(COLLECT):
        return list(pb.collect(job, summarizer=s, **kw))


# --------------------------------------------------------------------------- round trip


def test_batch_round_trip(tape: Any, front_url: str, recording: bool, tmp_path: Path) -> None:
    """Submit, a poll while running, a poll once completed, collect.

    A batch cannot re-ask, so a first answer that fails strict grounding is an item
    error that still reports what it cost (the embedded 1.5B model's first answers
    usually need the re-ask the live path would make); ``lenient`` keeps such an answer
    as the live path keeps it after its last re-ask, located quotes and all, and
    caches it so that a later summarize of the article asks nothing."""
    from summarizer.core.schema import iter_evidence

    st = _settings(tmp_path, front_url)
    with Summarizer(st) as s:
        with tape(SUBMIT, record=recording):
            job = pb.submit(ITEMS, summarizer=s, manifest=tmp_path / "job.json")
            if recording:
                time.sleep(1.0)  # past "validating": the first line is running
            running = pb.poll(job, st)
        assert job.batch_id is not None and job.input_file_id is not None
        assert job.requests == 3 and all(i.submitted for i in job.items)
        assert running.status == "in_progress" and not running.done
        assert running.total == 3 and running.completed + running.failed < 3
        if recording:
            started = time.monotonic()
            pb.wait(job, st, interval=5.0)  # not recorded: only the final poll is
            print(f"\nbatch ran in {time.monotonic() - started:.0f} s", file=sys.stderr)
        with tape(COLLECT, record=recording):
            finished = pb.poll(job, st)
            strict = list(pb.collect(job, summarizer=s))
            kept = list(pb.collect(job, summarizer=s, lenient=True))
        assert finished.status == "completed" and finished.done
        assert finished.completed == 3 and finished.output_file_id is not None
        for results in (strict, kept):
            assert [r.index for r in results] == [0, 1, 2]
            assert [r.source for r in results] == [str(p) for p, _ in ITEMS]
            assert [r.key for r in results] == [i.key for i in job.items]
        for r in strict:
            if not r.ok:
                assert r.error is not None and r.error.kind == "extraction"
                assert "cannot re-ask" in r.error.message
                assert r.error.usage is not None and r.error.usage.requests == 1
                assert r.error.usage.completion_tokens > 0
        assert all(r.ok for r in kept)
        for r, before in zip(kept, strict, strict=True):
            assert r.meta is not None and r.meta.usage.requests == 1
            assert r.meta.cache_hit == before.ok  # a strict pass was cached already
            assert r.meta.usage.completion_tokens > 0
            assert r.meta.grounded_share is not None and r.meta.grounded_share > 0
            assert before.ok or any(w.startswith("kept after 1 attempts") for w in r.meta.warnings)
            page = Path(str(r.source)).read_text(encoding="utf-8")
            for ev in iter_evidence(r.value):
                if ev.status != "not_found":  # every located quote is where it says
                    assert ev.start is not None and ev.end is not None
                    assert page[ev.start : ev.end]
        # a later summarize of a collected article is a cache hit: no HTTP at all (no
        # cassette is active, and the replay endpoint is unreachable)
        for r in kept:
            path, pub = ITEMS[r.index]
            again = s.extract(path, published=pub)
            assert again.meta.cache_hit
            assert _facts(again.value) == _facts(r.value)


def test_cassettes_hold_no_secret() -> None:
    """The SDK sent ``Authorization: Bearer not-needed``; no header of the kind, nor the
    key, was recorded."""
    for name in (SUBMIT, COLLECT):
        text = (CASSETTES / f"{name}.yaml").read_text(encoding="utf-8")
        assert "not-needed" not in text
        for interaction in yaml.safe_load(text)["interactions"]:
            sent = {k.lower() for k in interaction["request"]["headers"]}
            assert not sent & set(SECRET_HEADERS)


# --------------------------------------------------------------------------- requests


def _uploaded_lines() -> list[dict[str, Any]]:
    """The JSONL the SDK uploaded in the recorded submit."""
    tape_data = yaml.safe_load((CASSETTES / f"{SUBMIT}.yaml").read_text(encoding="utf-8"))
    for interaction in tape_data["interactions"]:
        req = interaction["request"]
        if req["method"] == "POST" and req["uri"].endswith("/files"):
            headers = {k: v[0] if isinstance(v, list) else v for k, v in req["headers"].items()}
            fields = _parts(SimpleNamespace(body=req["body"], headers=headers))
            assert fields["purpose"] == "batch" and fields["filename"].endswith(".jsonl")
            lines: list[dict[str, Any]] = fields["file"]
            return lines
    raise AssertionError("no upload in the submit cassette")


@pytest.mark.parametrize("kind", ["llamacpp", "openai", "other"])
def test_batch_lines_are_the_live_requests(kind: str, tmp_path: Path) -> None:
    """Each line's body is byte for byte what the live path sends first for the item
    (captured from the SDK on a loopback server), for each endpoint family."""
    stub = json.dumps(STUB).encode()  # whatever the answer, the first request is the same
    captured: list[dict[str, Any]] = []

    def plan(req: Request) -> str:
        captured.append(req.body)
        return OK

    with FaultServer(stub, plan) as server:
        st = _settings(tmp_path, server.url, endpoint_kind=kind, max_reasks=0, use_cache=False)
        with Summarizer(st) as s:
            entries, lines = pb.build_requests(ITEMS, s)
            for path, published in ITEMS:
                with contextlib.suppress(SummarizerError):
                    s.extract(path, published=published)
    assert len(lines) == 3 and len(captured) == 3
    assert [line["body"] for line in lines] == captured
    assert [line["custom_id"] for line in lines] == [e.key for e in entries]
    assert {(line["method"], line["url"]) for line in lines} == {("POST", "/v1/chat/completions")}
    rf = lines[0]["body"]["response_format"]
    if kind == "openai":
        assert rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True
    elif kind == "llamacpp":
        assert rf["type"] == "json_object" and "schema" in rf


def test_recorded_upload_is_what_build_requests_makes(tmp_path: Path) -> None:
    """The file the recorded submit uploaded is the current live requests, and its
    custom_ids are the items' cache keys."""
    with Summarizer(_settings(tmp_path)) as s:
        entries, lines = pb.build_requests(ITEMS, s)
        keys = [s.item_key(p, published=d) for p, d in ITEMS]
    assert _uploaded_lines() == lines
    assert [line["custom_id"] for line in lines] == keys == [e.key for e in entries]


def test_identical_inputs_share_one_request(tmp_path: Path) -> None:
    with Summarizer(_settings(tmp_path)) as s:
        entries, lines = pb.build_requests([ITEMS[0], ITEMS[0], b"\x00binary"], s)
    assert len(lines) == 1
    assert entries[0].key == entries[1].key == lines[0]["custom_id"]
    assert entries[0].submitted and entries[1].submitted
    assert entries[2].error is not None and entries[2].error.kind == "input"
    assert not entries[2].submitted and entries[2].key is None


def test_embedded_settings_are_refused(tmp_path: Path) -> None:
    from summarizer.errors import ConfigError

    with pytest.raises(ConfigError, match="Batch API"):
        pb.submit(ITEMS, Settings(cache_dir=tmp_path / "cache"))


# --------------------------------------------------------------------------- collect


def test_collect_matches_the_live_path_on_the_same_answer(tape: Any, tmp_path: Path) -> None:
    """Fed the same model answer, the live path and collect give the same facts and
    metadata: strictly valid answers as they are; the others are an error in a batch,
    and with ``lenient`` the same kept answer as the live path after its last re-ask."""
    with Summarizer(_settings(tmp_path / "a")) as s:
        job, _ = _submitted(tape, s, tmp_path)
        strict = _collected(tape, job, s)
    with Summarizer(_settings(tmp_path / "b")) as s:
        kept = _collected(tape, job, s, lenient=True)
    answers = _recorded_answers()
    assert all(r.ok for r in kept)
    for item, r_strict, r_kept in zip(job.items, strict, kept, strict=True):
        body = answers[str(item.key)]["response"]["body"]
        path, published = ITEMS[item.index]
        live_settings = _settings(tmp_path / f"live{item.index}", max_reasks=0)
        with FaultServer(json.dumps(body).encode()) as server:
            with Summarizer(live_settings.model_copy(update={"base_url": server.url})) as live:
                ex = live.extract(path, published=published)
            assert server.stats()["requests"] == 1
        assert r_kept.meta is not None
        volatile = {"latency_s"}
        assert ex.meta.model_dump(exclude=volatile) == r_kept.meta.model_dump(exclude=volatile)
        assert _facts(ex.value) == _facts(r_kept.value)
        if r_strict.ok:
            assert _facts(ex.value) == _facts(r_strict.value)
            assert not any(w.startswith("kept after") for w in ex.meta.warnings)
        else:
            assert any(w.startswith("kept after") for w in ex.meta.warnings)


def _first_quote(node: Any) -> dict[str, Any] | None:
    """The first fact in an answer with an evidence quote (the model writes the quote
    as a string; offsets and status are the library's)."""
    if isinstance(node, dict):
        if isinstance(node.get("evidence"), str) and node["evidence"].strip():
            return node
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _first_quote(child)
        if found is not None:
            return found
    return None


def _with_content(line: dict[str, Any], content: str) -> dict[str, Any]:
    changed = json.loads(json.dumps(line))
    changed["response"]["body"]["choices"][0]["message"]["content"] = content
    return changed


def _strictly_valid(
    job: pb.BatchJob, settings: Settings, answers: dict[str, dict[str, Any]]
) -> tuple[pb.ManifestItem, dict[str, Any]]:
    """A recorded answer trimmed until it passes strict grounding: the entries whose
    quotes failed are dropped, the rest (quotes included) is the model's own words."""
    from pydantic import ValidationError

    from summarizer.core.schema import OperationReport
    from summarizer.pipeline.inputs import load_article
    from summarizer.pipeline.summarizer import prepare_text

    for item in job.items:
        path, published = ITEMS[item.index]
        source, _, _ = prepare_text(load_article(path), settings, published)
        data = json.loads(_content(answers[str(item.key)]))
        for _ in range(20):
            try:
                OperationReport.model_validate_json(json.dumps(data), context=source)
            except ValidationError as exc:
                loc = exc.errors()[0]["loc"]
                if not loc or loc[0] not in data:
                    break
                field = data[loc[0]]
                if isinstance(field, list) and len(loc) > 1 and isinstance(loc[1], int):
                    del field[loc[1]]
                else:
                    data[loc[0]] = [] if isinstance(field, list) else None
                continue
            if _first_quote(data) is not None:
                return item, _with_content(answers[str(item.key)], json.dumps(data))
            break
    raise AssertionError("no recorded answer could be trimmed to a strict pass")


def test_a_strict_pass_is_what_the_live_path_returns(tape: Any, tmp_path: Path) -> None:
    """An answer that passes strict grounding is collected with no warning, exactly as
    the live path returns the same answer (no re-ask needed there either)."""
    st = _settings(tmp_path)
    with Summarizer(st) as s:
        job, _ = _submitted(tape, s, tmp_path)
    item, line = _strictly_valid(job, st, _recorded_answers())
    path, published = ITEMS[item.index]
    with Summarizer(_settings(tmp_path / "batch")) as s:
        status = pb.BatchStatus(job.batch_id, "completed", 3, 3, 0)
        run = pb._Collect(job, s, status, {str(item.key): line}, None, None, False, False)
        collected = {r.index: r for r in pb._results(run, close=False)}[item.index]
    body = json.dumps(line["response"]["body"]).encode()
    with FaultServer(body) as server, Summarizer(_settings(tmp_path / "live", server.url)) as live:
        ex = live.extract(path, published=published)
        assert server.stats()["requests"] == 1  # no re-ask
    assert collected.ok and collected.meta is not None and not collected.meta.cache_hit
    assert not any(w.startswith("kept after") for w in collected.meta.warnings)
    volatile = {"latency_s"}
    assert ex.meta.model_dump(exclude=volatile) == collected.meta.model_dump(exclude=volatile)
    assert _facts(ex.value) == _facts(collected.value)


def test_bad_lines_become_item_errors(tape: Any, tmp_path: Path) -> None:
    """A quote the article does not contain (in an answer that otherwise passes),
    broken JSON, an HTTP error from the provider, a request the batch never ran, a
    line missing: each is that item's error, with the tokens it cost; nothing is
    cached for them."""
    from summarizer.core.schema import iter_evidence

    st = _settings(tmp_path)
    with Summarizer(st) as s:
        job, _ = _submitted(tape, s, tmp_path)
    answers = _recorded_answers()
    target, valid = _strictly_valid(job, st, answers)
    content = json.loads(_content(valid))
    quote = _first_quote(content)
    assert quote is not None
    quote["evidence"] = "Forty armoured vehicles were destroyed near the harbour of Lisbon."
    others = [i for i in job.items if i is not target]
    broken = dict(answers)
    broken[str(target.key)] = _with_content(valid, json.dumps(content))
    broken[str(others[0].key)] = _with_content(
        answers[str(others[0].key)], '{"relevance": "operation_report", "summary": "cut'
    )
    broken[str(others[1].key)] = {
        "id": "batch_req_x",
        "custom_id": others[1].key,
        "response": {
            "status_code": 500,
            "request_id": "req_x",
            "body": {"error": {"message": "Bearer sk-leak", "type": "server_error"}},
        },
        "error": None,
    }
    with Summarizer(_settings(tmp_path / "fresh")) as s:
        status = pb.BatchStatus(job.batch_id, "completed", 3, 2, 1)
        # the valid answer itself passes: the fabricated quote alone makes the error
        run = pb._Collect(job, s, status, {str(target.key): valid}, None, None, False, False)
        assert {r.index: r for r in pb._results(run, close=False)}[target.index].ok
    with Summarizer(_settings(tmp_path / "fresh2")) as s:
        run = pb._Collect(job, s, status, broken, None, None, False, False)
        results = {r.index: r for r in pb._results(run, close=False)}
        ungrounded = results[target.index]
        assert ungrounded.error is not None and ungrounded.error.kind == "extraction"
        assert "cannot re-ask" in ungrounded.error.message
        assert "evidence quote not found" in ungrounded.error.message
        assert ungrounded.error.usage is not None and ungrounded.error.usage.requests == 1
        cut = results[others[0].index]
        assert cut.error is not None and cut.error.kind == "extraction"
        assert cut.error.usage is not None and cut.error.usage.completion_tokens > 0
        http = results[others[1].index]
        assert http.error is not None and http.error.kind == "provider"
        assert "HTTP 500" in http.error.message and "sk-leak" not in http.error.message
        # nothing failed was cached: the live path would still be asked
        for r in results.values():
            path, published = ITEMS[r.index]
            assert s.pending_request(path, published=published).cached is None
        # the same ungrounded answer, kept leniently, marks the quote not found
        run = pb._Collect(job, s, status, broken, None, None, False, True)
        kept = {r.index: r for r in pb._results(run, close=False)}[target.index]
        assert kept.ok and kept.meta is not None
        assert any(e.status == "not_found" for e in iter_evidence(kept.value))
        # a request the batch never ran, and the others missing from a batch that expired
        never = {
            str(target.key): {
                "custom_id": target.key,
                "response": None,
                "error": {"code": "batch_expired", "message": "x"},
            }
        }
        run = pb._Collect(
            job, s, replace_status(status, "expired"), never, None, None, False, False
        )
        ended = list(pb._results(run, close=False))
    assert all(not r.ok and r.error is not None and r.error.kind == "provider" for r in ended)
    assert "batch_expired" in ended[target.index].error.message  # type: ignore[union-attr]
    assert all("expired" in r.error.message for r in ended)  # type: ignore[union-attr]


def replace_status(status: pb.BatchStatus, value: str) -> pb.BatchStatus:
    from dataclasses import replace

    return replace(status, status=value)


def _content(line: dict[str, Any]) -> str:
    content: str = line["response"]["body"]["choices"][0]["message"]["content"]
    return content


def test_reask_live_sends_failures_through_the_live_path(tape: Any, tmp_path: Path) -> None:
    with Summarizer(_settings(tmp_path)) as s:
        job, _ = _submitted(tape, s, tmp_path)
    answers = _recorded_answers()
    item = job.items[0]
    broken = {str(item.key): _with_content(answers[str(item.key)], "not json at all")}
    good = json.dumps(answers[str(item.key)]["response"]["body"]).encode()
    with FaultServer(good) as server:
        st = _settings(tmp_path / "live", server.url, max_reasks=0)
        with Summarizer(st) as s:
            status = pb.BatchStatus(job.batch_id, "completed", 3, 3, 0)
            run = pb._Collect(job, s, status, broken, None, None, True, True)
            first = next(pb._results(run, close=False))
        assert server.stats()["requests"] == 1
    assert first.ok and first.meta is not None and first.meta.usage.requests == 1
    assert first.index == 0 and first.key == item.key


def test_recollect_is_idempotent(tape: Any, tmp_path: Path) -> None:
    from summarizer.cache.store import ResponseCache

    st = _settings(tmp_path)
    with Summarizer(st) as s:
        job, _ = _submitted(tape, s, tmp_path)
        strict = [_collected(tape, job, s), _collected(tape, job, s)]
        assert [r.to_record() for r in strict[0]] == [r.to_record() for r in strict[1]]
        first = _collected(tape, job, s, lenient=True)
        entries = ResponseCache(tmp_path / "cache").stats().entries
        second = _collected(tape, job, s, lenient=True)
        assert ResponseCache(tmp_path / "cache").stats().entries == entries
    assert [r.status for r in first] == [r.status for r in second]
    for a, b in zip(first, second, strict=True):
        if a.ok:
            assert b.meta is not None and b.meta.cache_hit and a.meta is not None
            assert _facts(a.value) == _facts(b.value)
            assert a.meta.usage == b.meta.usage
    out = tmp_path / "results.jsonl"
    with JsonlSink(out) as sink:
        for r in [*first, *second]:
            sink.write(r)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ok_keys = [rec["key"] for rec in records if rec["status"] == "ok"]
    assert len(ok_keys) == len(set(ok_keys)) == sum(r.ok for r in first)


def test_cached_items_are_not_submitted(tape: Any, tmp_path: Path) -> None:
    with Summarizer(_settings(tmp_path)) as s:
        job, _ = _submitted(tape, s, tmp_path)
        done = {r.index for r in _collected(tape, job, s, lenient=True) if r.ok}
        assert done
        entries, lines = pb.build_requests(ITEMS, s)
        assert {line["custom_id"] for line in lines} == {
            job.items[i].key for i in range(3) if i not in done
        }
        assert [e.submitted for e in entries] == [i not in done for i in range(3)]
        # everything cached: no batch and no HTTP (the replay endpoint is unreachable)
        cached_only = [ITEMS[i] for i in sorted(done)]
        nothing = pb.submit(cached_only, summarizer=s, manifest=tmp_path / "cached.json")
        assert nothing.batch_id is None and nothing.requests == 0
        assert pb.poll(nothing, s.settings).done
        results = list(pb.collect(nothing, summarizer=s))
    assert [r.index for r in results] == list(range(len(done)))
    assert all(r.ok and r.meta is not None and r.meta.cache_hit for r in results)


def test_manifest_round_trip_in_another_process(
    tape: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest alone (no Summarizer, no settings: the environment plus what it
    recorded) collects the batch and fills the cache a later Summarizer reads."""
    from pydantic import SecretStr

    from summarizer.errors import ConfigError

    secret = "sk-test-0123456789abcdef"
    st = _settings(tmp_path, "http://user:pw@127.0.0.1:9/v1", api_key=SecretStr(secret))
    with Summarizer(st) as s, tape(SUBMIT):
        job = pb.submit(ITEMS, summarizer=s)  # default manifest place
    assert job.path == tmp_path / "cache" / "batches" / f"{job.batch_id}.json"
    text = job.path.read_text(encoding="utf-8")
    assert secret not in text and "user:pw" not in text
    loaded = pb.load_job(str(job.batch_id), st)
    assert loaded == job
    assert pb.load_job(job.path) == job
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    with tape(COLLECT):
        results = list(pb.collect(loaded, lenient=True))
    assert any(r.ok for r in results)
    with Summarizer(_settings(tmp_path)) as later:
        for r in results:
            if r.ok:
                again = later.extract(ITEMS[r.index][0], published=ITEMS[r.index][1])
                assert again.meta.cache_hit and _facts(again.value) == _facts(r.value)
    with pytest.raises(ConfigError, match="temperature"):
        pb.collect(loaded, _settings(tmp_path, temperature=0.7))


def test_collect_before_the_batch_is_final(tape: Any, tmp_path: Path) -> None:
    with Summarizer(_settings(tmp_path)) as s, tape(SUBMIT):
        job = pb.submit(ITEMS, summarizer=s, manifest=tmp_path / "job.json")
        with pytest.raises(pb.BatchNotReady, match="in_progress"):
            pb.collect(job, summarizer=s)


async def test_async_variants(tape: Any, tmp_path: Path) -> None:
    with Summarizer(_settings(tmp_path)) as s:
        with tape(SUBMIT):
            job = await pb.asubmit(ITEMS, summarizer=s, manifest=tmp_path / "job.json")
            assert (await pb.apoll(job, s.settings)).status == "in_progress"
        with tape(COLLECT):
            results = [r async for r in pb.acollect(job, summarizer=s, lenient=True)]
    assert [r.index for r in results] == [0, 1, 2] and any(r.ok for r in results)


# --------------------------------------------------------------------------- CLI


def test_cli_status_and_collect(tape: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from summarizer.apps.cli import EXIT_BATCH_PENDING, app

    with Summarizer(_settings(tmp_path)) as s:
        job, _ = _submitted(tape, s, tmp_path)
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    out = tmp_path / "results.jsonl"
    with tape(SUBMIT):
        status = runner.invoke(app, ["batch", "status", str(job.path)])
        pending = runner.invoke(app, ["batch", "collect", str(job.path), "--out", str(out)])
        unknown = runner.invoke(app, ["batch", "collect", "batch_unknown"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["status"] == "in_progress"
    assert pending.exit_code == EXIT_BATCH_PENDING and "in_progress" in pending.stderr
    assert not out.exists() or not out.read_text()
    assert unknown.exit_code == 2 and "no batch manifest" in unknown.stderr
    collect = ["batch", "collect", str(job.path), "--out", str(out)]
    with tape(COLLECT):
        strict = runner.invoke(app, collect)
        strict_records = [json.loads(line) for line in out.read_text().splitlines()]
        first = runner.invoke(app, [*collect, "--lenient"])
        second = runner.invoke(app, [*collect, "--lenient"])
    assert len(strict_records) == 3
    failed = [rec for rec in strict_records if rec["status"] == "error"]
    assert strict.exit_code == (1 if failed else 0)
    assert all(rec["error"]["kind"] == "extraction" for rec in failed)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ok = [rec for rec in records if rec["status"] == "ok"]
    assert len(ok) == 3 and len({rec["key"] for rec in ok}) == 3  # never twice
    assert first.exit_code == second.exit_code == 0
    assert {rec["source"] for rec in records} == {str(p) for p, _ in ITEMS}
    assert all(rec["report"]["extraction"]["usage"]["requests"] == 1 for rec in ok)
    assert "3 ok" in first.stderr and "batch price" in first.stderr
    assert "3 cached" in second.stderr
    # all cached now: submitting them again asks for nothing
    path, published = ITEMS[[i.key for i in job.items].index(ok[0]["key"])]
    monkeypatch.setenv("SUMMARIZER_BASE_URL", REPLAY_BASE_URL)
    monkeypatch.setenv("SUMMARIZER_MODEL", EMBEDDED_MODEL_NAME)
    monkeypatch.setenv("SUMMARIZER_ENDPOINT_KIND", "llamacpp")
    again = runner.invoke(
        app,
        [
            "batch",
            "submit",
            str(path),
            "--published",
            published.isoformat(),
            "--manifest",
            str(tmp_path / "again.json"),
        ],
    )
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert summary["batch_id"] is None and summary["requests"] == 0 and summary["cached"] == 1


def test_cli_submit_needs_a_batch_endpoint(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from summarizer.apps.cli import app

    r = CliRunner().invoke(app, ["batch", "submit", str(ITEMS[0][0])])
    assert r.exit_code == 2 and "Batch API" in r.stderr


# --------------------------------------------------------------------------- batch front

STUB = {
    "id": "chatcmpl-stub",
    "object": "chat.completion",
    "created": 0,
    "model": "stub",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


def _line(custom_id: str) -> dict[str, Any]:
    body = {"model": "stub", "messages": [{"role": "user", "content": "hi"}]}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def _run_front(lines: list[dict[str, Any]], plan: Any = None, **front_kw: Any) -> Any:
    """Upload ``lines`` to a front over a stub upstream, wait for a final state; return
    (client-side batch objects seen, file contents by id)."""
    import openai
    from batch_front import BatchFront

    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    with (
        FaultServer(json.dumps(STUB).encode(), plan) as upstream,
        BatchFront(upstream.url, **front_kw) as front,
    ):
        client = openai.OpenAI(base_url=front.url, api_key="test", max_retries=0)
        uploaded = client.files.create(file=("in.jsonl", data), purpose="batch")
        assert uploaded.purpose == "batch" and uploaded.bytes == len(data)
        seen = [
            client.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        ]
        deadline = time.monotonic() + 20
        while seen[-1].status not in pb.TERMINAL and time.monotonic() < deadline:
            time.sleep(0.02)
            seen.append(client.batches.retrieve(seen[0].id))
        files = {
            fid: client.files.content(fid).text
            for fid in (seen[-1].output_file_id, seen[-1].error_file_id)
            if fid
        }
        client.close()
    return seen, files


def test_front_runs_a_batch_as_the_protocol_says() -> None:
    from fault_server import script

    seen, files = _run_front([_line("a"), _line("b")], script([OK, "server_error"]))
    first, last = seen[0], seen[-1]
    assert first.status == "validating" and first.input_file_id
    assert [s.status for s in seen][-1] == "completed"
    order = ["validating", "in_progress", "finalizing", "completed"]
    assert [order.index(s.status) for s in seen] == sorted(order.index(s.status) for s in seen)
    assert last.request_counts is not None
    assert (last.request_counts.total, last.request_counts.completed) == (2, 1)
    assert last.request_counts.failed == 1
    assert last.completed_at and last.in_progress_at and last.finalizing_at
    assert last.usage is not None and last.usage.total_tokens == 5
    output = [json.loads(x) for x in files[last.output_file_id].splitlines()]
    errors = [json.loads(x) for x in files[last.error_file_id].splitlines()]
    assert [o["custom_id"] for o in output] == ["a"] and [e["custom_id"] for e in errors] == ["b"]
    assert output[0]["response"]["status_code"] == 200 and output[0]["error"] is None
    assert output[0]["response"]["body"] == STUB and output[0]["response"]["request_id"]
    assert errors[0]["response"]["status_code"] == 500


def test_front_rejects_a_bad_input_file() -> None:
    seen, files = _run_front([_line("a"), _line("a"), {"custom_id": "c"}])
    last = seen[-1]
    assert last.status == "failed" and last.failed_at and not files
    assert last.errors is not None and last.errors.data is not None
    codes = {(e.code, e.line) for e in last.errors.data}
    assert ("duplicate_custom_id", 2) in codes and ("invalid_method", 3) in codes


def test_front_expires_unrun_lines() -> None:
    seen, files = _run_front([_line("a"), _line("b")], expire_after=0.0)
    last = seen[-1]
    assert last.status == "expired" and last.expired_at and last.output_file_id is None
    errors = [json.loads(x) for x in files[last.error_file_id].splitlines()]
    assert {e["error"]["code"] for e in errors} == {"batch_expired"}
    assert all(e["response"] is None for e in errors)


def test_front_needs_a_key_and_a_batch_file() -> None:
    import openai
    from batch_front import BatchFront

    with BatchFront("http://127.0.0.1:9/v1") as front:
        client = openai.OpenAI(base_url=front.url, api_key="test", max_retries=0)
        other = client.files.create(file=("x.jsonl", b"{}\n"), purpose="user_data")
        with pytest.raises(openai.BadRequestError):
            client.batches.create(
                input_file_id=other.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch_missing")
        client.close()
        import urllib.error
        import urllib.request

        with pytest.raises(urllib.error.HTTPError) as refused:
            no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            no_proxy.open(front.url + "/files", timeout=10)  # no Authorization
        assert refused.value.code == 401
