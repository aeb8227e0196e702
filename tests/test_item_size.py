"""`item_size`'s inline cases (strings, small integers) count what the general rule counts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dynastore.limits import item_size, value_size

_VALUES = st.one_of(
    st.text(max_size=20), st.integers(-10**12, 10**12), st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.booleans(), st.none(), st.binary(max_size=10), st.lists(st.integers(0, 99), max_size=3),
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), _VALUES, max_size=8))
def test_item_size_is_names_plus_values(item: dict) -> None:
    assert item_size(item) == sum(len(k.encode("utf-8")) + value_size(v) for k, v in item.items())


def test_known_sizes() -> None:
    assert item_size({"n": 0, "m": 9, "big": 10, "neg": -3, "é": "ü"}) == (1 + 2) + (1 + 2) + (3 + 2) + (3 + 2) + (2 + 2)
