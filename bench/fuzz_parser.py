"""Parser fuzzing: every input either parses to a ProcessGraph or is refused with a BpmnError.

    .venv/bin/python bench/fuzz_parser.py --minutes 10 [--seed N]

Hypothesis generates inputs for a fixed wall-clock budget, in two families:

- mutated real models: the BPMN corpus ($BPM_CORPUS_DIR, default ../shared/corpus),
  tests/models/bpmn/*.bpmn and examples/*.bpmn, with elements deleted, duplicated, swapped,
  moved, renamed to other kinds or nested hundreds deep, attributes deleted or set to other
  ids of the file and odd or huge strings, texts (scripts, conditions, timers) replaced; then
  bytes flipped, truncated, slices cut or repeated, DOCTYPE/entities, processing
  instructions, invalid UTF-8, byte order marks and other encodings injected, or the file
  padded past the size limit, and sometimes passed as str (with lone surrogates) not bytes;
- generated models, half of them in each of two modes:
  - well-formed: 1-2 block-structured processes that should parse to a ProcessGraph (start ->
    tasks, intermediate events, gateway splits with matching joins, loops, event-based choices,
    subprocesses and transactions with their own start and end, event subprocesses, boundary
    events with their own way out, compensation handlers; valid scripts, conditions, timers,
    handlers and references), so that building graphs is fuzzed too;
  - wired at random: processes built from the element kinds the engine knows (NodeKind), with
    event definitions, scripts, conditions, handlers and boundary events, wired at random from
    a small pool of ids (dangling references, cycles, duplicate ids, several processes).
  A well-formed model that is refused is not a failure, but is counted and its first problem
  printed: either the generator or the parser is wrong.

Each input goes to the target (default: this module's `parse_every_process`, which is what
deploying does, for every process of the file); anything it raises other than BpmnError is an
unhandled exception, and so is a single input running past --input-limit (a SIGALRM timer
interrupts it). Each distinct failure site (exception type and innermost frame) keeps its
smallest input in --failures (default var/fuzz-failures/): <site>.bpmn holds the exact bytes,
<site>.txt the traceback, how the input was made and how to replay it. Prints Markdown tables
and exits 1 when anything failed. With --seed the sequence of inputs is reproducible: the same
seed tries the same inputs in the same order, the budget decides how far along it gets (the
printed digest identifies the sequence). Hypothesis runs without its example database.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import importlib
import itertools
import os
import random
import re
import resource
import signal
import sys
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from bench.common import REPO, markdown_table
from engine.bpmn import BPM_NS, DEFAULT_MAX_BYTES, BpmnError, NodeKind, list_processes, parse_bpmn
from engine.bpmn.support import BPMN_MODEL_NS

#: Examples per Hypothesis run; the budget is checked between runs and before every input.
ROUND_EXAMPLES = 200
MUTATED, GENERATED = "mutated real models", "generated models"

Target = Callable[[bytes | str], object]
FuzzInput = tuple[str, bytes | str, str]  # (family, input, how it was made)
#: Strategies draw recipes, cheap to draw; an input is built only when the budget allows trying it.
Recipe = Callable[[], FuzzInput]


def parse_every_process(data: bytes | str) -> object:
    """What deploying does, for each process of the file, and for the file as a whole."""
    graphs = [parse_bpmn(data, process_id=info.id) for info in list_processes(data)]
    return graphs or parse_bpmn(data)


def seed_models() -> list[bytes]:
    corpus = Path(os.environ.get("BPM_CORPUS_DIR") or REPO.parent / "shared" / "corpus")
    paths = sorted(
        [*corpus.rglob("*.bpmn"), *REPO.glob("tests/models/bpmn/*.bpmn"), *REPO.glob("examples/*.bpmn")]
    )
    return [path.read_bytes() for path in paths]


# --- Mutations of real models ---------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "x",
    "true",
    "false",
    "TRUE",
    "-1",
    "0",
    "1e309",
    "NaN",
    "${",
    "${x}",
    "#{x}",
    "x ==",
    "1/0",
    "a.b.c",
    "__import__('os')",
    "P",
    "PT",
    "P1D",
    "PT-1S",
    "R-1/PT0S",
    "R/PT1S",
    "R99999999999/P1D",
    "2024-13-45T99:00:00",
    "99999-01-01T00:00:00Z",
    "\u202e",
    "😀",
    "<>&\"'",
    "\t\n\r",
    "a b",
    "{}",
    "[]",
    "#",
    "sid-1",
    "bpmn:startEvent",
    "urn:x",
    "expression",
    "javascript",
    "python",
    "groovy",
]
ATTRIBUTES = [
    "id",
    "name",
    "sourceRef",
    "targetRef",
    "attachedToRef",
    "default",
    "cancelActivity",
    "isExecutable",
    "messageRef",
    "signalRef",
    "errorRef",
    "escalationRef",
    "activityRef",
    "errorCode",
    "escalationCode",
    "scriptFormat",
    "triggeredByEvent",
    "isInterrupting",
    "waitForCompletion",
    "isForCompensation",
    "processRef",
    "gatewayDirection",
    "eventGatewayType",
    "instantiate",
    "calledElement",
    f"{{{BPM_NS}}}type",
    f"{{{BPM_NS}}}retry",
    f"{{{BPM_NS}}}assignee",
    f"{{{BPM_NS}}}formKey",
    f"{{{BPM_NS}}}correlationKey",
    f"{{{BPM_NS}}}payload",
    f"{{{BPM_NS}}}errorCodeVariable",
    "{http://camunda.org/schema/1.0/bpmn}class",
    "{http://camunda.org/schema/1.0/bpmn}asyncBefore",
]
EVENT_DEFINITIONS = [
    "timerEventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "terminateEventDefinition",
    "compensateEventDefinition",
    "cancelEventDefinition",
    "conditionalEventDefinition",
    "linkEventDefinition",
]
ELEMENT_NAMES = [
    *(kind.value for kind in NodeKind),
    *EVENT_DEFINITIONS,
    "sequenceFlow",
    "process",
    "definitions",
    "callActivity",
    "adHocSubProcess",
    "complexGateway",
    "businessRuleTask",
    "laneSet",
    "lane",
    "extensionElements",
    "conditionExpression",
    "script",
    "timeDuration",
    "timeCycle",
    "timeDate",
    "message",
    "signal",
    "error",
    "escalation",
    "multiInstanceLoopCharacteristics",
    "incoming",
    "outgoing",
    "documentation",
    "dataObject",
    "textAnnotation",
    "association",
]
DOCTYPES = [
    b'<!DOCTYPE definitions [<!ENTITY a "aaaaaaaaaa">]>',
    b'<!DOCTYPE d [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;">]>',
    b'<!DOCTYPE definitions SYSTEM "file:///etc/passwd">',
    b'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>',
    b'<!DOCTYPE d PUBLIC "-//X//Y" "http://127.0.0.1:1/x.dtd">',
    b'<!DOCTYPE d [<!NOTATION n SYSTEM "x"><!ENTITY u SYSTEM "x" NDATA n>]>',
    b"<!DOCTYPE d>",
]
INSERTIONS = [
    b"&a;",
    b"&xxe;",
    b"&#0;",
    b"&#xD800;",
    b"&#x110000;",
    b"&lt;",
    b"&unknown;",
    b"<![CDATA[ x ]]>",
    b"<?pi data?>",
    b"<?xml version='1.0'?>",
    b"<!-- -- -->",
    b"<!-- c -->",
    b"\x00",
    b"]]>",
    b"<",
    b">",
    b'xmlns:x="urn:x"',
    b'xmlns=""',
    b'xmlns:bpmn=""',
    b' a="1" a="2"',
    b"</",
    b"<x:y>",
    b"\r\n",
    b"\r",
]
INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"]
ENCODINGS = [
    "UTF-16",
    "utf-16le",
    "UTF-32",
    "ISO-8859-1",
    "windows-1252",
    "cp500",
    "us-ascii",
    "shift_jis",
    "euc-jp",
    "gb2312",
    "big5",
    "utf-7",
    "rot13",
    "base64",
    "hex",
    "idna",
    "punycode",
    "bogus",
    "",
    "utf_8_sig",
    "mbcs",
    "zlib",
    "undefined",
    "x-user-defined",
]
#: Control characters, ASCII, Latin, right-to-left, private use, astral: no surrogates, which
#: ElementTree cannot write (lone surrogates come in through str inputs).
TEXT_CODE_POINTS = [*range(0x20), *range(0x20, 0x250), *range(0x590, 0x600), 0xFEFF, 0xFFFE, 0xE000, 0x1F600]
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_TAG = re.compile(rb"<[A-Za-z_][^<>]*>")


def _odd_value(rng: random.Random, ids: list[str]) -> str:
    """Another id of the file (rewiring), an odd string, random text or a huge string."""
    choice = rng.randint(0, 9)
    if choice < 4 and ids:
        return rng.choice(ids)
    if choice < 7:
        return rng.choice(ODD_STRINGS)
    if choice < 9:
        # Surrogates cannot be written by ElementTree; lone surrogates come in through str inputs.
        return "".join(chr(rng.choice(TEXT_CODE_POINTS)) for _ in range(rng.randint(0, 20)))
    return rng.choice(["x", "${a}", "é", "&"]) * rng.randint(1, 1_000_000)


TREE_OPERATIONS = [
    "delete",
    "duplicate",
    "swap",
    "move",
    "rename",
    "delete attribute",
    "set attribute",
    "set text",
    "nest",
]
BYTE_OPERATIONS = [
    "flip",
    "truncate",
    "cut",
    "repeat",
    "insert",
    "doctype",
    "invalid utf-8",
    "bom",
    "encoding",
    "swap tags",
    "pad past limit",
]


def _tree_mutation(rng: random.Random, root: ET.Element, operation: str) -> str:
    """Change the element tree by `operation` on a random element; returns what was done."""
    pairs = [(parent, child) for parent in root.iter() for child in parent]
    if not pairs:
        return "none (empty root)"
    parent, element = rng.choice(pairs)
    ids = [value for e in root.iter() if (value := e.get("id"))]
    local = element.tag.rpartition("}")[2]
    if operation == "delete":
        parent.remove(element)
    elif operation == "duplicate":
        parent.insert(list(parent).index(element), copy.deepcopy(element))
    elif operation == "swap":
        other_parent, other = rng.choice(pairs)
        if other is element or element in other.iter() or other in element.iter():
            return "swap (skipped: related elements)"
        i, j = list(parent).index(element), list(other_parent).index(other)
        parent[i], other_parent[j] = other, element
    elif operation == "move":
        target = rng.choice(list(root.iter()))
        if target in element.iter():
            return "move (skipped: into itself)"
        parent.remove(element)
        target.append(element)
    elif operation == "rename":
        namespace = element.tag.rpartition("}")[0] + "}" if "}" in element.tag else ""
        element.tag = namespace + rng.choice(ELEMENT_NAMES)
    elif operation == "delete attribute":
        if element.attrib:
            del element.attrib[rng.choice(sorted(element.attrib))]
    elif operation == "set attribute":
        name = rng.choice(sorted(element.attrib)) if element.attrib and rng.random() < 0.5 else None
        element.set(name or rng.choice(ATTRIBUTES), _odd_value(rng, ids))
    elif operation == "set text":
        element.text = _odd_value(rng, ids)
    else:
        depth = rng.choice([2, 10, 150, 199, 200, 201, 400])
        wrapper = rng.choice(["subProcess", "extensionElements", "transaction", "x"])
        namespace = element.tag.rpartition("}")[0] + "}" if "}" in element.tag else ""
        outer = inner = ET.Element(namespace + wrapper, {"id": f"nest{depth}"})
        for level in range(depth - 1):
            child = ET.SubElement(inner, namespace + wrapper, {"id": f"nest{depth}-{level}"})
            inner = child
        inner.append(element)
        parent[list(parent).index(element)] = outer
        return f"nest {local} {depth} deep in {wrapper}"
    return f"{operation} {local}"


def _byte_mutation(rng: random.Random, data: bytes, operation: str) -> tuple[bytes, str]:
    """Change the bytes of a serialized model by `operation`; returns the new bytes and what was done."""
    at = rng.randint(0, len(data))
    if operation == "flip":
        for _ in range(rng.randint(1, 8)):
            i = rng.randint(0, max(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ rng.randint(1, 255)]) + data[i + 1 :] if data else data
    elif operation == "truncate":
        data = data[:at]
    elif operation in ("cut", "repeat"):
        end = rng.randint(at, min(len(data), at + 200))
        times = rng.randint(2, 50) if operation == "repeat" else 0
        data = data[:at] + data[at:end] * times + data[end:]
    elif operation == "insert":
        data = data[:at] + rng.choice(INSERTIONS) + data[at:]
    elif operation == "doctype":
        declaration = _DECLARATION.match(data)
        split = declaration.end() if declaration and rng.random() < 0.5 else at
        data = data[:split] + rng.choice(DOCTYPES) + data[split:]
    elif operation == "invalid utf-8":
        data = data[:at] + rng.choice(INVALID_UTF8) + data[at:]
    elif operation == "bom":
        data = rng.choice(BOMS) + data
    elif operation == "encoding":
        encoding = rng.choice(ENCODINGS)
        body = _DECLARATION.sub(b"", data, count=1)
        data = f'<?xml version="1.0" encoding="{encoding}"?>'.encode() + body
        operation = f"encoding {encoding!r}"
        if encoding.lower().startswith("utf-16") and rng.random() < 0.5:
            data = data.decode("utf-8", errors="replace").encode(encoding)
            operation += " (re-encoded)"
    elif operation == "swap tags":
        tags = list(_TAG.finditer(data))
        if len(tags) >= 2:
            a, b = sorted((rng.choice(tags), rng.choice(tags)), key=lambda match: match.start())
            if a.end() <= b.start():
                data = data[: a.start()] + b.group() + data[a.end() : b.start()] + a.group() + data[b.end() :]
    else:
        data = data + b"<!--" + b" " * (DEFAULT_MAX_BYTES - len(data)) + b"-->"
    return data, operation


def mutated_model(
    rng: random.Random, seed_model: bytes, tree_operations: list[str], byte_operations: list[str]
) -> tuple[bytes, list[str]]:
    """`seed_model` changed by the element tree operations, serialized, then by the byte operations."""
    data, steps = seed_model, []
    if tree_operations:
        root = ET.fromstring(data)  # noqa: S314 - our own seed models, read before any mutation
        steps += [_tree_mutation(rng, root, operation) for operation in tree_operations]
        data = ET.tostring(root, encoding="utf-8")
    for operation in byte_operations:
        data, step = _byte_mutation(rng, data, operation)
        steps.append(step)
    return data, steps


@st.composite
def mutated_models(draw: st.DrawFn, seeds: list[bytes]) -> Recipe:
    """Hypothesis picks the seed model and the operations; a seeded Random picks where they apply."""
    index = draw(st.integers(0, len(seeds) - 1))
    tree_operations = draw(st.lists(st.sampled_from(TREE_OPERATIONS), max_size=4))
    byte_operations = draw(st.lists(st.sampled_from(BYTE_OPERATIONS), max_size=3))
    as_str = draw(st.integers(0, 9)) == 0
    rng_seed = draw(st.integers(0, 2**64 - 1))

    def build() -> FuzzInput:
        rng = random.Random(rng_seed)  # noqa: S311 - fuzzing, not cryptography
        data, steps = mutated_model(rng, seeds[index], tree_operations, byte_operations)
        how = "; ".join([f"seed model #{index}", *steps])
        if as_str:
            return MUTATED, data.decode("utf-8", errors="surrogateescape"), how + "; passed as str"
        return MUTATED, data, how

    return build


# --- Generated models -------------------------------------------------------------------------

EVENTS = {
    NodeKind.START_EVENT,
    NodeKind.END_EVENT,
    NodeKind.INTERMEDIATE_THROW_EVENT,
    NodeKind.INTERMEDIATE_CATCH_EVENT,
    NodeKind.BOUNDARY_EVENT,
}
SCOPES = {NodeKind.SUB_PROCESS, NodeKind.TRANSACTION}
TIDY_KINDS = [
    NodeKind.TASK,
    NodeKind.MANUAL_TASK,
    NodeKind.SCRIPT_TASK,
    NodeKind.SERVICE_TASK,
    NodeKind.USER_TASK,
    NodeKind.EXCLUSIVE_GATEWAY,
    NodeKind.PARALLEL_GATEWAY,
    NodeKind.SUB_PROCESS,
]
EXPRESSIONS = ["x > 1", "x == 'a'", "true", "false", "y", "1 +", "x = 1", "not x", "len(items) > 0", ""]
SCRIPTS = [
    "x = 1",
    "x = 1",
    "y = x + 1\nz = y * 2",
    "x =",
    "= 1",
    "import os",
    "items = [1, 2]",
    "x = y +* 2",
]
TIMERS = ["PT1S", "P1D", "R3/PT10M", "2030-01-01T00:00:00Z", "PT", "R/PT1S", "bogus", "${due}"]


def _ref(rng: random.Random, ids: list[str]) -> str:
    """Mostly an id of the model; sometimes a dangling or empty reference."""
    return rng.choice([*ids, "missing", ""]) if rng.randint(0, 5) else "missing"


def _event_definition(rng: random.Random, ids: list[str]) -> str:
    kind = rng.choice(EVENT_DEFINITIONS)
    attributes = {
        "messageEventDefinition": "messageRef",
        "signalEventDefinition": "signalRef",
        "errorEventDefinition": "errorRef",
        "escalationEventDefinition": "escalationRef",
        "compensateEventDefinition": "activityRef",
    }
    attribute = f" {attributes[kind]}={quoteattr(_ref(rng, ids))}" if kind in attributes else ""
    body = ""
    if kind == "timerEventDefinition":
        which = rng.choice(["timeDuration", "timeCycle", "timeDate"])
        body = f"<{which}>{escape(rng.choice(TIMERS))}</{which}>"
    elif kind == "conditionalEventDefinition":
        body = f"<condition>{escape(rng.choice(EXPRESSIONS))}</condition>"
    return f"<{kind}{attribute}>{body}</{kind}>"


def _node(rng: random.Random, node_id: str, ids: list[str], depth: int, kind: NodeKind) -> str:
    attributes = {"id": node_id}
    body = ""
    if kind in EVENTS and rng.random() < 0.3:
        body += "".join(_event_definition(rng, ids) for _ in range(rng.randint(1, 2)))
    if kind is NodeKind.BOUNDARY_EVENT:
        attributes["attachedToRef"] = _ref(rng, ids)
        if rng.random() < 0.5:
            attributes["cancelActivity"] = rng.choice(["true", "false", "maybe"])
    if kind is NodeKind.SCRIPT_TASK:
        body += f"<script>{escape(rng.choice(SCRIPTS))}</script>"
    if kind in (NodeKind.SERVICE_TASK, NodeKind.SEND_TASK) and rng.random() < 0.5:
        attributes["bpm:type"] = rng.choice(["noop", "cli", "http", "", "unknown"])
    if kind is NodeKind.USER_TASK and rng.random() < 0.5:
        attributes["bpm:assignee"] = rng.choice(["alice", "${who}", ""])
    if kind in (NodeKind.EXCLUSIVE_GATEWAY, NodeKind.INCLUSIVE_GATEWAY) and rng.random() < 0.5:
        attributes["default"] = _ref(rng, ids)
    if kind in SCOPES and depth < 3:
        if rng.random() < 0.5:
            attributes["triggeredByEvent"] = rng.choice(["true", "false"])
        body += _flow_elements(rng, f"{node_id}_", depth + 1)
    if rng.randint(0, 15) == 0:
        attributes["isForCompensation"] = "true"
    rendered = "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())
    return f"<{kind.value}{rendered}>{body}</{kind.value}>"


def _flow_elements(rng: random.Random, prefix: str, depth: int) -> str:
    """Nodes and sequence flows of one scope.

    Half the scopes are tidy, a start event, a chain of nodes and an end event wired in order plus
    a few extra flows, so that some models get past wiring checks; the others draw kinds and ids
    from a small pool (duplicate ids) and wire flows at random (dangling references, cycles).
    """
    count = rng.randint(1, 8)
    if rng.random() < 0.5:
        node_ids = [f"{prefix}n{i}" for i in range(count + 2)]
        kinds = [NodeKind.START_EVENT, *(rng.choice(TIDY_KINDS) for _ in range(count)), NodeKind.END_EVENT]
        wiring = list(itertools.pairwise(node_ids))
        wiring += [(rng.choice(node_ids), rng.choice(node_ids)) for _ in range(rng.randint(0, 2))]
    else:
        node_ids = [f"{prefix}n{rng.randint(0, count + 1)}" for _ in range(count)]
        kinds = [rng.choice(list(NodeKind)) for _ in node_ids]
        wiring = [("", "") for _ in range(rng.randint(0, count + 2))]
    flow_ids = [f"{prefix}f{i}" for i in range(len(wiring))]
    ids = node_ids + flow_ids
    parts = [_node(rng, node_id, ids, depth, kind) for node_id, kind in zip(node_ids, kinds, strict=True)]
    for flow_id, (source, target) in zip(flow_ids, wiring, strict=True):
        condition = ""
        if rng.randint(0, 3) == 0:
            condition = f"<conditionExpression>{escape(rng.choice(EXPRESSIONS))}</conditionExpression>"
        parts.append(
            f"<sequenceFlow id={quoteattr(flow_id)} sourceRef={quoteattr(source or _ref(rng, ids))}"
            f" targetRef={quoteattr(target or _ref(rng, ids))}>{condition}</sequenceFlow>"
        )
    return "\n".join(parts)


def generated_model(rng: random.Random) -> bytes:
    """A file of message/signal/error/escalation definitions and 1-3 processes of random elements."""
    roots = [
        f'<{local} id="{local}{i}" {code}="{local}-code-{i}" name="{local} {i}"/>'
        for local, code in (
            ("message", "name"),
            ("signal", "name"),
            ("error", "errorCode"),
            ("escalation", "escalationCode"),
        )
        for i in range(rng.randint(0, 2))
    ]
    processes = [
        f'<process id="p{i % 2 if rng.random() < 0.5 else i}"'
        f' isExecutable="{rng.choice(["true", "false", "yes"])}">\n'
        f"{_flow_elements(rng, f'p{i}_', 0)}\n</process>"
        for i in range(rng.randint(1, 3))
    ]
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{BPMN_MODEL_NS}" xmlns:bpm="{BPM_NS}"'
        f' id="generated" targetNamespace="urn:fuzz">\n' + "\n".join(roots + processes) + "\n</definitions>\n"
    )
    return text.encode()


# --- Well-formed generated models -------------------------------------------------------------

#: Share of generated models built well-formed (they should parse); the rest are wired at random.
WELL_FORMED_SHARE = 0.5
WELL_FORMED, RANDOMLY_WIRED = "generated well-formed model", "generated model wired at random"
VALID_CONDITIONS = [
    "x > 1",
    "x == 'a'",
    "true",
    "false",
    "not x",
    "len(items) > 0",
    "${x > 1}",
    "#{approved}",
    "x >= 2 and y < 3",
]
VALID_SCRIPTS = [
    "x = 1",
    "y = x + 1\nz = y * 2",
    "items = [1, 2]",
    "done = true",
    "approved = amount < 100",
    "\n    x = 1\n    y = x + 1\n  ",
]
VALID_TIMERS = [
    ("timeDuration", "PT1M"),
    ("timeDuration", "PT1S"),
    ("timeDuration", "P1D"),
    ("timeCycle", "R3/PT10M"),
    ("timeCycle", "R1/PT1H"),
    ("timeDate", "2030-01-01T00:00:00Z"),
]
NAMES = ["Review", "Prüfen & freigeben", "a < b", "😀", "\u202eltr", "  spaced  "]
#: Root elements every well-formed model declares: what its events and tasks refer to.
WELL_FORMED_ROOTS = [
    '<message id="m1" name="order placed"/>',
    '<message id="m2" name="payment received"/>',
    '<signal id="s1" name="alarm"/>',
    '<error id="e1" name="failed" errorCode="E1"/>',
    '<escalation id="x1" name="late" escalationCode="X1"/>',
]


def _tag(local: str, attributes: dict[str, str | None], body: str = "") -> str:
    rendered = "".join(
        f" {name}={quoteattr(value)}" for name, value in attributes.items() if value is not None
    )
    return f"<{local}{rendered}>{body}</{local}>" if body else f"<{local}{rendered}/>"


def _timer(rng: random.Random) -> str:
    which, text = rng.choice(VALID_TIMERS)
    return f"<timerEventDefinition><{which}>{text}</{which}></timerEventDefinition>"


def _message(rng: random.Random) -> str:
    return f'<messageEventDefinition messageRef="{rng.choice(["m1", "m2"])}"/>'


@dataclass
class WellFormed:
    """Builds one block-structured process that should parse: every element is supported and
    every reference resolves.

    A scope is a start event, a block and an end event; a block is a sequence of items wired in
    order; an item is an activity (sometimes with boundary events, each leading to its own end),
    an intermediate event, a split and join of one gateway kind, a loop, an event-based choice
    or a subprocess (a scope of its own, sometimes a transaction). Scopes sometimes hold an
    event subprocess. Ids are unique in the process; `budget` bounds its size.
    """

    rng: random.Random
    prefix: str
    budget: int = 40
    count: int = 0

    def new_id(self, what: str) -> str:
        self.count += 1
        return f"{self.prefix}{what}{self.count}"

    def named(self, attributes: dict[str, str | None]) -> dict[str, str | None]:
        if self.rng.random() < 0.2:
            attributes["name"] = self.rng.choice(NAMES)
        return attributes

    def flow(self, out: list[str], source: str, target: str, condition: str | None = None) -> str:
        flow_id = self.new_id("f")
        body = f"<conditionExpression>{escape(condition)}</conditionExpression>" if condition else ""
        out.append(
            _tag("sequenceFlow", self.named({"id": flow_id, "sourceRef": source, "targetRef": target}), body)
        )
        return flow_id

    def node(self, out: list[str], local: str, what: str, body: str = "", **attributes: str | None) -> str:
        node_id = self.new_id(what)
        out.append(_tag(local, self.named({"id": node_id, **attributes}), body))
        return node_id

    def scope(self, out: list[str], depth: int, start: str = "", end: str = "") -> None:
        """start -> block -> end in `out`; `start` and `end` are event definitions (none if empty)."""
        first, last = self.block(out, depth)
        self.flow(out, self.node(out, "startEvent", "start", start), first)
        self.flow(out, last, self.node(out, "endEvent", "end", end))
        if depth < 3 and self.budget > 0 and self.rng.random() < 0.2:
            self.event_subprocess(out, depth, in_subprocess=depth > 0)

    def end_definition(self, in_subprocess: bool) -> str:
        """What an end event throws: mostly nothing; error and escalation inside subprocesses."""
        choices = ["", "", "", "<terminateEventDefinition/>", '<signalEventDefinition signalRef="s1"/>']
        choices.append(f'<messageEventDefinition messageRef="{self.rng.choice(["m1", "m2"])}"/>')
        if in_subprocess:
            choices += ['<errorEventDefinition errorRef="e1"/>', "<errorEventDefinition/>"]
            choices += ['<escalationEventDefinition escalationRef="x1"/>', "<compensateEventDefinition/>"]
        return self.rng.choice(choices)

    def block(self, out: list[str], depth: int) -> tuple[str, str]:
        items = [self.item(out, depth) for _ in range(self.rng.randint(1, 3))]
        for (_, last), (first, _) in itertools.pairwise(items):
            self.flow(out, last, first)
        return items[0][0], items[-1][1]

    def item(self, out: list[str], depth: int) -> tuple[str, str]:
        """One item of a block: (its entry, its exit)."""
        self.budget -= 1
        choices = ["activity", "activity", "activity", "event"]
        if depth < 3 and self.budget > 0:
            choices += ["split", "split", "loop", "event-based gateway", "subprocess"]
        choice = self.rng.choice(choices)
        if choice == "activity":
            node_id = self.activity(out)
            return node_id, node_id
        if choice == "event":
            node_id = self.intermediate_event(out)
            return node_id, node_id
        if choice == "split":
            return self.split(out, depth)
        if choice == "loop":
            return self.loop(out, depth)
        if choice == "event-based gateway":
            return self.event_based_choice(out, depth)
        node_id = self.subprocess(out, depth)
        return node_id, node_id

    def activity(self, out: list[str]) -> str:
        rng = self.rng
        local = rng.choice(
            ["task", "manualTask", "scriptTask", "serviceTask", "userTask", "sendTask", "receiveTask"]
        )
        attributes: dict[str, str | None] = {}
        body = ""
        if local == "scriptTask":
            attributes["scriptFormat"] = rng.choice([None, "expression"])
            body = f"<script>{escape(rng.choice(VALID_SCRIPTS))}</script>"
        elif local == "serviceTask":
            attributes["bpm:type"] = rng.choice(["noop", "noop", "cli"])
            attributes["bpm:retry"] = rng.choice([None, "R3/PT10S"])
        elif local == "userTask":
            attributes["bpm:assignee"] = rng.choice([None, "alice", "${initiator}"])
            attributes["bpm:candidateGroups"] = rng.choice([None, "reviewers, managers"])
        elif local == "sendTask":
            if rng.random() < 0.5:
                attributes["bpm:type"] = "noop"
            else:
                attributes["messageRef"] = rng.choice(["m1", "m2"])
                attributes["bpm:payload"] = rng.choice([None, "x, y"])
        elif local == "receiveTask":
            attributes["messageRef"] = rng.choice(["m1", "m2"])
            attributes["bpm:correlationKey"] = rng.choice([None, "order_id", "${order_id}"])
        node_id = self.node(out, local, local, body, **attributes)
        self.boundary_events(out, node_id)
        return node_id

    def boundary_events(self, out: list[str], host: str) -> None:
        """Sometimes boundary events on `host`, each with its own way out (or a compensation handler)."""
        rng = self.rng
        if rng.random() >= 0.25:
            return
        kinds = rng.sample(
            ["timer", "message", "signal", "error", "escalation", "compensate"], rng.randint(1, 2)
        )
        for kind in kinds:
            interrupting = kind == "error" or rng.random() < 0.5
            definition = {
                "timer": _timer(rng),
                "message": _message(rng),
                "signal": '<signalEventDefinition signalRef="s1"/>',
                "error": rng.choice(['<errorEventDefinition errorRef="e1"/>', "<errorEventDefinition/>"]),
                "escalation": rng.choice(
                    ['<escalationEventDefinition escalationRef="x1"/>', "<escalationEventDefinition/>"]
                ),
                "compensate": "<compensateEventDefinition/>",
            }[kind]
            cancel = None if interrupting else "false"
            boundary = self.node(
                out, "boundaryEvent", f"on_{kind}_", definition, attachedToRef=host, cancelActivity=cancel
            )
            if kind == "compensate":
                handler = self.node(out, rng.choice(["task", "manualTask"]), "undo", isForCompensation="true")
                out.append(
                    _tag("association", {"id": self.new_id("a"), "sourceRef": boundary, "targetRef": handler})
                )
            else:
                self.way_out(out, boundary)

    def way_out(self, out: list[str], source: str) -> None:
        """source -> (a task) -> end event."""
        if self.rng.random() < 0.5:
            task = self.node(out, "task", "handle")
            self.flow(out, source, task)
            source = task
        self.flow(out, source, self.node(out, "endEvent", "end"))

    def intermediate_event(self, out: list[str]) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            definition = rng.choice(
                [
                    "",
                    '<signalEventDefinition signalRef="s1"/>',
                    _message(rng),
                    '<escalationEventDefinition escalationRef="x1"/>',
                    "<compensateEventDefinition/>",
                ]
            )
            return self.node(out, "intermediateThrowEvent", "throw", definition)
        definition = rng.choice([_timer(rng), _message(rng), '<signalEventDefinition signalRef="s1"/>'])
        return self.node(out, "intermediateCatchEvent", "catch", definition)

    def split(self, out: list[str], depth: int) -> tuple[str, str]:
        """A split and a join of the same gateway kind with 2-3 branches (at most one empty)."""
        rng = self.rng
        local = rng.choice(["exclusiveGateway", "parallelGateway", "inclusiveGateway"])
        split_id, join_id = self.new_id("split"), self.new_id("join")
        choosing = local != "parallelGateway"
        branches = rng.randint(2, 3)
        # A choosing gateway's flows carry conditions, but for its default flow, if it has one.
        default_index = branches - 1 if choosing and rng.random() < 0.5 else None
        default = None
        for index in range(branches):
            condition = rng.choice(VALID_CONDITIONS) if choosing and index != default_index else None
            if index == 0 and rng.random() < 0.3:
                flow_id = self.flow(out, split_id, join_id, condition)
            else:
                first, last = self.block(out, depth + 1)
                flow_id = self.flow(out, split_id, first, condition)
                self.flow(out, last, join_id)
            if index == default_index:
                default = flow_id
        out.append(_tag(local, {"id": split_id, "default": default}))
        out.append(_tag(local, {"id": join_id}))
        return split_id, join_id

    def loop(self, out: list[str], depth: int) -> tuple[str, str]:
        """merge -> block -> decision, back to the merge under a condition, on by default."""
        merge, decide = self.new_id("merge"), self.new_id("again")
        first, last = self.block(out, depth + 1)
        self.flow(out, merge, first)
        self.flow(out, last, decide)
        self.flow(out, decide, merge, self.rng.choice(VALID_CONDITIONS))
        exit_id = self.node(out, "task", "after")
        leave = self.flow(out, decide, exit_id)
        out.append(_tag("exclusiveGateway", {"id": merge}))
        out.append(_tag("exclusiveGateway", {"id": decide, "default": leave}))
        return merge, exit_id

    def event_based_choice(self, out: list[str], depth: int) -> tuple[str, str]:
        """An event-based gateway to 2-3 timer or message catches (or receive tasks), joined again."""
        rng = self.rng
        gateway, join = self.new_id("race"), self.new_id("joined")
        out.append(_tag("eventBasedGateway", {"id": gateway}))
        for _ in range(rng.randint(2, 3)):
            if rng.random() < 0.25:
                event = self.node(out, "receiveTask", "receive", messageRef=rng.choice(["m1", "m2"]))
            else:
                definition = _timer(rng) if rng.random() < 0.5 else _message(rng)
                event = self.node(out, "intermediateCatchEvent", "wait", definition)
            self.flow(out, gateway, event)
            if rng.random() < 0.5:
                first, last = self.block(out, depth + 1)
                self.flow(out, event, first)
                event = last
            self.flow(out, event, join)
        out.append(_tag("exclusiveGateway", {"id": join}))
        return gateway, join

    def subprocess(self, out: list[str], depth: int) -> str:
        """A subprocess (or transaction) with a scope of its own."""
        rng = self.rng
        transaction = rng.random() < 0.25
        cancel = transaction and rng.random() < 0.5
        inner: list[str] = []
        end = "<cancelEventDefinition/>" if cancel else self.end_definition(in_subprocess=True)
        self.scope(inner, depth + 1, end=end)
        local = "transaction" if transaction else "subProcess"
        node_id = self.node(out, local, local, "\n" + "\n".join(inner) + "\n")
        if cancel:
            boundary = self.node(
                out, "boundaryEvent", "cancelled", "<cancelEventDefinition/>", attachedToRef=node_id
            )
            self.way_out(out, boundary)
        self.boundary_events(out, node_id)
        return node_id

    def event_subprocess(self, out: list[str], depth: int, *, in_subprocess: bool) -> None:
        """An event subprocess: one triggered start event, a block, an end; no flows in or out."""
        rng = self.rng
        kind = rng.choice(["timer", "message", "signal", "error", "escalation"])
        definition = {
            "timer": _timer(rng),
            "message": _message(rng),
            "signal": '<signalEventDefinition signalRef="s1"/>',
            "error": rng.choice(['<errorEventDefinition errorRef="e1"/>', "<errorEventDefinition/>"]),
            "escalation": '<escalationEventDefinition escalationRef="x1"/>',
        }[kind]
        interrupting = None if kind == "error" or rng.random() < 0.5 else "false"
        inner: list[str] = []
        first, last = self.block(inner, depth + 1)
        start = self.node(inner, "startEvent", "trigger", definition, isInterrupting=interrupting)
        self.flow(inner, start, first)
        self.flow(inner, last, self.node(inner, "endEvent", "end", self.end_definition(in_subprocess)))
        self.node(out, "subProcess", "on_event", "\n" + "\n".join(inner) + "\n", triggeredByEvent="true")

    def process(self, process_id: str) -> str:
        """The process element: its start event is a none start, or sometimes a timer/message/signal one."""
        rng = self.rng
        start = rng.choice(
            ["", "", "", _timer(rng), _message(rng), '<signalEventDefinition signalRef="s1"/>']
        )
        out: list[str] = []
        self.scope(out, 0, start=start, end=self.end_definition(in_subprocess=False))
        if start == "" and rng.random() < 0.2:
            # Another way in: a message start event next to the none start event.
            self.way_out(out, self.node(out, "startEvent", "start", _message(rng)))
        body = "\n".join(out)
        return f'<process id="{process_id}" isExecutable="true">\n{body}\n</process>'


def well_formed_model(rng: random.Random) -> bytes:
    """A file of message/signal/error/escalation definitions and 1-2 well-formed processes."""
    processes = [WellFormed(rng, f"p{i}_").process(f"wf{i}") for i in range(rng.randint(1, 2))]
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{BPMN_MODEL_NS}" xmlns:bpm="{BPM_NS}"'
        f' id="well-formed" targetNamespace="urn:fuzz">\n'
        + "\n".join(WELL_FORMED_ROOTS + processes)
        + "\n</definitions>\n"
    )
    return text.encode()


@st.composite
def generated_models(draw: st.DrawFn) -> Recipe:
    """Hypothesis picks the seed of the Random that builds the model, well-formed or wired at random."""
    model_seed = draw(st.integers(0, 2**64 - 1))

    def build() -> FuzzInput:
        rng = random.Random(model_seed)  # noqa: S311 - fuzzing, not cryptography
        if rng.random() < WELL_FORMED_SHARE:
            return GENERATED, well_formed_model(rng), f"{WELL_FORMED}, seed {model_seed}"
        return GENERATED, generated_model(rng), f"{RANDOMLY_WIRED}, seed {model_seed}"

    return build


# --- Running ----------------------------------------------------------------------------------


class InputTimeLimit(BaseException):
    """Raised by SIGALRM inside the target when one input runs past --input-limit."""


@dataclass
class Family:
    tried: int = 0
    parsed: int = 0
    refused: int = 0
    unhandled: int = 0
    slowest: float = 0.0


@dataclass
class Run:
    target: Target
    failures_dir: Path
    input_limit: float
    seed: int
    deadline: float
    max_inputs: int | None
    families: dict[str, Family] = field(default_factory=lambda: {MUTATED: Family(), GENERATED: Family()})
    #: Smallest failing input per failure site: site -> size of the saved input.
    saved: dict[str, int] = field(default_factory=dict)
    digest: Any = field(default_factory=hashlib.sha256)
    slowest: tuple[float, str] = (0.0, "")
    #: Well-formed generated models tried and refused; what made the first refused one and why.
    well_formed: list[int] = field(default_factory=lambda: [0, 0])
    first_well_formed_refusal: str = ""

    @property
    def tried(self) -> int:
        return sum(family.tried for family in self.families.values())

    def done(self) -> bool:
        return time.monotonic() >= self.deadline or (
            self.max_inputs is not None and self.tried >= self.max_inputs
        )

    def try_input(self, recipe: Recipe) -> None:
        family_name, data, how = recipe()
        family = self.families[family_name]
        self.well_formed[0] += int(how.startswith(WELL_FORMED))
        raw = data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass")
        self.digest.update(hashlib.sha256(raw).digest())
        family.tried += 1
        signal.setitimer(signal.ITIMER_REAL, self.input_limit)
        started = time.perf_counter()
        try:
            self.target(data)
            family.parsed += 1
        except BpmnError as error:
            family.refused += 1
            if how.startswith(WELL_FORMED):
                self.well_formed[1] += 1
                self.first_well_formed_refusal = self.first_well_formed_refusal or f"{how}: {error}"
        except (Exception, InputTimeLimit) as error:
            family.unhandled += 1
            self.record_failure(error, raw, data, how)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - started
        family.slowest = max(family.slowest, elapsed)
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, how)

    def record_failure(self, error: BaseException, raw: bytes, data: bytes | str, how: str) -> None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"
        site = re.sub(r"[^A-Za-z0-9_.-]+", "-", where)
        if site in self.saved and self.saved[site] <= len(raw):
            return
        self.saved[site] = len(raw)
        self.failures_dir.mkdir(parents=True, exist_ok=True)
        (self.failures_dir / f"{site}.bpmn").write_bytes(raw)
        kind = "str (these bytes, decoded as UTF-8 with surrogatepass)" if isinstance(data, str) else "bytes"
        (self.failures_dir / f"{site}.txt").write_text(
            f"{where}\ninput: {site}.bpmn, {len(raw):,} bytes, passed as {kind}\nmade by: {how[:2000]}\n"
            f"seed: {self.seed}\n\n{''.join(traceback.format_exception(error))}"
        )


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise InputTimeLimit("the input ran past the per-input time limit")


def fuzz(run: Run, seeds: list[bytes]) -> None:
    """Hypothesis runs of ROUND_EXAMPLES inputs, seeded seed, seed+1, ..., until the budget is spent."""
    inputs = st.one_of(mutated_models(seeds), generated_models())
    round_number = 0
    while not run.done():

        @settings(
            max_examples=ROUND_EXAMPLES,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @seed(run.seed * 1_000_003 + round_number)
        @given(inputs)
        def one_round(recipe: Recipe) -> None:
            if not run.done():
                run.try_input(recipe)

        one_round()
        round_number += 1


def load_target(dotted: str) -> Target:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget (default: 10)")
    budget.add_argument("--seconds", type=float, help="wall-clock budget in seconds (for smoke tests)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed tries the same inputs in order")
    parser.add_argument("--inputs", type=int, default=None, help="also stop after this many inputs")
    parser.add_argument("--failures", type=Path, default=REPO / "var" / "fuzz-failures")
    parser.add_argument(
        "--input-limit",
        type=float,
        default=10.0,
        help="seconds one input may take before it counts as a failure",
    )
    parser.add_argument(
        "--target",
        default="bench.fuzz_parser.parse_every_process",
        help="dotted name of the function fuzzed: it takes bytes or str and may raise BpmnError only",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    seeds = seed_models()
    if not seeds:
        raise SystemExit("no seed models found (corpus, tests/models/bpmn, examples)")
    signal.signal(signal.SIGALRM, _on_alarm)
    started = time.monotonic()
    run = Run(
        target=load_target(args.target),
        failures_dir=args.failures,
        input_limit=args.input_limit,
        seed=args.seed,
        deadline=started + seconds,
        max_inputs=args.inputs,
    )
    fuzz(run, seeds)
    elapsed = time.monotonic() - started
    families = run.families.values()
    unhandled = sum(family.unhandled for family in families)

    print(f"\n## Parser fuzzing: {args.target}, seed {args.seed}, {len(seeds)} seed models\n")
    print(
        markdown_table(
            (
                "minutes run",
                "inputs tried",
                "parsed",
                "refused with validation errors",
                "unhandled exceptions",
                "inputs/s",
                "slowest input",
                "peak RSS",
            ),
            [
                (
                    f"{elapsed / 60:.2f}",
                    run.tried,
                    sum(family.parsed for family in families),
                    sum(family.refused for family in families),
                    unhandled,
                    f"{run.tried / elapsed:.0f}",
                    f"{run.slowest[0] * 1000:.0f} ms",
                    f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
                )
            ],
        )
    )
    print()
    print(
        markdown_table(
            ("inputs", "tried", "parsed", "refused", "unhandled", "slowest input"),
            [
                (name, f.tried, f.parsed, f.refused, f.unhandled, f"{f.slowest * 1000:.0f} ms")
                for name, f in run.families.items()
            ],
        )
    )
    tried, refused = run.well_formed
    print(f"\nwell-formed generated models: {tried} tried, {refused} refused")
    if refused:
        print(f"first refused (generator or parser wrong?): {run.first_well_formed_refusal[:600]}")
    print(f"slowest input: {run.slowest[1][:300]}")
    print(f"inputs digest (same seed, same inputs): {run.digest.hexdigest()[:16]}")
    if unhandled:
        print(
            f"\nFAIL {unhandled} unhandled exceptions; one input per failure site saved in {args.failures}:"
        )
        for site in sorted(run.saved):
            print(f"- {args.failures / site}.bpmn (.txt: traceback)")
    return 1 if unhandled else 0


if __name__ == "__main__":
    sys.exit(main())
