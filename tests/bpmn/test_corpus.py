"""Every file of the public conformance corpus parses, or is refused with a clear list.

The corpus (BPMN MIWG reference models, as written by their tools and as exported by bpmn.io)
lives next to the repository in ../shared/corpus, or wherever BPM_CORPUS_DIR points. It is
not optional: CI has it, so a missing directory is a failure, not a skip.
"""

from __future__ import annotations

from pathlib import Path

from engine.bpmn import BpmnError, ProcessGraph, list_processes, parse_bpmn

FOLDERS = ("miwg", "miwg-bpmn-io")


def corpus_files(corpus_dir: Path) -> list[Path]:
    assert corpus_dir.is_dir(), (
        f"the BPMN corpus is missing: looked in {corpus_dir} (set BPM_CORPUS_DIR to the folder holding "
        f"{' and '.join(FOLDERS)})"
    )
    files = sorted(path for folder in FOLDERS for path in (corpus_dir / folder).glob("*.bpmn"))
    assert files, f"no .bpmn files in {', '.join(str(corpus_dir / folder) for folder in FOLDERS)}"
    return files


def test_it_finds_the_corpus(corpus_dir: Path) -> None:
    files = corpus_files(corpus_dir)
    assert {path.parent.name for path in files} == set(FOLDERS)


def test_it_parses_or_clearly_refuses_every_process_of_every_corpus_file(corpus_dir: Path) -> None:
    outcomes: dict[str, str] = {}
    for path in corpus_files(corpus_dir):
        data = path.read_bytes()
        processes = list_processes(data)
        assert processes, f"{path.name}: no process listed"
        for info in processes:
            name = f"{path.parent.name}/{path.name}#{info.id}"
            try:
                graph = parse_bpmn(data, process_id=info.id)
            except BpmnError as error:
                assert error.problems, name
                for problem in error.problems:
                    assert problem.message, name
                    assert problem.element_id and problem.element_type and problem.line, f"{name}: {problem}"
                outcomes[name] = "refused"
            else:
                assert isinstance(graph, ProcessGraph)
                assert graph.id == info.id
                outcomes[name] = "accepted"
    # The simplest reference models only use what the engine runs.
    assert outcomes["miwg/A.1.0.bpmn#WFP-6-"] == "accepted"
    assert outcomes["miwg-bpmn-io/A.1.0-export.bpmn#Process_1"] == "accepted"
    assert "refused" in outcomes.values()


def test_it_names_the_unsupported_elements_of_a_corpus_model(corpus_dir: Path) -> None:
    data = (corpus_dir / "miwg" / "A.3.0.bpmn").read_bytes()
    try:
        parse_bpmn(data)
    except BpmnError as error:
        types = {problem.element_type for problem in error.problems}
    else:
        raise AssertionError("A.3.0 has boundary events, which the engine cannot run yet")
    assert "boundaryEvent" in types
