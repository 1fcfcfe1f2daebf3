"""Every registered item has a test: each drift method, each analyzer settings knob, each reason a
reader skips a record for.

The items are read from the code (the drift registry, the table of knobs, and the reasons passed to
``Ledger.skip`` and ``SkipRecord``, found by parsing the package), and the tests from the tests
tree: an item counts as tested when a test module names it in a string (a method by its name or
an alias, a knob by its name or its ``--flag`` spelling or as a keyword argument, a reason as part
of a string, as tests assert on ``dataset.skipped.reasons`` or on messages). Adding an item without
a test fails here, listing it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer.checks.drift import registry
from analyzer.config.settings import KNOBS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "analyzer"
TESTS = ROOT / "tests"
THIS = Path(__file__).resolve()


# -- what the tests name ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Mentions:
    strings: frozenset[str]  # string literals (and the literal parts of f-strings)
    keywords: frozenset[str]  # keyword argument names


def mentions(paths: Iterable[Path]) -> Mentions:
    strings: set[str] = set()
    keywords: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
            elif isinstance(node, ast.keyword) and node.arg:
                keywords.add(node.arg)
    return Mentions(frozenset(strings), frozenset(keywords))


def modules_of_the_tests() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p.resolve() != THIS)


# -- what the code registers ------------------------------------------------------------------------
def module_constants(paths: Iterable[Path]) -> dict[str, object]:
    """Module-level ``NAME = <literal>`` assignments of the package (reasons may be constants)."""
    constants: dict[str, object] = {}
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                try:
                    constants[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return constants


class UnreadableReason(Exception):
    pass


def reason_of(argument: ast.expr, constants: dict[str, object]) -> str | None:
    """The reason a ``skip``/``SkipRecord`` call gives: a literal, a constant, the first item of a
    constant (reason, detail) pair, or the literal start of an f-string (``"<prefix> {kind}"``).
    None for a reason passed on (``skip.reason``)."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.Name) and isinstance(constants.get(argument.id), str):
        return constants[argument.id]
    pair = argument.value if isinstance(argument, ast.Starred | ast.Subscript) else None
    if isinstance(pair, ast.Name) and isinstance(constants.get(pair.id), tuple):
        return constants[pair.id][0]
    if isinstance(argument, ast.JoinedStr):
        start = ""
        for part in argument.values:
            if isinstance(part, ast.Constant):
                start += part.value
            elif isinstance(part.value, ast.Name) and isinstance(constants.get(part.value.id), str):
                start += constants[part.value.id]
            else:
                break
        if start.strip():
            return start.strip()
    if isinstance(argument, ast.Attribute) and argument.attr == "reason":
        return None
    raise UnreadableReason(ast.unparse(argument))


