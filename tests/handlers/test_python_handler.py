"""The python handler: only functions the settings allow, never importing anything else."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from engine.handlers.base import HandlerError
from engine.handlers.python import FunctionPath, PythonHandler, is_allowed, parse_function_path
from tests.handlers.jobs import job

FUNCTIONS = "tests.handlers.python_functions"
REFUSED = "tests.handlers.python_refused"


@pytest.fixture(autouse=True)
def allowlist(settings: Settings) -> None:
    settings.BPM_PYTHON_HANDLERS = [f"{FUNCTIONS}.*", "tests.handlers.other:exact_only"]


@pytest.fixture(autouse=True)
def refused_module_is_not_loaded() -> Iterator[None]:
    sys.modules.pop(REFUSED, None)
    yield
    assert REFUSED not in sys.modules, "a module outside the allowlist was imported"


def call(function: str, variables: dict | None = None, **ids) -> dict:
    return PythonHandler().execute(job({"function": function}, variables, **ids))


def test_it_calls_the_function_with_the_job_context_and_returns_its_variables() -> None:
    result = call(f"{FUNCTIONS}:greet", {"name": "Ann"}, node_id="welcome", idempotency_key="k-1")
    assert result == {"greeting": "Hello, Ann!", "seenBy": ["welcome", "k-1"]}


def test_it_accepts_the_dotted_spelling_and_attributes_of_classes() -> None:
    assert call(f"{FUNCTIONS}.greet", {"name": "Bo"})["greeting"] == "Hello, Bo!"
    assert call(f"{FUNCTIONS}:Billing.charge", {"amount": 5}) == {"charged": 5}


def test_it_refuses_a_function_outside_the_allowlist_without_importing_it() -> None:
    with pytest.raises(HandlerError) as failure:
        call(f"{REFUSED}:steal")
    assert failure.value.message == (
        f"service task 'runTool' is misconfigured: function '{REFUSED}:steal' is not allowed: "
        f"add '{REFUSED}.steal' (or '{REFUSED}.*') to the setting BPM_PYTHON_HANDLERS"
    )


def test_it_refuses_everything_when_the_allowlist_is_empty(settings: Settings) -> None:
    settings.BPM_PYTHON_HANDLERS = []
    with pytest.raises(HandlerError, match="is not allowed"):
        call(f"{FUNCTIONS}:greet", {"name": "Ann"})


def test_it_checks_the_allowlist_again_when_the_job_runs(settings: Settings) -> None:
    handler = PythonHandler()
    assert handler.validate({"function": f"{FUNCTIONS}:nothing"}) == []
    settings.BPM_PYTHON_HANDLERS = [f"{FUNCTIONS}.greet"]  # tightened after the deployment
    with pytest.raises(HandlerError, match="is not allowed"):
        handler.execute(job({"function": f"{FUNCTIONS}:nothing"}))


def test_it_fails_with_the_traceback_when_the_function_raises() -> None:
    with pytest.raises(HandlerError) as failure:
        call(f"{FUNCTIONS}:divides_by_zero", {"total": 10})
    assert failure.value.message == f"{FUNCTIONS}:divides_by_zero raised ZeroDivisionError: division by zero"
    assert "Traceback" in failure.value.details
    assert "in divides_by_zero" in failure.value.details


def test_a_function_calling_sys_exit_fails_its_job_instead_of_stopping_the_worker() -> None:
    with pytest.raises(HandlerError, match="exits raised SystemExit: 3"):
        call(f"{FUNCTIONS}:exits")


def test_a_handler_error_from_the_function_is_kept_as_it_is() -> None:
    with pytest.raises(HandlerError) as failure:
        call(f"{FUNCTIONS}:refuses_politely")
    assert (failure.value.message, failure.value.details) == ("the customer has no credit left", "limit 0")


def test_it_refuses_a_result_that_is_not_a_dict_naming_the_function() -> None:
    with pytest.raises(HandlerError, match=rf"^{FUNCTIONS}:returns_a_list returned list, not a dict"):
        call(f"{FUNCTIONS}:returns_a_list")


def test_it_refuses_variables_that_are_not_json() -> None:
    with pytest.raises(
        HandlerError, match=rf"^{FUNCTIONS}:returns_a_set returned variables that are not JSON"
    ):
        call(f"{FUNCTIONS}:returns_a_set")


def test_an_empty_dict_sets_no_variables() -> None:
    assert call(f"{FUNCTIONS}:nothing") == {}


def test_it_validates_an_allowed_existing_function() -> None:
    assert PythonHandler().validate({"function": f"{FUNCTIONS}:greet"}) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, "field 'function' is required: package.module:function"),
        ({"function": "greet"}, "field 'function': 'greet' names no module"),
        ({"function": "os.path:join()"}, "field 'function': 'os.path:join()' is not a function path"),
        ({"function": ("a.b",)}, "field 'function' must be a single value"),
        (
            {"function": f"{FUNCTIONS}:greet", "args": "x"},
            "unknown field 'args' (this handler accepts: function)",
        ),
        ({"function": "os:system"}, "function 'os:system' is not allowed: add 'os.system' (or 'os.*')"),
        ({"function": f"{FUNCTIONS}:missing"}, f"module '{FUNCTIONS}' has no 'missing'"),
        (
            {"function": f"{FUNCTIONS}:NOT_A_FUNCTION"},
            f"function '{FUNCTIONS}:NOT_A_FUNCTION' is not callable",
        ),
        ({"function": f"{FUNCTIONS}.absent.f"}, f"module '{FUNCTIONS}.absent' cannot be imported"),
        ({"function": f"{REFUSED}:steal"}, f"function '{REFUSED}:steal' is not allowed"),
    ],
)
def test_it_reports_each_problem_at_deployment(fields: dict, problem: str) -> None:
    problems = PythonHandler().validate(fields)
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize(
    ("path", "entries", "allowed"),
    [
        ("pkg.mod:f", ["pkg.mod.f"], True),
        ("pkg.mod.f", ["pkg.mod:f"], True),
        ("pkg.mod:f", ["pkg.mod.*"], True),
        ("pkg.mod.sub:f", ["pkg.mod.*"], True),
        ("pkg.module:f", ["pkg.mod.*"], False),
        ("pkg.mod:g", ["pkg.mod.f"], False),
        ("pkg.mod:f", ["pkg.mod"], False),
        ("pkg.mod:f", ["not a path", ""], False),
        ("pkg.mod:f", [], False),
    ],
)
def test_the_allowlist_matches_exact_paths_and_module_prefixes(
    path: str, entries: list, allowed: bool
) -> None:
    assert is_allowed(parse_function_path(path), entries) is allowed


def test_it_reads_both_spellings_of_a_function_path() -> None:
    assert parse_function_path("pkg.mod:Cls.method") == FunctionPath("pkg.mod", "Cls.method")
    assert parse_function_path(" pkg.mod.f ") == FunctionPath("pkg.mod", "f")


def test_a_wildcard_never_reaches_what_the_module_merely_imported(settings) -> None:
    settings.BPM_PYTHON_HANDLERS = ["engine.handlers.python.*"]
    for path in (
        "engine.handlers.python:importlib.import_module",
        "engine.handlers.python:traceback.sys.exit",
    ):
        problems = PythonHandler().validate({"function": path})
        assert problems == [
            f"function '{path}' is not defined in module 'engine.handlers.python' (it is imported there)"
        ]
