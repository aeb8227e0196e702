"""Items as the console shows and takes them: JSON and DynamoDB JSON text, keys in URLs, and writes that
refuse to overwrite what another writer changed since the item was opened."""

from __future__ import annotations

import base64
import binascii
import json
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ...codec import deserialize_checked, normalize_item, values_equal
from ...endpoint.wire import encode_item
from ...engine import Item
from ...errors import ConditionFailed, TransactionCanceled, ValidationError
from ...expressions import Compare, Condition, Exists, NotExists, Path, Value, all_of
from ...jsonutil import dumps, loads
from ...spec import KeyAttribute, TableSpec
from ...store import Store
from ...table import Table
from ...validation import check_item, check_key, key_of

Format = Literal["json", "dynamodb"]
FORMATS: dict[str, str] = {"json": "JSON", "dynamodb": "DynamoDB JSON"}

#: A condition may hold at most 300 operators and 4 KB of text on DynamoDB: past this many attributes the
#: "unchanged" check compares the item as read just before the write, instead of in the write's condition.
MAX_CONDITION_ATTRIBUTES = 60


class ItemChanged(ConditionFailed):
    """The item is no longer what the editor opened: another writer changed or deleted it."""

    def __init__(self, message: str, *, current: Item | None):
        super().__init__(message, item=current)
        self.current = current


# -- text ---------------------------------------------------------------------------------------


def as_json(item: Mapping[str, Any]) -> str:
    """The item as plain JSON (sets as lists, binary as base64): what most people read."""
    return dumps(dict(item), indent=2, sort_keys=True)


def as_dynamodb_json(item: Mapping[str, Any]) -> str:
    """The item in DynamoDB's typed form (``{"name": {"S": "x"}}``), as the AWS CLI prints it; set
    members sorted, so the same item always reads the same."""
    return json.dumps({k: _sorted_sets(v) for k, v in encode_item(item).items()}, indent=2, sort_keys=True,
                      ensure_ascii=False)


def _sorted_sets(av: Any) -> Any:
    ((tag, v),) = av.items()
    if tag == "NS":
        return {tag: sorted(v, key=Decimal)}
    if tag in ("SS", "BS"):
        return {tag: sorted(v)}
    if tag == "M":
        return {tag: {k: _sorted_sets(x) for k, x in v.items()}}
    if tag == "L":
        return {tag: [_sorted_sets(x) for x in v]}
    return av


def as_text(item: Mapping[str, Any], fmt: Format) -> str:
    return as_dynamodb_json(item) if fmt == "dynamodb" else as_json(item)


def lossless_in_json(item: Mapping[str, Any]) -> bool:
    """Whether plain JSON keeps every type of the item (no sets, no binary): else editing it as JSON
    would turn a set into a list, so the editor offers DynamoDB JSON only."""
    try:
        return values_equal(normalize_item(loads(as_json(item))), dict(item))
    except ValidationError:
        return False


def parse_item(text: str, fmt: Format) -> Item:
    """An item typed into the editor, as canonical values; ValidationError saying where it is wrong."""
    if not text.strip():
        raise ValidationError("the item is empty: write a JSON object such as {\"id\": \"a1\"}")
    data = json_object(text, "the item", '{"id": "a1"}')
    if fmt == "dynamodb":
        out = {}
        for name, av in data.items():
            try:
                out[name] = deserialize_checked(av)
            except (ValidationError, TypeError, ValueError, binascii.Error) as e:
                reason = e.message if isinstance(e, ValidationError) else str(e)
                raise ValidationError(f"attribute {name!r}: {reason} (DynamoDB JSON is "
                                      f'{{"name": {{"S": "text"}}, "n": {{"N": "1"}}}})') from None
        return normalize_item(out)
    return normalize_item(data)


