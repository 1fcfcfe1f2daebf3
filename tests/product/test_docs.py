"""The documentation site builds with --strict, and its generated reference pages cover the code:
every click command and option, every environment key of the contract, every analyzer setting."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]


def hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    return out


def page_text(site: Path, page: str) -> str:
    return html.unescape((site / page / "index.html").read_text(encoding="utf-8"))


def walk(command: click.Command, ctx: click.Context):
    """The click tree, walked here rather than by the hook, so the test does not trust its walk."""
    yield ctx, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, click.Context(sub, parent=ctx, info_name=name, **sub.context_settings))


def test_the_cli_reference_lists_every_command_and_option(site):
    from analyzer.cli.main import main

    text = page_text(site, "reference/cli")
    commands = list(walk(main, click.Context(main, info_name="monitor-analyzer", **main.context_settings)))
    names = {ctx.command_path for ctx, _ in commands}
    assert {"monitor-analyzer baseline", "monitor-analyzer schedule run"} <= names
    for ctx, command in commands:
        assert f"Usage: {ctx.command_path}" in text, ctx.command_path
        for param in command.get_params(ctx):
            if isinstance(param, click.Option):
                names, _ = param.get_help_record(ctx)
                # the option's own list item, flags and metavar as --help shows them
                assert f"<li><code>{names}</code>" in text, f"{ctx.command_path} {names}"
                for flag in (*param.opts, *param.secondary_opts):
                    assert flag in names
            else:
                assert param.make_metavar(ctx) in text, f"{ctx.command_path} {param.name}"
    assert "<!-- generated:" not in text


def test_the_environment_page_lists_every_key_of_the_contract(site):
    from analyzer.config.contract import ANALYZER_KEYS

    text = page_text(site, "reference/environment")
    # each key heads a row of a generated table
    missing = sorted(key for key in ANALYZER_KEYS if f"<tr>\n<td><code>{key}</code></td>" not in text)
    assert not missing
    for knob in hooks().sources()[2]:
        assert f"<td><code>--{knob.name.replace('_', '-')}</code></td>" in text, knob.name
    assert "<!-- generated:" not in text


def test_a_key_without_a_description_fails_the_build(monkeypatch):
    module = hooks()
    monkeypatch.delitem(module.KEY_MEANINGS, "dataset_source")
    with pytest.raises(PluginError, match="undocumented keys \\['dataset_source'\\]"):
        module.environment_keys_markdown()


# A test named in the docs: a file (``tests/<stage>/test_x.py``), optionally ``::test_name``.
TEST_REFERENCE = re.compile(r"(tests/[\w/]+\.py)(?:::\s*(\w+))?")
# The shorthand after a named file: ``::test_name`` alone.
SHORT_REFERENCE = re.compile(r"(?<![\w.])::(test_\w+)")


def test_every_test_the_docs_name_exists():
    """The guarantees in the docs each name the test that pins them: those names must stay true."""
    defined = set()
    for path in (ROOT / "tests").rglob("*.py"):
        defined.update(re.findall(r"^(?:async )?def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    named, missing = 0, []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for file, test in TEST_REFERENCE.findall(text):
            named += 1
            if not (ROOT / file).is_file():
                missing.append(f"{page.name}: {file}")
            elif test and not re.search(rf"^(?:async )?def {test}\b", (ROOT / file).read_text(), re.M):
                missing.append(f"{page.name}: {file}::{test}")
        for test in SHORT_REFERENCE.findall(text):
            named += 1
            if test not in defined:
                missing.append(f"{page.name}: ::{test}")
    assert named > 50  # the docs do name their tests
    assert missing == []
