"""Access-pattern smells in table specs, found before they cost money (``dynastore check``).

Every check judges declared facts only: the keys and indexes of a spec, its
structured access patterns (`AccessPattern`) and its attribute hints
(`AttributeHint`). Each warning names its code, the table, index and pattern it
concerns, what it was judged from, what it costs and what to do. A warning is
silenced by ``ignore: [DS001]`` on the table, index or pattern it concerns (or
``--ignore DS001`` for a whole run); silenced warnings stay in the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .spec import AccessPattern, AttributeHint, Ignore, Index, TableSpec, load_specs

__all__ = ["FEW_VALUES", "RULES", "Finding", "Note", "Report", "Rule", "check_file", "check_specs"]

#: A partition key declared with fewer distinct values than this is "few".
FEW_VALUES = 100

_THROUGHPUT = (
    "DynamoDB spreads a table, and each global index, over partitions by partition key value, and one "
    "partition serves at most 3,000 read units and 1,000 write units a second, whatever the table's capacity "
    "or on-demand mode allows; past that, requests are throttled. Items with one partition key value stay "
    "together (DynamoDB can split them only by sort key range, which does not help when writes arrive at one "
    "end, as with a time-ordered sort key)."
)
_SCAN = (
    "A Scan reads every item, a 1 MB page at a time, and is charged for all it reads before a filter drops "
    "anything: its cost and latency grow with the table, not with the answer."
)


@dataclass(frozen=True)
class Rule:
    """One check: a stable code, a title, what the smell costs and what to do."""

    code: str
    title: str
    why: str
    fix: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "DS001", "hot partition key",
            _THROUGHPUT + " A key with few values can never spread, so its busiest value caps the table or "
            "index; a global index throttled for writes throttles writes to its table too.",
            "Key by an attribute with many values (an owner or item id), or write-shard the key (TYPE#0..TYPE#9, "
            "one query per shard). If the attribute really has many values, declare it "
            "(attributes: {NAME: {cardinality: high}}); if the traffic stays small, silence this with a reason.",
        ),
        Rule(
            "DS002", "table read only by Scan",
            _SCAN + " Every read this table declares is a Scan, so every read pays for the whole table.",
            "Give the reads a key: choose the table's keys, or add a global index, so they can Query or Get. "
            "A small table that stays small (settings, lookups) can keep its scans: silence this with a reason.",
        ),
        Rule(
            "DS003", "access pattern reads by Scan",
            _SCAN,
            "Query a key or an index made for this read. A deliberate scan (a rare export, an admin page on a "
            "small table) can stay: silence this on the pattern with a reason.",
        ),
        Rule(
            "DS004", "projection makes reads fetch the base table",
            "An index holds only the attributes it projects (its keys, the table's keys and INCLUDE's list). "
            "A query on a global index cannot return others (DynamoDB rejects the request), so the code must "
            "GetItem or BatchGetItem each result from the table: one more read per item. A local index fetches "
            "them from the table itself, reading the whole item again, at more latency and cost.",
            "Project what the pattern reads (add the attributes to INCLUDE, or use ALL), or read fewer attributes. "
            "A global index's projection cannot be changed in place: create a new index, then drop the old one.",
        ),
        Rule(
            "DS005", "access pattern uses a missing index",
            "DynamoDB rejects a query or scan on an index the table does not have (ValidationException): either "
            "the code fails, or the spec no longer says how the table is read.",
            "Add the index to the spec, or correct the pattern's index name.",
        ),
        Rule(
            "DS006", "access pattern's key is not the table's or index's key",
            "A Query needs the partition key, by equality, and can narrow only by the sort key; GetItem, "
            "PutItem, UpdateItem and DeleteItem name the whole primary key. DynamoDB rejects anything else "
            "(ValidationException), and the usual way around it, a Scan with a filter, pays for the whole table.",
            "Query a table or index keyed by these attributes (add a global index), or correct the pattern.",
        ),
        Rule(
            "DS007", "filter on a key attribute of the queried index",
            "DynamoDB rejects a Query whose filter names the partition or sort key of the table or index it "
            "queries (\"Filter Expression can only contain non-primary key attributes\"). A condition on the sort "
            "key belongs in the key condition, where it also limits what is read and paid for; a filter only "
            "drops items after they are read.",
            "Move the condition into the key condition (sort key: =, <, <=, >, >=, BETWEEN, begins_with).",
        ),
        Rule(
            "DS008", "index no access pattern uses",
            "Every write of an item that carries an index's key attributes is written to the index too: write "
            "units and storage for each index, and a global index that falls behind throttles the table's writes.",
            "Drop the index, or declare the access pattern that reads it.",
        ),
    )
}

# A partition key that looks like a type, a status or a flag, when nothing is declared about it.
_LOOKS_FEW_SNAKE = re.compile(
    r"^(is|has)_|(^|[_\-.])(type|kind|status|state|category|flag|enabled|active|deleted|role|level|priority)$",
    re.IGNORECASE,
)
_LOOKS_FEW_CAMEL = re.compile(r"^(is|has)[A-Z]|[a-z0-9](Type|Kind|Status|State|Category|Flag|Role|Level|Priority)$")


@dataclass(frozen=True)
class Finding:
    """One warning: which rule, where, and this case's details (incl. what it was judged from)."""

    rule: Rule
    table: str
    detail: str
    index: str | None = None
    pattern: str | None = None
    file: str | None = None
    silenced_by: str | None = None
    reason: str = ""

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def where(self) -> str:
        parts = [f"table {self.table}"]
        if self.index:
            parts.append(f"index {self.index}")
        if self.pattern:
            parts.append(f"pattern {self.pattern!r}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.rule.title, "file": self.file, "table": self.table,
            "index": self.index, "pattern": self.pattern, "message": self.detail,
            "why": self.rule.why, "fix": self.rule.fix,
            "silenced": None if self.silenced_by is None else {"by": self.silenced_by, "reason": self.reason},
        }