def json_object(text: str, what: str, example: str) -> dict[str, Any]:
    """*text* as a JSON object, numbers exact; ValidationError saying where it is wrong."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise ValidationError(f"{what}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"{what}: write a JSON object, such as {example}, not {type(data).__name__}")
    return data


def parse_value(text: str, kind: str) -> Any:
    """One value typed into a form field as the attribute type *kind* (S, N, B, BOOL, NULL or JSON)."""
    if kind == "S":
        return text
    if kind == "N":
        try:
            return normalize_item({"v": Decimal(text.strip())})["v"]
        except (ArithmeticError, ValueError):
            raise ValidationError(f"{text!r} is not a number") from None
    if kind == "B":
        try:
            return base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(f"{text!r} is not base64 (binary values are written in base64)") from None
    if kind == "BOOL":
        if text.strip().lower() not in ("true", "false"):
            raise ValidationError(f"{text!r} is not true or false")
        return text.strip().lower() == "true"
    if kind == "NULL":
        return None
    if kind == "JSON":
        try:
            return normalize_item({"v": loads(text)})["v"]
        except json.JSONDecodeError as e:
            raise ValidationError(f"{text!r} is not JSON: {e.msg}") from None
    raise ValidationError(f"unknown value type {kind!r}: use S, N, B, BOOL, NULL or JSON")


def key_value(attr: KeyAttribute, text: str) -> Any:
    """A key attribute's value typed into a form field, typed by the key schema."""
    try:
        return parse_value(text, attr.type)
    except ValidationError as e:
        raise ValidationError(f"{attr.name}: {e.message}") from None


# -- keys and cursors in URLs ------------------------------------------------------------------


def encode_token(value: Any) -> str:
    """Any JSON-able value as URL-safe text (compressed, so a trail of page cursors stays short)."""
    raw = zlib.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: a URL's token never unpacks to more than this (a few KB of link could otherwise unpack to GBs)
MAX_TOKEN_BYTES = 1 << 20
#: nor nests deeper (keys are scalars; a crafted token could otherwise exhaust the recursion limit)
MAX_TOKEN_DEPTH = 16


def decode_token(token: str, what: str = "link") -> Any:
    damaged = ValidationError(f"this {what} is damaged: go back to the table and open it again")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        unpack = zlib.decompressobj()
        text = unpack.decompress(raw, MAX_TOKEN_BYTES)
        if unpack.unconsumed_tail or not unpack.eof:
            raise damaged
        value = json.loads(text.decode())
    except (ValueError, zlib.error, UnicodeDecodeError, binascii.Error, RecursionError):
        raise damaged from None
    if _depth(value) > MAX_TOKEN_DEPTH:
        raise damaged
    return value


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_TOKEN_DEPTH or not isinstance(value, (dict, list)):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(v, level + 1) for v in children), default=level + 1)


def key_token(key: Mapping[str, Any]) -> str:
    return encode_token(encode_item(key))


def key_from_token(token: str, spec: TableSpec) -> Item:
    """The table key a URL names, checked against the table's key schema."""
    data = decode_token(token, "item link")
    if not isinstance(data, dict):
        raise ValidationError("this item link is damaged: go back to the table and open it again")
    try:
        key = normalize_item({k: deserialize_checked(v) for k, v in data.items()})
    except (ValidationError, TypeError, ValueError, binascii.Error):
        raise ValidationError("this item link is damaged: go back to the table and open it again") from None
    if set(key) != set(spec.table_key_names()):
        raise ValidationError(f"this item link names no item of {spec.name!r}: its key is "
                              f"{', '.join(spec.table_key_names())}")
    try:  # the same names with other types: another table's key too
        return check_key(spec, key)
    except ValidationError:
        raise ValidationError(f"this item link names no item of {spec.name!r}: its key is "
                              f"{_key_text(spec)}") from None


def _key_text(spec: TableSpec) -> str:
    return ", ".join(f"{k.name} ({k.type})" for k in spec.key_attributes()[:len(spec.table_key_names())])


# -- writes ---------------------------------------------------------------------------------------


def raw_table(store: Store, spec: TableSpec) -> Table:
    """The table as DynamoDB has it: the console writes exactly what was typed, so none of an
    application's client-side behaviours (versions, timestamps) apply, and its spec on the store is kept."""
    # server_view drops the behaviours; Table never registers the spec on the store, so the app's stays
    return Table(store, spec.server_view())


def _path(name: str) -> Path:
    return Path((name,))


