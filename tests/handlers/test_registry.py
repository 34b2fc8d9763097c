"""Handler discovery: built-ins plus plugins declared through real installed distribution metadata."""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.handlers.registry import (
    ENTRY_POINT_GROUP,
    catalog,
    get_handler,
    handler_types,
    reload_handlers,
    unavailable_reason,
)
from tests.handlers.jobs import job

PLUGIN_MODULE = "bpm_test_plugin_handlers"

PLUGIN_SOURCE = """
class ShoutHandler:
    type = "shout"

    def validate(self, fields):
        return [] if "text" in fields else ["field 'text' is required"]

    def execute(self, context):
        return {"shouted": context.fields["text"].upper() + "!"}


class MislabelledHandler:
    type = "something-else"

    def validate(self, fields):
        return []

    def execute(self, context):
        return {}


NOT_A_HANDLER = object()
"""


def install_plugin(site: Path, entry_points: str) -> None:
    """Write a module and its distribution metadata, exactly as `pip install` would leave them."""
    (site / f"{PLUGIN_MODULE}.py").write_text(PLUGIN_SOURCE)
    dist_info = site / "bpm_test_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: bpm-test-plugin\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n" + textwrap.dedent(entry_points))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    reload_handlers()
    yield tmp_path
    sys.modules.pop(PLUGIN_MODULE, None)
    monkeypatch.undo()
    reload_handlers()


def test_it_always_has_the_builtin_handlers() -> None:
    assert {"cli", "noop"} <= set(handler_types())
    assert get_handler("cli").type == "cli"
    assert get_handler("noop").type == "noop"


def test_it_has_no_handler_for_an_unknown_type_and_says_which_exist() -> None:
    assert get_handler("smtp") is None
    assert unavailable_reason("smtp").startswith(
        "unknown handler type 'smtp' (installed: cli, http, noop, python"
    )


def test_it_finds_a_handler_declared_by_an_installed_distribution(site: Path) -> None:
    install_plugin(site, f"shout = {PLUGIN_MODULE}:ShoutHandler\n")
    reload_handlers()
    handler = get_handler("shout")
    assert handler is not None
    assert "shout" in handler_types()
    assert handler.validate({}) == ["field 'text' is required"]
    assert handler.execute(job({"text": "hello"})) == {"shouted": "HELLO!"}


def test_it_reports_broken_plugins_without_losing_the_working_ones(
    site: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The project's logging config keeps engine logs out of the root logger, where caplog listens.
    monkeypatch.setattr(logging.getLogger("engine"), "propagate", True)
    install_plugin(
        site,
        f"""\
        shout = {PLUGIN_MODULE}:ShoutHandler
        missing = bpm_module_that_does_not_exist:Handler
        mislabelled = {PLUGIN_MODULE}:MislabelledHandler
        inert = {PLUGIN_MODULE}:NOT_A_HANDLER
        cli = {PLUGIN_MODULE}:ShoutHandler
        """,
    )
    reload_handlers()
    with caplog.at_level(logging.ERROR, logger="engine.handlers.registry"):
        problems = catalog().problems

    assert get_handler("shout") is not None
    assert get_handler("cli").type == "cli"  # a plugin cannot take over a built-in type
    for broken in ("missing", "mislabelled", "inert"):
        assert get_handler(broken) is None
        assert broken not in handler_types()

    assert problems["missing"] == (
        "plugin 'bpm_module_that_does_not_exist:Handler' (from bpm-test-plugin) failed to load: "
        "ModuleNotFoundError: No module named 'bpm_module_that_does_not_exist'"
    )
    assert (
        "declares type 'something-else' but its entry point is named 'mislabelled'" in problems["mislabelled"]
    )
    assert "is not a handler: it has no validate() or execute() method" in problems["inert"]
    assert "cannot replace the built-in 'cli' handler" in problems["cli"]
    assert unavailable_reason("missing").startswith("handler type 'missing' is unavailable: plugin")
    assert "ModuleNotFoundError" in caplog.text


def test_it_discovers_plugins_once_until_asked_to_reload(site: Path) -> None:
    assert get_handler("shout") is None
    install_plugin(site, f"shout = {PLUGIN_MODULE}:ShoutHandler\n")
    assert get_handler("shout") is None
    reload_handlers()
    assert get_handler("shout") is not None