@dataclass(frozen=True)
class Note:
    """Something the checks could not judge, or a silencing that silenced nothing (counts under --strict)."""

    table: str
    message: str
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "table": self.table, "message": self.message}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.silenced_by is None]

    @property
    def silenced(self) -> list[Finding]:
        return [f for f in self.findings if f.silenced_by is not None]

    def exit_code(self, strict: bool = False) -> int:
        """0: nothing to act on; 1: warnings (with ``strict``, notes too)."""
        return 1 if self.warnings or (strict and self.notes) else 0

    def extend(self, other: Report) -> None:
        self.findings += other.findings
        self.notes += other.notes
        self.tables += other.tables
        self.files += other.files

    def to_dict(self, strict: bool = False) -> dict[str, Any]:
        return {
            "files": self.files,
            "tables": self.tables,
            "warnings": [f.to_dict() for f in self.warnings],
            "silenced": [f.to_dict() for f in self.silenced],
            "notes": [n.to_dict() for n in self.notes],
            "strict": strict,
            "exit_code": self.exit_code(strict),
        }


# -- the checks ---------------------------------------------------------------------


def _patterns(spec: TableSpec) -> list[AccessPattern]:
    return [p for p in spec.access_patterns if isinstance(p, AccessPattern)]


def _free_text(spec: TableSpec) -> list[str]:
    return [p for p in spec.access_patterns if isinstance(p, str)]


def _find_index(spec: TableSpec, name: str | None) -> Index | None:
    return next((ix for ix in spec.indexes if ix.name == name), None)


def _keys(spec: TableSpec, ix: Index | None) -> tuple[str, str | None]:
    """Partition and sort key names of the table (``ix`` None) or an index."""
    pk, sk = (spec.partition_key, spec.sort_key) if ix is None else (ix.partition_key or spec.partition_key, ix.sort_key)
    return pk.name, sk.name if sk else None


def _target(ix: Index | None, spec: TableSpec) -> str:
    return f"table {spec.name}" if ix is None else f"{'local' if ix.local else 'global'} index {ix.name}"


def _show(values: Sequence[Any], most: int = 6) -> str:
    shown = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values[:most])
    return shown + (f", ... ({len(values)} in all)" if len(values) > most else "")


def _judged_few(hint: AttributeHint | None, attr: str) -> str | None:
    """What says ``attr`` has few values, or None when nothing declared or suggested does."""
    if hint is not None and hint.values is not None:
        distinct = list(dict.fromkeys((type(v), v) for v in hint.values))  # True and 1 stay apart
        if all(t is bool for t, _ in distinct):
            return f"declared values {_show([v for _, v in distinct])}: a boolean"
        if len(distinct) < FEW_VALUES:
            return f"declared values: {_show([v for _, v in distinct])}, {len(distinct)} in all"
        return None
    if hint is not None and hint.cardinality is not None:
        if hint.cardinality == "low":
            return "declared cardinality: low"
        if isinstance(hint.cardinality, int) and hint.cardinality < FEW_VALUES:
            return f"declared cardinality: {hint.cardinality} distinct values"
        return None
    if _LOOKS_FEW_SNAKE.search(attr) or _LOOKS_FEW_CAMEL.search(attr):
        return (f"judged from its name only: {attr!r} looks like a type, status or flag, and the spec declares "
                "neither its values nor its cardinality")
    return None