def skip_reasons(paths: list[Path], root: Path = ROOT) -> dict[str, list[str]]:
    """Every reason given to ``Ledger.skip`` or ``SkipRecord`` in the package, with where."""
    constants = module_constants(paths)
    reasons: dict[str, list[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            if not (
                (isinstance(func, ast.Attribute) and func.attr == "skip")
                or (isinstance(func, ast.Name) and func.id == "SkipRecord")
            ):
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            try:
                reason = reason_of(node.args[0], constants)
            except UnreadableReason as e:
                raise AssertionError(
                    f"{where}: cannot read the skip reason {e}; use a literal or a constant"
                ) from None
            if reason is not None:
                reasons.setdefault(reason, []).append(where)
    return reasons


# -- the checks -------------------------------------------------------------------------------------
def untested_methods(methods: Iterable[registry.DriftMethod], seen: Mentions) -> list[str]:
    """A method is named by a string that is its name or an alias (any case), or that holds one
    in quotes (a JSON document, a message)."""
    literals = {s.strip().lower() for s in seen.strings}

    def tested(method: registry.DriftMethod) -> bool:
        names = [n.lower() for n in (method.name, *method.aliases)]
        quoted = [re.compile(rf"[\"']{re.escape(n)}[\"']", re.IGNORECASE) for n in names]
        return any(n in literals for n in names) or any(q.search(s) for q in quoted for s in seen.strings)

    return [m.name for m in methods if not tested(m)]


def untested_knobs(names: Iterable[str], seen: Mentions) -> list[str]:
    """A knob is named as a keyword argument, or in a string by its name or its ``--flag`` (a
    whole word: ``comparison_threshold`` inside ``categorical_comparison_threshold`` is not it)."""

    def tested(name: str) -> bool:
        spellings = (name, "--" + name.replace("_", "-"))
        patterns = [re.compile(rf"(?<![\w-]){re.escape(n)}(?![\w-])") for n in spellings]
        return name in seen.keywords or any(p.search(s) for p in patterns for s in seen.strings)

    return [n for n in names if not tested(n)]


def untested_reasons(reasons: Iterable[str], seen: Mentions) -> list[str]:
    return [r for r in reasons if not any(r in s for s in seen.strings)]


@pytest.fixture(scope="module")
def seen() -> Mentions:
    return mentions(modules_of_the_tests())


def test_every_drift_method_is_tested(seen):
    assert untested_methods(registry.METHODS, seen) == []


def test_every_knob_is_tested(seen):
    assert untested_knobs([k.name for k in KNOBS], seen) == []


def test_every_skip_reason_is_tested(seen):
    reasons = skip_reasons(sorted(PACKAGE.rglob("*.py")))
    assert len(reasons) > 10  # the parse found the readers' reasons
    untested = {r: where for r, where in reasons.items() if r in untested_reasons([r], seen)}
    assert untested == {}


# -- the checks can fail ----------------------------------------------------------------------------
def test_an_item_no_test_names_is_reported():
    seen = Mentions(
        frozenset({'{"comparison_method": "psi"}', "run with --kll-sketch-size 8", "x: invalid JSON: y"}),
        frozenset({"max_columns"}),
    )
    fake = registry.DriftMethod("Kolmogorov", 0.1, aliases=("ks",))
    methods = (registry.get_method("PSI"), fake, registry.get_method("Hellinger"))
    assert untested_methods(methods, seen) == ["Kolmogorov", registry.HELLINGER]
    assert untested_knobs(["kll_sketch_size", "max_columns", "imaginary_knob"], seen) == ["imaginary_knob"]
    assert untested_knobs(["sketch_size"], seen) == ["sketch_size"]
    assert untested_reasons(["invalid JSON", "cosmic ray"], seen) == ["cosmic ray"]
    # A name in prose or inside a longer word is not a mention.
    prose = Mentions(frozenset({"asks", "a simple test"}), frozenset())
    assert untested_methods([fake, registry.get_method("Simple")], prose) == ["Kolmogorov", registry.SIMPLE]


def test_reasons_are_read_from_the_code(tmp_path):
    module = tmp_path / "reader.py"
    module.write_text(
        "PREFIX = 'handler said'\n"
        "PAIR = ('too deep', 'detail')\n"
        "def read(ledger, skip, kind):\n"
        "    ledger.skip('bad line', None, 'detail')\n"
        "    ledger.skip(skip.reason, None, skip.detail)\n"
        "    raise SkipRecord(*PAIR)\n"
        "    raise SkipRecord(f'{PREFIX} {kind}', 'detail')\n",
        encoding="utf-8",
    )
    assert skip_reasons([module], tmp_path) == {
        "bad line": ["reader.py:4"],
        "too deep": ["reader.py:6"],
        "handler said": ["reader.py:7"],
    }
    module.write_text(
        "def read(ledger, reason):\n    ledger.skip(reason.upper(), None, '')\n", encoding="utf-8"
    )
    with pytest.raises(AssertionError, match="reader.py:2: cannot read the skip reason"):
        skip_reasons([module], tmp_path)
