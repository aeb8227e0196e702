"""The web console's data layer (``dynastore.web.console``: items, reads, tables, export) on every engine.

What needs no table (item text, key tokens, cursors, the create form, spec files, export formats) runs
once; the rest runs on every engine through ``sync_store``, as the console's routes call it.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import zlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore import Store
from dynastore.codec import normalize_item, normalize_number, values_equal
from dynastore.engine import Item
from dynastore.errors import ConditionFailed, DynastoreError, ValidationError
from dynastore.expressions import Attr
from dynastore.spec import Index, KeyAttribute, TableSpec
from dynastore.web.console import export, reads, tables
from dynastore.web.console import items as it

from .._support import assert_same_types, engine_of, known_difference, now

LOCAL_SWEEPS = "DynamoDB Local deletes expired items itself within seconds (measured: ~1-3 s), racing the reads"
MOTO_NULL = ("moto's FilterExpression finds `missing = :null` true for an item without the attribute (DynamoDB: "
             "false, a missing attribute equals nothing)")

# -- values of every type -----------------------------------------------------------------------------

_names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def _numbers(draw: st.DrawFn) -> int | Decimal:
    """Canonical DynamoDB numbers: ints up to 38 digits, and decimals across the exponent range."""
    if draw(st.booleans()):
        return draw(st.integers(-(10**38) + 1, 10**38 - 1))
    digits = draw(st.integers(1, 10**38 - 1))
    exponent = draw(st.integers(-125, 80))
    sign = draw(st.sampled_from(("", "-")))
    try:
        return normalize_number(Decimal(f"{sign}{digits}E{exponent}"))
    except ValidationError:
        return normalize_number(Decimal(f"{sign}{digits}"[:20]))


_scalars = st.one_of(_texts, _numbers(), st.binary(max_size=8), st.booleans(), st.none())
_sets = st.one_of(st.sets(_texts.filter(bool), min_size=1, max_size=4),
                  st.sets(_numbers(), min_size=1, max_size=4).filter(lambda s: len({str(v) for v in s}) == len(s)),
                  st.sets(st.binary(min_size=1, max_size=6), min_size=1, max_size=4))
_values = st.recursive(st.one_of(_scalars, _sets),
                       lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_names, inner, max_size=3)),
                       max_leaves=8)
_items = st.dictionaries(_names, _values, min_size=1, max_size=6)


def _has_set_or_binary(v: Any) -> bool:
    if isinstance(v, (set, bytes)):
        return True
    if isinstance(v, dict):
        return any(_has_set_or_binary(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_set_or_binary(x) for x in v)
    return False


EVERY_TYPE: Item = {
    "pk": "a1", "sk": 7, "s": "héllo", "n": Decimal("3.14159265358979323846264338327950288"),
    "big": 12345678901234567890123456789012345678, "tiny": Decimal("1E-130"), "huge": Decimal("9.9E+125"),
    "neg": -42, "b": b"\x00\xffbin", "t": True, "f": False, "nul": None, "l": [1, "two", [None], {"x": b"\x01"}],
    "m": {"inner": {"deep": Decimal("0.5")}, "list": []}, "ss": {"a", "b"}, "ns": {1, Decimal("2.5"), -3},
    "bs": {b"\x01", b"\x02\x03"}, "empty_s": "",
}


# -- items: text ----------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(_items)
def test_item_text_round_trips_every_type(item: Item) -> None:
    item = normalize_item(item)
    assert_same_types(it.parse_item(it.as_dynamodb_json(item), "dynamodb"), item)
    assert_same_types(it.parse_item(it.as_text(item, "dynamodb"), "dynamodb"), item)
    lossless = it.lossless_in_json(item)
    assert lossless == (not _has_set_or_binary(item))
    back = it.parse_item(it.as_json(item), "json")
    if lossless:
        assert_same_types(back, item)
    else:
        assert not values_equal(back, item)


def test_item_text_of_each_type() -> None:
    item = normalize_item(EVERY_TYPE)
    typed = json.loads(it.as_dynamodb_json(item))
    assert typed["s"] == {"S": "héllo"} and typed["sk"] == {"N": "7"}
    assert typed["n"] == {"N": "3.14159265358979323846264338327950288"}
    assert typed["big"] == {"N": "12345678901234567890123456789012345678"}
    assert typed["b"] == {"B": base64.b64encode(b"\x00\xffbin").decode()}
    assert typed["t"] == {"BOOL": True} and typed["nul"] == {"NULL": True}
    assert typed["l"]["L"][2] == {"L": [{"NULL": True}]} and typed["m"]["M"]["list"] == {"L": []}
    assert sorted(typed["ss"]["SS"]) == ["a", "b"] and sorted(typed["ns"]["NS"], key=Decimal) == ["-3", "1", "2.5"]
    assert sorted(typed["bs"]["BS"]) == sorted(base64.b64encode(x).decode() for x in (b"\x01", b"\x02\x03"))
    assert_same_types(it.parse_item(it.as_dynamodb_json(item), "dynamodb"), item)
    plain = json.loads(it.as_json(item))
    # every digit of the numbers is kept, even those a float cannot hold
    assert '"n": 3.14159265358979323846264338327950288' in it.as_json(item)
    assert plain["ss"] == ["a", "b"] and plain["b"] == base64.b64encode(b"\x00\xffbin").decode()
    assert not it.lossless_in_json(item)
    no_sets = {k: v for k, v in item.items() if k not in ("b", "ss", "ns", "bs", "l")}
    assert it.lossless_in_json(no_sets)
    assert_same_types(it.parse_item(it.as_json(no_sets), "json"), no_sets)


@pytest.mark.parametrize(("text", "fmt", "words"), [
    ("", "json", "empty"),
    ("  \n", "dynamodb", "empty"),
    ('{"a": 1,\n "b": }', "json", "line 2, column 7"),
    ('{"a": 1', "dynamodb", "line 1, column 8"),
    ("[1, 2]", "json", "not list"),
    ('"x"', "json", "not str"),
    ("12", "dynamodb", "not int"),
    ('{"a": "plain"}', "dynamodb", "attribute 'a'"),
    ('{"a": {"N": "x1"}}', "dynamodb", "attribute 'a'"),
    ('{"a": {"S": "x", "N": "1"}}', "dynamodb", "more than one"),
    ('{"a": {"SS": []}}', "dynamodb", "attribute 'a'"),
    ('{"a": {"Q": "1"}}', "dynamodb", "attribute 'a'"),
    ('{"a": {"NULL": false}}', "dynamodb", "attribute 'a'"),
    ('{"a": NaN}', "json", "finite"),
    ('{"a": 1e200}', "json", "a"),
    ('{"": 1}', "json", ""),
])
def test_parse_item_errors_say_where(text: str, fmt: it.Format, words: str) -> None:
    with pytest.raises(ValidationError) as e:
        it.parse_item(text, fmt)
    assert words in e.value.message


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("abc ", "S", "abc "), ("", "S", ""), (" 42 ", "N", 42), ("1.50", "N", Decimal("1.5")), ("1e3", "N", 1000),
    ("-0.000001", "N", Decimal("-0.000001")), ("12345678901234567890123456789012345678", "N",
                                                12345678901234567890123456789012345678),
    ("AAH/", "B", b"\x00\x01\xff"), ("true", "BOOL", True), (" False ", "BOOL", False), ("", "NULL", None),
    ('{"a": [1, 2.5, null]}', "JSON", {"a": [1, Decimal("2.5"), None]}), ("[]", "JSON", []), ('"x"', "JSON", "x"),
])
def test_parse_value_per_type(text: str, kind: str, value: Any) -> None:
    assert_same_types(it.parse_value(text, kind), value)


@pytest.mark.parametrize(("text", "kind"), [
    ("x1", "N"), ("nan", "N"), ("1e999", "N"), ("", "N"), ("not base64!", "B"), ("yes", "BOOL"), ("{", "JSON"),
    ("[1e999]", "JSON"), ("1", "SS"),
])
def test_parse_value_errors(text: str, kind: str) -> None:
    with pytest.raises(ValidationError):
        it.parse_value(text, kind)


# -- items: keys in URLs ----------------------------------------------------------------------------------

SPEC = TableSpec(name="console_items", partition_key=KeyAttribute("pk", "S"), sort_key=KeyAttribute("sk", "N"))


@settings(max_examples=80, deadline=None)
@given(st.one_of(_texts.filter(bool), st.just("é/?&=#%")), _numbers())
def test_key_tokens_round_trip(pk: str, sk: int | Decimal) -> None:
    key = {"pk": pk, "sk": sk}
    token = it.key_token(key)
    assert all(c.isalnum() or c in "-_" for c in token)  # URL-safe as it is
    assert_same_types(it.key_from_token(token, SPEC), key)


_TOKEN = it.key_token({"pk": "a-key", "sk": 12})
_URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60),
                 st.tuples(st.integers(0, len(_TOKEN) - 1), st.sampled_from(_URL_SAFE)).map(
                     lambda change: _TOKEN[:change[0]] + change[1] + _TOKEN[change[0] + 1:]),
                 st.integers(0, len(_TOKEN) - 1).map(lambda cut: _TOKEN[:cut])))
def test_any_text_or_altered_token_is_a_validation_error(token: str) -> None:
    try:
        key = it.key_from_token(token, SPEC)
    except ValidationError:
        return
    # only the token itself (a change to a character's unused low bits at the end) names the key
    assert key == {"pk": "a-key", "sk": 12}


def _nested(depth: int) -> Any:
    value: Any = "k"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_tampered_and_foreign_key_tokens_are_refused() -> None:
    token = it.key_token({"pk": "a", "sk": 1})
    tampered = [token[:-3], token[:5] + ("A" if token[5] != "A" else "B") + token[6:], token + "!!", "", "%%%",
                it.encode_token([1, 2]), it.encode_token("pk"), it.encode_token({"pk": {"X": "a"}, "sk": {"N": "1"}}),
                it.encode_token({"pk": {"S": "a"}, "sk": {"N": "one"}}), it.encode_token({"pk": "a", "sk": 1})]
    for bad in tampered:
        with pytest.raises(ValidationError):
            it.key_from_token(bad, SPEC)
    other = TableSpec(name="other", partition_key=KeyAttribute("id", "S"))
    with pytest.raises(ValidationError, match="names no item of 'console_items'"):
        it.key_from_token(it.key_token({"id": "a"}), SPEC)
    with pytest.raises(ValidationError):
        it.key_from_token(token, other)
    # the same key names with other types: another table's key too
    with pytest.raises(ValidationError):
        it.key_from_token(it.key_token({"pk": 5, "sk": 1}), SPEC)
    with pytest.raises(ValidationError):
        it.key_from_token(it.key_token({"pk": "a", "sk": "1"}), SPEC)
    # a token that would unpack to far more than any link holds, or nest deeper than any key
    bomb = base64.urlsafe_b64encode(zlib.compress(b'"' + b"a" * (it.MAX_TOKEN_BYTES + 10) + b'"', 9)).decode()
    deep = it.encode_token(_nested(100))
    for bad in (bomb, deep, bomb.rstrip("=")[:-8]):
        with pytest.raises(ValidationError, match="damaged"):
            it.key_from_token(bad, SPEC)
        with pytest.raises(ValidationError, match="damaged"):
            reads.Trail.decode(bad)
    assert it.decode_token(it.encode_token(_nested(it.MAX_TOKEN_DEPTH - 1))) == _nested(it.MAX_TOKEN_DEPTH - 1)
    # an item's whole attributes are not a key
    with pytest.raises(ValidationError):
        it.key_from_token(it.key_token({"pk": "a", "sk": 1, "x": 2}), SPEC)


# -- items: writes, on every engine ---------------------------------------------------------------------


def _item_table(store: Store, prefix: str, **extra: Any) -> TableSpec:
    spec = TableSpec(name=f"{prefix}items", partition_key=KeyAttribute("pk", "S"), sort_key=KeyAttribute("sk", "N"),
                     ttl_attribute="expires", **extra)
    store.create_table(spec)
    return store.describe(spec.name).spec  # as the console's routes get it


def _stored(store: Store, spec: TableSpec, key: Item) -> Item | None:
    return store.table(spec.name).get(key, consistent=True, include_expired=True)


def test_create_item_refuses_an_existing_key(sync_store: Store, prefix: str) -> None:
    spec = _item_table(sync_store, prefix)
    item = normalize_item(EVERY_TYPE)
    saved = it.create_item(sync_store, spec, item)
    assert saved.key == {"pk": "a1", "sk": 7} and not saved.moved
    assert_same_types(_stored(sync_store, spec, saved.key), item)
    with pytest.raises(ConditionFailed, match="already exists"):
        it.create_item(sync_store, spec, {"pk": "a1", "sk": 7, "s": "other"})
    assert_same_types(_stored(sync_store, spec, saved.key), item)
    for bad in ({"pk": "a2"}, {"pk": 1, "sk": 1}, {"sk": 1}):
        with pytest.raises(ValidationError):
            it.create_item(sync_store, spec, bad)
    assert sync_store.table(spec.name).scan().all() == [_stored(sync_store, spec, saved.key)]


def _changed_by_another(store: Store, spec: TableSpec, key: Item) -> Iterator[tuple[str, Callable[[], None]]]:
    table = store.table(spec.name)
    yield "changed an attribute", lambda: table.update(key, Attr("s").set("changed"))
    yield "added an attribute", lambda: table.update(key, Attr("added").set(1))
    yield "removed an attribute", lambda: table.update(key, Attr("n").remove())
    yield "changed a nested value", lambda: table.put({**table.get(key, consistent=True), "m": {"inner": {}}})
    yield "deleted the item", lambda: table.delete(key)


def test_replace_and_delete_refuse_what_another_writer_changed(sync_store: Store, prefix: str) -> None:
    spec = _item_table(sync_store, prefix)
    table = sync_store.table(spec.name)
    original = normalize_item({"pk": "a", "sk": 1, "s": "x", "n": 5, "m": {"inner": {"v": 1}}, "status": "new"})
    it.create_item(sync_store, spec, original)
    edited = {**original, "s": "edited", "extra": [1]}
    saved = it.replace_item(sync_store, spec, original, edited)
    assert (saved.key, saved.moved) == ({"pk": "a", "sk": 1}, False)
    assert_same_types(_stored(sync_store, spec, saved.key), normalize_item(edited))
    # the editor's copy is now the edited one; an unchanged replace writes (even the same item)
    assert it.replace_item(sync_store, spec, edited, edited).item == normalize_item(edited)
    for what, change in _changed_by_another(sync_store, spec, saved.key):
        table.put(normalize_item(edited))
        change()
        now_stored = _stored(sync_store, spec, saved.key)
        for attempt in (lambda: it.replace_item(sync_store, spec, edited, {**edited, "s": "mine"}),
                        lambda: it.delete_item(sync_store, spec, edited)):
            with pytest.raises(it.ItemChanged) as e:
                attempt()
            assert e.value.current == now_stored, what
            assert ("deleted" in e.value.message) == (now_stored is None), what
            assert _stored(sync_store, spec, saved.key) == now_stored, f"{what}: something was written"
    table.put(normalize_item(edited))
    it.delete_item(sync_store, spec, edited)
    assert _stored(sync_store, spec, saved.key) is None


def test_a_changed_key_moves_the_item_in_one_transaction(sync_store: Store, prefix: str) -> None:
    spec = _item_table(sync_store, prefix)
    first = {"pk": "a", "sk": 1, "v": "first"}
    taken = {"pk": "b", "sk": 2, "v": "taken"}
    it.create_item(sync_store, spec, first)
    it.create_item(sync_store, spec, taken)
    with pytest.raises(ConditionFailed, match="new key already exists") as e:
        it.replace_item(sync_store, spec, first, {**taken, "v": "mine"})
    assert not isinstance(e.value, it.ItemChanged)
    assert _stored(sync_store, spec, {"pk": "a", "sk": 1}) == first
    assert _stored(sync_store, spec, {"pk": "b", "sk": 2}) == taken
    saved = it.replace_item(sync_store, spec, first, {"pk": "c", "sk": 3, "v": "moved"})
    assert (saved.key, saved.moved) == ({"pk": "c", "sk": 3}, True)
    assert _stored(sync_store, spec, {"pk": "a", "sk": 1}) is None
    assert _stored(sync_store, spec, {"pk": "c", "sk": 3}) == {"pk": "c", "sk": 3, "v": "moved"}
    # moving an item another writer changed: ItemChanged, neither key written
    sync_store.table(spec.name).update({"pk": "c", "sk": 3}, Attr("v").set("theirs"))
    with pytest.raises(it.ItemChanged) as changed:
        it.replace_item(sync_store, spec, saved.item, {"pk": "d", "sk": 4, "v": "mine"})
    assert changed.value.current == {"pk": "c", "sk": 3, "v": "theirs"}
    assert _stored(sync_store, spec, {"pk": "d", "sk": 4}) is None


class _StaleRead:
    """`items.current` answering the editor's copy once, as if another writer changed the item between
    the console's read and its write: then only the write's own condition stands in the way."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, stale: Item):
        self.real = it.current
        self.stale: Item | None = stale
        monkeypatch.setattr(it, "current", self)

    def __call__(self, store: Store, spec: TableSpec, key: Item) -> Item | None:
        if self.stale is not None:
            stale, self.stale = self.stale, None
            return stale
        return self.real(store, spec, key)


