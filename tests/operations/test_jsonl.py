"""export / import: both formats round trip exactly; bad input is refused by line and writes nothing."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dynastore import DynastoreError, Store, TableNotFound, TableSpec, ValidationError, open_store
from dynastore.cli import app
from dynastore.transfer import export_table, import_file, table_digest
from dynastore.transfer.encoding import (
    canonical,
    ddb_json,
    from_ddb_json,
    from_plain_json,
    parse_line,
    plain_json,
)

from .conftest import Inject, Tables


def item(i: int, faithful_in_plain: bool = False) -> dict[str, Any]:
    it: dict[str, Any] = {
        "pk": f"p{i:05d}", "n": i, "d": Decimal(i) / 8 + Decimal("0.1"),
        "big": Decimal("-9.9999999999999999999999999999999999999E+125"),
        "tiny": Decimal("1E-130"), "s": "é€𝄞\n\"q\"", "flag": bool(i % 2), "nil": None,
        "nested": {"l": [1, "two", [3.5], {"x": Decimal("7.25")}], "m": {}},
    }
    if not faithful_in_plain:
        it.update(ss={"a", "b"}, ns={1, Decimal("-2.5")}, bs={b"\x00\x01", b"\xff"}, bin=bytes(range(i % 9, 20)))
    return it


def make_table(store: Store, tables: Tables, n: int, plain: bool = False) -> Any:
    t = store.create_table(TableSpec(name=tables.name(store, "x"), partition_key=("pk", "S")))
    t.batch_write([item(i, plain) for i in range(n)])
    return t


@pytest.mark.parametrize("fmt,gz", [("dynamodb", False), ("dynamodb", True), ("plain", False), ("plain", True)])
def test_round_trip(store: Store, tables: Tables, tmp_path: Path, fmt: str, gz: bool) -> None:
    t = make_table(store, tables, 120, plain=fmt == "plain")
    path = tmp_path / ("out.jsonl.gz" if gz else "out.jsonl")
    exported = export_table(t, path, format=fmt, page_size=17)
    assert exported.count == 120 and exported.compressed == gz
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz
    target = open_store("memory://")
    result = import_file(target, path, table="copy")
    assert (result.written, result.verified, result.created_table, result.format) == (120, True, True, fmt)
    assert table_digest(target.table("copy")) == table_digest(t) == exported.digest
    got = {i["pk"]: i for i in target.table("copy").scan()}
    for i in range(120):
        want = item(i, fmt == "plain")
        assert got[f"p{i:05d}"] == want
        assert type(got[f"p{i:05d}"]["d"]) is Decimal and type(got[f"p{i:05d}"]["n"]) is int


def test_import_into_dynamodb_and_export_back(ddb: Store, tables: Tables, tmp_path: Path) -> None:
    src = open_store("memory://")
    t = make_table(src, tables, 60)
    export_table(t, tmp_path / "a.jsonl")
    name = tables.name(ddb, "imp")
    assert import_file(ddb, tmp_path / "a.jsonl", table=name).written == 60
    again = export_table(ddb.table(name), tmp_path / "b.jsonl")
    assert again.digest == table_digest(t)


def test_plain_export_refuses_sets_and_bytes_and_leaves_no_file(tmp_path: Path, tables: Tables) -> None:
    s = open_store("memory://")
    t = make_table(s, tables, 3)
    with pytest.raises(ValidationError, match=r"item \{'pk': 'p0000[0-2]'\}\.(ss|ns|bs|bin) is (a set|binary)"):
        export_table(t, tmp_path / "p.jsonl", format="plain")
    assert list(tmp_path.iterdir()) == []


def exported(tmp_path: Path, n: int = 30) -> tuple[Path, list[str]]:
    s = open_store("memory://")
    t = s.create_table(TableSpec(name="things", partition_key=("pk", "S")))
    t.batch_write([item(i) for i in range(n)])
    path = tmp_path / "e.jsonl"
    export_table(t, path)
    return path, path.read_text().splitlines()


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ('{"Item": {"n": {"N": "1"}}}', "Missing the key pk"),
    ('{"Item": {"pk": {"N": "1"}}}', "pk"),
    ('{"Item": {"pk": {"S": "x"}, "v": {"Q": "1"}}}', "not a DynamoDB JSON attribute value"),
    ('{"Item": {"pk": {"S": "x"}, "v": {"N": "abc"}}}', "number"),
    ('{"Item": {"pk": {"S": "x"}, "v": {"B": "***"}}}', "not base64"),
    ('{"Item": {"pk": {"S": "x"}, "v": {"SS": []}}}', "empty"),
    ('{"pk": {"S": "x"}}', '"Item"'),
    ("[1, 2]", '"Item"'),
]


@pytest.mark.parametrize("bad,message", BAD_LINES)
def test_a_bad_line_is_reported_by_number_and_nothing_is_written(tmp_path: Path, bad: str, message: str) -> None:
    path, lines = exported(tmp_path)
    lines.insert(17, bad)  # after the header and 16 items
    path.write_text("\n".join(lines) + "\n")
    target = open_store("memory://")
    with pytest.raises(ValidationError) as e:
        import_file(target, path)
    assert f"{path}:18:" in str(e.value) and message in str(e.value)
    assert target.tables() == []  # not even the table was created


def test_truncated_and_damaged_files_are_refused(tmp_path: Path) -> None:
    path, lines = exported(tmp_path)
    target = open_store("memory://")
    path.write_text("\n".join(lines[:-5]) + "\n")  # cut short: no end record
    with pytest.raises(ValidationError, match="without the end record"):
        import_file(target, path)
    damaged = [ln.replace('"n":{"N":"7"}', '"n":{"N":"8"}') for ln in lines]
    assert damaged != lines
    path.write_text("\n".join(damaged) + "\n")
    with pytest.raises(ValidationError, match="damaged"):
        import_file(target, path)
    path.write_text("\n".join(lines + ['{"Item": {"pk": {"S": "late"}}}']) + "\n")
    with pytest.raises(ValidationError, match="after the end record"):
        import_file(target, path)
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode())[:-30])
    with pytest.raises(ValidationError, match="cannot read|without the end record"):
        import_file(target, gz)
    assert target.tables() == []


def test_aws_style_lines_import_into_an_existing_table(tmp_path: Path) -> None:
    _, lines = exported(tmp_path)
    aws = tmp_path / "aws.json"
    aws.write_text("\n".join(lines[1:-1]) + "\n")  # AWS's export: {"Item": ...} lines, no header or end record
    target = open_store("memory://")
    with pytest.raises(TableNotFound):
        import_file(target, aws, table="things")
    target.create_table(TableSpec(name="things", partition_key=("pk", "S")))
    result = import_file(target, aws, table="things")
    assert (result.written, result.verified, result.format) == (30, False, "dynamodb")
    with pytest.raises(ValidationError, match="no header"):
        import_file(target, aws)


def test_a_key_on_two_lines_ends_with_the_later_item(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text('{"pk": "a", "v": 1}\n{"pk": "b", "v": 1}\n{"pk": "a", "v": 2}\n')
    target = open_store("memory://")
    t = target.create_table(TableSpec(name="dups", partition_key=("pk", "S")))
    assert import_file(target, path, table="dups", format="plain").written == 3
    assert t.get({"pk": "a"}) == {"pk": "a", "v": 2}


def test_store_failure_midway_says_what_was_written_and_reimport_completes(
    ddb: Store, tables: Tables, tmp_path: Path
) -> None:
    path, _ = exported(tmp_path, n=140)
    name = tables.name(ddb, "mid")
    with Inject(ddb, "BatchWriteItem", error="connection", after=3):
        with pytest.raises(DynastoreError) as e:
            import_file(ddb, path, table=name)
    # header on line 1, so batches cover lines 2-26, 27-51, 52-76: the 4th batch (77-101) failed
    assert "Lines before 77 are written; lines 77..101 may be partly written" in str(e.value)
    assert ddb.table(name).count() >= 75
    assert import_file(ddb, path, table=name, start_line=77).written == 140 - 75
    src = open_store("memory://")
    assert import_file(src, path).digest == table_digest(ddb.table(name))


def test_cli_export_import(tmp_path: Path) -> None:
    a, b = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    with open_store(a) as s:
        s.create_table(TableSpec(name="things", partition_key=("pk", "S"))).batch_write(
            [item(i) for i in range(40)])
    runner = CliRunner()
    out = tmp_path / "t.jsonl.gz"
    r = runner.invoke(app, ["export", "things", str(out), "-u", a])
    assert r.exit_code == 0 and "40 item(s) written" in r.output and "gzip" in r.output, r.output
    r = runner.invoke(app, ["import", str(out), "-u", b])
    assert r.exit_code == 0 and "40 item(s) imported" in r.output and "verified" in r.output, r.output
    r = runner.invoke(app, ["export", "things", str(tmp_path / "p.jsonl"), "-u", a, "--format", "plain"])
    assert r.exit_code == 1 and "plain JSON cannot hold" in r.output
    r = runner.invoke(app, ["export", "things", str(tmp_path / "p.jsonl"), "-u", a, "--format", "csv"])
    assert r.exit_code == 1 and "format must be one of" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"pk": "a"}\n{"pk": 5}\n')
    r = runner.invoke(app, ["import", str(bad), "-u", b, "--table", "things"])
    assert r.exit_code == 1 and "bad.jsonl:2:" in r.output
    with open_store(b) as s:
        assert s.table("things").count() == 40


# -- the encodings, on generated values --------------------------------------------

def _storable(d: Decimal) -> bool:
    from dynastore.codec import normalize_number

    try:
        normalize_number(d)
    except ValidationError:
        return False
    return True


_num = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(_storable),
)
_plain_scalar = st.one_of(st.text(max_size=8), _num, st.booleans(), st.none())
_plain = st.recursive(_plain_scalar, lambda c: st.one_of(st.lists(c, max_size=4),
                                                         st.dictionaries(st.text(max_size=5), c, max_size=4)),
                      max_leaves=12)
_sets = st.one_of(st.frozensets(st.text(max_size=5), min_size=1, max_size=4),
                  st.frozensets(st.integers(-1000, 1000), min_size=1, max_size=4),
                  st.frozensets(st.binary(max_size=5), min_size=1, max_size=4))
_any = st.recursive(st.one_of(_plain_scalar, st.binary(max_size=8), _sets),
                    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=5), c, max_size=4)),
                    max_leaves=12)


def _items(values: Any) -> Any:
    return st.dictionaries(st.text(min_size=1, max_size=6), values, min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(_items(_any))
def test_dynamodb_json_round_trips_every_type(raw: dict[str, Any]) -> None:
    from dynastore import normalize_item

    it = normalize_item(raw)
    line = json.dumps({"Item": ddb_json(it)})
    back = from_ddb_json(parse_line(line)["Item"])
    assert canonical(back) == canonical(it) and back == it


@settings(max_examples=150, deadline=None)
@given(_items(_plain))
def test_plain_json_round_trips_what_it_accepts(raw: dict[str, Any]) -> None:
    from dynastore import normalize_item

    it = normalize_item(raw)
    back = from_plain_json(parse_line(plain_json(it)))
    assert canonical(back) == canonical(it)


def test_throttling_during_import_is_waited_out(ddb: Store, tables: Tables, tmp_path: Path) -> None:
    path, _ = exported(tmp_path, n=100)
    name = tables.name(ddb, "thr")
    with Inject(ddb, "BatchWriteItem", after=1, times=3) as inj:
        result = import_file(ddb, path, table=name)
    assert inj.injected == 3 and result.written == 100
    assert table_digest(ddb.table(name)) == result.digest
