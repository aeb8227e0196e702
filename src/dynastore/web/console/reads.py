"""Scans and queries as the console runs them: the form's fields, the request DynamoDB gets, one page of
results with what it cost, and the cursors to go forward and back.

DynamoDB pages forward only (``ExclusiveStartKey``); going back means remembering where each earlier
page started, so the console's cursor is the trail of start keys, carried in the URL (compressed):
the pages stay links, bookmarkable, and work the same in every worker process.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ...codec import deserialize_checked, normalize_item
from ...endpoint.wire import encode_item, encode_value
from ...engine import Item
from ...errors import ValidationError
from ...expressions import Attr, Condition, Key, Path, all_of, as_path
from ...expressions.compile import Placeholders, compile_condition, compile_projection
from ...expressions.parse import Substitutions, parse_condition, parse_projection
from ...results import Results
from ...spec import Index, KeyAttribute, TableSpec
from ...store import Store
from .items import (
    decode_token,
    encode_token,
    is_expired,
    json_object,
    key_token,
    key_value,
    parse_value,
    raw_table,
)

Mode = Literal["scan", "query"]
SORT_OPERATORS = {"": "any", "=": "=", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "between": "between",
                  "begins_with": "begins with"}
FILTER_OPERATORS = {"=": "=", "<>": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "begins_with": "begins with",
                    "contains": "contains", "not_contains": "does not contain", "exists": "exists",
                    "not_exists": "does not exist"}
VALUE_TYPES = {"S": "string", "N": "number", "BOOL": "boolean", "NULL": "null", "B": "binary (base64)",
               "JSON": "JSON (list, map...)"}
PAGE_SIZES = (10, 25, 50, 100, 250, 1000)
DEFAULT_PAGE_SIZE = 25
#: one page view issues at most this many requests (each reads up to a page's size) to fill its page: a selective
#: filter on a big table then shows what it read so far and a link to read on, instead of reading it all
MAX_REQUESTS_PER_PAGE = 10
#: pages remembered for going back; older ones fall off the trail (the first page is always a link away)
MAX_TRAIL = 200


@dataclass(frozen=True)
class FilterRow:
    attribute: str
    operator: str = "="
    type: str = "S"
    value: str = ""

    def condition(self) -> Condition:
        if not self.attribute.strip():
            raise ValidationError("a filter row needs an attribute name")
        if self.operator not in FILTER_OPERATORS:
            raise ValidationError(f"unknown filter operator {self.operator!r}")
        try:
            attr = Attr(as_path(self.attribute.strip()))
        except ValidationError as e:
            raise ValidationError(f"filter attribute {self.attribute!r}: {e.message}") from None
        if self.operator == "exists":
            return attr.exists()
        if self.operator == "not_exists":
            return attr.not_exists()
        v = parse_value(self.value, self.type)
        if self.operator == "not_contains":
            return ~attr.contains(v)
        tests: dict[str, Callable[[Any], Condition]] = {
            "=": attr.eq, "<>": attr.ne, "<": attr.lt, "<=": attr.lte, ">": attr.gt, ">=": attr.gte,
            "begins_with": attr.begins_with, "contains": attr.contains}
        return tests[self.operator](v)


@dataclass(frozen=True)
class ReadForm:
    """What the items form asks for; every field is a query parameter of the page's URL."""

    mode: Mode = "scan"
    index: str = ""
    pk: str = ""
    sk_op: str = ""
    sk: str = ""
    sk2: str = ""
    filters: tuple[FilterRow, ...] = ()
    #: a FilterExpression as DynamoDB takes it, with its names and values as JSON objects
    expression: str = ""
    names: str = ""
    values: str = ""
    values_format: str = "json"
    projection: str = ""
    reverse: bool = False
    consistent: bool = False
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str = ""

    @classmethod
    def from_query(cls, params: Mapping[str, Any], getlist: Any = None) -> ReadForm:
        """From a request's query parameters (``getlist(name)`` gives a repeated one's values)."""
        def one(name: str) -> str:
            v = params.get(name, "")
            return v if isinstance(v, str) else ""

        rows = []
        if getlist is not None:
            columns = [getlist(f"f_{n}") for n in ("attr", "op", "type", "value")]
            for attr, op, kind, value in zip(*columns, strict=False):
                if attr.strip():
                    rows.append(FilterRow(attr, op or "=", kind or "S", value))
        mode = one("mode") or "scan"
        if mode not in ("scan", "query"):
            raise ValidationError(f"mode is scan or query, not {mode!r}")
        raw_limit = one("limit") or str(DEFAULT_PAGE_SIZE)
        try:
            limit = int(raw_limit)
        except ValueError:
            raise ValidationError(f"page size {raw_limit!r} is not a whole number") from None
        if not 1 <= limit <= 1000:
            raise ValidationError("page size is between 1 and 1000")
        sk_op = one("sk_op")
        if sk_op not in SORT_OPERATORS:
            raise ValidationError(f"unknown sort-key operator {sk_op!r}")
        if one("values_format") not in ("", "json", "dynamodb"):
            raise ValidationError(f"attribute values are JSON or DynamoDB JSON, not {one('values_format')!r}")
        return cls(mode="query" if mode == "query" else "scan", index=one("index"), pk=one("pk"), sk_op=sk_op, sk=one("sk"), sk2=one("sk2"),
                   filters=tuple(rows), expression=one("expression").strip(), names=one("names").strip(),
                   values=one("values").strip(), values_format=one("values_format") or "json",
                   projection=one("projection").strip(), reverse=one("reverse") in ("1", "on", "true"),
                   consistent=one("consistent") in ("1", "on", "true"), limit=limit, cursor=one("cursor"))

    def query_params(self, cursor: str | None = None) -> list[tuple[str, str]]:
        """This form as query parameters (with another cursor): the links to other pages."""
        out: list[tuple[str, str]] = [("mode", self.mode)]
        for name in ("index", "pk", "sk_op", "sk", "sk2", "expression", "names", "values", "projection"):
            if getattr(self, name):
                out.append((name, getattr(self, name)))
        if self.values and self.values_format != "json":
            out.append(("values_format", self.values_format))
        for row in self.filters:
            out += [("f_attr", row.attribute), ("f_op", row.operator), ("f_type", row.type), ("f_value", row.value)]
        if self.reverse:
            out.append(("reverse", "1"))
        if self.consistent:
            out.append(("consistent", "1"))
        if self.limit != DEFAULT_PAGE_SIZE:
            out.append(("limit", str(self.limit)))
        if cursor:
            out.append(("cursor", cursor))
        return out


