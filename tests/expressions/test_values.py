"""Literals, variables, dotted access, indexing and slicing."""

from __future__ import annotations

import pytest

from tests.expressions.evaluation import evaluate, evaluation_error

ORDER = {"total": 250.5, "items": [{"sku": "A1", "qty": 2}, {"sku": "B7", "qty": 1}], "tags": ["rush"]}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("42", 42),
        ("3.25", 3.25),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
        ("'single'", "single"),
        ('"double"', "double"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'a\nb\tc\\d'", "a\nb\tc\\d"),
        (r"'\u00e9t\u00e9'", "été"),
        ("''", ""),
        ("true", True),
        ("false", False),
        ("null", None),
        ("True", True),
        ("False", False),
        ("None", None),
        ("[]", []),
        ("[1, 'two', [3]]", [1, "two", [3]]),
        ("[1, 2,]", [1, 2]),
        ("{}", {}),
        ('{"k": 1, "nested": {"x": [true]}}', {"k": 1, "nested": {"x": [True]}}),
        ("{'a': 1,}", {"a": 1}),
    ],
)
def test_it_reads_literals(source: str, expected: object) -> None:
    assert evaluate(source) == expected
    assert type(evaluate(source)) is type(expected)


def test_it_reads_variables_by_name() -> None:
    assert evaluate("amount", amount=120) == 120
    assert evaluate("größe", größe=3) == 3
    assert evaluate("_private1", _private1="x") == "x"


def test_it_reads_keys_of_json_objects_with_dots() -> None:
    assert evaluate("order.total", order=ORDER) == 250.5
    assert evaluate("order.items[1].sku", order=ORDER) == "B7"
    # A key may be spelled like a reserved word after the dot.
    assert evaluate("x.in + x.empty", x={"in": 1, "empty": 2}) == 3


def test_it_indexes_lists_strings_and_dicts() -> None:
    assert evaluate("items[0]", items=["a", "b", "c"]) == "a"
    assert evaluate("items[-1]", items=["a", "b", "c"]) == "c"
    assert evaluate("name[0]", name="Ada") == "A"
    assert evaluate('order["total"]', order=ORDER) == 250.5
    assert evaluate('order["items"][0]["qty"]', order=ORDER) == 2
    assert evaluate("d[key]", d={"b": 2}, key="b") == 2
    assert evaluate("[10, 20, 30][1]") == 20
    assert evaluate('{"a": 5}.a') == 5


def test_it_slices_lists_and_strings() -> None:
    items = [1, 2, 3, 4]
    assert evaluate("items[1:3]", items=items) == [2, 3]
    assert evaluate("items[:2]", items=items) == [1, 2]
    assert evaluate("items[2:]", items=items) == [3, 4]
    assert evaluate("items[-1:]", items=items) == [4]
    assert evaluate("items[:]", items=items) == items
    assert evaluate("name[1:]", name="Ada") == "da"
    assert evaluate("items[n:]", items=items, n=None) == items


def test_it_names_the_unknown_variable_and_nothing_else() -> None:
    error = evaluation_error("amount > limit", amount=5, secret="do not show")
    assert error.message == "unknown variable 'limit'"
    assert error.column == 10
    assert error.source == "amount > limit"


def test_it_names_the_missing_key_and_where_it_was_looked_for() -> None:
    assert evaluation_error("order.discount", order=ORDER).message == "missing key 'discount' in 'order'"
    assert (
        evaluation_error("order.items[0].price", order=ORDER).message
        == "missing key 'price' in 'order.items[0]'"
    )
    assert evaluation_error('order["x"]', order=ORDER).message == "missing key 'x' in 'order'"
    assert evaluation_error("order.discount", order=ORDER).column == 7


def test_it_explains_reading_a_key_of_something_that_is_not_a_dict() -> None:
    assert evaluation_error("amount.total", amount=3).message == (
        "cannot read 'total' from 'amount': it is an int, not a dict"
    )
    assert evaluation_error("order.total", order=None).message == (
        "cannot read 'total' from 'order': it is null, not a dict"
    )
    assert (
        evaluation_error("tags.first", tags=[]).message
        == "cannot read 'first' from 'tags': it is a list, not a dict"
    )


def test_it_explains_bad_indexes() -> None:
    assert (
        evaluation_error("items[3]", items=[1, 2]).message == "index 3 is out of range for 'items' (length 2)"
    )
    assert evaluation_error("items['a']", items=[1]).message == "index into 'items' must be an int, not str"
    assert evaluation_error("items[true]", items=[1]).message == "index into 'items' must be an int, not bool"
    assert evaluation_error("n[0]", n=5).message == "cannot index 'n': it is an int, not a list, str or dict"
    assert evaluation_error("d[[1]]", d={}).message == "a list cannot be a key of 'd'"
    assert evaluation_error("n[1:]", n=5).message == "cannot slice 'n': it is an int, not a list or str"
    assert evaluation_error("s['a':]", s="abc").message == "slice bounds of 's' must be int, not str"


def test_it_refuses_dict_literals_with_keys_that_are_not_strings() -> None:
    error = evaluation_error("{1: 'one'}")
    assert error.message == "dict keys must be str, not int"
    assert error.column == 2


def test_it_builds_a_fresh_list_on_every_evaluation() -> None:
    first = evaluate("[1, 2]")
    first.append(3)
    assert evaluate("[1, 2]") == [1, 2]
