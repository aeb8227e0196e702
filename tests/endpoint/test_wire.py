"""The endpoint's fast path for string and integer AttributeValues decodes exactly as the general decoder."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastore.endpoint.wire import decode_item, decode_value
from dynastore.errors import ValidationError
from dynastore.codec import _checked as _decode  # the general path, without the fast one

NUMBER_TEXT = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.from_regex(r"[+-]?0*[0-9]{1,20}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,2})?", fullmatch=True),
    st.sampled_from(["-0", "0", "00", "+1", " 1", "1 ", "1.0", "1e3", "", "-", "abc", "0x10"]),
)


def _same(av: Any) -> None:
    try:
        want: Any = ("ok", _decode(av))
    except ValidationError as e:
        want = ("error", e.message)
    try:
        got: Any = ("ok", decode_value(av))
    except ValidationError as e:
        got = ("error", e.message)
    assert got == want and type(got[1]) is type(want[1])


@given(NUMBER_TEXT)
def test_numbers_decode_as_the_general_decoder_does(text: str) -> None:
    _same({"N": text})


@given(st.one_of(st.text(), st.integers(), st.none(), st.booleans()))
def test_strings_decode_as_the_general_decoder_does(value: Any) -> None:
    _same({"S": value})


@pytest.mark.parametrize("av", [{"N": 5}, {"N": None}, {"S": "a", "N": "1"}, {}, {"NULL": True}, {"BOOL": False},
                                {"M": {"a": {"N": "07"}}}, {"L": [{"S": "x"}, {"N": "1.50"}]}, {"SS": ["a"]}])
def test_other_shapes_go_through_the_general_decoder(av: Any) -> None:
    _same(av)


def test_an_item_decodes_to_canonical_values() -> None:
    item = decode_item({"pk": {"S": "a"}, "n": {"N": "-12"}, "d": {"N": "1.50"}, "big": {"N": "1" * 30}})
    assert item == {"pk": "a", "n": -12, "d": Decimal("1.5"), "big": int("1" * 30)}


@pytest.mark.parametrize("value", ["", "text", 0, -7, 10**37, True, False, None, Decimal("1.5"), b"\x00", [1, "a"],
                                   {"m": {"n": 1}}, {"a", "b"}, {1, 2}, {b"x"}])
def test_values_encode_as_the_codec_serializes_them(value: Any) -> None:
    from dynastore.codec import serialize
    from dynastore.endpoint.wire import _b64, encode_value

    assert encode_value(value) == _b64(serialize(value))