@dataclass(frozen=True)
class Target:
    """The table or index a read goes to, and its key schema."""

    spec: TableSpec
    index: Index | None
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None

    @classmethod
    def of(cls, spec: TableSpec, index: str) -> Target:
        if not index:
            return cls(spec, None, spec.partition_key, spec.sort_key)
        try:
            ix = spec.index(index)
        except (KeyError, ValidationError):
            raise ValidationError(f"table {spec.name!r} has no index {index!r}") from None
        return cls(spec, ix, ix.partition_key or spec.partition_key, ix.sort_key)

    @property
    def name(self) -> str | None:
        return self.index.name if self.index else None

    def key_names(self) -> tuple[str, ...]:
        """The attributes that locate an item in the target (its keys, then the table's): a cursor's."""
        names = [self.partition_key.name] + ([self.sort_key.name] if self.sort_key else [])
        return tuple(dict.fromkeys([*names, *self.spec.table_key_names()]))


@dataclass
class Plan:
    """A form turned into a read: the key condition, filter and projection as expression trees."""

    target: Target
    form: ReadForm
    key_condition: Condition | None = None
    filter: Condition | None = None
    projection: tuple[Path, ...] | None = None

    def results(self, store: Store, start_key: Item | None, limit: int | None) -> Results:
        table = raw_table(store, self.target.spec)
        # The page size is DynamoDB's Limit too (as `request` shows it): with a filter each request reads
        # that many items, so a page view's cost is bounded by MAX_REQUESTS_PER_PAGE pages of them.
        common: dict[str, Any] = dict(index=self.target.name, filter=self.filter, projection=self.projection,
                                      limit=limit, page_size=limit, start_key=start_key,
                                      consistent=self.form.consistent, include_expired=True)
        if self.key_condition is not None:
            return table.query(self.key_condition, reverse=self.form.reverse, **common)
        return table.scan(**common)

    def request(self, start_key: Item | None) -> dict[str, Any]:
        """The request DynamoDB gets for the page (its JSON, as boto3's client and the AWS CLI take it)."""
        ph = Placeholders()
        out: dict[str, Any] = {"TableName": self.target.spec.name}
        if self.target.name:
            out["IndexName"] = self.target.name
        if self.key_condition is not None:
            out["KeyConditionExpression"] = compile_condition(self.key_condition, ph)
        if self.filter is not None:
            out["FilterExpression"] = compile_condition(self.filter, ph)
        if self.projection is not None:
            out["ProjectionExpression"] = compile_projection(self.projection, ph)
        if ph.names:
            out["ExpressionAttributeNames"] = ph.names
        if ph.values:
            out["ExpressionAttributeValues"] = {k: encode_value(v) for k, v in ph.values.items()}
        if self.key_condition is not None and self.form.reverse:
            out["ScanIndexForward"] = False
        if self.form.consistent:
            out["ConsistentRead"] = True
        out["Limit"] = self.form.limit
        if start_key is not None:
            out["ExclusiveStartKey"] = encode_item(start_key)
        return out