def _hot_keys(spec: TableSpec) -> Iterator[Finding]:
    hints = {h.name: h for h in spec.attributes}
    for ix in [None, *(i for i in spec.indexes if not i.local)]:
        attr, _ = _keys(spec, ix)
        judged = _judged_few(hints.get(attr), attr)
        if judged:
            yield Finding(
                RULES["DS001"], spec.name,
                f"The partition key {attr!r} of {_target(ix, spec)} has few possible values ({judged}). Every item "
                f"written with {attr!r} lands under one of them, however many items there are.",
                index=ix.name if ix else None,
            )


def _scans(spec: TableSpec) -> Iterator[Finding]:
    patterns = _patterns(spec)
    reads = [p for p in patterns if p.operation in ("get", "query", "scan")]
    scans = [p for p in reads if p.operation == "scan"]
    if scans and len(scans) == len(reads) and not _free_text(spec):
        names = ", ".join(repr(p.name) for p in scans)
        yield Finding(RULES["DS002"], spec.name,
                      f"Every read pattern of table {spec.name} is a Scan ({names}); nothing reads it by key.")
        return
    partition_keys = {_keys(spec, ix)[0]: ix for ix in [None, *spec.indexes] if ix is None or not ix.local}
    for p in scans:
        ix = _find_index(spec, p.index)
        if p.index and ix is None:
            continue  # DS005 says it
        detail = f"Pattern {p.name!r} reads all of {_target(ix, spec)} by Scan."
        for attr in p.filter:
            if attr in partition_keys:
                where = _target(partition_keys[attr], spec)
                detail += (f" Its filter uses {attr!r}, the partition key of {where}: if the filter is an "
                           f"equality on it, a Query on {where} reads only the items it returns.")
        yield Finding(RULES["DS003"], spec.name, detail, index=p.index, pattern=p.name)


def _top(attr: str) -> str:
    """The top-level attribute of a document path (``a.b[0]`` -> ``a``): what projections are made of."""
    return re.split(r"[.\[]", attr, maxsplit=1)[0]


def _projections(spec: TableSpec) -> Iterator[Finding | Note]:
    for p in _patterns(spec):
        ix = _find_index(spec, p.index)
        if ix is None or ix.projection == "ALL":
            continue
        if not p.attributes:
            yield Note(spec.name, f"pattern {p.name!r} reads index {ix.name} ({ix.projection_type}) but does not "
                                  "declare its attributes: DS004 could not judge it (declare attributes: [...], or "
                                  "'*' for the whole item)")
            continue
        projected = set(spec.table_key_names()) | {k for k in _keys(spec, ix) if k}
        if ix.projection != "KEYS_ONLY":
            projected |= set(ix.projection)
        if "*" in p.attributes:
            missing = "the whole item ('*')"
        else:
            absent = [a for a in p.attributes if _top(a) not in projected]
            if not absent:
                continue
            missing = ", ".join(repr(a) for a in absent)
        fetch = ("DynamoDB fetches them from the table for every item read (a local index)" if ix.local else
                 "a global index cannot return them, so each result needs a read of the table")
        yield Finding(
            RULES["DS004"], spec.name,
            f"Pattern {p.name!r} reads {missing}, which {_target(ix, spec)} does not project "
            f"({ix.projection_type}: {', '.join(sorted(projected))}): {fetch}.",
            index=ix.name, pattern=p.name,
        )


def _keys_and_filters(spec: TableSpec) -> Iterator[Finding]:
    for p in _patterns(spec):
        ix = _find_index(spec, p.index)
        if p.index and ix is None:
            yield Finding(RULES["DS005"], spec.name,
                          f"Pattern {p.name!r} {p.operation}s index {p.index!r}, which table {spec.name} does not have "
                          f"(its indexes: {', '.join(i.name for i in spec.indexes) or 'none'}).",
                          pattern=p.name)
            continue
        pk, sk = _keys(spec, ix)
        if p.operation == "query":
            want = (pk,) if len(p.key) == 1 else (pk, sk)
            if p.key != want:
                has = f"partition key {pk!r}" + (f" and sort key {sk!r}" if sk else " and no sort key")
                yield Finding(RULES["DS006"], spec.name,
                              f"Pattern {p.name!r} queries {_target(ix, spec)} by {', '.join(map(repr, p.key))}, "
                              f"but it has {has}.", index=p.index, pattern=p.name)
            on_keys = [a for a in p.filter if _top(a) in (pk, sk)]
            if on_keys:
                yield Finding(RULES["DS007"], spec.name,
                              f"Pattern {p.name!r} filters on {', '.join(map(repr, on_keys))}, a key attribute of "
                              f"{_target(ix, spec)} it queries.", index=p.index, pattern=p.name)
        elif p.operation != "scan" and p.key and set(p.key) != set(spec.table_key_names()):
            need = ", ".join(map(repr, spec.table_key_names()))
            yield Finding(RULES["DS006"], spec.name,
                          f"Pattern {p.name!r} ({p.operation}) names the key {', '.join(map(repr, p.key))}, but an "
                          f"item of table {spec.name} is named by exactly its primary key: {need}.", pattern=p.name)


