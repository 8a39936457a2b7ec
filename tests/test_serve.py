"""``summarizer serve``: the HTTP service through the real stack.

The model behind the service is ``bench/fault_server.py``'s loopback server answering
with the completion the embedded model gave for an example article (read from its
cassette, never written by hand), or with an injected fault.  Functional tests use
FastAPI's in-process client; the contract test runs schemathesis (every default check)
against a uvicorn server on a loopback port, and the size guard is also tested on
that server over a raw socket, where "before reading the body" is observable.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from fastapi.testclient import TestClient

from summarizer.apps.serve import TEXT_PATTERN, ServeConfig, create_app, read_text
from summarizer.apps.serve.wire import _INVISIBLE
from summarizer.core.schema import OperationReport, iter_evidence
from summarizer.errors import InputError
from summarizer.settings import EMBEDDED_MODEL_NAME
from tests.conftest import CASSETTES, EXAMPLES, ROOT, load_manifest, recorded_answer

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from fault_server import OK, FaultServer, Request

KEY = "sk-serve-" + "Qx7" * 10
WRONG = "sk-wrong-" + "Zz4" * 10
FAIL_MARKER = "MARKER-MODEL-FAILS"
HANG_MARKER = "MARKER-MODEL-HANGS"


def recorded_example() -> tuple[dict[str, Any], bytes]:
    """An example article and the embedded model's final recorded answer for it: the
    first whose answer reports an operation with forces (the tests look at those)."""
    for entry in load_manifest():
        stem = Path(entry["file"]).stem
        if not (CASSETTES / f"example_{stem}.yaml").is_file():
            continue  # being re-recorded
        raw = recorded_answer(stem)
        answer = json.loads(json.loads(raw)["choices"][0]["message"]["content"])
        if answer.get("relevance") == "operation_report" and answer.get("forces"):
            return entry, raw
    raise RuntimeError("no example cassette holds an operation report with forces")


ENTRY, BODY = recorded_example()
ARTICLE = (EXAMPLES / ENTRY["file"]).read_text(encoding="utf-8")
PUBLISHED = ENTRY["published"]


def by_marker(req: Request) -> str:
    """A server error for requests carrying FAIL_MARKER, a hang for HANG_MARKER."""
    text = json.dumps(req.body)
    if FAIL_MARKER in text:
        return "server_error"
    if HANG_MARKER in text:
        return "hang"
    return OK


@pytest.fixture
def model() -> Iterator[FaultServer]:
    with FaultServer(BODY, by_marker, hang_s=30.0) as srv:
        yield srv


@pytest.fixture
def client(settings_for: Any, model: FaultServer) -> Callable[..., TestClient]:
    """A started app (lifespan run) against ``model``; closed at teardown."""
    stack = contextlib.ExitStack()

    def make(**config: Any) -> TestClient:
        settings = settings_for(base_url=model.url, max_reasks=0, timeout=30.0)
        app = create_app(settings, ServeConfig(**config))
        return stack.enter_context(TestClient(app))

    with stack:
        yield make


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# --------------------------------------------------------------------------- reports


def test_article_returns_a_grounded_report(client: Any, model: FaultServer) -> None:
    c = client()
    r = c.post("/v1/reports", json={"text": ARTICLE, "published": PUBLISHED, "source": "sahel"})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["status"] == "ok" and data["source"] == "sahel"
    assert re.fullmatch(r"[0-9a-f]{64}", data["key"])
    report = OperationReport.model_validate(data["report"])
    assert report.relevance == "operation_report" and report.operation_name
    meta = report.extraction
    assert meta is not None and not meta.cache_hit and meta.published is not None
    assert meta.grounded_share is not None and meta.grounded_share > 0
    located = [e for e in iter_evidence(report) if e.start is not None and e.end is not None]
    assert located, "no quote was located in the article"
    for ev in located:  # offsets index the text the client sent
        assert ev.start is not None and ev.end is not None
        span = ARTICLE[ev.start : ev.end]
        assert span.strip()
        if ev.status == "exact":  # the quote's words, verbatim (trailing "..." trimmed)
            assert span in ev.quote
    # the same article again: the cache answers, the model is not asked twice
    again = c.post("/v1/reports", json={"text": ARTICLE, "published": PUBLISHED})
    assert again.status_code == 200 and again.json()["report"]["extraction"]["cache_hit"]
    assert again.json()["key"] == data["key"]
    assert model.stats()["requests"] == 1


def test_batch_failures_are_values(client: Any, model: FaultServer) -> None:
    c = client()
    items = [
        {"text": ARTICLE, "source": "good"},
        {"text": "  \n\t", "source": "blank"},
        {"text": "Troops\x00\x01 binary", "source": "binary"},
        {"text": f"Troops raided a village. {FAIL_MARKER}", "source": "model fails"},
    ]
    r = c.post("/v1/reports", json={"items": items, "published": PUBLISHED})
    assert r.status_code == 200, r.text
    data = r.json()
    results = data["results"]
    assert [x["index"] for x in results] == [0, 1, 2, 3]
    assert [x["source"] for x in results] == [i["source"] for i in items]
    assert [x["status"] for x in results] == ["ok", "error", "error", "error"]
    assert (data["ok"], data["failed"]) == (1, 3)
    assert results[0]["report"]["relevance"] == "operation_report" and results[0]["key"]
    assert results[0]["report"]["extraction"]["published"] == PUBLISHED
    blank, binary, failed = (x["error"] for x in results[1:])
    assert blank == {"type": "InputError", "kind": "input", "message": "input is empty"}
    assert binary["type"] == "InputError" and "binary" in binary["message"]
    assert failed["type"] == "TransportError" and failed["kind"] == "transport"
    assert results[3]["key"] is not None and results[3]["report"] is None
    assert model.stats()["kinds"] == {"ok": 1, "server_error": 1}  # unreadable items: no call


def test_bad_input_is_422_with_the_library_message(client: Any, model: FaultServer) -> None:
    c = client()
    r = c.post("/v1/reports", json={"text": " \n "})
    assert r.status_code == 422
    assert r.json()["error"] == {"type": "InputError", "kind": "input", "message": "input is empty"}
    r = c.post("/v1/reports", json={"text": "a\x00b"})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("input looks binary")
    r = c.post("/v1/reports", json={"text": "<html><body><script>x()</script></body></html>"})
    assert r.status_code == 422 and r.json()["error"]["message"] == "input is empty"
    lone_surrogate = b'{"text": "Troops \\ud800 left"}'  # valid JSON, not encodable text
    r = c.post("/v1/reports", content=lone_surrogate, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "unicode" in r.json()["error"]["message"]
    # schema violations: the same error shape, with details and without echoing the input
    secret_text = "please do not echo me " * 3
    r = c.post("/v1/reports", json={"text": secret_text, "published": "16/03/2025"})
    assert r.status_code == 422 and r.json()["error"]["kind"] == "validation"
    assert r.json()["details"][0]["loc"][-1] == "published"
    assert secret_text not in r.text
    r = c.post("/v1/reports", json={"text": "x", "items": []})
    assert r.status_code == 422
    r = c.post("/v1/reports", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert model.stats()["requests"] == 0


def test_a_one_line_text_is_never_read_as_a_path(settings_for: Any) -> None:
    path = EXAMPLES / ENTRY["file"]  # a file the server could read
    # requests are tagged by the file's name when the model is shown it; the file's
    # words would not contain it (the tag would be a hash)
    with FaultServer(BODY, tag_pattern=re.escape(path.name)) as srv:
        settings = settings_for(base_url=srv.url, max_reasks=0)
        with TestClient(create_app(settings, ServeConfig())) as c:
            r = c.post("/v1/reports", json={"text": str(path)})
    assert r.status_code == 200, r.text
    assert list(srv.stats()["per_tag"]) == [path.name]


def test_upstream_failure_is_502_with_the_error_type(client: Any) -> None:
    r = client().post("/v1/reports", json={"text": f"Troops raided a village. {FAIL_MARKER}"})
    assert r.status_code == 502
    err = r.json()["error"]
    assert err["type"] == "TransportError" and err["kind"] == "transport" and err["message"]


def test_timeout_is_504_and_a_batch_keeps_what_finished(client: Any, model: FaultServer) -> None:
    c = client(request_timeout_s=0.5, concurrency=2)
    t0 = time.monotonic()
    r = c.post("/v1/reports", json={"text": f"Troops raided a village. {HANG_MARKER}"})
    assert r.status_code == 504, r.text
    assert r.json()["error"]["type"] == "RequestTimeout"
    assert time.monotonic() - t0 < 10  # the model would have held it for 30 s
    items = [{"text": ARTICLE}, {"text": f"Troops raided a village. {HANG_MARKER}"}]
    r = c.post("/v1/reports", json={"items": items, "published": PUBLISHED})
    assert r.status_code == 200
    assert [x["status"] for x in r.json()["results"]] == ["ok", "error"]
    assert r.json()["results"][1]["error"]["kind"] == "timeout"
    assert c.get("/v1/health").json()["in_flight"] == 0  # abandoned work released its slot


def test_concurrency_limit_spans_requests(settings_for: Any) -> None:
    """Two requests at concurrency 1 take the model's time twice over."""
    with FaultServer(BODY, delay=0.4) as slow:
        settings = settings_for(base_url=slow.url, max_reasks=0, use_cache=False)
        with TestClient(create_app(settings, ServeConfig(concurrency=1))) as c:
            c.post("/v1/reports", json={"text": "warm up the client"})
            t0 = time.monotonic()
            threads = [
                threading.Thread(target=c.post, args=("/v1/reports",), kwargs={"json": {"text": t}})
                for t in ("Troops raided one village.", "Police raided another town.")
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.monotonic() - t0
    assert slow.stats()["requests"] == 3
    assert took >= 0.8


# --------------------------------------------------------------------------- guards


def test_api_key_required_and_never_echoed(
    client: Any, model: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    c = client(api_key=KEY)
    body = {"text": ARTICLE, "published": PUBLISHED}
    seen: list[str] = []
    for headers in ({}, auth(WRONG), {"X-API-Key": WRONG}, {"Authorization": f"Basic {KEY}"}):
        r = c.post("/v1/reports", json=body, headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["error"]["type"] == "Unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"
        seen.append(r.text + json.dumps(dict(r.headers)))
    assert model.stats()["requests"] == 0
    ok1 = c.post("/v1/reports", json=body, headers=auth())
    ok2 = c.post("/v1/reports", json=body, headers={"X-API-Key": KEY})
    assert ok1.status_code == ok2.status_code == 200
    for path in ("/v1/health", "/v1/version"):  # open without a key
        r = c.get(path)
        assert r.status_code == 200
        seen.append(r.text)
    assert c.get("/v1/health").json()["auth"] is True
    seen += [ok1.text, ok2.text, c.get("/openapi.json").text, caplog.text]
    for text in seen:
        assert KEY not in text and WRONG not in text
    assert KEY not in repr(ServeConfig(api_key=KEY))


def test_api_key_from_environment() -> None:
    assert ServeConfig.from_env({"SUMMARIZER_SERVE_API_KEY": KEY}).api_key is not None
    assert ServeConfig.from_env({}).api_key is None
    cfg = ServeConfig.from_env({"MY_KEY": KEY}, api_key_env="MY_KEY", require_key=True)
    assert cfg.api_key is not None and cfg.api_key.get_secret_value() == KEY
    with pytest.raises(Exception, match="MY_KEY"):
        ServeConfig.from_env({}, api_key_env="MY_KEY", require_key=True)
    with pytest.raises(ValueError):
        ServeConfig(api_key="   ")


def test_body_limit_is_413_before_the_model(client: Any, model: FaultServer) -> None:
    c = client(max_body_bytes=4096)  # texts up to 256 characters
    r = c.post("/v1/reports", json={"text": "x" * 5000})
    assert r.status_code == 413
    assert r.json()["error"] == {
        "type": "PayloadTooLarge",
        "kind": "too_large",
        "message": "the request body is larger than 4096 bytes",
    }
    # no Content-Length (chunked): counted as it streams
    chunks = iter([b'{"text": "', b"y" * 3000, b"y" * 3000, b'"}'])
    r = c.post("/v1/reports", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert c.post("/v1/reports", json={"text": "y" * 257}).status_code == 422
    assert c.post("/v1/reports", json={"text": "y" * 256}).status_code == 200
    assert model.stats()["requests"] == 1


def test_health_and_version(client: Any, model: FaultServer) -> None:
    c = client(max_body_bytes=65536, max_batch_items=5, request_timeout_s=9)
    h = c.get("/v1/health").json()
    assert h["status"] == "ok" and h["model"] == EMBEDDED_MODEL_NAME
    assert h["endpoint"] == "remote" and h["endpoint_kind"] == "llamacpp" and h["auth"] is False
    assert h["limits"] == {
        "max_body_bytes": 65536,
        "max_text_chars": 4096,
        "max_batch_items": 5,
        "request_timeout_s": 9.0,
        "concurrency": 4,
    }
    assert model.url.split("//")[1] not in json.dumps(h)  # no endpoint address
    v = c.get("/v1/version").json()
    from summarizer import __version__
    from summarizer.core.schema import SCHEMA_VERSION
    from summarizer.pipeline.prompts import load_prompt

    assert v == {
        "library": __version__,
        "schema_version": SCHEMA_VERSION,
        "prompt": load_prompt("operation_report").id,
        "model": EMBEDDED_MODEL_NAME,
    }
    assert model.stats()["requests"] == 0  # health does not call the model
    too_many = {"items": [{"text": "a"}] * 6}
    assert c.post("/v1/reports", json=too_many).status_code == 422


# --------------------------------------------------------------------------- the text rule


@pytest.mark.parametrize(
    "text",
    ["a", " a ", "\x1c\x1da", "\u3000", "\x1c", "\ufeff", "\ufeff\ufeffx", "a\x00", "\x00",
     "", "\n\t \x85\xa0", "<p>x</p>", "x\n", "\u2028y\u2029", "a" + "\x00" * 9000],
)  # fmt: skip
def test_text_rule_is_the_documented_pattern(text: str) -> None:
    """The OpenAPI pattern and the service's check accept exactly the same texts
    (the pattern cannot see that an HTML page has no visible text)."""
    try:
        read_text(text)
        accepted = True
    except InputError:
        accepted = False
    assert accepted == bool(re.search(TEXT_PATTERN, text))


def test_invisible_characters_are_pythons_white_space() -> None:
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(_INVISIBLE) == spaces | {"\x00", "\ufeff"}
    # the character class in the pattern spells the same set
    cls = re.compile(TEXT_PATTERN.split("]*[^")[1].split("]")[0].join("[]"))
    assert {chr(c) for c in range(0x10000) if cls.fullmatch(chr(c))} == set(_INVISIBLE)


def test_openapi_report_schema_admits_what_validation_admits(client: Any) -> None:
    """The grammar's bounds (6 forces, 120-character names) are not validation rules;
    the service's schema must not promise them."""
    import jsonschema

    c = client()
    spec = c.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    text = json.dumps({k: components[k] for k in ("OperationReport", "Force", "Evidence")})
    assert "maxItems" not in text and "maxLength" not in text
    # a report as a verbose remote model could make it: nine forces, a long name
    report = c.post("/v1/reports", json={"text": ARTICLE, "published": PUBLISHED}).json()["report"]
    assert report["forces"]
    force = report["forces"][0]
    report["forces"] = [{**force, "name": f"Brigade {i} " + "x" * 150} for i in range(9)]
    dumped = OperationReport.model_validate(report).model_dump(mode="json")
    assert len(dumped["forces"]) == 9
    schema = {"$ref": "#/components/schemas/OperationReport", "components": spec["components"]}
    jsonschema.validate(dumped, schema)


# --------------------------------------------------------------------------- a running server


@contextlib.contextmanager
def serving(config: uvicorn.Config) -> Iterator[tuple[str, int]]:
    """uvicorn as ``config`` says, in a thread, on a free loopback port: its address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield sock.getsockname()[:2]
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FaultServer]]:
    """The service on uvicorn, with an API key and small limits so generated cases
    stay quick, in front of a replaying model stub."""
    from summarizer.settings import Settings

    cache = tmp_path_factory.mktemp("serve-cache")
    with FaultServer(BODY) as stub:
        settings = Settings(
            base_url=stub.url,
            model=EMBEDDED_MODEL_NAME,
            endpoint_kind="llamacpp",
            cache_dir=cache,
            max_reasks=0,
            max_transport_retries=0,
            timeout=20,
        )
        config = ServeConfig(
            api_key=KEY, max_body_bytes=16384, max_batch_items=3, request_timeout_s=20
        )
        app = create_app(settings, config)
        with serving(uvicorn.Config(app, log_level="error", timeout_graceful_shutdown=5)) as at:
            yield f"http://{at[0]}:{at[1]}", stub


def _exchange(url: str, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send a raw request and read the response; the body parts are sent only while
    the server has not answered yet."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head)
        for part in body_parts:
            s.sendall(part)
        out = b""
        while b"\r\n\r\n" not in out or not out.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
        return out


def test_live_size_guard_reads_no_more_than_the_limit(live_server: Any) -> None:
    url, stub = live_server
    before = stub.stats()["requests"]
    # a declared length over the limit: refused at once, no body byte sent
    head = (
        b"POST /v1/reports HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        + f"X-API-Key: {KEY}\r\nContent-Length: 100000000\r\n\r\n".encode()
    )
    answer = _exchange(url, head, [])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"PayloadTooLarge"' in answer and KEY.encode() not in answer
    # chunked, never finished: refused once the chunks pass the limit
    head = (
        b"POST /v1/reports HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {KEY}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b"x" * 8192
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 3  # 24 KiB > 16 KiB, no last chunk
    answer = _exchange(url, head, parts)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert stub.stats()["requests"] == before


#: 413 is added to both lists: it is how the service refuses a body over its size
#: limit, a rejection like 422.  A limit on the whole encoded body (12 bytes for an
#: escaped character outside the BMP) is not expressible in JSON Schema, so a
#: schema-valid batch of long texts can exceed it; ``max_text_chars`` keeps one text
#: of any valid length under it.  Nothing else is changed from schemathesis' defaults.
_CHECKS = schemathesis.Config().projects.get_default().checks
CHECKS_CONFIG = {
    "positive_data_acceptance": {
        "expected-statuses": [*_CHECKS.positive_data_acceptance.expected_statuses, "413"]
    },
    "negative_data_rejection": {
        "expected-statuses": [*_CHECKS.negative_data_rejection.expected_statuses, "413"]
    },
}


#: schemathesis 4's built-in checks that apply here (max_response_time is off unless
#: given a limit): the test fails if one stops running
DEFAULT_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
    "missing_required_header",
    "ignored_auth",
    "object_level_authorization",
    "unsupported_method",
    "allow_header_conformance",
}


@pytest.fixture
def hypothesis_home(tmp_path: Path) -> Iterator[None]:
    """Hypothesis keeps caches in ./.hypothesis unless told otherwise."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)


def test_openapi_contract(live_server: Any, hypothesis_home: None) -> None:
    """schemathesis against the running server, as ``st run`` does: every phase
    (examples, coverage, fuzzing; stateful has no links to follow) and every default
    check (server errors, status codes, content types, response schemas and headers,
    positive and negative data, ignored auth, unsupported methods, ...), sending the
    key a client would; the auth checks also send requests without it."""
    from schemathesis.engine import events, from_schema

    url, stub = live_server
    config = schemathesis.Config.from_dict(
        {
            "seed": 20250316,  # reproducible in CI; scripts/ad hoc runs vary it
            "headers": auth(),
            "generation": {"max-examples": 40, "database": "none"},
            "checks": CHECKS_CONFIG,
        }
    )
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)
    ran: dict[str, int] = {}
    failures: list[str] = []
    phases: dict[str, str] = {}
    finished = None
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    ran[check.name] = ran.get(check.name, 0) + 1
                    if check.failure_info is not None:
                        failures.append(
                            f"{event.label} [{check.name}]: {check.failure_info.failure}\n"
                            f"{check.failure_info.code_sample}"
                        )
        elif isinstance(event, events.PhaseFinished):
            phases[event.phase.name.value] = event.status.value
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"schemathesis error: {event}")
        elif isinstance(event, events.EngineFinished):
            finished = event
    assert finished is not None
    print(  # the run's summary, shown with -s or on failure
        f"schemathesis: {sum(ran.values())} checks in {finished.running_time:.1f} s, "
        f"{len(failures)} failed; phases {phases}; per check {dict(sorted(ran.items()))}; "
        f"model requests {stub.stats()['requests']}"
    )
    assert not failures, "\n\n".join(dict.fromkeys(failures))
    assert finished.stop_reason.value == "completed"
    for phase in ("examples", "coverage", "fuzzing"):
        assert phases.get(phase) == "success", phases
    assert set(ran) >= DEFAULT_CHECKS, DEFAULT_CHECKS - set(ran)
    assert stub.stats()["requests"] > 0  # reports were really made, not only errors


# --------------------------------------------------------------------------- command line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_serve_starts_answers_and_stops(tmp_path: Path, model: FaultServer) -> None:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")},
        "SUMMARIZER_BASE_URL": model.url,
        "SUMMARIZER_MODEL": EMBEDDED_MODEL_NAME,
        "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
        "SUMMARIZER_CACHE_DIR": str(tmp_path / "cache"),
        "MY_SERVE_KEY": KEY,
    }
    cmd = [sys.executable, "-m", "summarizer.apps.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--api-key-env", "MY_SERVE_KEY", "--timeout", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(f"{base}/v1/health", timeout=2)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert health.json()["auth"] is True and health.json()["limits"]["request_timeout_s"] == 30
        r = requests.post(f"{base}/v1/reports", json={"text": ARTICLE}, timeout=30)
        assert r.status_code == 401
        r = requests.post(f"{base}/v1/reports", json={"text": ARTICLE}, headers=auth(), timeout=30)
        assert r.status_code == 200 and r.json()["report"]["relevance"] == "operation_report"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert KEY not in out + err
    # asked for a key that is not there: refuse to start rather than serve openly
    missing = subprocess.run(
        [*cmd, "--api-key-env", "NO_SUCH_VAR"], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "NO_SUCH_VAR" in missing.stderr