def plan(spec: TableSpec, form: ReadForm) -> Plan:
    """Check the form against the table and build the read; ValidationError naming the field at fault."""
    target = Target.of(spec, form.index)
    p = Plan(target, form)
    if form.mode == "query":
        p.key_condition = _key_condition(target, form)
    elif form.pk or form.sk_op:
        raise ValidationError("a scan reads the whole table: choose Query to give a partition key")
    if form.consistent and target.index is not None and not target.index.local:
        raise ValidationError("a global secondary index is eventually consistent: it cannot be read consistently")
    parts = [row.condition() for row in form.filters]
    subs = _substitutions(form)
    if form.expression:
        parts.append(parse_condition(form.expression, subs, what="FilterExpression"))
    if form.projection:
        p.projection = parse_projection(form.projection, subs)
    subs.check_all_used()
    # (a query's filter naming the key it queries by is refused by Table.query, in DynamoDB's words)
    p.filter = all_of(parts)
    return p


def _substitutions(form: ReadForm) -> Substitutions:
    names = _json_object(form.names, "attribute names") if form.names else None
    values = _json_object(form.values, "attribute values") if form.values else None
    if values is not None and form.values_format != "dynamodb":
        values = {k: encode_value(normalize_item({"v": v})["v"]) for k, v in values.items()}
    elif values is not None:
        try:
            values = {k: encode_value(deserialize_checked(v)) for k, v in values.items()}
        except (ValidationError, TypeError, ValueError) as e:
            raise ValidationError(f"attribute values: {e}") from None
    return Substitutions(names or None, values or None)


def _json_object(text: str, what: str) -> dict[str, Any]:
    return json_object(text, what, '{"#s": "status"}' if what == "attribute names" else '{":v": 1}')


def _key_condition(target: Target, form: ReadForm) -> Condition:
    pk, sk = target.partition_key, target.sort_key
    if not form.pk:
        raise ValidationError(f"a query needs the partition key: enter a value for {pk.name}")
    cond = Key(pk.name).eq(key_value(pk, form.pk))
    if form.sk_op:
        if sk is None:
            raise ValidationError(f"{target.name or target.spec.name} has no sort key to test")
        key = Key(sk.name)
        first = key_value(sk, form.sk)
        if form.sk_op == "between":
            cond = cond & key.between(first, key_value(sk, form.sk2))
        elif form.sk_op == "begins_with":
            if sk.type == "N":
                raise ValidationError(f"begins with works on strings and binaries; {sk.name} is a number")
            cond = cond & key.begins_with(first)
        else:
            ops = {"=": key.eq, "<": key.lt, "<=": key.lte, ">": key.gt, ">=": key.gte}
            cond = cond & ops[form.sk_op](first)
    return cond