def _unused_indexes(spec: TableSpec) -> Iterator[Finding]:
    if not spec.access_patterns or _free_text(spec):
        return
    used = {p.index for p in _patterns(spec)}
    for ix in spec.indexes:
        if ix.name not in used:
            yield Finding(RULES["DS008"], spec.name,
                          f"No declared access pattern of table {spec.name} reads {_target(ix, spec)}.",
                          index=ix.name)


def _coverage_notes(spec: TableSpec) -> Iterator[Note]:
    free = _free_text(spec)
    if not spec.access_patterns:
        yield Note(spec.name, "declares no access patterns: only DS001 (hot partition key) could judge it")
    elif free:
        yield Note(spec.name, f"{len(free)} of its {len(spec.access_patterns)} access patterns are free text: "
                              "DS002 (read only by Scan) and DS008 (unused index) did not judge this table. "
                              "Declare them as {name, operation, index, key, attributes, filter}.")


_CHECKS = (_hot_keys, _scans, _projections, _keys_and_filters, _unused_indexes, _coverage_notes)


# -- silencing -------------------------------------------------------------------------


def _silence(spec: TableSpec, found: list[Finding], cli_ignore: Iterable[str], file: str | None) -> Iterator[Finding | Note]:
    """Mark the findings a spec's ``ignore`` (or the command line) silences; note ignores that silence nothing."""
    scopes: list[tuple[str, tuple[Ignore, ...], Any]] = [(f"table {spec.name}", spec.ignore, lambda f: True)]
    scopes += [(f"index {ix.name}", ix.ignore, lambda f, n=ix.name: f.index == n) for ix in spec.indexes]
    scopes += [(f"pattern {p.name!r}", p.ignore, lambda f, n=p.name: f.pattern == n) for p in _patterns(spec)]
    cli = set(cli_ignore)
    used: set[tuple[str, str]] = set()
    for f in found:
        if f.code in cli:
            yield _replace(f, file, "--ignore", "")
            continue
        hit = next(((where, ig) for where, igs, concerns in scopes for ig in igs if ig.code == f.code and concerns(f)),
                   None)
        if hit is None:
            yield _replace(f, file, None, "")
        else:
            used.add((hit[0], hit[1].code))
            yield _replace(f, file, hit[0], hit[1].reason)
    for where, igs, _ in scopes:
        for ig in igs:
            if ig.code not in RULES:
                yield Note(spec.name, f"{where} ignores {ig.code}, which is not a check (known: {', '.join(RULES)})", file)
            elif (where, ig.code) not in used and ig.code not in cli:
                yield Note(spec.name, f"{where} ignores {ig.code}, but {ig.code} found nothing there to silence", file)


def _replace(f: Finding, file: str | None, by: str | None, reason: str) -> Finding:
    return Finding(f.rule, f.table, f.detail, f.index, f.pattern, file, by, reason)


def check_specs(specs: Iterable[TableSpec], ignore: Iterable[str] = (), file: str | None = None) -> Report:
    """Run every check on ``specs``; ``ignore`` silences codes everywhere (like ``--ignore``)."""
    unknown = sorted(set(ignore) - set(RULES))
    if unknown:
        from .errors import ValidationError

        raise ValidationError(f"unknown check code(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
    report = Report(files=[file] if file else [])
    for spec in specs:
        report.tables.append(spec.name)
        found: list[Finding] = []
        for check in _CHECKS:
            for x in check(spec):
                if isinstance(x, Note):
                    report.notes.append(Note(x.table, x.message, file))
                else:
                    found.append(x)
        for x in _silence(spec, found, ignore, file):
            if isinstance(x, Note):
                report.notes.append(x)
            else:
                report.findings.append(x)
    return report


def check_file(path: str | Path, ignore: Iterable[str] = ()) -> Report:
    """Load a spec file (`load_specs`) and check it; an invalid file raises ValidationError."""
    return check_specs(load_specs(path), ignore, str(path))
