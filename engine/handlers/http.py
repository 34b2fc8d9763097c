"""The `http` handler: one HTTP(S) request per job, built from templates, standard library only.

The URL, every header and the body are templates rendered against the instance variables. The
job's idempotency key goes out as the `Idempotency-Key` header, so a server can recognise the
repeated attempts of one job (the engine runs handlers at least once).

What the request may do is deliberately narrow: only http and https URLs, redirects followed
only for GET and HEAD and never to another scheme, a time limit on the whole exchange and a
cap on how much of the response is read, so one misbehaving server cannot hang or exhaust a
worker. The opener is built by hand rather than with `urllib.request.build_opener()`, which
would also bring file:, ftp: and data: support along.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from engine.expressions import ExpressionError, check_template, render_template
from engine.handlers.base import FieldValue, HandlerError, JobContext, ThrowBpmnError
from engine.handlers.fields import (
    is_variable_name,
    parse_seconds,
    read_error_codes,
    single_value,
    unknown_field_problems,
)

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: Methods that carry no body: a body on them is a modelling mistake, reported at deployment.
_BODYLESS_METHODS = frozenset({"GET", "HEAD"})
#: Only these are followed by a redirect: repeating a POST elsewhere is not ours to decide.
_REDIRECTABLE_METHODS = frozenset({"GET", "HEAD"})
SCHEMES = ("http", "https")

#: Used when neither the task nor the settings give a time limit / size cap.
FALLBACK_TIMEOUT_SECONDS = 30.0
FALLBACK_MAX_RESPONSE_BYTES = 1024 * 1024
#: How much of an unexpected response an incident keeps as its details.
DETAILS_EXCERPT_CHARS = 4000
_READ_CHUNK_BYTES = 65536

IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "bpmportal-http-handler"

# RFC 9110 token characters: anything else in a header name is refused.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_STATUS_RANGE = re.compile(r"([1-5])xx|(\d{3})(?:-(\d{3}))?", re.IGNORECASE)

_VARIABLE_FIELDS = ("statusVariable", "bodyVariable")
FIELDS = (
    "url",
    "method",
    "headers",
    "body",
    "timeout",
    *_VARIABLE_FIELDS,
    "successCodes",
    "failOnStatus",
    "errorCodes",
)


@dataclass(frozen=True, slots=True)
class HttpTask:
    """A service task's fields, checked and converted."""

    url: str
    method: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    timeout: float | None
    status_variable: str | None
    body_variable: str | None
    success_codes: frozenset[int]
    fail_on_status: bool
    #: Status -> BPMN error code: answers the process models (a boundary event catches them).
    error_codes: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    reason: str
    headers: Message
    body: bytes
    #: More than the size cap was sent; `body` holds only the first part.
    truncated: bool


class HttpHandler:
    type = "http"

    def validate(self, fields: Mapping[str, FieldValue]) -> list[str]:
        return read_task(fields)[1]

    def execute(self, context: JobContext) -> dict[str, Any]:
        task, problems = read_task(context.fields)
        if task is None:
            raise HandlerError(f"service task '{context.node_id}' is misconfigured: " + "; ".join(problems))
        url = _render("url", task.url, context.variables)
        headers = {"User-Agent": USER_AGENT, IDEMPOTENCY_HEADER: context.idempotency_key}
        body: bytes | None = None
        if task.body is not None:
            text = _render("body", task.body, context.variables)
            body = text.encode("utf-8")
            headers["Content-Type"] = _content_type_of(text)
        for name, template in task.headers:
            value = _render(f"header '{name}'", template, context.variables)
            if "\r" in value or "\n" in value:
                # A line break would let a variable add headers of its own (header injection).
                raise HandlerError(f"header '{name}' contains a line break after rendering")
            headers[_canonical_header(headers, name)] = value
        timeout = task.timeout or default_timeout()
        response = send(url, method=task.method, headers=headers, body=body, timeout=timeout)
        label = f"{task.method} {redacted(url)}"
        if response.status in task.error_codes:
            raise ThrowBpmnError(
                task.error_codes[response.status],
                f"HTTP {response.status} {response.reason} from {label}".rstrip(),
                details=_excerpt(response),
            )
        if task.fail_on_status and response.status not in task.success_codes:
            raise HandlerError(
                f"HTTP {response.status} {response.reason} from {label}".rstrip() + _redirect_note(response),
                details=_excerpt(response),
            )
        variables: dict[str, Any] = {}
        if task.status_variable:
            variables[task.status_variable] = response.status
        if task.body_variable:
            variables[task.body_variable] = _body_value(response, label)
        return variables


