"""The declared journal vocabulary (harness/events.py) against its producers, fixtures and docs."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import pytest

from harness import events
from harness.events import BY_NAME, RunStart, StrictEvents, check_event, make
from harness.steps.faults import fault_names
from harness.journal import Journal, read_journal

ROOT = Path(__file__).parents[2]
HARNESS = ROOT / "harness"
FIXTURES = ROOT / "tests" / "fixtures" / "journals"


class Unresolved(Exception):
    pass


class _Module:
    """One parsed harness module with parent links (to find a call's enclosing function)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node

    def enclosing(self, node: ast.AST) -> ast.AST:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return self.tree


MODULES = [_Module(p) for p in sorted(HARNESS.rglob("*.py")) if p.name != "events.py"]


def _defs(name: str) -> list[tuple[_Module, ast.AST]]:
    return [(m, n) for m in MODULES for n in ast.walk(m.tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]


def _keys(expr: ast.AST, module: _Module, scope: ast.AST, index: int | None = None) -> set[str]:
    """The keys a `**expr` argument can spread: dict literals, locals assigned one, functions
    returning one (`index`: the element of a returned tuple, for `fields, _ = parse(...)`)."""
    if index is not None and isinstance(expr, ast.Tuple):
        return _keys(expr.elts[index], module, scope)
    if isinstance(expr, ast.Dict):
        out: set[str] = set()
        for k, v in zip(expr.keys, expr.values):
            out |= _keys(v, module, scope) if k is None else {k.value} if isinstance(k, ast.Constant) else set()
        return out
    if isinstance(expr, ast.IfExp):
        return _keys(expr.body, module, scope, index) | _keys(expr.orelse, module, scope, index)
    if isinstance(expr, ast.Name):
        found = []
        for n in ast.walk(scope):
            for target in n.targets if isinstance(n, ast.Assign) else ():
                if isinstance(target, ast.Name) and target.id == expr.id:
                    found.append((n.value, None))
                elif isinstance(target, ast.Tuple):
                    found += [(n.value, i) for i, el in enumerate(target.elts)
                              if isinstance(el, ast.Name) and el.id == expr.id]
        if not found:
            raise Unresolved(f"{module.path.name}: cannot find what `**{expr.id}` holds")
        return set().union(*(_keys(v, module, scope, i) for v, i in found))
    if isinstance(expr, ast.Call):
        name = expr.func.attr if isinstance(expr.func, ast.Attribute) else getattr(expr.func, "id", "")
        found = [(m, d) for m, d in _defs(name) if m is module] or _defs(name)
        if name == "to_dict":  # CheckResult.to_dict (the only result spread into record)
            found = [(m, d) for m, d in found if m.path.name == "base.py" and "checks" in m.path.parts]
        if len(found) != 1:
            raise Unresolved(f"{module.path.name}: `**{name}(...)` resolves to {len(found)} functions")
        mod, fn = found[0]
        returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value is not None]
        return set().union(*(_keys(v, mod, fn, index) for v in returns))
    raise Unresolved(f"{module.path.name}:{expr.lineno}: cannot resolve `**{ast.unparse(expr)}`")


def producers() -> list[tuple[str, str, set[str], bool]]:
    """(where, kind, fields, complete) for every `.record("kind", ...)` call and every event dict
    literal (`{"kind": "run.end", ...}`) in the harness source."""
    out = []
    for m in MODULES:
        for node in ast.walk(m.tree):
            where = f"{m.path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record"):
                if not node.args or not isinstance(node.args[0], ast.Constant):
                    out.append((where, f"<not a literal: {ast.unparse(node.args[0]) if node.args else ''}>",
                                set(), True))
                    continue
                fields = {k.arg for k in node.keywords if k.arg is not None}
                for k in node.keywords:
                    if k.arg is None:
                        fields |= _keys(k.value, m, m.enclosing(node))
                out.append((where, node.args[0].value, fields, True))
            elif isinstance(node, ast.Dict):
                keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
                if "kind" in keys:
                    value = node.values[keys.index("kind")]
                    if isinstance(value, ast.Constant) and "." in str(value.value):
                        fields = {k for k in keys if k not in (None, "t", "kind")}
                        out.append((where, value.value, fields, None not in keys))
    return out


PRODUCERS = producers()


def test_the_scan_finds_the_producers():
    """The source scan sees the runner, the drivers, the steps and the run owner."""
    kinds = {k for _, k, _, _ in PRODUCERS}
    assert {"run.start", "check", "ws.frame", "fault.apply", "lag", "harness.reaped", "proc.log"} <= kinds
    assert len(PRODUCERS) > 50


