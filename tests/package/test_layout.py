"""The package's layout is its data flow: one folder per stage, no import circles, and no stage that
imports a later one. Imports are read from the source (module level, inside functions and under
``TYPE_CHECKING`` alike): an import hidden in a function is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "analyzer"

# The stages in data-flow order: a module may import its own stage and earlier ones only.
STAGES = (
    "common",  # errors and message text every stage shares
    "config",  # the job's settings: contract, formats, window, defaults, names
    "files",  # listing and reading input files, writing output files atomically
    "runtime",  # Spark, the processes it starts, stopping on SIGTERM, the container and local jobs
    "readers",  # records from CSV, JSON Lines, Parquet and captured data, the record ledger
    "profiling",  # the column and dataset states and the engine that folds batches into them
    "baseline",  # reading baseline constraints and statistics
    "suggestions",  # suggested constraints from statistics
    "checks",  # violations and drift against a baseline
    "quality",  # model quality metrics and their constraints
    "custom",  # user-defined custom metrics
    "report",  # html, CloudWatch, publishing a report set
    "jobs",  # one job of each kind, from its config to its reports
    "validation",  # checking inputs before a job
    "schedule",  # running jobs on a schedule
    "api",  # the Python API on DataFrames and paths: analyzer.profile, suggest, check
    "cli",  # the command line and the container's entrypoint
)


def module_files(package: Path) -> dict[str, Path]:
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its source."""
    root = name.split(".")[0]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def known(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found |= {known(t) for t in targets if t == root or t.startswith(root + ".")}
    found.discard(None)
    found.discard(name)
    found.discard(root)  # the package's own __init__ imports from the stages, never the reverse
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_files(package)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else None


def backward_imports(graph: dict[str, set[str]], stages=STAGES) -> list[str]:
    """Every import of a later stage, as ``importer -> imported``."""
    order = {stage: i for i, stage in enumerate(stages)}
    wrong = []
    for module, targets in sorted(graph.items()):
        here = stage_of(module)
        for target in sorted(targets):
            there = stage_of(target)
            if here is not None and there is not None and order[there] > order[here]:
                wrong.append(f"{module} ({here}) -> {target} ({there})")
    return wrong


def test_cycle_finder_finds_a_circle_and_only_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_stage_check_finds_an_import_of_a_later_stage():
    graph = {"analyzer.config.x": {"analyzer.jobs.y"}, "analyzer.jobs.y": {"analyzer.config.x"}}
    assert backward_imports(graph) == ["analyzer.config.x (config) -> analyzer.jobs.y (jobs)"]


def test_imports_are_read_inside_functions_and_relative(tmp_path):
    package = tmp_path / "pkg"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "one.py").write_text("def f():\n    from pkg.a import two\n")
    (package / "a" / "two.py").write_text("from . import one\nfrom .one import f\n")
    graph = import_graph(package)
    assert graph["pkg.a.one"] == {"pkg.a.two"}
    assert graph["pkg.a.two"] == {"pkg.a.one"}
    assert find_cycles(graph) == [["pkg.a.one", "pkg.a.two"]]


def test_every_module_sits_in_a_stage_folder():
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert top == []
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert folders == sorted(STAGES)


def test_no_import_circles():
    assert find_cycles(import_graph()) == []


def test_no_stage_imports_a_later_stage():
    assert backward_imports(import_graph()) == []


@pytest.mark.parametrize("stage", STAGES)
def test_stage_is_imported(stage):
    """Every stage is a real step: some module imports it, or it is the last one (the command line)."""
    graph = import_graph()
    users = {m for m, targets in graph.items() for t in targets if stage_of(t) == stage != stage_of(m)}
    assert users or stage == STAGES[-1]