# -- a page of results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trail:
    """Where the current page and each earlier one started (None: the beginning)."""

    starts: tuple[Item | None, ...] = (None,)
    #: the number of the first page in ``starts`` (pages fall off the front past MAX_TRAIL)
    first: int = 1

    @classmethod
    def decode(cls, token: str) -> Trail:
        if not token:
            return cls()
        data = decode_token(token, "page link")
        try:
            starts = tuple(None if s is None else normalize_item(
                {k: deserialize_checked(v) for k, v in s.items()}) for s in data["s"])
            first = int(data["n"])
        except (KeyError, TypeError, ValueError, AttributeError, ValidationError):
            raise ValidationError("this page link is damaged: go back to the first page") from None
        if not starts or first < 1:
            raise ValidationError("this page link is damaged: go back to the first page")
        return cls(starts, first)

    def encode(self) -> str:
        if self.starts == (None,) and self.first == 1:
            return ""
        return encode_token({"n": self.first, "s": [None if s is None else encode_item(s) for s in self.starts]})

    @property
    def number(self) -> int:
        return self.first + len(self.starts) - 1

    @property
    def start(self) -> Item | None:
        return self.starts[-1]

    def forward(self, key: Item) -> Trail:
        starts = (*self.starts, key)
        if len(starts) > MAX_TRAIL:
            return Trail(starts[1:], self.first + 1)
        return Trail(starts, self.first)

    def back(self) -> Trail | None:
        if len(self.starts) > 1:
            return Trail(self.starts[:-1], self.first)
        if self.first > 1:
            return Trail()  # the earlier start keys fell off: the first page
        return None


@dataclass
class ResultPage:
    plan: Plan
    trail: Trail
    items: list[Item] = field(default_factory=list)
    #: items the reads evaluated (DynamoDB's ScannedCount): what they cost, before the filter
    scanned: int = 0
    requests: int = 0
    #: bytes the reads evaluated, where the engine reports them (the embedded engine does)
    scanned_bytes: int | None = None
    next_key: Item | None = None
    #: the page stopped at MAX_REQUESTS_PER_PAGE requests before it was full
    stopped: bool = False

    @property
    def count(self) -> int:
        return len(self.items)

    #: read capacity the page consumed (4 KB units, halved for eventually consistent reads), where known
    read_units: float | None = None

    def columns(self, limit: int = 40) -> list[str]:
        """Key attributes first, then the others in order of first appearance (at most *limit*)."""
        names: dict[str, None] = dict.fromkeys(self.plan.target.key_names())
        for item in self.items:
            for name in item:
                names.setdefault(name)
        return list(names)[:limit]

    @property
    def next_cursor(self) -> str | None:
        return None if self.next_key is None else self.trail.forward(self.next_key).encode()

    @property
    def previous_cursor(self) -> str | None:
        back = self.trail.back()
        return None if back is None else back.encode()

    def request(self) -> dict[str, Any]:
        return self.plan.request(self.trail.start)

    def item_token(self, item: Item) -> str | None:
        """The item's link token; None when a projection left out a key attribute."""
        names = self.plan.target.spec.table_key_names()
        if not all(n in item for n in names):
            return None
        return key_token({n: item[n] for n in names})

    def expired(self, item: Item) -> bool:
        """Past its TTL, not yet deleted: DynamoDB still returns it (it deletes within days)."""
        return is_expired(self.plan.target.spec, item)


def read_page(store: Store, spec: TableSpec, form: ReadForm) -> ResultPage:
    """One page of the form's scan or query: up to ``form.limit`` items, read ``form.limit`` at a time
    (DynamoDB's Limit) until the page is full, in at most MAX_REQUESTS_PER_PAGE requests."""
    p = plan(spec, form)
    trail = Trail.decode(form.cursor)
    page = ResultPage(p, trail)
    results = p.results(store, trail.start, form.limit)
    nbytes, units, known = 0, 0.0, True
    for raw in results.pages():
        page.requests += 1
        page.items += raw.items
        page.scanned += raw.scanned_count
        if raw.scanned_bytes is None:
            known = False
        else:
            nbytes += raw.scanned_bytes
            units += math.ceil(raw.scanned_bytes / 4096) * (1.0 if form.consistent else 0.5)
        page.next_key = raw.last_key
        if len(page.items) >= form.limit or raw.last_key is None:
            break
        if page.requests >= MAX_REQUESTS_PER_PAGE:
            page.stopped = True
            break
    if known:
        page.scanned_bytes, page.read_units = nbytes, max(units, 0.5 if page.requests else 0.0)
    return page


def read_all(store: Store, spec: TableSpec, form: ReadForm) -> Results:
    """Every item of the form's read from the beginning (exports), page after page as it is iterated.
    The form and the read are checked here, before any item is read (a download starts valid)."""
    return plan(spec, form).results(store, None, None)
