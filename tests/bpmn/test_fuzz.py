"""Whatever bytes arrive, the parser answers with a graph or a BpmnError, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.bpmn import BpmnError, ProcessGraph, list_processes, parse_bpmn

REPO = Path(__file__).resolve().parents[2]
# The same corpus location as the `corpus_dir` fixture; test_corpus.py fails loudly when it is
# missing, so here the example models alone are enough to fuzz with.
CORPUS = Path(os.environ.get("BPM_CORPUS_DIR") or REPO.parent / "shared" / "corpus")
# Small files keep each example fast; they still cover every kind of element the corpus has.
SEEDS = [
    path.read_bytes()
    for path in sorted([*REPO.glob("tests/models/bpmn/*.bpmn"), *CORPUS.glob("*/*.bpmn")])
    if path.stat().st_size < 30_000
]
QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parses_or_refuses(data: bytes | str) -> None:
    try:
        for info in list_processes(data):
            assert isinstance(parse_bpmn(data, process_id=info.id), ProcessGraph)
    except BpmnError as error:
        assert error.problems
        assert all(problem.message for problem in error.problems)


@QUICK
@given(st.binary(max_size=400))
def test_it_survives_arbitrary_bytes(data: bytes) -> None:
    parses_or_refuses(data)


@QUICK
@given(st.text(max_size=300))
def test_it_survives_arbitrary_text(text: str) -> None:
    parses_or_refuses(text)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real model with a few slices deleted, duplicated or replaced by random bytes."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        action = draw(st.sampled_from(["delete", "duplicate", "replace"]))
        if action == "delete":
            data = data[:start] + data[end:]
        elif action == "duplicate":
            data = data[:end] + data[start:end] + data[end:]
        else:
            data = data[:start] + draw(st.binary(max_size=12)) + data[end:]
    return data


@QUICK
@given(mutated(SEEDS))
def test_it_survives_mutated_models(data: bytes) -> None:
    parses_or_refuses(data)


@st.composite
def rewired(draw: st.DrawFn, seeds: list[bytes]) -> str:
    """A real model with attribute values swapped for other values of the file (well-formed XML)."""
    text = draw(st.sampled_from(seeds)).decode("utf-8", errors="replace")
    values = sorted({part.split('"')[0] for part in text.split('="')[1:]})
    for _ in range(draw(st.integers(1, 5))):
        old = draw(st.sampled_from(values))
        new = draw(st.sampled_from([*values, "", "x", "${", "true"]))
        text = text.replace(f'"{old}"', f'"{new}"', 1)
    return text


@QUICK
@given(rewired(SEEDS))
def test_it_survives_models_with_rewired_references(text: str) -> None:
    parses_or_refuses(text)
