"""The environment helpers behind every setting: accepted spellings and loud failures."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured

from bpmportal.env import env_bool, env_choice, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("yes", True), ("ON", True), ("True", True), ("0", False), ("no", False), ("off", False)],
)
def test_it_accepts_the_usual_spellings_of_booleans(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("BPM_FLAG", raw)

    assert env_bool("BPM_FLAG", not expected) is expected


def test_it_uses_the_default_for_unset_or_empty_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BPM_UNSET", raising=False)
    monkeypatch.setenv("BPM_EMPTY", "")

    assert env_bool("BPM_UNSET", True) is True
    assert env_int("BPM_EMPTY", 7) == 7
    assert env_str("BPM_EMPTY", "fallback") == "fallback"
    assert env_list("BPM_UNSET", ["a"]) == ["a"]


def test_it_splits_lists_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPM_HOSTS", " bpm.example.com, ,localhost ")

    assert env_list("BPM_HOSTS", []) == ["bpm.example.com", "localhost"]


def test_it_returns_a_choice_as_spelled_in_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPM_LEVEL", "warning")

    assert env_choice("BPM_LEVEL", "INFO", ("INFO", "WARNING")) == "WARNING"


@pytest.mark.parametrize(
    ("read", "raw", "message"),
    [
        (lambda: env_bool("BPM_X", False), "maybe", "BPM_X='maybe' is not a boolean"),
        (lambda: env_int("BPM_X", 1), "ten", "BPM_X='ten' is not a whole number"),
        (lambda: env_int("BPM_X", 1, minimum=1), "0", "BPM_X=0 must be at least 1"),
        (lambda: env_choice("BPM_X", "A", ("A", "B")), "c", "BPM_X='c' is not one of: A, B"),
    ],
)
def test_it_names_the_variable_when_a_value_makes_no_sense(
    monkeypatch: pytest.MonkeyPatch, read: Callable[[], object], raw: str, message: str
) -> None:
    monkeypatch.setenv("BPM_X", raw)

    with pytest.raises(ImproperlyConfigured, match=message):
        read()