AWKWARD: Item = normalize_item({
    "pk": "k", "sk": 1, "status": "open", "a.b": "dotted", "#x": 1, ":v": "colon", "size": 2, "name with space": "s",
    "l": [1, {"m": None}], "m": {"status": {"a.b": [True]}}, "ss": {"x", "y"}, "ns": {1, 2}, "bs": {b"\x01"},
    "nul": None, "bin": b"\x00", "t": False, "dec": Decimal("0.1"), "empty": "", "text": "x" * 150_000,
})


def test_the_write_condition_holds_for_every_type_and_awkward_name(sync_store: Store, prefix: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _item_table(sync_store, prefix)
    table = sync_store.table(spec.name)
    key = {"pk": "k", "sk": 1}
    it.create_item(sync_store, spec, AWKWARD)
    edited = {**AWKWARD, "status": "closed"}
    assert it.replace_item(sync_store, spec, AWKWARD, edited).item == edited
    assert _stored(sync_store, spec, key) == edited
    for name in ("status", "a.b", "l", "m", "ss", "ns", "bs", "nul", "dec", "empty", "text"):
        theirs = {**edited, name: "theirs"}
        table.put(theirs)
        _StaleRead(monkeypatch, edited)
        with pytest.raises(it.ItemChanged) as e:
            it.replace_item(sync_store, spec, edited, {**edited, "status": "mine"})
        assert e.value.current == theirs, name
        _StaleRead(monkeypatch, edited)
        with pytest.raises(it.ItemChanged):
            it.delete_item(sync_store, spec, edited)
        assert _stored(sync_store, spec, key) == theirs, name
        table.put(edited)
    it.delete_item(sync_store, spec, edited)
    assert _stored(sync_store, spec, key) is None


def test_items_with_more_attributes_than_one_condition_holds(sync_store: Store, prefix: str) -> None:
    spec = _item_table(sync_store, prefix)
    big = {"pk": "big", "sk": 1, **{f"a{i}": i for i in range(it.MAX_CONDITION_ATTRIBUTES + 10)}}
    it.create_item(sync_store, spec, big)
    edited = {**big, "a0": "edited"}
    assert it.replace_item(sync_store, spec, big, edited).item == edited
    with pytest.raises(it.ItemChanged):
        it.replace_item(sync_store, spec, big, {**big, "a1": "stale"})
    moved = it.replace_item(sync_store, spec, edited, {**edited, "sk": 2})
    assert moved.moved and _stored(sync_store, spec, {"pk": "big", "sk": 2}) == {**edited, "sk": 2}
    sync_store.table(spec.name).update(moved.key, Attr("a5").set("theirs"))
    with pytest.raises(it.ItemChanged):
        it.delete_item(sync_store, spec, moved.item)
    it.delete_item(sync_store, spec, {**moved.item, "a5": "theirs"})
    assert sync_store.table(spec.name).scan().all() == []


def test_expired_items_not_yet_swept_are_shown_and_editable(sync_store: Store, prefix: str) -> None:
    spec = _item_table(sync_store, prefix)
    expired = {"pk": "old", "sk": 1, "expires": now() - 3600}
    assert it.is_expired(spec, expired) and not it.is_expired(spec, {**expired, "expires": now() + 60})
    assert not it.is_expired(spec, {**expired, "expires": "soon"}) and not it.is_expired(spec, {"pk": "x", "sk": 1})
    known_difference(sync_store, "dynamodb", LOCAL_SWEEPS)
    it.create_item(sync_store, spec, expired)
    assert it.current(sync_store, spec, {"pk": "old", "sk": 1}) == expired
    assert sync_store.table(spec.name).get({"pk": "old", "sk": 1}) is None  # what an application sees
    page = reads.read_page(sync_store, spec, reads.ReadForm())
    assert page.items == [expired] and page.expired(expired)
    token = page.item_token(expired)
    assert token is not None and it.key_from_token(token, spec) == {"pk": "old", "sk": 1}
    projected = reads.read_page(sync_store, spec, _form(projection="expires"))
    assert projected.items == [{"expires": expired["expires"]}] and projected.item_token(projected.items[0]) is None
    queried = reads.read_page(sync_store, spec, reads.ReadForm(mode="query", pk="old"))
    assert queried.items == [expired]
    edited = {**expired, "note": "kept"}
    assert it.replace_item(sync_store, spec, expired, edited).item == edited
    it.delete_item(sync_store, spec, edited)
    assert it.current(sync_store, spec, {"pk": "old", "sk": 1}) is None


def test_console_writes_skip_the_apps_client_side_behaviours(sync_store: Store, prefix: str) -> None:
    app_spec = TableSpec(name=f"{prefix}app", partition_key=KeyAttribute("pk", "S"), version_attribute="version",
                         created_at_attribute="created", updated_at_attribute="updated")
    app_table = sync_store.create_table(app_spec)
    assert sync_store._specs[app_spec.name] is app_spec
    for spec in (sync_store.describe(app_spec.name).spec, app_spec):  # as the routes see it, and the app's own
        it.create_item(sync_store, spec, {"pk": "a", "v": 1})
        assert _stored(sync_store, spec, {"pk": "a"}) == {"pk": "a", "v": 1}
        it.replace_item(sync_store, spec, {"pk": "a", "v": 1}, {"pk": "a", "v": 2})
        assert _stored(sync_store, spec, {"pk": "a"}) == {"pk": "a", "v": 2}
        it.replace_item(sync_store, spec, {"pk": "a", "v": 2}, {"pk": "b", "v": 3})
        assert _stored(sync_store, spec, {"pk": "b"}) == {"pk": "b", "v": 3}
        it.delete_item(sync_store, spec, {"pk": "b", "v": 3})
        assert tables.purge(sync_store, spec) == 0
        assert sync_store._specs[app_spec.name] is app_spec
    # the application's table still applies them
    app_table.put({"pk": "c"})
    stored = _stored(sync_store, app_spec, {"pk": "c"})
    assert stored is not None and stored["version"] == 1 and "created" in stored and "updated" in stored
    assert sync_store.table(app_spec.name).spec is app_spec


# -- reads ---------------------------------------------------------------------------------------------------


def _read_table(store: Store, prefix: str, n: int = 23) -> tuple[TableSpec, list[Item]]:
    """Items over 3 partitions; a GSI by status (KEYS_ONLY + INCLUDE kinds) and an LSI by score."""
    spec = TableSpec(
        name=f"{prefix}reads", partition_key=KeyAttribute("pk", "S"), sort_key=KeyAttribute("sk", "N"),
        indexes=(Index("by_status", partition_key=KeyAttribute("status", "S"), sort_key=KeyAttribute("score", "N")),
                 Index("by_score", sort_key=KeyAttribute("score", "N"), local=True, projection=["name"])),
    )
    store.create_table(spec)
    rows = [normalize_item({"pk": f"p{i % 3}", "sk": i, "status": ("open", "done", "held")[i % 4 % 3],
                            "score": (i * 7) % 11, "name": f"item-{i:02}", "tags": {f"t{i % 2}", "all"},
                            "size": Decimal(i) / 4, "flag": i % 5 == 0, "nested": {"n": i}, "bin": bytes([i])})
            for i in range(n)]
    store.table(spec.name).batch_write(puts=rows)
    return store.describe(spec.name).spec, rows


def _key(item: Item) -> tuple[str, int]:
    return item["pk"], item["sk"]


def _form(**params: Any) -> reads.ReadForm:
    """A form from query parameters, as the routes build it (lists are repeated parameters)."""
    single = {k: v for k, v in params.items() if not isinstance(v, list)}
    return reads.ReadForm.from_query(single, lambda name: params.get(name, []))


def test_scan_pages_forward_and_back_through_the_trail(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    form = _form(limit="5")
    pages: list[list[Item]] = []
    cursors = [""]
    while True:
        page = reads.read_page(sync_store, spec, reads.ReadForm(**{**form.__dict__, "cursor": cursors[-1]}))
        assert page.trail.number == len(pages) + 1
        assert page.count == len(page.items) <= 5
        assert page.scanned == page.count and page.requests == 1
        pages.append(page.items)
        if page.next_cursor is None:
            break
        cursors.append(page.next_cursor)
    seen = [_key(i) for p in pages for i in p]
    assert len(seen) == len(set(seen)) == len(rows)
    assert sorted(seen) == sorted(_key(r) for r in rows)
    assert [i for p in pages for i in p] == sync_store.table(spec.name).scan().all()  # a full scan's order
    assert all(len(p) == 5 for p in pages[:4]) and len(pages) in (5, 6)  # DynamoDB may end on an empty page
    # back from the last page, one page at a time, to the first (which has no previous page)
    cursor: str | None = cursors[-1]
    for number in range(len(pages), 0, -1):
        assert cursor is not None
        page = reads.read_page(sync_store, spec, reads.ReadForm(limit=5, cursor=cursor))
        assert page.trail.number == number and page.items == pages[number - 1]
        cursor = page.previous_cursor
    assert cursor is None
    # links keep the form: the cursor and the other fields survive a trip through query parameters
    link = dict(form.query_params(cursors[2]))
    assert link == {"mode": "scan", "limit": "5", "cursor": cursors[2]}
    assert reads.read_page(sync_store, spec, _form(**link)).items == pages[2]


def test_the_trail_keeps_its_last_pages() -> None:
    trail = reads.Trail()
    assert (trail.number, trail.start, trail.back(), trail.encode()) == (1, None, None, "")
    for i in range(reads.MAX_TRAIL + 5):
        trail = trail.forward({"pk": f"k{i}", "sk": i})
    assert trail.number == reads.MAX_TRAIL + 6 and len(trail.starts) == reads.MAX_TRAIL
    again = reads.Trail.decode(trail.encode())
    assert again == trail and again.start == {"pk": f"k{reads.MAX_TRAIL + 4}", "sk": reads.MAX_TRAIL + 4}
    back = again.back()
    assert back is not None and back.number == trail.number - 1
    while back is not None and len(back.starts) > 1:
        back = back.back()
    assert back is not None and back.number == 7
    assert back.back() == reads.Trail()  # earlier start keys fell off: the first page


@pytest.mark.parametrize("token", ["x", "eJwrzs9NVcgvLUnVU0hKLMnMz1NIzs8rSc0rUSjJSFXIzy9JLcpMzEtXyMgsSs3MS1e", "!!",
                                   it.encode_token([1]), it.encode_token({"n": 1}), it.encode_token({"n": 0, "s": [None]}),
                                   it.encode_token({"n": 1, "s": []}), it.encode_token({"n": 1, "s": ["x"]}),
                                   it.encode_token({"n": "a", "s": [None]}),
                                   it.encode_token({"n": 1, "s": [{"pk": {"N": "x"}}]})])
def test_a_tampered_cursor_is_a_validation_error(token: str) -> None:
    with pytest.raises(ValidationError, match="page link"):
        reads.Trail.decode(token)


def _filter_form(rows: list[tuple[str, str, str, str]], **params: Any) -> reads.ReadForm:
    return _form(f_attr=[r[0] for r in rows], f_op=[r[1] for r in rows], f_type=[r[2] for r in rows],
                 f_value=[r[3] for r in rows], **{"limit": "1000", **params})


FILTERS: list[tuple[tuple[str, str, str, str], Callable[[Item], bool]]] = [
    (("status", "=", "S", "open"), lambda r: r["status"] == "open"),
    (("status", "<>", "S", "open"), lambda r: r["status"] != "open"),
    (("score", "<", "N", "3"), lambda r: r["score"] < 3),
    (("score", "<=", "N", "3"), lambda r: r["score"] <= 3),
    (("size", ">", "N", "4.5"), lambda r: r["size"] > Decimal("4.5")),
    (("size", ">=", "N", "4.5"), lambda r: r["size"] >= Decimal("4.5")),
    (("name", "begins_with", "S", "item-1"), lambda r: r["name"].startswith("item-1")),
    (("name", "contains", "S", "-2"), lambda r: "-2" in r["name"]),
    (("tags", "contains", "S", "t1"), lambda r: "t1" in r["tags"]),
    (("tags", "not_contains", "S", "t1"), lambda r: "t1" not in r["tags"]),
    (("flag", "=", "BOOL", "true"), lambda r: r["flag"] is True),
    (("bin", "=", "B", base64.b64encode(b"\x04").decode()), lambda r: r["bin"] == b"\x04"),
    (("nested.n", ">", "N", "20"), lambda r: r["nested"]["n"] > 20),
    (("nested", "=", "JSON", '{"n": 3}'), lambda r: r["nested"] == {"n": 3}),
    (("gone", "not_exists", "S", ""), lambda r: True),
    (("gone", "exists", "S", ""), lambda r: False),
    (("missing", "=", "NULL", ""), lambda r: False),
]


def test_filter_rows_of_each_operator_and_type(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    for row, wanted in FILTERS:
        if row[2] == "NULL" and engine_of(sync_store) == "moto":
            continue  # checked last, below
        page = reads.read_page(sync_store, spec, _filter_form([row]))
        assert sorted(map(_key, page.items)) == sorted(_key(r) for r in rows if wanted(r)), row
        assert page.scanned == len(rows), row
    both = reads.read_page(sync_store, spec, _filter_form([FILTERS[0][0], FILTERS[2][0]]))
    assert sorted(map(_key, both.items)) == sorted(_key(r) for r in rows if r["status"] == "open" and r["score"] < 3)
    for bad in [("", "=", "S", "x"), ("status", "~", "S", "x"), ("score", "=", "N", "three"), ("a..b", "=", "S", "x")]:
        with pytest.raises(ValidationError):
            reads.read_page(sync_store, spec, reads.ReadForm(filters=(reads.FilterRow(*bad),)))
    known_difference(sync_store, "moto", MOTO_NULL)
    assert reads.read_page(sync_store, spec, _filter_form([("missing", "=", "NULL", "")])).items == []


def test_filter_expression_text_with_names_values_and_projection(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    expected = sorted(_key(r) for r in rows if r["status"] == "open" and r["size"] > Decimal("1.5"))
    plain = _form(expression="#s = :s AND size > :n", names='{"#s": "status"}', values='{":s": "open", ":n": 1.5}',
                  projection="pk, sk, #s, nested.n", limit="1000")
    typed = _form(expression="#s = :s AND size > :n", names='{"#s": "status"}',
                  values='{":s": {"S": "open"}, ":n": {"N": "1.5"}}', values_format="dynamodb",
                  projection="pk, sk, #s, nested.n", limit="1000")
    for form in (plain, typed):
        page = reads.read_page(sync_store, spec, form)
        assert sorted(map(_key, page.items)) == expected
        assert all(set(i) == {"pk", "sk", "status", "nested"} and i["nested"] == {"n": i["sk"]} for i in page.items)
        request = page.request()
        assert request["FilterExpression"] and request["ProjectionExpression"]
        assert "status" in request["ExpressionAttributeNames"].values()
        assert sorted(request["ExpressionAttributeValues"].values(), key=str) == [{"N": "1.5"}, {"S": "open"}]
    assert dict(typed.query_params())["values_format"] == "dynamodb"
    # a filter row and an expression together: both apply
    mixed = _form(expression="flag = :t", values='{":t": true}', f_attr=["status"], f_op=["="], f_type=["S"],
                  f_value=["open"], limit="1000")
    assert sorted(map(_key, reads.read_page(sync_store, spec, mixed).items)) == sorted(
        _key(r) for r in rows if r["flag"] and r["status"] == "open")
    for bad in (dict(expression="#s = :s", names='{"#s": "status"}'),  # :s not given
                dict(expression="a = :v", values='{":v": 1, ":unused": 2}'),
                dict(expression="a = :v", values="[1]"),
                dict(expression="a = :v", values='{":v": {"Q": 1}}', values_format="dynamodb"),
                dict(expression="a = ", values='{":v": 1}'),
                dict(expression="a = :v", values='{":v": 1'),
                dict(projection="pk, pk")):
        with pytest.raises(ValidationError):
            reads.read_page(sync_store, spec, _form(**bad))


SORT_CASES: list[tuple[dict[str, str], Callable[[int], bool]]] = [
    ({}, lambda v: True),
    ({"sk_op": "=", "sk": "3"}, lambda v: v == 3),
    ({"sk_op": "<", "sk": "3"}, lambda v: v < 3),
    ({"sk_op": "<=", "sk": "3"}, lambda v: v <= 3),
    ({"sk_op": ">", "sk": "3"}, lambda v: v > 3),
    ({"sk_op": ">=", "sk": "3"}, lambda v: v >= 3),
    ({"sk_op": "between", "sk": "2", "sk2": "6"}, lambda v: 2 <= v <= 6),
]


def test_queries_on_the_table_and_its_indexes(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    for target, pk_name, pk, sk_name, projected in (
            ("", "pk", "p1", "sk", None), ("by_status", "status", "open", "score", None),
            ("by_score", "pk", "p2", "score", {"pk", "sk", "score", "name"})):
        for params, test in SORT_CASES:
            for reverse in ("", "1"):
                page = reads.read_page(sync_store, spec, _form(mode="query", index=target, pk=pk, reverse=reverse,
                                                               limit="1000", **params))
                wanted = [r for r in rows if r[pk_name] == pk and test(r[sk_name])]
                got_sort = [i[sk_name] for i in page.items]
                assert got_sort == sorted(got_sort, reverse=bool(reverse)), (target, params, reverse)
                assert sorted(map(_key, page.items)) == sorted(map(_key, wanted)), (target, params)
                assert page.scanned == len(wanted)
                if projected:
                    assert all(set(i) == projected for i in page.items)
    names_spec = TableSpec(name=f"{prefix}names", partition_key=KeyAttribute("pk", "S"),
                           sort_key=KeyAttribute("name", "S"))
    sync_store.create_table(names_spec)
    sync_store.table(names_spec.name).batch_write(puts=[{"pk": "p", "name": n} for n in ("ab", "abc", "b", "a")])
    page = reads.read_page(sync_store, names_spec, _form(mode="query", pk="p", sk_op="begins_with", sk="ab"))
    assert [i["name"] for i in page.items] == ["ab", "abc"]
    page = reads.read_page(sync_store, names_spec, _form(mode="query", pk="p", sk_op="between", sk="a", sk2="ab",
                                                         reverse="1"))
    assert [i["name"] for i in page.items] == ["ab", "a"]


def test_query_forms_refused_before_any_read(sync_store: Store, prefix: str) -> None:
    spec, _ = _read_table(sync_store, prefix)
    cases = [
        (dict(mode="query"), "partition key"),
        (dict(mode="query", pk="p0", sk_op="begins_with", sk="1"), "number"),
        (dict(mode="query", pk="p0", sk_op="<", sk="x"), "sk"),
        (dict(mode="query", index="by_status", pk="open", consistent="1"), "consistent"),
        (dict(mode="query", pk="p0", f_attr=["sk"], f_op=["="], f_type=["N"], f_value=["1"]), "key"),
        (dict(mode="query", index="by_status", pk="open", expression="score > :v", values='{":v": 1}'), "score"),
        (dict(mode="query", index="nope", pk="x"), "no index"),
        (dict(pk="p0"), "Query"),
        (dict(mode="get"), "mode"),
        (dict(limit="0"), "page size"),
        (dict(limit="ten"), "page size"),
        (dict(sk_op="like"), "sort-key operator"),
        (dict(expression="a = :v", values='{":v": 1}', values_format="xml"), "DynamoDB JSON"),
        (dict(mode="query", index="by_score", pk="p0", f_attr=["status"], f_op=["="], f_type=["S"],
              f_value=["open"]), "project"),
    ]
    for params, words in cases:
        with pytest.raises(ValidationError) as e:
            reads.read_page(sync_store, spec, _form(**params))
        assert words in e.value.message, params
    # a consistent read of the table and of a local index is fine
    assert reads.read_page(sync_store, spec, _form(mode="query", index="by_score", pk="p0", consistent="1")).items
    assert reads.read_page(sync_store, spec, _form(consistent="1")).items


def test_scanned_and_returned_counts_and_the_request_stop(sync_store: Store, prefix: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    spec, rows = _read_table(sync_store, prefix, n=30)
    selective = [("name", "=", "S", "item-29")]
    form = _filter_form(selective, limit="4")
    page = reads.read_page(sync_store, spec, form)
    assert [i["name"] for i in page.items] == ["item-29"]
    assert page.scanned == 30 > page.count == 1
    assert page.requests == 8 and page.next_key is None and not page.stopped  # Limit 4 reads per request
    monkeypatch.setattr(reads, "MAX_REQUESTS_PER_PAGE", 3)
    stopped = reads.read_page(sync_store, spec, form)
    assert stopped.stopped and stopped.requests == 3 and stopped.scanned == 12 and stopped.next_key is not None
    # reading on from where it stopped, page by page, finds the item exactly once
    found, cursor, guard = list(stopped.items), stopped.next_cursor, 0
    while cursor is not None and guard < 10:
        on = reads.read_page(sync_store, spec, reads.ReadForm(**{**form.__dict__, "cursor": cursor}))
        found += on.items
        cursor, guard = on.next_cursor, guard + 1
    assert [i["name"] for i in found] == ["item-29"]
    unfiltered = reads.read_page(sync_store, spec, _form(limit="4"))
    assert unfiltered.requests == 1 and unfiltered.scanned == unfiltered.count == 4 and not unfiltered.stopped
    if unfiltered.read_units is not None:
        assert unfiltered.read_units >= 0.5 and unfiltered.scanned_bytes


def test_request_json_is_what_dynamodb_gets(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    form = _form(mode="query", index="by_status", pk="open", sk_op="between", sk="2", sk2="9", reverse="1",
                 f_attr=["name"], f_op=["begins_with"], f_type=["S"], f_value=["item"], projection="pk, sk, #n",
                 names='{"#n": "name"}', limit="2")
    first = reads.read_page(sync_store, spec, form)
    request = first.request()
    assert request["TableName"] == spec.name and request["IndexName"] == "by_status"
    assert request["ScanIndexForward"] is False and request["Limit"] == 2 and "ExclusiveStartKey" not in request
    names, values = request["ExpressionAttributeNames"], request["ExpressionAttributeValues"]

    def text(expr: str) -> str:
        for k, v in names.items():
            expr = expr.replace(k, v)
        for k, v in values.items():
            expr = expr.replace(k, json.dumps(v, sort_keys=True))
        return expr

    assert text(request["KeyConditionExpression"]) == \
        '(status = {"S": "open"}) AND (score BETWEEN {"N": "2"} AND {"N": "9"})'
    assert text(request["FilterExpression"]) == 'begins_with(name, {"S": "item"})'
    assert text(request["ProjectionExpression"]) == "pk, sk, name"
    assert first.next_cursor is not None
    second = reads.read_page(sync_store, spec, reads.ReadForm(**{**form.__dict__, "cursor": first.next_cursor}))
    start = second.request()["ExclusiveStartKey"]
    assert set(start) == {"status", "score", "pk", "sk"}
    last = next(r for r in rows if _key(r) == _key(first.items[-1]))  # its score is not projected
    assert start == {"status": {"S": "open"}, "score": {"N": str(last["score"])}, "pk": {"S": last["pk"]},
                     "sk": {"N": str(last["sk"])}}
    # the request is the one a DynamoDB client takes: its pages are the console's
    scan = reads.read_page(sync_store, spec, _form(consistent="1", limit="3")).request()
    assert scan == {"TableName": spec.name, "ConsistentRead": True, "Limit": 3}


# -- tables --------------------------------------------------------------------------------------------------


class _Form(dict[str, Any]):
    """Form fields, repeated ones as lists (what the routes pass as ``form.data, form.getlist``)."""

    def getlist(self, name: str) -> list[str]:
        v = self.get(name, [])
        return v if isinstance(v, list) else [v]


def test_spec_from_form() -> None:
    form = _Form(name="orders", pk="customer", pk_type="S", sk="placed", sk_type="N", billing="PROVISIONED",
                 rcu="3", wcu="4", ttl="expires", stream="NEW_IMAGE",
                 ix_name=["by_status", "by_total", "", "by_day"], ix_kind=["global", "local", "global", "global"],
                 ix_pk=["status", "", "", "day"], ix_pk_type=["S", "", "", "S"], ix_sk=["placed", "total", "", ""],
                 ix_sk_type=["N", "N", "", ""], ix_projection=["INCLUDE", "KEYS_ONLY", "", "ALL"],
                 ix_include=["total, items ,", "", "", ""])
    spec = tables.spec_from_form(form, form.getlist)
    assert spec.name == "orders" and spec.partition_key == KeyAttribute("customer", "S")
    assert spec.sort_key == KeyAttribute("placed", "N")
    assert (spec.billing_mode, spec.read_capacity, spec.write_capacity) == ("PROVISIONED", 3, 4)
    assert (spec.ttl_attribute, spec.stream) == ("expires", "NEW_IMAGE")
    by = {ix.name: ix for ix in spec.indexes}
    assert list(by) == ["by_status", "by_total", "by_day"]
    assert by["by_status"].projection == ("total", "items") and not by["by_status"].local
    assert (by["by_status"].read_capacity, by["by_status"].write_capacity) == (3, 4)
    assert by["by_total"].local and by["by_total"].partition_key == KeyAttribute("customer", "S")
    assert by["by_total"].projection == "KEYS_ONLY" and by["by_total"].read_capacity is None
    assert by["by_day"].sort_key is None and by["by_day"].projection == "ALL"
    simple = tables.spec_from_form(_Form(name="tbl", pk="id"), _Form().getlist)
    assert (simple.billing_mode, simple.sort_key, simple.indexes, simple.ttl_attribute) == (
        "PAY_PER_REQUEST", None, (), None)
    assert simple.partition_key == KeyAttribute("id", "S")
    bad = [
        (dict(pk="id"), "needs a name"),
        (dict(name="t"), "partition key needs a name"),
        (dict(name="tbl", pk="id", pk_type="X"), "S, N or B"),
        (dict(name="tbl", pk="id", billing="FREE"), "billing"),
        (dict(name="tbl", pk="id", billing="PROVISIONED", rcu="lots"), "read capacity"),
        (dict(name="tbl", pk="id", billing="PROVISIONED", wcu="0"), "write capacity"),
        (dict(name="tbl", pk="id", stream="SOMETIMES"), "stream"),
        (dict(name="tbl", pk="id", ix_name=["gsi"], ix_kind=["global"], ix_pk=[""], ix_pk_type=["S"], ix_sk=[""],
              ix_sk_type=["S"], ix_projection=["ALL"], ix_include=[""]), "gsi's partition key"),
        (dict(name="tbl", pk="id", sk="s", ix_name=["lsi"], ix_kind=["local"], ix_pk=[""], ix_pk_type=["S"],
              ix_sk=[""], ix_sk_type=["S"], ix_projection=["ALL"], ix_include=[""]), "lsi's sort key"),
        (dict(name="tbl", pk="id", ix_name=["gsi"], ix_kind=["global"], ix_pk=["x"], ix_pk_type=["S"], ix_sk=[""],
              ix_sk_type=["S"], ix_projection=["INCLUDE"], ix_include=[" , "]), "INCLUDE"),
        (dict(name="tbl", pk="id", ix_name=["lsi"], ix_kind=["local"], ix_pk=[""], ix_pk_type=["S"], ix_sk=["x"],
              ix_sk_type=["S"], ix_projection=["ALL"], ix_include=[""]), "sort key"),
        (dict(name="bad name!", pk="id"), "name"),
        (dict(name="tbl", pk="id", pk_type="S", ix_name=["gsi"], ix_kind=["global"], ix_pk=["id"], ix_pk_type=["N"],
              ix_sk=[""], ix_sk_type=["S"], ix_projection=["ALL"], ix_include=[""]), "both"),
    ]
    for fields, words in bad:
        f = _Form(fields)
        with pytest.raises(ValidationError) as e:
            tables.spec_from_form(f, f.getlist)
        assert words in e.value.message, fields


CREATE_TABLE_REQUEST = {
    "TableName": "from_cli",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                             {"AttributeName": "ts", "AttributeType": "N"},
                             {"AttributeName": "kind", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by_kind", "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]}}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
}


def test_specs_from_text() -> None:
    yaml_text = "name: one\npartition_key: {name: id, type: S}\nttl_attribute: exp\n"
    (one,) = tables.specs_from_text(yaml_text)
    assert (one.name, one.partition_key, one.ttl_attribute) == ("one", KeyAttribute("id", "S"), "exp")
    listed = tables.specs_from_text(json.dumps([{"name": "aaa", "partition_key": "id"},
                                                {"name": "bbb", "partition_key": {"name": "n", "type": "N"}}]))
    assert [(s.name, s.partition_key) for s in listed] == [("aaa", KeyAttribute("id", "S")), ("bbb", KeyAttribute("n", "N"))]
    wrapped = tables.specs_from_text("tables:\n  - name: aaa\n    partition_key: id\n  - name: ccc\n    partition_key: k\n")
    assert [s.name for s in wrapped] == ["aaa", "ccc"]
    (cli,) = tables.specs_from_text(json.dumps(CREATE_TABLE_REQUEST, indent=2))
    assert (cli.name, cli.partition_key, cli.sort_key) == ("from_cli", KeyAttribute("id", "S"), KeyAttribute("ts", "N"))
    assert cli.billing_mode == "PAY_PER_REQUEST" and cli.stream == "KEYS_ONLY"
    (ix,) = cli.indexes
    assert (ix.name, ix.partition_key, ix.projection) == ("by_kind", KeyAttribute("kind", "S"), ("title",))
    request_list = tables.specs_from_text(json.dumps([CREATE_TABLE_REQUEST, {"name": "xxx", "partition_key": "id"}]))
    assert [s.name for s in request_list] == ["from_cli", "xxx"]
    broken_request = {**CREATE_TABLE_REQUEST, "AttributeDefinitions": [{"AttributeType": "S"}]}
    for bad in ("", "  ", "name: [unclosed", "[]", "- 1\n- 2", "just text", "tables: 5", "{tables: []}",
                '{"name": "xxx"}', '{"name": "xxx", "partition_key": {"name": "id", "type": "Z"}}',
                json.dumps({**CREATE_TABLE_REQUEST, "KeySchema": []}),
                json.dumps({**CREATE_TABLE_REQUEST, "BillingMode": "PROVISIONED"}),
                json.dumps(broken_request), json.dumps({**CREATE_TABLE_REQUEST, "AttributeDefinitions": "S"}),
                json.dumps({"TableName": "tbl", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}], "BillingMode":
                            "PAY_PER_REQUEST", "GlobalSecondaryIndexes": [{"IndexName": "gsi"}]})):
        with pytest.raises(ValidationError):
            tables.specs_from_text(bad)


def test_spec_text_round_trips() -> None:
    form = _Form(name="orders", pk="customer", sk="placed", sk_type="N", billing="PROVISIONED", rcu="2", wcu="2",
                 ttl="exp", stream="NEW_AND_OLD_IMAGES", ix_name=["gsi", "lsi"], ix_kind=["global", "local"],
                 ix_pk=["status", ""], ix_pk_type=["S", ""], ix_sk=["", "total"], ix_sk_type=["", "N"],
                 ix_projection=["INCLUDE", "KEYS_ONLY"], ix_include=["a,b", ""])
    for spec in (tables.spec_from_form(form, form.getlist), *tables.specs_from_text(json.dumps(CREATE_TABLE_REQUEST)),
                 TableSpec(name="app", partition_key=KeyAttribute("id", "B"), version_attribute="v")):
        text = tables.spec_text(spec)
        assert text.startswith(f"name: {spec.name}\n")
        assert tables.specs_from_text(text) == [spec]


def _same(a: TableSpec, b: TableSpec) -> bool:
    """Equal specs, whatever order the engine lists the indexes in."""
    def by_name(s: TableSpec) -> TableSpec:
        return dataclasses.replace(s, indexes=tuple(sorted(s.indexes, key=lambda ix: ix.name)))
    return by_name(a) == by_name(b)


def test_create_summaries_and_purge(sync_store: Store, prefix: str) -> None:
    form = _Form(name=f"{prefix}made", pk="pk", sk="sk", sk_type="N", ttl="expires",
                 ix_name=["by_status", "by_score"], ix_kind=["global", "local"], ix_pk=["status", ""],
                 ix_pk_type=["S", ""], ix_sk=["", "score"], ix_sk_type=["", "N"], ix_projection=["ALL", "INCLUDE"],
                 ix_include=["", "name"])
    spec = tables.spec_from_form(form, form.getlist)
    tables.create(sync_store, spec)
    with pytest.raises(ValidationError, match="exists already"):
        tables.create(sync_store, spec)
    summary = tables.summary(sync_store, spec.name)
    assert summary.problem is None and _same(summary.spec, spec.server_view())
    assert summary.key_text() == "pk (S), sk (N)" and summary.billing_text() == "on demand"
    assert summary.spec.ttl_attribute == "expires"
    # moto's DescribeTable has no index ItemCount (the console shows "—")
    none = None if engine_of(sync_store) == "moto" else 0
    assert sorted(summary.indexes(), key=lambda ix: ix["name"], reverse=True) == [
        {"name": "by_status", "kind": "global", "key_text": "status (S)", "projection": "ALL", "status": "ACTIVE",
         "items": none},
        {"name": "by_score", "kind": "local", "key_text": "pk (S), score (N)", "projection": "INCLUDE name",
         "status": "ACTIVE", "items": none}]
    listed = {s.name: s for s in tables.summaries(sync_store)}
    assert listed[spec.name].info is not None and listed[spec.name].key_text() == "pk (S), sk (N)"
    assert (summary.info and summary.info.item_count) == 0
    n = 30
    sync_store.table(spec.name).batch_write(puts=[{"pk": f"p{i % 4}", "sk": i, "status": "s", "score": i,
                                                  "name": "x" * 50} for i in range(n)])
    after = tables.summary(sync_store, spec.name).info
    assert after is not None
    assert after.item_count == n  # counted as written, on every engine here (DynamoDB itself lags ~6 h)
    assert {ix["name"]: ix["items"] for ix in tables.summary(sync_store, spec.name).indexes()} == {
        "by_status": n, "by_score": n} if none is not None else {"by_status": None, "by_score": None}
    with pytest.raises(DynastoreError):
        tables.summary(sync_store, f"{prefix}missing")
    gone = tables.summary(sync_store, f"{prefix}missing", missing_ok=True)
    assert gone.info is None and gone.problem == "deleted while the list was read"
    deleted = tables.purge(sync_store, summary.spec)
    assert deleted == n
    assert sync_store.table(spec.name).scan(include_expired=True).all() == []
    assert tables.purge(sync_store, summary.spec) == 0
    assert _same(sync_store.describe(spec.name).spec, spec.server_view())
    provisioned = tables.spec_from_form(_Form(name=f"{prefix}prov", pk="id", billing="PROVISIONED", rcu="2", wcu="3"),
                                        _Form().getlist)
    tables.create(sync_store, provisioned)
    assert tables.summary(sync_store, provisioned.name).billing_text() == "provisioned 2 RCU / 3 WCU"
    known_difference(sync_store, "moto", "moto reports TableSizeBytes 0 whatever the table holds")
    assert after.size_bytes > 50 * n


def test_purge_handles_awkward_key_names(sync_store: Store, prefix: str) -> None:
    spec = TableSpec(name=f"{prefix}awk", partition_key=KeyAttribute("a.b", "S"), sort_key=KeyAttribute("status", "N"))
    sync_store.create_table(spec)
    sync_store.table(spec.name).batch_write(puts=[{"a.b": f"k{i}", "status": i, "v": i} for i in range(5)])
    assert tables.purge(sync_store, spec) == 5
    assert sync_store.table(spec.name).scan().all() == []


# -- export --------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items, max_size=5))
def test_json_lines_read_back(items: list[Item]) -> None:
    items = [normalize_item(i) for i in items]
    typed = b"".join(export.json_lines(items, dynamodb=True)).decode()
    assert typed.count("\n") == len(items)
    # lines end at "\n" only (U+2028 and friends stay raw inside strings, as JSON allows)
    back = [it.parse_item(json.dumps(json.loads(line)["Item"]), "dynamodb") for line in typed.split("\n")[:-1]]
    for a, b in zip(back, items, strict=True):
        assert_same_types(a, b)
    plain = b"".join(export.json_lines(items)).decode().split("\n")[:-1]
    assert len(plain) == len(items)
    for line, item in zip(plain, items, strict=True):
        if it.lossless_in_json(item):
            assert_same_types(it.parse_item(line, "json"), item)


def test_csv_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [normalize_item(i) for i in (
        {"z": "text, with \"quotes\"", "pk": "a", "sk": 1, "n": Decimal("1.25"), "t": True, "nul": None},
        {"pk": "b", "sk": 2, "m": {"x": [1, "y"]}, "ss": {"b", "a"}, "bin": b"\x01\x02", "big": 10**37})]
    text = b"".join(export.csv_rows(iter(items), ("pk", "sk"))).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["pk", "sk", "z", "n", "t", "nul", "m", "ss", "bin", "big"]
    assert rows[1] == ["a", "1", 'text, with "quotes"', "1.25", "true", "", "", "", "", ""]
    assert rows[2][:2] == ["b", "2"] and rows[2][2:6] == ["", "", "", ""]
    assert json.loads(rows[2][6]) == {"x": [1, "y"]} and json.loads(rows[2][7]) == ["a", "b"]
    assert base64.b64decode(rows[2][8].strip('"')) == b"\x01\x02" and rows[2][9] == str(10**37)
    assert len(rows) == 3
    many = [{"pk": f"k{i}", "sk": i} for i in range(1234)]
    assert len(list(csv.reader(io.StringIO(b"".join(export.csv_rows(many, ("pk", "sk"))).decode())))) == 1235
    monkeypatch.setattr(export, "MAX_CSV_ROWS", 3)
    produced: list[int] = []

    def counted() -> Iterator[Item]:
        for i, item in enumerate(many[:10]):
            produced.append(i)
            yield item

    with pytest.raises(ValidationError, match="more than 3"):
        export.csv_rows(counted(), ("pk", "sk"))  # raised on the call, before any byte
    assert len(produced) == 4
    assert len(b"".join(export.csv_rows(many[:3], ("pk", "sk"))).splitlines()) == 4


def test_export_of_a_read(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    form = _form(mode="query", pk="p1", limit="2", f_attr=["flag"], f_op=["="], f_type=["BOOL"], f_value=["false"])
    everything = list(reads.read_all(sync_store, spec, form))  # every page, not the first page only
    assert sorted(map(_key, everything)) == sorted(_key(r) for r in rows if r["pk"] == "p1" and not r["flag"])
    lines = b"".join(export.json_lines(everything, dynamodb=True)).decode().splitlines()
    assert [it.parse_item(json.dumps(json.loads(x)["Item"]), "dynamodb") for x in lines] == everything
    table = list(csv.reader(io.StringIO(b"".join(export.csv_rows(everything, ("pk", "sk"))).decode())))
    assert table[0][:2] == ["pk", "sk"] and [r[1] for r in table[1:]] == [str(i["sk"]) for i in everything]


def test_a_form_survives_its_links() -> None:
    form = _form(mode="query", index="by_status", pk="open", sk_op="between", sk="1", sk2="5", expression="#n <> :v",
                 names='{"#n": "name"}', values='{":v": {"S": "x"}}', values_format="dynamodb", projection="pk, sk",
                 reverse="1", consistent="on", limit="50", f_attr=["a", "b.c"], f_op=["=", "exists"],
                 f_type=["N", "S"], f_value=["1", ""])
    assert form.filters == (reads.FilterRow("a", "=", "N", "1"), reads.FilterRow("b.c", "exists", "S", ""))
    assert (form.reverse, form.consistent, form.limit) == (True, True, 50)
    params = form.query_params("CURSOR")
    single = {k: v for k, v in params}
    again = reads.ReadForm.from_query(single, lambda name: [v for k, v in params if k == name])
    assert again == reads.ReadForm(**{**form.__dict__, "cursor": "CURSOR"})
    assert reads.ReadForm.from_query({}) == reads.ReadForm()
    assert dict(reads.ReadForm().query_params()) == {"mode": "scan"}


def test_scan_of_an_index_and_a_reversed_query_paged(sync_store: Store, prefix: str) -> None:
    spec, rows = _read_table(sync_store, prefix)
    sync_store.table(spec.name).put({"pk": "p0", "sk": 100})  # not in the sparse global index
    page = reads.read_page(sync_store, spec, _form(index="by_status", limit="1000"))
    assert sorted(map(_key, page.items)) == sorted(map(_key, rows))
    assert page.request()["IndexName"] == "by_status"
    assert page.columns()[:4] == ["status", "score", "pk", "sk"]
    seen: list[Item] = []
    cursor: str | None = ""
    while cursor is not None:
        p = reads.read_page(sync_store, spec, _form(mode="query", pk="p1", reverse="1", limit="3", cursor=cursor))
        seen += p.items
        cursor = p.next_cursor
    assert [i["sk"] for i in seen] == sorted((r["sk"] for r in rows if r["pk"] == "p1"), reverse=True)