def read_task(fields: Mapping[str, FieldValue]) -> tuple[HttpTask | None, list[str]]:
    """The task's settings, or None with every problem found in its fields."""
    problems = unknown_field_problems(fields, known=FIELDS)
    strings: dict[str, str | None] = {}
    for name in FIELDS:
        if name == "headers":
            continue
        try:
            strings[name] = single_value(fields, name)
        except ValueError as error:
            problems.append(str(error))
            strings[name] = None
    url = strings["url"]
    if url is None:
        if "url" not in fields:
            problems.append("field 'url' is required: the http:// or https:// address to call")
    else:
        _check_url_template(url, problems)
    method = (strings["method"] or "GET").strip().upper()
    if method not in METHODS:
        problems.append(f"field 'method': '{strings['method']}' is not one of {', '.join(METHODS)}")
    body = strings["body"]
    if body is not None:
        _check_template("field 'body'", body, problems)
        if method in _BODYLESS_METHODS:
            problems.append(f"field 'body' is not allowed with method {method}: use POST, PUT or PATCH")
    headers = _read_headers(fields.get("headers"), problems)
    timeout = None
    if strings["timeout"] is not None:
        try:
            timeout = parse_seconds(strings["timeout"])
        except ValueError as error:
            problems.append(f"field 'timeout': {error}")
    for name in _VARIABLE_FIELDS:
        value = strings[name]
        if value is not None and not is_variable_name(value):
            problems.append(f"field '{name}': '{value}' is not a valid variable name")
    success_codes = _read_success_codes(strings["successCodes"], problems)
    fail_on_status = _read_flag("failOnStatus", strings["failOnStatus"], True, problems)
    error_codes = read_error_codes(strings["errorCodes"], problems)
    for status in sorted(success_codes & error_codes.keys()):
        problems.append(f"status {status} is in both 'successCodes' and 'errorCodes'")
    if problems or url is None:
        return None, problems
    task = HttpTask(
        url=url,
        method=method,
        headers=headers,
        body=body,
        timeout=timeout,
        status_variable=strings["statusVariable"],
        body_variable=strings["bodyVariable"],
        success_codes=success_codes,
        fail_on_status=fail_on_status,
        error_codes=error_codes,
    )
    return task, []


def default_timeout() -> float:
    """The installation's default (setting BPM_HTTP_TIMEOUT), or 30 s outside a configured project."""
    return float(_setting("BPM_HTTP_TIMEOUT", FALLBACK_TIMEOUT_SECONDS))


def max_response_bytes() -> int:
    """The most of a response body that is read (setting BPM_HTTP_MAX_RESPONSE_BYTES, 1 MiB)."""
    return int(_setting("BPM_HTTP_MAX_RESPONSE_BYTES", FALLBACK_MAX_RESPONSE_BYTES))


def send(
    url: str, *, method: str, headers: Mapping[str, str], body: bytes | None, timeout: float
) -> HttpResponse:
    """Make the request; any status is a response, failing to get one raises HandlerError."""
    _check_url(url)
    label = f"{method} {redacted(url)}"
    deadline = time.monotonic() + timeout
    # S310: the scheme was checked just above, and the opener only speaks http and https anyway.
    request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)  # noqa: S310
    try:
        raw = _opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        # urllib reports every non-2xx status as an exception; here it is just a response.
        raw = error
    except TimeoutError:
        raise _timed_out(label, timeout) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timed_out(label, timeout) from None
        raise HandlerError(f"{label} failed: {error.reason}") from None
    except (OSError, ValueError) as error:  # a reset connection, a malformed URL or header
        raise HandlerError(f"{label} failed: {error}") from None
    with raw:
        body_bytes, truncated = _read_capped(raw, deadline, label, timeout)
        return HttpResponse(raw.status or 0, raw.reason or "", raw.headers, body_bytes, truncated)


