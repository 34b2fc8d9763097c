"""bench/fuzz_parser.py for a few seconds: both input families run, generated models both parse and
are refused, and a crashing parser is caught."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.bpmn import BpmnError, Problem, parse_bpmn

pytestmark = pytest.mark.slow


def crashing_parser(data: bytes | str) -> object:
    """A deliberately broken target for the fuzzer: a KeyError on every input the parser accepts."""
    parse_bpmn(data)
    raise KeyError("deliberate crash after a successful parse")


def refusing_parser(data: bytes | str) -> object:
    raise BpmnError([Problem("refused", line=1)])


def summary(stdout: str) -> dict[str, str]:
    """The first table's only row, by column."""
    headers, _, row = [cells(line) for line in stdout.splitlines() if line.startswith("|")][:3]
    return dict(zip(headers, row, strict=True))


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("|").split("|")]


def family_rows(stdout: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for line in stdout.splitlines() if (row := cells(line))[0].endswith(" models")}


def test_it_fuzzes_both_families_without_unhandled_exceptions(run_bench, tmp_path: Path) -> None:
    result = run_bench("fuzz_parser.py", "--seconds", "5", "--seed", "3", "--failures", str(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout)["unhandled exceptions"] == "0"
    families = family_rows(result.stdout)
    assert int(families["mutated real models"][0]) > 0
    generated_tried, generated_parsed, generated_refused = map(int, families["generated models"][:3])
    # Generated models are built well-formed or wired at random: some parse to a graph, some are refused.
    assert generated_parsed > 0, result.stdout
    assert generated_refused > 0, result.stdout
    assert generated_parsed + generated_refused == generated_tried
    well_formed = re.search(r"well-formed generated models: (\d+) tried, (\d+) refused", result.stdout)
    assert int(well_formed.group(1)) > 0
    assert well_formed.group(2) == "0", result.stdout
    assert not list(tmp_path.iterdir())


def test_it_saves_the_input_and_traceback_of_an_unhandled_exception(run_bench, tmp_path: Path) -> None:
    result = run_bench(
        "fuzz_parser.py",
        *("--seconds", "4", "--failures", str(tmp_path)),
        *("--target", "tests.bench.test_fuzz_parser.crashing_parser"),
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert int(summary(result.stdout)["unhandled exceptions"]) > 0
    saved = sorted(tmp_path.glob("KeyError-*.txt"))
    assert len(saved) == 1
    assert "deliberate crash after a successful parse" in saved[0].read_text()
    assert parse_bpmn(saved[0].with_suffix(".bpmn").read_bytes())


def test_the_same_seed_tries_the_same_inputs(run_bench, tmp_path: Path) -> None:
    def digest(seed: str) -> str:
        result = run_bench(
            "fuzz_parser.py",
            *("--seconds", "30", "--inputs", "60", "--seed", seed, "--failures", str(tmp_path)),
            *("--target", "tests.bench.test_fuzz_parser.refusing_parser"),
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return re.search(r"inputs digest \(same seed, same inputs\): (\w+)", result.stdout).group(1)

    assert digest("5") == digest("5")
    assert digest("5") != digest("6")
