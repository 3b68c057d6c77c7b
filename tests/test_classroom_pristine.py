"""Tests of course_lib.classroom.pristine in this process: plain data both ways, and the proxy.

Grading through the two kernels is tested in tests/test_classroom.py and
tests/test_classroom_attacks.py; here the pieces run without a kernel (the
proxy's question to the grader is answered by a stand-in for ``_ask``).
"""

from __future__ import annotations

import collections
import json
import statistics

import numpy as np
import pytest
import torch

from course_lib.classroom import forbid, guard, pristine

Point = collections.namedtuple("Point", "row col")


def _round_trip(value):
    return pristine.decode(json.loads(json.dumps(pristine.encode(value), allow_nan=False)))


@pytest.mark.parametrize("value", [
    None, True, "text", 3, -2**80, 1.5, float("inf"), 2 + 3j, [1, [2.5, None]], (1, "a"),
    {"a": 1, 7: [2]}, {(2, 5): [1.0], ("a", (1, None)): "x"}, np.float32(0.25), np.arange(6, dtype=np.int16).reshape(2, 3),
    np.array([[True, False]]), np.array(3.5),
])
def test_plain_data_comes_back_equal_and_of_the_same_type(value):
    back = _round_trip(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    else:
        assert back == value


def test_nan_tensors_and_named_tuples_come_back():
    assert np.isnan(_round_trip(float("nan")))
    tensor = torch.linspace(0, 1, 5, dtype=torch.float64).requires_grad_(True)
    back = _round_trip(tensor)
    assert isinstance(back, torch.Tensor) and back.dtype == torch.float64 and back.requires_grad
    assert torch.equal(back.detach(), tensor.detach())
    point = _round_trip(Point(2, 3))
    assert point == (2, 3) and point.row == 2 and point.col == 3 and type(point).__name__ == "Point"


@pytest.mark.parametrize("value, message", [
    (np.array([object()], dtype=object), "dtype object"),
    (object(), "builtins.object"),
    ({frozenset({1}): 3}, "keys"),
    ({(1, frozenset()): 3}, "keys"),
])
def test_anything_else_is_refused_by_name(value, message):
    with pytest.raises(TypeError, match=message):
        pristine.encode(value)


def test_centre_surround_maps_keyed_by_level_pairs_come_back():
    # notebook 03's answer is a dict {(c, s): map}; refusing it once scored the reference answer 0
    maps = {(2, 5): np.ones((3, 4), np.float32), (4, 8): np.zeros((1, 1))}
    back = _round_trip(maps)
    assert list(back) == [(2, 5), (4, 8)] and all(np.array_equal(back[k], maps[k]) for k in maps)
    # keys written with numpy integers or as named tuples come back as plain tuples of Python numbers
    back = _round_trip({(np.int64(2), np.int32(5)): 1.0, Point(np.int64(1), 3): 2.0, np.float32(0.5): 3.0})
    assert back == {(2, 5): 1.0, (1, 3): 2.0, 0.5: 3.0}
    assert all(type(item) is int for key in list(back)[:2] for item in key)


@pytest.mark.parametrize("data, message", [
    ({"$": "ndarray", "dtype": "<f8", "shape": [2], "data": "AAAA"}, "bytes do not match"),
    ({"$": "ndarray", "dtype": "|O", "shape": [1], "data": ""}, "dtype object"),
    ({"$": "pickle", "data": ""}, "unknown tag"),
    ({"$": "float", "value": "1e999"}, "malformed float"),
    ({"not": "plain"}, "not plain data"),
])
def test_malformed_replies_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        pristine.decode(data)


def test_a_proxy_inside_forbid_sends_the_forbidden_names_and_decodes_any_named_tuple(monkeypatch):
    """The proxy's own work (a named tuple type compiled anew) is not refused by the audit hook."""
    sent = []

    def answer(payload):
        sent.append(payload)
        return {"result": pristine.encode(Point(4, 5)), "after": []}

    monkeypatch.setattr(pristine, "_ask", answer)
    proxy = pristine.make_proxy("my_point")
    with forbid(statistics.mean):
        point = proxy(np.zeros(2))
    assert point == (4, 5) and point.col == 5
    assert sent[0]["name"] == "my_point" and sent[0]["forbid"] == ["statistics:mean"]
    assert guard._GRADER_WORK[0] == 0


def test_a_proxy_copies_in_place_changes_back_into_its_argument(monkeypatch):
    values = np.zeros(3)

    def answer(payload):
        changed = payload["args"][0].copy()
        changed[1] = 7.0
        return {"result": None, "after": [pristine.encode(changed)]}

    monkeypatch.setattr(pristine, "_ask", answer)
    assert pristine.make_proxy("my_fill")(values) is None
    assert values.tolist() == [0.0, 7.0, 0.0]


def test_the_names_a_test_cell_needs():
    assert pristine.defined_names("import numpy as np\ndef my_nss(s, f):\n    return 0\nTHRESHOLD = 2") == [
        "my_nss", "THRESHOLD"]
    assert pristine.free_names("import numpy as np\nvalue = my_nss(np.ones(2), mask)\nprint(value)") == {
        "my_nss", "mask"}


def test_parse_source_survives_cpythons_shared_ast_depth_counter(monkeypatch):
    """CPython before 3.11.8 can fail a parse with "AST constructor recursion depth mismatch" when two
    threads parse at once (gh-106905; the grader scores in threads): the course's parse is tried once
    more on that error, and any other error is left alone."""
    import ast

    from course_lib.classroom import pristine

    real = ast.parse
    calls = []

    def flaky(source, *args, **kwargs):
        calls.append(source)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=132, after=182)")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", flaky)
    assert ast.dump(pristine.parse_source("x = 1")) == ast.dump(real("x = 1")) and len(calls) == 2
    monkeypatch.setattr(ast, "parse", lambda *a, **k: (_ for _ in ()).throw(SystemError("other")))
    with pytest.raises(SystemError, match="other"):
        pristine.parse_source("x = 1")