@pytest.mark.parametrize("where,kind,fields,complete", PRODUCERS, ids=[p[0] for p in PRODUCERS])
def test_every_recorded_event_is_declared(where, kind, fields, complete):
    """Every kind the code records is declared, with every field it passes and every required one."""
    spec = BY_NAME.get(kind)
    assert spec is not None, f"{where}: records undeclared kind {kind!r}: declare it in harness/events.py"
    declared = {f.name for f in spec.fields}
    assert not fields - declared, f"{where}: {kind} records undeclared fields {sorted(fields - declared)}"
    if complete:
        missing = {f.name for f in spec.fields if f.required} - fields
        assert not missing, f"{where}: {kind} omits required fields {sorted(missing)} (make them opt())"


def test_every_declared_kind_and_field_is_recorded_somewhere():
    """No declaration the code never produces: a kind nobody records, or a field nobody writes."""
    recorded: dict[str, set[str]] = {}
    for _, kind, fields, _ in PRODUCERS:
        recorded.setdefault(kind, set()).update(fields)
    assert set(BY_NAME) - set(recorded) == set()
    unused = {k: {f.name for f in spec.fields} - recorded[k] for k, spec in BY_NAME.items()}
    assert {k: v for k, v in unused.items() if v} == {}


def test_faults_are_the_registered_network_faults():
    """`fault.apply`'s fault names are the registered ProxyFault steps, never Toxiproxy's toxic names."""
    import harness.steps.faults  # noqa: F401 - registers them
    from harness.steps.base import steps
    from harness.steps.faults.base import ProxyFault

    registered = {n for n in steps.names() if issubclass(steps.get(n), ProxyFault)}
    assert set(fault_names()) == registered == {"bandwidth", "blackhole", "down", "latency", "limit_data",
                                                "reset_peer", "slicer", "slow_close"}


# -- the validator ------------------------------------------------------------------------
OPEN = {"t": 1.0, "kind": "ws.open", "client": "b0", "socket": "s1", "url": "ws://x"}


def test_a_declared_event_has_no_problems():
    """An event as the browser driver records it passes."""
    assert check_event(OPEN) == []


@pytest.mark.parametrize("change,problem", [
    ({"kind": "ws.opened"}, "undeclared event kind 'ws.opened' (declare it in harness/events.py)"),
    ({"sock": "s1"}, "ws.open: undeclared field 'sock' (declared: client, socket, url)"),
    ({"socket": 1}, "ws.open.socket: expected str, got int 1"),
    ({"client": None}, "ws.open.client: expected str, got NoneType None"),
    ({"t": "soon"}, "ws.open: `t` must be a number, got 'soon'"),
])
def test_the_validator_names_each_departure(change, problem):
    """Undeclared kinds and fields, wrong types and a non-number `t` are each one exact message."""
    assert check_event({**OPEN, **change}) == [problem]


def test_missing_fields_and_choices():
    """A required field left out and a value outside its choices are reported."""
    event = {"t": 2.0, "kind": "fault.apply", "fault_id": "f1", "fault": "down", "clients": ["p0"],
             "proxies": ["ws-p0"], "stream": "both"}
    assert check_event(event) == ["fault.apply: missing field 'params'"]
    frame = {"t": 2.0, "kind": "ws.frame", "client": "b0", "socket": "s1", "dir": "sideways", "data": {}}
    assert check_event(frame) == ["ws.frame.dir: 'sideways' is not one of sent, received"]


def test_float_fields_take_ints_but_not_bools():
    """JSON has one number type (an int is a float here), but true is not a number."""
    lag = make("lag", 3, source="harness", since_t=2, window_s=1, samples=10, max_ms=60, p95_ms=50, total_ms=70)
    assert check_event(lag) == []
    assert check_event({**lag, "max_ms": True}) == ["lag.max_ms: expected float, got bool True"]


def test_make_refuses_what_the_runner_never_records():
    """`make` is how builders write events: an off-spec one is a ValueError naming the problem."""
    with pytest.raises(ValueError, match="ws.close: missing field 'socket'"):
        make("ws.close", 1.0, client="b0", code=1006)


