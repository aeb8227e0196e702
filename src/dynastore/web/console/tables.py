"""Tables as the console lists, creates and deletes them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ...endpoint.tables import spec_from_request
from ...engine import TableInfo
from ...errors import DynastoreError, TableNotFound, ValidationError
from ...expressions import Path
from ...spec import Index, KeyAttribute, TableSpec, make_spec, spec_from_dict
from ...store import Store
from .items import raw_table

KEY_TYPES = {"S": "string", "N": "number", "B": "binary"}
#: the fields of one index row of the create form, each sent as a repeated ``ix_<field>``
INDEX_FIELDS = ("name", "kind", "pk", "pk_type", "sk", "sk_type", "projection", "include")
PROJECTIONS = ("ALL", "KEYS_ONLY", "INCLUDE")


@dataclass(frozen=True)
class TableSummary:
    """One line of the table list, and the head of a table's page."""

    name: str
    info: TableInfo | None = None
    #: why the table could not be described (it is listed anyway)
    problem: str | None = None
    #: each index's (items, bytes), where measured (a table's page does; the list does not)
    index_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def spec(self) -> TableSpec:
        assert self.info is not None
        return self.info.spec

    def key_text(self) -> str:
        spec = self.spec
        out = f"{spec.partition_key.name} ({spec.partition_key.type})"
        if spec.sort_key:
            out += f", {spec.sort_key.name} ({spec.sort_key.type})"
        return out

    def billing_text(self) -> str:
        spec = self.spec
        if spec.billing_mode == "PROVISIONED":
            return f"provisioned {spec.read_capacity} RCU / {spec.write_capacity} WCU"
        return "on demand"

    def indexes(self) -> list[dict[str, Any]]:
        assert self.info is not None
        out = []
        for ix in self.spec.indexes:
            pk = ix.partition_key or self.spec.partition_key
            out.append({"name": ix.name, "kind": "local" if ix.local else "global",
                        "key_text": f"{pk.name} ({pk.type})" + (f", {ix.sort_key.name} ({ix.sort_key.type})"
                                                           if ix.sort_key else ""),
                        "projection": ix.projection if isinstance(ix.projection, str)
                        else "INCLUDE " + ", ".join(ix.projection),
                        "status": self.info.index_status.get(ix.name, "ACTIVE"),
                        "items": self.index_sizes.get(ix.name, (None, None))[0]})
        return out


def summaries(store: Store) -> list[TableSummary]:
    """Every table, for the list (index sizes not measured)."""
    return [summary(store, name, missing_ok=True, index_sizes=False) for name in store.tables()]


def summary(store: Store, name: str, *, missing_ok: bool = False, index_sizes: bool = True) -> TableSummary:
    try:
        info = store.describe(name)
        return TableSummary(name, info, index_sizes=store.index_sizes(name) if index_sizes else {})
    except TableNotFound:
        if not missing_ok:
            raise
        return TableSummary(name, problem="deleted while the list was read")
    except DynastoreError as e:
        if not missing_ok:
            raise
        return TableSummary(name, problem=e.message)


def spec_text(spec: TableSpec) -> str:
    """The table as a dynastore spec file (YAML): what `dynastore create` and the create form take."""
    return yaml.safe_dump(spec.to_dict(), sort_keys=False, allow_unicode=True)


# -- creating -----------------------------------------------------------------------------------------


def _key(name: str, kind: str, what: str, *, required: bool = True) -> KeyAttribute | None:
    name = name.strip()
    if not name:
        if required:
            raise ValidationError(f"the {what} needs a name")
        return None
    if kind not in KEY_TYPES:
        raise ValidationError(f"the {what}'s type is S, N or B, not {kind!r}")
    return KeyAttribute(name, kind)  # type: ignore[arg-type]


