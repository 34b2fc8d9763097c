from __future__ import annotations

from engine.handlers.noop import NoopHandler
from tests.handlers.jobs import job


def test_it_returns_no_variables_by_default() -> None:
    assert NoopHandler().execute(job({})) == {}


def test_it_returns_the_result_field_as_variables() -> None:
    result = NoopHandler().execute(job({"result": '{"approved": true, "score": 7}'}))
    assert result == {"approved": True, "score": 7}


def test_it_accepts_valid_fields() -> None:
    assert NoopHandler().validate({}) == []
    assert NoopHandler().validate({"result": '{"a": 1}'}) == []


def test_it_reports_a_result_that_is_not_a_json_object() -> None:
    assert "not valid JSON" in NoopHandler().validate({"result": "{oops"})[0]
    assert "must be a JSON object" in NoopHandler().validate({"result": "[1, 2]"})[0]
    assert "not a list" in NoopHandler().validate({"result": ("{}", "{}")})[0]


def test_it_reports_unknown_fields() -> None:
    assert NoopHandler().validate({"reslt": "{}"}) == ["unknown field 'reslt' (this handler accepts: result)"]