def unchanged(original: Mapping[str, Any], key_names: tuple[str, ...]) -> Condition | None:
    """A condition true only while the stored item is still *original* attribute for attribute (an
    attribute another writer added is caught by the read before the write, see `replace_item`).
    None when the item has too many attributes for one condition."""
    if len(original) > MAX_CONDITION_ATTRIBUTES:
        return None
    return all_of([Exists(_path(key_names[0])),
                   *(Compare("=", _path(n), Value(v)) for n, v in sorted(original.items()) if n not in key_names)])


def _not_there(spec: TableSpec) -> Condition:
    return NotExists(_path(spec.partition_key.name))


@dataclass(frozen=True)
class Saved:
    item: Item
    key: Item
    #: the item was stored under another key than it was opened with (its old key was deleted)
    moved: bool = False


def create_item(store: Store, spec: TableSpec, item: Mapping[str, Any]) -> Saved:
    """Store a new item; ConditionFailed when one with its key exists (nothing is overwritten)."""
    try:
        new = raw_table(store, spec).put(item, condition=_not_there(spec)).item
    except ConditionFailed:
        raise ConditionFailed("an item with this key already exists: open it to edit it") from None
    return Saved(new, key_of(spec, new))


def current(store: Store, spec: TableSpec, key: Mapping[str, Any]) -> Item | None:
    """The item as stored now (a strongly consistent read, expired items included)."""
    return raw_table(store, spec).get(key, consistent=True, include_expired=True)


def replace_item(store: Store, spec: TableSpec, original: Mapping[str, Any], new: Mapping[str, Any]) -> Saved:
    """Write *new* in place of *original*, unless the stored item changed since *original* was read.

    ItemChanged (with the item as it is now) when it did; nothing is written then. A new key
    moves the item: the new one is put (if that key is free) and the old deleted, in one transaction.
    """
    item = check_item(spec, new)
    old = normalize_item(original)
    old_key, new_key = key_of(spec, old), key_of(spec, item)
    now = current(store, spec, old_key)
    if now is None or not values_equal(now, old):
        raise _changed(now)
    names = spec.table_key_names()
    guard = unchanged(old, names)
    table = raw_table(store, spec)
    try:
        if values_equal(old_key, new_key):
            table.put(item, condition=guard)
            return Saved(item, new_key)
        with store.transaction() as tx:
            tx.put(table, item, condition=_not_there(spec))
            tx.delete(table, old_key, condition=guard if guard is not None else Exists(_path(names[0])))
    except TransactionCanceled as e:
        if e.reasons and e.reasons[0].code == "ConditionalCheckFailed":
            raise ConditionFailed("an item with the new key already exists: nothing was changed") from None
        raise _changed(current(store, spec, old_key)) from None
    except ConditionFailed:
        raise _changed(current(store, spec, old_key)) from None
    return Saved(item, new_key, moved=True)


def delete_item(store: Store, spec: TableSpec, original: Mapping[str, Any]) -> None:
    """Delete the item, unless it changed since *original* was read (ItemChanged then)."""
    old = normalize_item(original)
    key = key_of(spec, old)
    now = current(store, spec, key)
    if now is None or not values_equal(now, old):
        raise _changed(now)
    guard = unchanged(old, spec.table_key_names())
    try:
        raw_table(store, spec).delete(key, condition=guard)
    except ConditionFailed:
        raise _changed(current(store, spec, key)) from None


def _changed(now: Item | None) -> ItemChanged:
    if now is None:
        return ItemChanged("another writer deleted this item after you opened it: nothing was written",
                           current=None)
    return ItemChanged("another writer changed this item after you opened it: nothing was written. "
                       "The page now shows its current version; reapply your change to it", current=now)


def is_expired(spec: TableSpec, item: Mapping[str, Any], now: float | None = None) -> bool:
    """Past its TTL but not yet deleted: DynamoDB deletes expired items within days, and reads return
    them until then."""
    value = item.get(spec.ttl_attribute) if spec.ttl_attribute else None
    return type(value) in (int, Decimal) and value is not None and value <= (time.time() if now is None else now)
