"""The http handler against a real HTTP server on 127.0.0.1 (a thread of this process, no mocks)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from engine.handlers.base import HandlerError, ThrowBpmnError
from engine.handlers.http import HttpHandler
from tests.handlers.http_server import BIG_BODY, Server, serving
from tests.handlers.jobs import job


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as running:
        yield running


def call(fields: dict, variables: dict | None = None, **ids) -> dict:
    return HttpHandler().execute(job(fields, variables, **ids))


def test_it_gets_json_into_a_variable_and_the_status_into_another(server: Server) -> None:
    result = call({"url": server.url("/json"), "statusVariable": "status", "bodyVariable": "reply"})
    assert result == {"status": 200, "reply": {"greeting": "hi", "items": [1, 2]}}
    assert server.received[0].method == "GET"


def test_it_keeps_a_non_json_body_as_text_in_its_declared_charset(server: Server) -> None:
    assert call({"url": server.url("/text"), "bodyVariable": "reply"}) == {"reply": "caf\u00e9 ok"}


def test_it_returns_no_variables_unless_asked_to(server: Server) -> None:
    assert call({"url": server.url("/json")}) == {}


def test_it_renders_url_headers_and_body_from_variables(server: Server) -> None:
    fields = {
        "url": server.url("/echo?order=${orderId}"),
        "method": "post",
        "headers": ("X-Order: ${orderId}", "Authorization: Bearer ${token}"),
        "body": '{"order": ${orderId}, "lines": ${lines}}',
        "bodyVariable": "reply",
    }
    result = call(fields, {"orderId": 17, "token": "s3cret", "lines": [{"sku": "A"}]})

    request = server.received[0]
    assert request.method == "POST"
    assert request.path == "/echo?order=17"
    assert request.headers["X-Order"] == "17"
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert json.loads(request.body) == {"order": 17, "lines": [{"sku": "A"}]}
    # A body that renders to a JSON object is sent as JSON; the +json reply is parsed as JSON.
    assert result["reply"]["contentType"] == "application/json"


def test_it_sends_a_body_that_is_not_json_as_plain_text(server: Server) -> None:
    result = call(
        {"url": server.url("/echo"), "method": "PUT", "body": "hello ${name}", "bodyVariable": "r"},
        {"name": "Ann"},
    )
    assert result["r"] == {"method": "PUT", "body": "hello Ann", "contentType": "text/plain; charset=utf-8"}


def test_it_lets_the_model_choose_the_content_type(server: Server) -> None:
    fields = {
        "url": server.url("/echo"),
        "method": "POST",
        "headers": ("content-type: application/x-www-form-urlencoded",),
        "body": "a=1",
        "bodyVariable": "r",
    }
    assert call(fields)["r"]["contentType"] == "application/x-www-form-urlencoded"


def test_it_sends_the_same_idempotency_key_on_every_attempt_of_a_job(server: Server) -> None:
    for _attempt in range(2):
        call({"url": server.url("/json")}, idempotency_key="instance-7-job-42")
    call({"url": server.url("/json")}, idempotency_key="instance-7-job-43")
    keys = [request.headers["Idempotency-Key"] for request in server.received]
    assert keys == ["instance-7-job-42", "instance-7-job-42", "instance-7-job-43"]


def test_it_fails_on_a_non_2xx_status_with_the_status_and_an_excerpt_of_the_body(server: Server) -> None:
    with pytest.raises(HandlerError) as failure:
        call({"url": server.url("/status/503?token=s3cret")})
    assert failure.value.message == f"HTTP 503 Service Unavailable from GET {server.url('/status/503')}"
    assert failure.value.details == "the order service is down"
    assert "s3cret" not in failure.value.message  # query strings often carry credentials


def test_it_throws_the_bpmn_error_mapped_to_a_status(server: Server) -> None:
    with pytest.raises(ThrowBpmnError) as thrown:
        call({"url": server.url("/status/404"), "errorCodes": "404=ORDER_NOT_FOUND, 409=CONFLICT"})
    assert thrown.value.code == "ORDER_NOT_FOUND"
    assert thrown.value.message == f"HTTP 404 Not Found from GET {server.url('/status/404')}"


def test_it_refuses_a_status_that_is_both_success_and_a_bpmn_error() -> None:
    (problem,) = HttpHandler().validate({"url": "https://example.org/", "errorCodes": "200=ODD"})
    assert problem == "status 200 is in both 'successCodes' and 'errorCodes'"


def test_it_accepts_the_statuses_listed_as_success(server: Server) -> None:
    fields = {"url": server.url("/status/404"), "successCodes": "2xx, 404", "statusVariable": "status"}
    assert call(fields) == {"status": 404}


def test_it_hands_any_status_to_the_process_when_failing_on_status_is_off(server: Server) -> None:
    fields = {
        "url": server.url("/status/500"),
        "failOnStatus": "false",
        "statusVariable": "s",
        "bodyVariable": "b",
    }
    assert call(fields) == {"s": 500, "b": "the order service is down"}


def test_it_fails_when_the_server_does_not_answer_within_the_timeout(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(HandlerError, match=r"GET .*/slow did not complete within the timeout of 0.5 seconds"):
        call({"url": server.url("/slow"), "timeout": "PT0.5S"})
    assert time.monotonic() - started < 2.5


def test_the_timeout_covers_a_body_that_trickles_in(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(HandlerError, match="did not complete within the timeout of 1 seconds"):
        call({"url": server.url("/drip"), "timeout": "1", "bodyVariable": "b"})
    assert time.monotonic() - started < 3


def test_it_refuses_a_response_body_over_the_size_cap(server: Server) -> None:
    with pytest.raises(HandlerError, match=r"larger than the limit of 1048576 bytes"):
        call({"url": server.url("/big"), "bodyVariable": "b"})


def test_the_size_cap_is_a_setting(server: Server, settings: Settings) -> None:
    settings.BPM_HTTP_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
    assert len(call({"url": server.url("/big"), "bodyVariable": "b"})["b"]) == len(BIG_BODY)


def test_it_ignores_an_oversized_body_nobody_asked_for(server: Server) -> None:
    assert call({"url": server.url("/big"), "statusVariable": "s"}) == {"s": 200}


def test_it_follows_a_redirect_for_get(server: Server) -> None:
    result = call({"url": server.url(f"/redirect?to={server.url('/json')}"), "bodyVariable": "b"})
    assert result == {"b": {"greeting": "hi", "items": [1, 2]}}


def test_it_takes_no_credentials_along_to_another_host(server: Server) -> None:
    elsewhere = server.url("/json").replace("127.0.0.1", "localhost")
    headers = ("Authorization: Bearer SECRET", "X-Trace: 7")
    call({"url": server.url(f"/redirect?to={elsewhere}"), "headers": headers})
    first, second = server.received
    assert first.headers["Authorization"] == "Bearer SECRET"
    assert "Authorization" not in second.headers
    assert second.headers["X-Trace"] == "7"


def test_it_keeps_credentials_on_a_redirect_to_the_same_host(server: Server) -> None:
    call({"url": server.url(f"/redirect?to={server.url('/json')}"), "headers": ("Authorization: Bearer S",)})
    assert [request.headers.get("Authorization") for request in server.received] == ["Bearer S", "Bearer S"]


def test_it_does_not_follow_a_redirect_for_post(server: Server) -> None:
    with pytest.raises(
        HandlerError, match=r"HTTP 302 Found from POST .*\(redirect to .*/json not followed\)"
    ):
        call({"url": server.url(f"/redirect?to={server.url('/json')}"), "method": "POST", "body": "{}"})
    assert [request.method for request in server.received] == ["POST"]


def test_it_never_follows_a_redirect_to_another_scheme(server: Server) -> None:
    with pytest.raises(HandlerError, match=r"HTTP 302 Found .*not followed"):
        call({"url": server.url("/redirect?to=file:///etc/passwd"), "bodyVariable": "b"})


def test_it_refuses_a_url_that_renders_to_another_scheme() -> None:
    with pytest.raises(HandlerError, match="is not an http:// or https:// address"):
        call({"url": "${target}"}, {"target": "file:///etc/passwd"})


def test_it_refuses_a_header_value_that_would_inject_another_header(server: Server) -> None:
    with pytest.raises(HandlerError, match="header 'X-Name' contains a line break"):
        call({"url": server.url("/json"), "headers": ("X-Name: ${name}",)}, {"name": "a\r\nX-Admin: yes"})
    assert server.received == []


def test_it_explains_a_server_that_cannot_be_reached() -> None:
    with pytest.raises(HandlerError, match=r"GET http://127.0.0.1:9/ failed: .*refused"):
        call({"url": "http://127.0.0.1:9/"})


def test_it_validates_a_correct_task() -> None:
    fields = {
        "url": "https://api.example.com/orders/${orderId}",
        "method": "PATCH",
        "headers": ("Accept: application/json",),
        "body": "${order}",
        "timeout": "PT10S",
        "statusVariable": "status",
        "bodyVariable": "reply",
        "successCodes": "200-204,409",
        "failOnStatus": "true",
    }
    assert HttpHandler().validate(fields) == []


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, "field 'url' is required: the http:// or https:// address to call"),
        (
            {"url": "ftp://files.example.com/x"},
            "field 'url': 'ftp://files.example.com/x' must start with http://",
        ),
        ({"url": "file:///etc/passwd"}, "must start with http:// or https://"),
        ({"url": "https://"}, "field 'url': 'https://' has no host name"),
        ({"url": "https://x/${a +}"}, "field 'url' 'https://x/${a +}'"),
        ({"url": "https://x", "method": "TRACE"}, "field 'method': 'TRACE' is not one of GET, HEAD, POST"),
        ({"url": "https://x", "body": "a"}, "field 'body' is not allowed with method GET"),
        ({"url": "https://x", "method": "POST", "body": "${"}, "field 'body' '${'"),
        ({"url": "https://x", "timeout": "soon"}, "field 'timeout': 'soon' is not a duration"),
        (
            {"url": "https://x", "headers": ("Accept application/json",)},
            "is not a header; write it as 'Name: value'",
        ),
        ({"url": "https://x", "headers": ("A: 1", "a: 2")}, "header 'a' is given more than once"),
        ({"url": "https://x", "headers": ("A: ${",)}, "header 'A' '${'"),
        ({"url": "https://x", "statusVariable": "2fast"}, "field 'statusVariable': '2fast' is not a valid"),
        ({"url": "https://x", "successCodes": "ok"}, "field 'successCodes': 'ok' is not a status code"),
        ({"url": "https://x", "successCodes": "299-200"}, "field 'successCodes': '299-200' is not within"),
        ({"url": "https://x", "failOnStatus": "no"}, "field 'failOnStatus' must be true or false"),
        ({"url": ("https://x",)}, "field 'url' must be a single value"),
        ({"url": "https://x", "uri": "y"}, "unknown field 'uri' (this handler accepts: url, method"),
    ],
)
def test_it_reports_each_problem_at_deployment(fields: dict, problem: str) -> None:
    problems = HttpHandler().validate(fields)
    assert any(problem in found for found in problems), problems


def test_a_url_built_entirely_from_a_variable_is_checked_when_the_job_runs() -> None:
    assert HttpHandler().validate({"url": "${baseUrl}/orders"}) == []