def test_strict_listener_collects_problems_from_a_journal():
    """Subscribed to a journal, the strict validator collects each problem once."""
    strict = StrictEvents.from_env({"WSCHAOS_STRICT_EVENTS": "1"})
    assert StrictEvents.from_env({}) is None and strict is not None
    journal = Journal()
    journal.subscribe(strict)
    journal.record("ws.open", client="b0", socket="s1", url="ws://x")
    journal.record("ws.opne", client="b0")
    journal.record("ws.opne", client="b0")
    assert strict.problems == ["undeclared event kind 'ws.opne' (declare it in harness/events.py)"]
    assert strict.error().startswith("journal events departed from harness/events.py (WSCHAOS_STRICT_EVENTS=1): ")


def test_the_test_suite_runs_strict():
    """tests/conftest.py turns strict mode on, so every real run of the suite is validated."""
    assert StrictEvents.from_env() is not None


# -- typed run.start -------------------------------------------------------------------------
def test_run_start_reads_typed_values():
    """One typed reader for run.start: numbers, clients, ack type; defaults for older journals."""
    start = RunStart.from_events(read_journal(FIXTURES / "failing.jsonl"))
    assert (start.time_scale, start.min_wait_s, start.seed, start.ack_type) == (0.1, 5.0, 42, "ack")
    assert start.client_kinds() == {"b0": "browser", "b1": "browser", "p0": "protocol"}
    assert start.clients[2].groups == ("protocol",)
    old = RunStart.from_events([{"t": 0.0, "kind": "run.start", "min_wait_s": 0.0}])
    assert (old.time_scale, old.min_wait_s, old.ack_type, old.clients) == (1.0, 0.0, "ack", ())
    assert RunStart.from_events([]) == RunStart()


# -- fixtures --------------------------------------------------------------------------------
FIXTURE_FILES = sorted(FIXTURES.glob("*.jsonl"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture_journals_are_declared_events(path):
    """Every event of the fixture journals is one the harness really records."""
    problems = [f"line {i + 1}: {p}" for i, e in enumerate(read_journal(path)) for p in check_event(e)]
    assert problems == []


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture_fault_params_are_the_steps_params(path):
    """A fixture's fault.apply params have exactly the keys the fault step records (no `latency_ms`)."""
    import harness.steps.faults  # noqa: F401
    from dataclasses import fields as dc_fields

    from harness.steps.base import steps

    for e in read_journal(path):
        if e["kind"] == "fault.apply":
            assert set(e["params"]) == {f.name for f in dc_fields(steps.get(e["fault"]))}, e


def test_fixture_journals_are_what_make_journals_writes(tmp_path, monkeypatch):
    """The committed fixtures are make_journals.py's output (regenerate them, never edit by hand)."""
    spec = importlib.util.spec_from_file_location("make_journals", FIXTURES / "make_journals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.passing()
    module.failing()
    for path in FIXTURE_FILES:
        assert (tmp_path / path.name).read_text() == path.read_text(), f"run python {FIXTURES / 'make_journals.py'}"


# -- docs ------------------------------------------------------------------------------------
def test_docs_journal_tables_are_generated_from_the_declaration():
    """docs/journal.md's event tables are scripts/journal_doc.py's output for harness/events.py."""
    spec = importlib.util.spec_from_file_location("journal_doc", ROOT / "scripts" / "journal_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (ROOT / "docs" / "journal.md").read_text(encoding="utf-8")
    assert module.render(text) == text, "run .venv/bin/python scripts/journal_doc.py --write"


def test_every_section_has_kinds():
    """Each docs section named in the declaration holds at least one kind."""
    assert all(events.kinds_in(s) for s in events.SECTIONS)
    assert json.dumps([k.name for k in events.KINDS])  # names are plain strings


# -- readers read what producers write ---------------------------------------------------------
def test_fault_labels_read_the_params_the_fault_steps_record():
    """The timeline labels a fault from its step's params: durations as recorded, no zero
    defaults, no stream; a blackhole is a blackhole (Toxiproxy's `timeout` never shows)."""
    from harness.analysis import fault_windows
    from harness.report.plots import _fault_label

    from journal_builder import JournalBuilder

    j = JournalBuilder(["b0", "b1"]).fault(1, ["b0"], "latency", params={"latency": "300ms", "jitter": "20ms"})
    j.fault(2, ["b1"], "blackhole").fault(3, ["b0", "b1"], "bandwidth", params={"rate_kbps": 64})
    assert [_fault_label(w) for w in fault_windows(j.events())] == [
        "latency 300ms, jitter 20ms → b0", "blackhole → b1", "bandwidth rate 64kbps → b0,b1"]
