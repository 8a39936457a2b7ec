"""The example notebook runs top to bottom offline and shows what it says it shows.

``examples/notebook.ipynb`` replays the recorded cassettes in a real Jupyter kernel
(nbclient + ipykernel); its outputs are checked against the reports recorded for the
same articles in ``examples/expected``, so a notebook that runs but shows the wrong
thing fails too.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from summarizer.consolidate import AliasTable, Rules, consolidate, load_reports
from summarizer.core.schema import OperationReport
from summarizer.outputs.review import collect_facts
from tests.conftest import EXAMPLES

NOTEBOOK = EXAMPLES / "notebook.ipynb"
#: the examples the notebook summarizes (its "chosen" list)
CHOSEN = [
    "iron_harvest_phase2_outlet_b",
    "iron_harvest_phase3_outlet_c",
    "sahel_border_sweep",
    "lake_region_raids",
]


def _expected(stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (EXAMPLES / "expected" / "quotes" / f"{stem}.json").read_text("utf-8")
    )
    return data


def _cell(nb: Any, source: str) -> Any:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == source]
    return cell


def _cell_containing(nb: Any, text: str) -> Any:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and text in c.source]
    return cell


def _data(cell: Any, mime: str) -> str:
    found = [o["data"][mime] for o in cell.outputs if mime in o.get("data", {})]
    assert found, (mime, cell.source[:80])
    return str(found[-1])


def _stdout(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def test_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    tree = ast.parse(_cell_containing(nb, "chosen = [").source)
    (chosen,) = [
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "chosen"
    ]
    assert chosen == CHOSEN


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The notebook after a run in a fresh kernel (cwd ``examples/``, as Jupyter opens it)."""
    tmp = tmp_path_factory.mktemp("kernel")
    mp = pytest.MonkeyPatch()
    # the kernel inherits this environment: no user settings, keys or caches, and
    # IPython's and Jupyter's own files kept out of the home directory
    for var in [v for v in os.environ if v.startswith("SUMMARIZER_")]:
        mp.delenv(var)
    mp.delenv("OPENAI_API_KEY", raising=False)
    mp.setenv("XDG_CACHE_HOME", str(tmp / "xdg-cache"))
    mp.setenv("IPYTHONDIR", str(tmp / "ipython"))
    mp.setenv("JUPYTER_RUNTIME_DIR", str(tmp / "runtime"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        startup_timeout=60,
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    started = time.perf_counter()
    try:
        client.execute()  # raises CellExecutionError on the first failing cell
    finally:
        mp.undo()
    nb.metadata["elapsed_s"] = time.perf_counter() - started
    return nb


def test_notebook_runs_offline_in_a_kernel(executed: Any) -> None:
    assert not [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert executed.metadata["elapsed_s"] < 120


def test_review_cell_highlights_the_recorded_quotes(executed: Any) -> None:
    out = _data(_cell(executed, "extractions[1]"), "text/html")
    assert 'class="smz"' in out and "<script" not in out and "<iframe" not in out
    stem = CHOSEN[1]
    report = OperationReport.model_validate(_expected(stem))
    article = (EXAMPLES / "articles" / f"{stem}.txt").read_text(encoding="utf-8")
    located = [f for f in collect_facts(report) if f.evidence.start is not None]
    assert located, "the recorded report has no located quote"
    pieces: dict[str, str] = {}  # anchor id -> text of the <mark> holding it
    for attrs, inner in re.findall(r"<mark([^>]*)>(.*?)</mark>", out, re.S):
        for ident in re.findall(r'id="smz-[0-9a-f]+-(fact-\d+)"', attrs + inner):
            pieces[ident] = html.unescape(re.sub(r"<a [^>]*></a>", "", inner))
    for fact in located:
        piece = pieces[fact.id]
        assert piece and article[fact.evidence.start :].startswith(piece)
    for fact in collect_facts(report):
        assert html.escape(fact.label) in out


def test_batch_and_tables_match_the_recorded_reports(executed: Any) -> None:
    batch = _stdout(_cell_containing(executed, "summarize_many(items"))
    assert batch.count("('ok', True, None)") == len(CHOSEN)  # answered from the cache
    assert "('error', None, 'input')" in batch
    listing = _data(_cell_containing(executed, "summarize_many(items"), "text/html")
    assert f"{len(CHOSEN) + 1} item(s): {len(CHOSEN)} with a report, 1 without" in listing

    expected = [_expected(stem) for stem in CHOSEN]
    outcomes = sum(len(e["outcomes"]) for e in expected)
    with_outcomes = sum(bool(e["outcomes"]) for e in expected)
    events = _stdout(_cell_containing(executed, "events = tables.events_frame(results)"))
    assert f"{outcomes} events from {with_outcomes} reports" in events

    reports = _data(_cell_containing(executed, "reports = tables.reports_frame"), "text/plain")
    assert "error" in reports and "input" in reports
    exact = sum(o["evidence"]["status"] == "exact" for e in expected for o in e["outcomes"])
    checked = _stdout(_cell_containing(executed, 'outcomes["evidence_status"] == "exact"'))
    assert f"{exact} exact quotes, each the article's text at its offsets: True" in checked
    files = _stdout(_cell_containing(executed, "tables.write_table(events"))
    assert "parquet round trip equal: True" in files
    assert files.startswith("event_id,report_id,source,outlet,event_date,")


def test_consolidation_shows_a_timeline(executed: Any) -> None:
    cell = _cell_containing(executed, "display(to_chart(")
    chart = _data(cell, "text/html")  # Altair's default renderer: vega-embed and the spec
    assert "vegaEmbed" in chart and '"Phase 2"' in chart
    # the same grouping as the campaign reports recorded from the same cassettes
    campaign = EXAMPLES / "campaign"
    recorded = load_reports(campaign / "expected", manifest=campaign / "manifest.json")
    result = consolidate(recorded, aliases=AliasTable.from_file(campaign / "aliases.json"))
    summary = [
        (op.name, len(op.phases), len(op.sources), len(op.conflicts)) for op in result.operations
    ]
    grouped = _data(_cell_containing(executed, "result = consolidate(campaign"), "text/plain")
    assert ast.literal_eval(grouped) == summary
    assert result.operations and result.operations[0].name in _data(cell, "text/markdown")


def test_notebook_replays_with_the_suites_matcher() -> None:
    """The notebook's replay helper matches requests as tests/conftest.py does."""
    source = Path(NOTEBOOK).read_text(encoding="utf-8")
    conftest = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
    for setting in ('match_on=["method", "path", "json_body"]', "allow_playback_repeats=True"):
        assert setting in conftest
        assert setting.replace('"', '\\"') in source
    assert 'record_mode=\\"none\\"' in source


def _distributions_required(names: set[str]) -> set[str]:
    """``names`` and every distribution they require, installed metadata followed
    (normalised names, environment markers evaluated without extras)."""
    from importlib.metadata import PackageNotFoundError, requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        for line in reqs:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


def test_the_header_names_everything_the_notebook_imports() -> None:
    """What the first cell says to install is enough to run every cell (REPLAY included):
    the extras it names from pyproject, plus any package it names beside them."""
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    nb = nbformat.read(NOTEBOOK, as_version=4)
    header = nb.cells[0].source
    project = tomllib.loads((EXAMPLES.parent / "pyproject.toml").read_text("utf-8"))["project"]
    m = re.search(r'pip install "([\w.-]+)\[([\w,]+)\]"((?: [\w.-]+)*)', header)
    assert m, header
    assert m.group(1) == project["name"]
    wanted = {Requirement(r).name for r in project["dependencies"]}
    for extra in m.group(2).split(","):
        wanted |= {Requirement(r).name for r in project["optional-dependencies"][extra]}
    wanted |= set(m.group(3).split())
    provided = _distributions_required(wanted)
    modules: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - {"summarizer"}
    assert "vcr" in third_party and "pandas" in third_party
    owners = packages_distributions()
    missing = {
        mod
        for mod in third_party
        if not {canonicalize_name(d) for d in owners.get(mod, [])} & provided
    }
    assert not missing, (missing, m.group(0))


def test_the_notebook_ends_on_conflicts_worth_seeing(executed: Any) -> None:
    code = [c for c in executed.cells if c.cell_type == "code"]
    last = code[-1]
    table = _data(last, "text/plain")
    assert "conflict" in table and "Empty DataFrame" not in table
    campaign = EXAMPLES / "campaign"
    recorded = load_reports(campaign / "expected", manifest=campaign / "manifest.json")
    everything = consolidate(
        recorded,
        aliases=AliasTable.from_file(campaign / "aliases.json"),
        rules=Rules(grounded_only=False),
    )
    claims = sum(len(c.claims) for op in everything.operations for c in op.conflicts)
    assert claims
    assert f"[{claims} rows x" in table or table.count("\n") >= claims, table
    assert "s.close()" not in last.source
