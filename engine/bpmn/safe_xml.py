"""A small, hostile-input-proof XML reader for BPMN files.

BPMN files come from browsers, uploads and the command line, so the reader assumes the worst:

- DOCTYPE, entity and notation declarations are refused at the first such token, before expat
  expands anything, which stops XXE (external entities reading local files or URLs) and
  entity-expansion bombs ("billion laughs") in milliseconds. Parameter entity parsing is off.
- Nothing is ever fetched: there is no resolver and external entity references raise.
- The input size, nesting depth and element count are bounded before or while parsing, so a
  big or deeply nested document cannot exhaust memory or the stack of the code that walks it.

It drives `xml.parsers.expat` directly and builds a minimal element tree that keeps the line
of each start tag, which is what validation messages point users at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from engine.bpmn.errors import BpmnError, Problem

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Deeper than any real model (BPMN nests subprocesses a handful of levels); bounds recursion.
MAX_DEPTH = 200
#: Several times the element count of a 10 MiB BPMN file with diagram information; bounds the
#: memory the element tree can take.
MAX_ELEMENTS = 200_000

DTD_REFUSED = "DTDs and entities are not allowed in BPMN files (DOCTYPE, ENTITY and NOTATION are refused)"

# Expat reports a namespaced name as "<uri><separator><local>"; a space can be in neither.
_SEPARATOR = " "


@dataclass(slots=True, eq=False)
class XmlElement:
    """One element: namespace URI ("" when none), local name, attributes, children, text."""

    namespace: str
    local: str
    #: Unqualified attributes by name; namespaced ones as "{uri}local" (ElementTree style).
    attributes: dict[str, str]
    line: int
    children: list[XmlElement] = field(default_factory=list)
    text: str = ""

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attributes.get(name, default)

    def children_in(self, namespace: str) -> list[XmlElement]:
        return [child for child in self.children if child.namespace == namespace]

    def iter(self) -> list[XmlElement]:
        """This element and all its descendants in document order (iteratively, no recursion)."""
        found: list[XmlElement] = []
        stack = [self]
        while stack:
            element = stack.pop()
            found.append(element)
            stack.extend(reversed(element.children))
        return found


class _Refused(Exception):
    """Raised from an expat handler to abort parsing at once; carries the problem."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def parse_xml(
    data: bytes | str | bytearray | memoryview,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_elements: int = MAX_ELEMENTS,
) -> XmlElement:
    """Parse `data` into an element tree, or raise BpmnError with one file-level problem."""
    # An already decoded str is parsed as the UTF-8 we encode it to, whatever its XML
    # declaration says; bytes are decoded as the declaration (or UTF-8 by default) says.
    encoding = None
    if isinstance(data, str):
        encoding = "UTF-8"
        try:
            data = data.encode(encoding)
        except UnicodeEncodeError as error:
            raise BpmnError(
                [Problem(f"the text contains a character that is not valid Unicode: {error.reason}")]
            ) from None
    elif isinstance(data, bytearray | memoryview):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise BpmnError([Problem(f"expected BPMN XML as bytes or str, got {type(data).__name__}")])
    if len(data) > max_bytes:
        raise BpmnError(
            [
                Problem(
                    f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes (size limit exceeded)"
                )
            ]
        )
    builder = _TreeBuilder(encoding, max_elements)
    try:
        builder.parser.Parse(data, True)
    except _Refused as refused:
        raise BpmnError([refused.problem]) from None
    except (LookupError, ValueError) as error:
        # Only pyexpat's unknown-encoding hook raises these: the declared encoding is not one
        # expat can use (unknown, multi-byte outside UTF-8/16, or not a text codec).
        raise BpmnError(
            [Problem(f"unsupported character encoding ({error}); save the file as UTF-8")]
        ) from None
    except expat.ExpatError as error:
        message = expat.ErrorString(error.code) if error.code else str(error)
        raise BpmnError(
            [
                Problem(
                    f"malformed XML: {message} (line {error.lineno}, column {error.offset + 1})",
                    line=error.lineno,
                )
            ]
        ) from None
    if builder.root is None:  # expat reports "no element found" first; kept for safety
        raise BpmnError([Problem("malformed XML: the document has no root element")])
    return builder.root


class _TreeBuilder:
    def __init__(self, encoding: str | None, max_elements: int) -> None:
        self.root: XmlElement | None = None
        self._max_elements = max_elements
        self._stack: list[XmlElement] = []
        self._text: list[list[str]] = []
        self._count = 0
        parser = expat.ParserCreate(encoding, namespace_separator=_SEPARATOR)
        # Parameter entities could pull in external DTD subsets; never process them.
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.buffer_text = True
        parser.ordered_attributes = False
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        parser.EntityDeclHandler = self._refuse_dtd
        parser.UnparsedEntityDeclHandler = self._refuse_dtd
        parser.NotationDeclHandler = self._refuse_dtd
        parser.ExternalEntityRefHandler = self._refuse_dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        self.parser = parser

    def _refuse_dtd(self, *_args: object) -> None:
        raise _Refused(Problem(DTD_REFUSED, line=self.parser.CurrentLineNumber))

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._count += 1
        line = self.parser.CurrentLineNumber
        if self._count > self._max_elements:
            raise _Refused(Problem(f"the document has more than {self._max_elements:,} elements", line=line))
        if len(self._stack) >= MAX_DEPTH:
            raise _Refused(Problem(f"elements are nested more than {MAX_DEPTH} levels deep", line=line))
        namespace, local = _split(name)
        element = XmlElement(
            namespace=namespace,
            local=local,
            attributes={_attribute_key(key): value for key, value in attributes.items()},
            line=line,
        )
        if self._stack:
            self._stack[-1].children.append(element)
        else:
            self.root = element
        self._stack.append(element)
        self._text.append([])

    def _end(self, _name: str) -> None:
        element = self._stack.pop()
        element.text = "".join(self._text.pop())

    def _characters(self, data: str) -> None:
        if self._text:
            self._text[-1].append(data)


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(_SEPARATOR)
    return namespace, local


def _attribute_key(name: str) -> str:
    namespace, local = _split(name)
    return f"{{{namespace}}}{local}" if namespace else local