def redacted(url: str) -> str:
    """The URL without its query, fragment and credentials, which often carry secrets."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


#: Headers that carry credentials: never sent on to another host a redirect names.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


class _RestrictedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects only for GET and HEAD, only to the same scheme, and takes no
    credentials along to another host."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if req.get_method() not in _REDIRECTABLE_METHODS or new.scheme.lower() != old.scheme.lower():
            return None  # the 3xx response itself becomes the result (no https -> http downgrade)
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is not None and (new.hostname, new.port) != (old.hostname, old.port):
            for name in [n for n in follow.headers if n.lower() in _CREDENTIAL_HEADERS]:
                del follow.headers[name]
            for name in [n for n in follow.unredirected_hdrs if n.lower() in _CREDENTIAL_HEADERS]:
                del follow.unredirected_hdrs[name]
        return follow


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),  # honours HTTP(S)_PROXY / NO_PROXY like any HTTP client
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _RestrictedRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _read_capped(raw: Any, deadline: float, label: str, timeout: float) -> tuple[bytes, bool]:
    """At most the size cap of the body, within the overall deadline (a slow drip must not hang us)."""
    limit = max_response_bytes()
    kept = bytearray()
    # read1 returns what has arrived instead of waiting for the whole chunk, so the deadline is
    # checked between the pieces of a body that trickles in.
    read = getattr(raw, "read1", raw.read)
    try:
        while len(kept) <= limit:
            if time.monotonic() > deadline:
                raise _timed_out(label, timeout)
            chunk = read(min(_READ_CHUNK_BYTES, limit + 1 - len(kept)))
            if not chunk:
                return bytes(kept), False
            kept += chunk
    except TimeoutError:
        raise _timed_out(label, timeout) from None
    except OSError as error:
        raise HandlerError(f"{label}: the response could not be read: {error}") from None
    return bytes(kept[:limit]), True


def _timed_out(label: str, timeout: float) -> HandlerError:
    return HandlerError(f"{label} did not complete within the timeout of {timeout:g} seconds")


def _body_value(response: HttpResponse, label: str) -> Any:
    if response.truncated:
        raise HandlerError(
            f"the response to {label} is larger than the limit of {max_response_bytes()} bytes "
            "(setting BPM_HTTP_MAX_RESPONSE_BYTES)",
            details=_excerpt(response),
        )
    if _is_json(response.headers):
        if not response.body.strip():
            return None
        try:
            return json.loads(response.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise HandlerError(
                f"the response to {label} says it is JSON but is not valid JSON ({error})",
                details=_excerpt(response),
            ) from None
    return _text(response)


def _is_json(headers: Message) -> bool:
    content_type = headers.get_content_type()
    return content_type == "application/json" or content_type.endswith("+json")


def _text(response: HttpResponse) -> str:
    charset = response.headers.get_content_charset() or "utf-8"
    try:
        return response.body.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        return response.body.decode("utf-8", errors="replace")


def _excerpt(response: HttpResponse) -> str:
    text = _text(response)
    if len(text) > DETAILS_EXCERPT_CHARS or response.truncated:
        return text[:DETAILS_EXCERPT_CHARS] + "\n[... response truncated ...]"
    return text


def _redirect_note(response: HttpResponse) -> str:
    location = response.headers.get("Location")
    if 300 <= response.status < 400 and location:
        return f" (redirect to {redacted(location)} not followed)"
    return ""


def _content_type_of(body: str) -> str:
    """JSON when the rendered body is a JSON object or array, plain text otherwise."""
    try:
        value = json.loads(body)
    except ValueError:
        return "text/plain; charset=utf-8"
    return "application/json" if isinstance(value, dict | list) else "text/plain; charset=utf-8"


def _canonical_header(headers: Mapping[str, str], name: str) -> str:
    """The spelling already used for `name`, so a model's header replaces ours instead of doubling it."""
    return next((existing for existing in headers if existing.lower() == name.lower()), name)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise HandlerError(f"url '{redacted(url) or url[:200]}' is not an http:// or https:// address")


def _check_url_template(url: str, problems: list[str]) -> None:
    _check_template("field 'url'", url, problems)
    # Only the literal start of the URL can be checked before the variables are known.
    literal_start = url.strip().split("${", 1)[0].lower()
    if not literal_start:
        return
    schemes = tuple(f"{scheme}://" for scheme in SCHEMES)
    if not any(scheme.startswith(literal_start) or literal_start.startswith(scheme) for scheme in schemes):
        problems.append(f"field 'url': '{url}' must start with http:// or https://")
    elif "${" not in url and not urlsplit(url.strip()).hostname:
        problems.append(f"field 'url': '{url}' has no host name")


def _read_headers(raw: FieldValue | None, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    items = (raw,) if isinstance(raw, str) else raw
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        name, colon, value = item.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not _HEADER_NAME.fullmatch(name):
            problems.append(f"field 'headers': '{item}' is not a header; write it as 'Name: value'")
            continue
        if name.lower() in seen:
            problems.append(f"field 'headers': header '{name}' is given more than once")
        seen.add(name.lower())
        _check_template(f"header '{name}'", value, problems)
        headers.append((name, value))
    return tuple(headers)


def _read_success_codes(raw: str | None, problems: list[str]) -> frozenset[int]:
    if raw is None:
        return frozenset(range(200, 300))
    codes: set[int] = set()
    for part in (part.strip() for part in raw.split(",")):
        match = _STATUS_RANGE.fullmatch(part)
        if match is None:
            problems.append(
                f"field 'successCodes': '{part}' is not a status code, a range such as 200-204, or 2xx"
            )
            continue
        hundreds, first, last = match.groups()
        if hundreds:
            codes.update(range(int(hundreds) * 100, int(hundreds) * 100 + 100))
            continue
        low, high = int(first), int(last or first)
        if not 100 <= low <= high <= 599:
            problems.append(f"field 'successCodes': '{part}' is not within 100-599")
            continue
        codes.update(range(low, high + 1))
    return frozenset(codes)


def _read_flag(name: str, raw: str | None, default: bool, problems: list[str]) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in {"true", "false"}:
        problems.append(f"field '{name}' must be true or false, not '{raw}'")
        return default
    return value == "true"


def _check_template(what: str, template: str, problems: list[str]) -> None:
    try:
        check_template(template)
    except ExpressionError as error:
        problems.append(f"{what} '{template}': {error.message}")


def _render(what: str, template: str, variables: Mapping[str, Any]) -> str:
    try:
        return render_template(template, variables)
    except ExpressionError as error:
        raise HandlerError(f"{what} '{template}' cannot be rendered: {error.message}") from None


def _setting(name: str, fallback: float) -> float:
    from django.conf import settings

    if not settings.configured:
        return fallback
    return getattr(settings, name, fallback)
