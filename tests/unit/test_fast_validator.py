"""The compiled validators agree with jsonschema (verdicts and error locations), and are up to date."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ccaudit import generate
from ccaudit.loader import build_value, load_text
from ccaudit.resources import schema_file
from ccaudit.validate import is_valid, schema_errors
from tests.conftest import EXAMPLES, FIXTURES

JSONSCHEMA = Draft202012Validator(json.loads(schema_file("manifest.schema.json").read_text()))


def _documents() -> list[tuple[str, Any]]:
    found = []
    for path in sorted([*FIXTURES.rglob("*.yaml"), *EXAMPLES.glob("*.yaml")]):
        try:
            documents, _ = load_text(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        for document in documents:
            if build_value(document) is None and isinstance(document.value, dict):
                found.append((f"{path.name}#{document.index}", document.value))
    return found


DOCUMENTS = _documents()


@pytest.mark.parametrize("name", sorted(generate.GENERATED))
def test_generated_files_are_up_to_date(name: str) -> None:
    assert (generate.HERE / name).read_text(encoding="utf-8") == generate.GENERATED[name](), \
        "run `python -m ccaudit.generate` after changing schemas/ or rulesets/"


def test_there_are_valid_and_invalid_fixtures() -> None:
    verdicts = {JSONSCHEMA.is_valid(value) for _, value in DOCUMENTS}
    assert verdicts == {True, False} and len(DOCUMENTS) > 150


def _locations(value: Any) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """(path, rule) of every error: jsonschema's, and those of the compiled error collector
    (which spells ``const`` as a one-value ``enum``)."""
    reference = {(tuple(e.absolute_path), "enum" if e.validator == "const" else e.validator)
                 for e in JSONSCHEMA.iter_errors(value)}
    return reference, {(e.path, e.rule) for e in schema_errors(value)}


@pytest.mark.parametrize("name, value", DOCUMENTS, ids=[n for n, _ in DOCUMENTS])
def test_verdict_and_error_locations_agree_with_jsonschema_on_every_fixture(name: str, value: Any) -> None:
    assert is_valid(value) == JSONSCHEMA.is_valid(value)
    reference, ours = _locations(value)
    assert ours == reference


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 5000), st.floats(allow_nan=False), st.text(max_size=8),
                    st.sampled_from(["yes", "NO", "forever", "-1", "aws:eu-west-1", "phi", "*", "ccaudit/v2"]))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_verdict_agrees_on_mutations(data: st.DataObject) -> None:
    import copy

    _, original = data.draw(st.sampled_from(DOCUMENTS))
    value = copy.deepcopy(original)
    path = data.draw(st.sampled_from(_paths(value)[1:]))
    parent = value
    for part in path[:-1]:
        parent = parent[part]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=6))] = data.draw(SCALARS)
    else:
        parent[path[-1]] = data.draw(SCALARS)
    assert is_valid(value) == JSONSCHEMA.is_valid(value)
    reference, ours = _locations(value)
    assert ours == reference


def test_the_hot_path_module_stands_alone() -> None:
    assert "import fastjsonschema" not in (generate.HERE / "_manifest_check.py").read_text()
    assert "from fastjsonschema" not in (generate.HERE / "_manifest_check.py").read_text()


def test_patterns_do_not_let_a_trailing_newline_through() -> None:
    """Python's `$` matches before a final newline; the schema's patterns end with (?![\\s\\S]) so that
    jsonschema, the compiled validator and ECMA-262 editors all reject ``"name\\n"``."""
    import copy

    _, original = next(d for d in DOCUMENTS if d[0].startswith("billing-voice-agent"))
    value = copy.deepcopy(original)
    value["metadata"]["name"] = original["metadata"]["name"] + "\n"
    assert not JSONSCHEMA.is_valid(value) and not is_valid(value)
    assert _locations(value)[0] == _locations(value)[1] == {(("metadata", "name"), "pattern")}


@pytest.mark.parametrize("key", ["[", ".", "a.b", "a[", "[1]", "x[0]", "a.", "a.b.c", "..", "[["])
def test_error_locations_agree_for_keys_holding_dots_and_brackets(key: str) -> None:
    """The compiled validator names an error by a dotted string (``data.metadata.labels.a.b``):
    a key holding "." or "[" is found among the mapping's keys, next to the keys it resembles."""
    import copy

    value = copy.deepcopy(DOCUMENTS[0][1])
    value["metadata"]["labels"] = {key: None, "a": None, "a.b": 1}
    reference, ours = _locations(value)
    assert ours == reference and (("metadata", "labels", key), "type") in ours