def _units(text: str, what: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise ValidationError(f"{what} is a whole number of capacity units, not {text!r}") from None
    if n < 1:
        raise ValidationError(f"{what} is at least 1")
    return n


def index_rows(getlist: Any) -> list[dict[str, str]]:
    """The create form's index rows, as typed (``getlist(name)`` gives a repeated field's values)."""
    return [dict(zip(INDEX_FIELDS, row, strict=False))
            for row in zip(*(getlist(f"ix_{n}") for n in INDEX_FIELDS), strict=False)]


def spec_from_form(form: Mapping[str, Any], getlist: Any) -> TableSpec:
    """A table from the create form's fields; index rows come as repeated ``ix_*`` fields."""
    def one(name: str, default: str = "") -> str:
        v = form.get(name, default)
        return v.strip() if isinstance(v, str) else default

    data: dict[str, Any] = {"name": one("name")}
    if not data["name"]:
        raise ValidationError("the table needs a name")
    data["partition_key"] = _key(one("pk"), one("pk_type", "S"), "partition key")
    data["sort_key"] = _key(one("sk"), one("sk_type", "S"), "sort key", required=False)
    billing = one("billing", "PAY_PER_REQUEST")
    if billing not in ("PAY_PER_REQUEST", "PROVISIONED"):
        raise ValidationError(f"billing is on demand or provisioned, not {billing!r}")
    data["billing_mode"] = billing
    if billing == "PROVISIONED":
        data["read_capacity"] = _units(one("rcu", "5"), "read capacity")
        data["write_capacity"] = _units(one("wcu", "5"), "write capacity")
    if one("ttl"):
        data["ttl_attribute"] = one("ttl")
    if one("stream"):
        data["stream"] = one("stream")
    indexes = []
    for row in index_rows(getlist):
        name, kind, pk, pk_type, sk, sk_type, projection, include = (row[f] for f in INDEX_FIELDS)
        if not name.strip():
            continue
        local = kind == "local"
        ix: dict[str, Any] = {"name": name.strip(), "local": local,
                              "sort_key": _key(sk, sk_type or "S", f"index {name}'s sort key", required=local)}
        if not local:
            ix["partition_key"] = _key(pk, pk_type or "S", f"index {name}'s partition key")
        if projection == "INCLUDE":
            ix["projection"] = [a.strip() for a in include.split(",") if a.strip()]
        else:
            ix["projection"] = projection or "ALL"
        if not local and billing == "PROVISIONED":
            ix["read_capacity"], ix["write_capacity"] = data["read_capacity"], data["write_capacity"]
        indexes.append(Index(**ix))
    data["indexes"] = tuple(indexes)
    return make_spec(data)


def specs_from_text(text: str) -> list[TableSpec]:
    """Tables from a pasted or uploaded file: a dynastore spec (YAML or JSON; one table, a list, or
    ``{tables: [...]}``), or a CreateTable request as the AWS CLI's ``--cli-input-json`` takes it."""
    if not text.strip():
        raise ValidationError("the spec is empty: paste a spec file or a CreateTable request")
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as e:
        raise ValidationError(f"not valid YAML or JSON: {e}") from None
    if isinstance(data, dict) and "tables" in data:
        data = data["tables"]
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(d, dict) for d in items):
        raise ValidationError("a spec holds a table, a list of tables, or {tables: [...]}")
    return [_from_request(d) if "TableName" in d else spec_from_dict(d) for d in items]


def _from_request(data: dict[str, Any]) -> TableSpec:
    # spec_from_request trusts the shape DynamoDB's API already checked (lists of objects ...)
    try:
        return spec_from_request(json.loads(json.dumps(data)))
    except ValidationError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        what = f"a member {e}" if isinstance(e, KeyError) else "a member of the wrong shape"
        raise ValidationError(f"the CreateTable request for {data.get('TableName')!r} is malformed: {what} "
                              "is missing or wrong (see `aws dynamodb create-table --generate-cli-skeleton`)") from None


def create(store: Store, *specs: TableSpec) -> None:
    """Create the tables; refused, before any is created, when one of their names exists (the console
    never alters a table)."""
    existing = set(store.tables())
    for spec in specs:
        if spec.name in existing:
            raise ValidationError(f"a table named {spec.name!r} exists already")
    for spec in specs:
        # The table only: an uploaded spec's client-side behaviours (versions, timestamps) must not attach
        # themselves to the application's store.
        store.create_table(spec.server_view())


# -- emptying and deleting ---------------------------------------------------------------------------


def purge(store: Store, spec: TableSpec) -> int:
    """Delete every item (the table, its indexes and settings stay); returns how many were deleted."""
    table = raw_table(store, spec)
    names = spec.table_key_names()
    deleted = 0
    # Paths, not text: a key named ``a.b`` is one attribute, not b inside a
    for page in table.scan(projection=[Path((n,)) for n in names], include_expired=True).pages():
        if page.items:
            deleted += table.batch_write(deletes=[{n: item[n] for n in names} for item in page.items])
    return deleted
