"""Strings must be valid Unicode: DynamoDB stores UTF-8, and a lone surrogate (``"\\ud800"``, which
Python allows in a str and JSON decoders produce from ``"\\\\ud800"``) has no UTF-8 form. Every engine
refuses it with a ValidationError before anything is written, wherever it hides."""

from __future__ import annotations

from typing import Any

import pytest

from dynastore import Attr, Key, ValidationError

LONE = "a\ud800b"


@pytest.mark.parametrize("item", [
    {"pk": "k", "v": LONE},
    {"pk": LONE},
    {"pk": "k", "m": {"deep": [1, {"x": LONE}]}},
    {"pk": "k", "m": {LONE: 1}},
    {"pk": "k", LONE: 1},
    {"pk": "k", "s": {"ok", LONE}},
], ids=["value", "key", "nested", "map-key", "attribute-name", "string-set"])
def test_a_lone_surrogate_anywhere_in_an_item_is_refused(table: Any, item: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="UTF-8"):
        table.put(item)
    assert table.count() == 0


def test_a_lone_surrogate_in_an_update_or_condition_is_refused_and_changes_nothing(table: Any) -> None:
    table.put({"pk": "k", "v": "old"})
    with pytest.raises(ValidationError, match="UTF-8"):
        table.update({"pk": "k"}, Attr("v").set(LONE))
    with pytest.raises(ValidationError, match="UTF-8"):
        table.put({"pk": "k", "v": "new"}, condition=Attr("v").eq(LONE))
    with pytest.raises(ValidationError, match="UTF-8"):
        table.get({"pk": LONE})
    assert table.get({"pk": "k"}) == {"pk": "k", "v": "old"}


def test_a_lone_surrogate_in_a_query_is_refused(table: Any) -> None:
    with pytest.raises(ValidationError, match="UTF-8"):
        list(table.query(Key("pk").eq(LONE)))


def test_astral_characters_are_fine(table: Any) -> None:
    """Characters outside the BMP (a proper surrogate *pair* in UTF-16) are valid Unicode."""
    item = {"pk": "🎬", "v": "字幕🎥", "s": {"😀", "a"}}
    table.put(item)
    assert table.get({"pk": "🎬"}) == item
