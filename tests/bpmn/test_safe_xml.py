"""Hostile and broken XML is refused quickly, with a clear message, and nothing is fetched."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from engine.bpmn import DEFAULT_MAX_BYTES, BpmnError, list_processes, parse_bpmn
from engine.bpmn.safe_xml import DTD_REFUSED, MAX_DEPTH, parse_xml
from tests.bpmn.documents import MODEL_NS, chain, model

VALID = model('<startEvent id="s"/>\n<endEvent id="e"/>\n' + chain("s", "e"))
BODY = f'<definitions xmlns="{MODEL_NS}" id="d"><process id="p"><startEvent id="s"/></process></definitions>'


def refusal(xml: bytes | str, **options: object) -> tuple[BpmnError, float]:
    started = time.perf_counter()
    with pytest.raises(BpmnError) as caught:
        parse_bpmn(xml, **options)  # type: ignore[arg-type]
    return caught.value, time.perf_counter() - started


def test_it_refuses_an_external_entity_that_reads_a_local_file() -> None:
    xml = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + BODY.replace('id="s"', 'id="s" name="&xxe;"')
    )
    error, elapsed = refusal(xml)
    assert [problem.message for problem in error.problems] == [DTD_REFUSED]
    assert "DTDs and entities are not allowed" in str(error)
    assert error.problems[0].line == 2
    assert "root:" not in str(error)
    assert elapsed < 0.5


def test_it_refuses_a_billion_laughs_entity_bomb_in_milliseconds() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
        for level in range(1, 10)
    )
    xml = f'<?xml version="1.0"?>\n<!DOCTYPE definitions [{entities}]>\n' + BODY.replace(
        'id="s"', 'id="s" name="&lol9;"'
    )
    error, elapsed = refusal(xml)
    assert error.problems[0].message == DTD_REFUSED
    assert elapsed < 0.5


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    yield server
    server.close()


def _was_contacted(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def test_it_never_fetches_an_external_dtd(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    xml = f'<?xml version="1.0"?>\n<!DOCTYPE definitions SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n{BODY}'
    error, elapsed = refusal(xml)
    assert error.problems[0].message == DTD_REFUSED
    assert elapsed < 0.5
    assert not _was_contacted(listener)


def test_it_refuses_parameter_entities(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    xml = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE definitions [<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/p.dtd"> %remote;]>\n{BODY}'
    )
    error, _ = refusal(xml)
    assert error.problems[0].message == DTD_REFUSED
    assert not _was_contacted(listener)


def test_it_refuses_a_doctype_without_entities_too() -> None:
    error, _ = refusal(f"<!DOCTYPE definitions>\n{BODY}")
    assert error.problems[0].message == DTD_REFUSED


def test_it_reports_an_undeclared_entity_as_malformed_xml() -> None:
    error, _ = refusal(BODY.replace('id="s"', 'id="s" name="&xxe;"'))
    assert "malformed XML: undefined entity" in error.problems[0].message


def test_it_refuses_an_oversized_file_before_parsing_it() -> None:
    huge = b"<" + b" " * DEFAULT_MAX_BYTES
    error, elapsed = refusal(huge)
    assert error.problems[0].message == (
        f"the file is {DEFAULT_MAX_BYTES + 1:,} bytes; "
        f"the limit is {DEFAULT_MAX_BYTES:,} bytes (size limit exceeded)"
    )
    assert elapsed < 0.5


def test_it_takes_a_custom_size_limit() -> None:
    error, _ = refusal(VALID, max_bytes=100)
    assert "the limit is 100 bytes" in error.problems[0].message
    assert parse_bpmn(VALID, max_bytes=len(VALID.encode())).id == "p"
    with pytest.raises(BpmnError, match="the limit is 100 bytes"):
        list_processes(VALID, max_bytes=100)


def test_it_reports_malformed_xml_with_line_and_column() -> None:
    xml = '<?xml version="1.0"?>\n<definitions xmlns="' + MODEL_NS + '">\n<process id="p">\n</definitions>\n'
    error, _ = refusal(xml)
    [problem] = error.problems
    assert problem.message == "malformed XML: mismatched tag (line 4, column 3)"
    assert problem.line == 4


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b"", "malformed XML: no element found (line 1, column 1)"),
        (b"just text", "malformed XML: syntax error (line 1, column 1)"),
        (b"<bpmn:definitions/>", "malformed XML: unbound prefix (line 1, column 1)"),
        (b"\xff\xfe\x00<", "malformed XML"),
    ],
)
def test_it_refuses_what_is_not_xml(xml: bytes, message: str) -> None:
    error, _ = refusal(xml)
    assert error.problems[0].message.startswith(message)


def test_it_refuses_a_root_that_is_not_bpmn_definitions() -> None:
    error, _ = refusal("<html><body/></html>")
    assert error.problems[0].message == (
        f"not a BPMN 2.0 file: the root element is html, expected definitions in the namespace {MODEL_NS}"
    )


def test_it_refuses_definitions_in_another_namespace() -> None:
    error, _ = refusal('<definitions xmlns="http://www.omg.org/bpmn20"/>')
    assert "the root element is {http://www.omg.org/bpmn20}definitions" in error.problems[0].message
    with pytest.raises(BpmnError, match="not a BPMN 2\\.0 file"):
        list_processes('<definitions xmlns="http://www.omg.org/bpmn20"/>')


def test_it_refuses_absurdly_deep_nesting() -> None:
    xml = f'<definitions xmlns="{MODEL_NS}">' + "<x>" * MAX_DEPTH + "</x>" * MAX_DEPTH + "</definitions>"
    error, elapsed = refusal(xml)
    assert error.problems[0].message == f"elements are nested more than {MAX_DEPTH} levels deep"
    assert elapsed < 0.5


def test_it_refuses_an_encoding_it_cannot_read() -> None:
    error, _ = refusal(b'<?xml version="1.0" encoding="klingon"?>' + BODY.encode())
    assert error.problems[0].message.startswith("unsupported character encoding")
    assert error.problems[0].message.endswith("save the file as UTF-8")


def test_it_reads_latin1_bytes_as_declared() -> None:
    xml = model('<startEvent id="s" name="Début"/>\n').replace("UTF-8", "ISO-8859-1")
    assert parse_bpmn(xml.encode("iso-8859-1")).node("s").name == "Début"


def test_it_reads_a_str_as_the_text_it_is_whatever_its_declaration_says() -> None:
    xml = model('<startEvent id="s" name="Début"/>\n').replace("UTF-8", "ISO-8859-1")
    assert parse_bpmn(xml).node("s").name == "Début"


def test_it_refuses_text_with_lone_surrogates() -> None:
    error, _ = refusal(model('<startEvent id="s" name="\ud800"/>\n'))
    assert "not valid Unicode" in error.problems[0].message


def test_it_refuses_input_that_is_neither_bytes_nor_str() -> None:
    error, _ = refusal(None)  # type: ignore[arg-type]
    assert error.problems[0].message == "expected BPMN XML as bytes or str, got NoneType"


def test_it_keeps_namespaces_lines_attributes_and_text() -> None:
    root = parse_xml(
        '<r xmlns="urn:a" xmlns:b="urn:b" b:flag="1" plain="2">\n  <b:child>text &amp; more</b:child>\n</r>'
    )
    assert (root.namespace, root.local, root.line) == ("urn:a", "r", 1)
    assert root.attributes == {"{urn:b}flag": "1", "plain": "2"}
    [child] = root.children
    assert (child.namespace, child.local, child.line, child.text) == ("urn:b", "child", 2, "text & more")


def test_it_stops_reading_a_document_with_too_many_elements() -> None:
    with pytest.raises(BpmnError) as caught:
        parse_xml("<r>\n" + "<a/>" * 101 + "\n</r>", max_elements=100)
    [problem] = caught.value.problems
    assert (problem.message, problem.line) == ("the document has more than 100 elements", 2)
