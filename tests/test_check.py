"""`dynastore.check`: each rule fires on the smell it names, stays quiet on the fix, and can be silenced."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import dynastore
from dynastore import Attr, Key, open_store
from dynastore.check import FEW_VALUES, RULES, Finding, Report, check_file, check_specs
from dynastore.errors import ValidationError
from dynastore.spec import AccessPattern, TableSpec, load_specs, spec_from_dict

SPEC_DIR = Path(dynastore.__file__).parent / "specs"


def table(**kw: Any) -> dict[str, Any]:
    """A table spec dict: pk/sk keys, overridden by ``kw``."""
    return {"name": "things", "partition_key": ["pk", "S"], "sort_key": ["sk", "S"], **kw}


def run(*tables: dict[str, Any], ignore: tuple[str, ...] = ()) -> Report:
    return check_specs([spec_from_dict(t) for t in tables], ignore)


def found(report: Report) -> list[tuple[str, str | None, str | None]]:
    return sorted(((f.code, f.index, f.pattern) for f in report.warnings), key=lambda t: tuple(x or "" for x in t))


def q(name: str, key: list[str], **kw: Any) -> dict[str, Any]:
    return {"name": name, "operation": "query", "key": key, **kw}


GSI = {"name": "ByOwner", "partition_key": ["owner", "S"], "sort_key": ["ts", "N"]}


# -- the shipped seed specs ---------------------------------------------------------------


def test_seed_specs_findings_are_exactly_the_true_ones() -> None:
    report = Report()
    for f in sorted(SPEC_DIR.glob("*.yaml")):
        report.extend(check_file(f))
    # Seed 004 keys ActivityTypeIndex by activity_type (a handful of kinds: a hot index), and reads
    # "everyone's recent activity" by Scan on purpose ("learning only; avoid in production").
    assert [(f.code, f.table, f.index, f.pattern) for f in report.warnings] == [
        ("DS001", "activities", "ActivityTypeIndex", None),
        ("DS003", "activities", None, "everyone's recent activity"),
    ]
    assert "declared cardinality: low" in report.warnings[0].detail
    assert report.notes == [] and report.silenced == []
    assert report.exit_code() == 1


def test_every_seed_pattern_is_structured() -> None:
    for f in sorted(SPEC_DIR.glob("*.yaml")):
        for spec in load_specs(f):
            assert all(isinstance(p, AccessPattern) and p.description for p in spec.access_patterns), spec.name


# -- DS001 hot partition key ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "judged"),
    [
        ({"values": ["draft", "published"]}, "declared values: draft, published, 2 in all"),
        ({"values": [True, False]}, "declared values true, false: a boolean"),
        ({"cardinality": "low"}, "declared cardinality: low"),
        ({"cardinality": 12}, "declared cardinality: 12 distinct values"),
        (None, "judged from its name only"),
    ],
)
def test_ds001_low_cardinality_gsi_key_says_what_it_was_judged_from(hint: Any, judged: str) -> None:
    attrs = {} if hint is None else {"status": hint}
    report = run(table(indexes=[{"name": "ByStatus", "partition_key": ["status", "S"]}], attributes=attrs))
    (w,) = report.warnings
    assert (w.code, w.table, w.index) == ("DS001", "things", "ByStatus")
    assert judged in w.detail and "'status'" in w.detail


@pytest.mark.parametrize("hint", [{"cardinality": "high"}, {"cardinality": FEW_VALUES},
                                  {"values": list(range(FEW_VALUES))}])
def test_ds001_declared_many_values_overrides_the_name(hint: dict[str, Any]) -> None:
    assert run(table(indexes=[{"name": "ByStatus", "partition_key": ["status", "S"]}],
                     attributes={"status": hint})).warnings == []


def test_ds001_also_judges_the_table_key_but_not_local_indexes() -> None:
    report = run(table(partition_key=["kind", "S"],
                       indexes=[{"name": "Loc", "sort_key": ["x", "S"], "local": True}]))
    assert found(report) == [("DS001", None, None)]
    assert "of table things" in report.warnings[0].detail


@pytest.mark.parametrize("name", ["type", "activity_type", "orderStatus", "is_active", "isDeleted", "state",
                                  "item-kind", "category"])
def test_ds001_names_that_look_like_a_type_status_or_flag(name: str) -> None:
    assert found(run(table(indexes=[{"name": "Gi1", "partition_key": [name, "S"]}]))) == [("DS001", "Gi1", None)]


@pytest.mark.parametrize("name", ["user_id", "userId", "post_id", "issue_id", "prototype", "hashtag", "estate_id",
                                  "session_id", "email"])
def test_ds001_ids_are_not_judged_few(name: str) -> None:
    assert run(table(indexes=[{"name": "Gi1", "partition_key": [name, "S"]}])).warnings == []


@given(st.lists(st.one_of(st.booleans(), st.integers(), st.text(max_size=3)), min_size=1, max_size=2 * FEW_VALUES))
def test_ds001_fires_exactly_when_the_declared_values_are_few(values: list[Any]) -> None:
    report = run(table(indexes=[{"name": "Gi1", "partition_key": ["owner", "S"]}],
                       attributes={"owner": {"values": values}}))
    distinct = {(type(v), v) for v in values}
    assert bool(report.warnings) == (len(distinct) < FEW_VALUES)


# -- DS002 / DS003 scans -----------------------------------------------------------------------


def test_ds002_a_table_read_only_by_scans_and_ds003_is_not_repeated() -> None:
    report = run(table(access_patterns=[{"name": "all", "operation": "scan"},
                                        {"name": "some", "operation": "scan", "filter": ["x"]},
                                        {"name": "add", "operation": "put", "key": ["pk", "sk"]}]))
    assert found(report) == [("DS002", None, None)]
    assert "'all', 'some'" in report.warnings[0].detail


def test_ds003_a_scan_beside_keyed_reads_and_the_query_its_filter_suggests() -> None:
    report = run(table(indexes=[GSI], access_patterns=[
        q("mine", ["owner"], index="ByOwner"),
        {"name": "by owner, the slow way", "operation": "scan", "filter": ["owner", "x"]},
    ]))
    (w,) = report.warnings
    assert (w.code, w.pattern) == ("DS003", "by owner, the slow way")
    assert "'owner', the partition key of global index ByOwner" in w.detail


def test_scans_are_not_judged_scan_only_when_some_patterns_are_free_text() -> None:
    report = run(table(access_patterns=["read it somehow", {"name": "all", "operation": "scan"}]))
    assert found(report) == [("DS003", None, "all")]
    assert len(report.notes) == 1 and "free text" in report.notes[0].message


def test_keyed_reads_make_no_scan_warning() -> None:
    assert run(table(access_patterns=[q("one", ["pk"]), {"name": "get", "operation": "get", "key": ["pk", "sk"]}])
               ).warnings == []


# -- DS004 projections ----------------------------------------------------------------------------


def test_ds004_keys_only_gsi_missing_what_the_pattern_reads() -> None:
    report = run(table(indexes=[{**GSI, "projection": "KEYS_ONLY"}],
                       access_patterns=[q("mine", ["owner"], index="ByOwner", attributes=["pk", "ts", "title"])]))
    (w,) = report.warnings
    assert (w.code, w.index, w.pattern) == ("DS004", "ByOwner", "mine")
    assert "'title'" in w.detail and "'pk'" not in w.detail.split("which")[0]
    assert "each result needs a read of the table" in w.detail


def test_ds004_include_projection_covers_top_level_attributes_of_paths() -> None:
    ok = table(indexes=[{**GSI, "projection": ["title", "meta"]}],
               access_patterns=[q("mine", ["owner"], index="ByOwner", attributes=["title", "meta.size", "sk"])])
    assert run(ok).warnings == []
    bad = table(indexes=[{**GSI, "projection": ["title"]}],
                access_patterns=[q("mine", ["owner"], index="ByOwner", attributes=["title", "body"])])
    assert found(run(bad)) == [("DS004", "ByOwner", "mine")]


def test_ds004_whole_item_and_local_index_fetch() -> None:
    report = run(table(indexes=[{"name": "Loc", "sort_key": ["x", "S"], "local": True, "projection": "KEYS_ONLY"}],
                       access_patterns=[q("all of it", ["pk"], index="Loc", attributes="*")]))
    (w,) = report.warnings
    assert w.code == "DS004" and "whole item" in w.detail and "DynamoDB fetches them from the table" in w.detail


def test_ds004_cannot_judge_undeclared_attributes_and_says_so() -> None:
    report = run(table(indexes=[{**GSI, "projection": "KEYS_ONLY"}],
                       access_patterns=[q("mine", ["owner"], index="ByOwner")]))
    assert report.warnings == []
    assert len(report.notes) == 1 and "DS004 could not judge" in report.notes[0].message


def test_ds004_all_projection_is_fine() -> None:
    assert run(table(indexes=[GSI], access_patterns=[q("m", ["owner"], index="ByOwner", attributes="*")])
               ).warnings == []


# -- DS005 / DS006 / DS007 patterns that cannot work as declared --------------------------------------


def test_ds005_missing_index() -> None:
    report = run(table(indexes=[GSI], access_patterns=[q("mine", ["owner"], index="ByOwnr"),
                                                       q("m2", ["owner"], index="ByOwner")]))
    (w,) = report.warnings
    assert (w.code, w.pattern, w.index) == ("DS005", "mine", None)
    assert "'ByOwnr'" in w.detail and "ByOwner" in w.detail


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        (q("wrong pk", ["owner"]), "by 'owner', but it has partition key 'pk' and sort key 'sk'"),
        (q("sk first", ["sk"]), "by 'sk'"),
        (q("wrong sk", ["owner", "x"], index="ByOwner"), "partition key 'owner' and sort key 'ts'"),
        ({"name": "half a key", "operation": "get", "key": ["pk"]}, "exactly its primary key: 'pk', 'sk'"),
        ({"name": "extra", "operation": "delete", "key": ["pk", "sk", "x"]}, "'pk', 'sk', 'x'"),
    ],
)
def test_ds006_key_that_is_not_the_key(pattern: dict[str, Any], says: str) -> None:
    report = run(table(indexes=[GSI], access_patterns=[pattern, q("o", ["owner"], index="ByOwner")]))
    (w,) = report.warnings
    assert (w.code, w.pattern) == ("DS006", pattern["name"])
    assert says in w.detail


def test_query_keys_in_either_length_are_fine() -> None:
    assert run(table(indexes=[GSI], access_patterns=[
        q("a", ["pk"]), q("b", ["pk", "sk"]), q("c", ["owner", "ts"], index="ByOwner"),
        {"name": "d", "operation": "update", "key": ["sk", "pk"]},
    ])).warnings == []


def test_ds007_filter_on_the_queried_key_but_not_on_the_tables_key_when_querying_a_gsi() -> None:
    report = run(table(indexes=[GSI], access_patterns=[
        q("sk in filter", ["pk"], filter=["sk", "x"]),
        q("table key via gsi", ["owner"], index="ByOwner", filter=["pk"]),
        q("gsi sort key", ["owner"], index="ByOwner", filter=["ts.x"]),
    ]))
    assert found(report) == [("DS007", None, "sk in filter"), ("DS007", "ByOwner", "gsi sort key")]


@pytest.mark.parametrize("engine", ["memory", "dynamodb"])
def test_what_ds004_and_ds007_say_dynamodb_does(engine: str, request: pytest.FixtureRequest) -> None:
    """The rules claim DynamoDB rejects these reads: DynamoDB Local and the embedded engine do."""
    name = f"chk{uuid.uuid4().hex[:10]}"
    spec = spec_from_dict(table(name=name, indexes=[{**GSI, "projection": "KEYS_ONLY"}], access_patterns=[
        q("sk in filter", ["pk"], filter=["sk"]), q("title via gsi", ["owner"], index="ByOwner", attributes=["title"])]))
    assert found(check_specs([spec])) == [("DS004", "ByOwner", "title via gsi"), ("DS007", None, "sk in filter")]
    url = "memory://"
    if engine == "dynamodb":
        url = f"dynamodb://?endpoint={request.getfixturevalue('dynamodb_local_endpoint')}&region=us-east-1"
    with open_store(url) as store:
        t = store.create_table(spec)
        try:
            t.put({"pk": "a", "sk": "1", "owner": "o", "ts": 1, "title": "t"})
            with pytest.raises(ValidationError, match="non-primary key attributes"):
                t.query(Key("pk").eq("a"), filter=Attr("sk").eq("1")).all()
            with pytest.raises(ValidationError, match="does not project"):
                t.query(Key("owner").eq("o"), index="ByOwner", projection=["title"]).all()
            # The fix each rule suggests works: the condition in the key, the table's key in a GSI filter.
            assert t.query(Key("pk").eq("a") & Key("sk").eq("1")).all()[0]["title"] == "t"
            assert len(t.query(Key("owner").eq("o"), index="ByOwner", filter=Attr("pk").eq("a")).all()) == 1
        finally:
            store.engine.delete_table(name)


# -- DS008 unused index --------------------------------------------------------------------------------


def test_ds008_unused_index_only_when_every_pattern_is_declared() -> None:
    spec = table(indexes=[GSI], access_patterns=[q("a", ["pk"])])
    assert found(run(spec)) == [("DS008", "ByOwner", None)]
    assert run({**spec, "access_patterns": [q("a", ["pk"]), "something else"]}).warnings == []
    assert run({**spec, "access_patterns": []}).warnings == []


def test_no_patterns_is_a_note() -> None:
    (note,) = run(table()).notes
    assert "declares no access patterns" in note.message


# -- silencing --------------------------------------------------------------------------------------------

SMELLY = table(
    partition_key=["kind", "S"],
    indexes=[{**GSI, "projection": "KEYS_ONLY"}, {"name": "Unused", "partition_key": ["x", "S"]}],
    access_patterns=[q("mine", ["owner"], index="ByOwner", attributes=["title"]), {"name": "all", "operation": "scan"}],
)


def test_smelly_table_has_every_expected_warning() -> None:
    assert found(run(SMELLY)) == [("DS001", None, None), ("DS003", None, "all"), ("DS004", "ByOwner", "mine"),
                                  ("DS008", "Unused", None)]


def test_silencing_at_each_level_with_reasons() -> None:
    spec = {
        **SMELLY,
        "ignore": [{"code": "DS001", "reason": "three kinds, tiny traffic"}],
        "indexes": [{**GSI, "projection": "KEYS_ONLY"},
                    {"name": "Unused", "partition_key": ["x", "S"], "ignore": ["DS008"]}],
        "access_patterns": [q("mine", ["owner"], index="ByOwner", attributes=["title"], ignore="DS004"),
                            {"name": "all", "operation": "scan", "ignore": [{"code": "DS003", "reason": "export"}]}],
    }
    report = run(spec)
    assert report.warnings == [] and report.notes == [] and report.exit_code(strict=True) == 0
    by = {f.code: (f.silenced_by, f.reason) for f in report.silenced}
    assert by == {"DS001": ("table things", "three kinds, tiny traffic"), "DS003": ("pattern 'all'", "export"),
                  "DS004": ("pattern 'mine'", ""), "DS008": ("index Unused", "")}


def test_an_index_level_ignore_silences_pattern_warnings_about_that_index_only() -> None:
    spec = {**SMELLY, "indexes": [{**GSI, "projection": "KEYS_ONLY", "ignore": ["DS004", "DS008"]},
                                  {"name": "Unused", "partition_key": ["x", "S"]}]}
    report = run(spec)
    assert found(report) == [("DS001", None, None), ("DS003", None, "all"), ("DS008", "Unused", None)]
    # DS008 on ByOwner silences nothing: a note, which fails only under --strict.
    (note,) = report.notes
    assert "index ByOwner ignores DS008, but DS008 found nothing there" in note.message


def test_command_line_ignore_and_unknown_codes() -> None:
    report = run(SMELLY, ignore=("DS001", "DS003", "DS004", "DS008"))
    assert report.warnings == [] and {f.silenced_by for f in report.silenced} == {"--ignore"}
    assert report.exit_code() == 0
    with pytest.raises(ValidationError, match="DS999"):
        run(SMELLY, ignore=("DS999",))
    report = run(table(ignore=["DS099"]))
    assert any("DS099, which is not a check" in n.message for n in report.notes)


def test_exit_codes() -> None:
    assert run(SMELLY).exit_code() == 1
    quiet = table(access_patterns=[q("a", ["pk"])])
    assert run(quiet).exit_code() == 0 and run(quiet).exit_code(strict=True) == 0
    noted = table(access_patterns=["free text only"])
    assert run(noted).exit_code() == 0 and run(noted).exit_code(strict=True) == 1


def test_every_rule_explains_itself() -> None:
    assert list(RULES) == [f"DS{n:03}" for n in range(1, len(RULES) + 1)]
    for rule in RULES.values():
        assert rule.title and len(rule.why) > 80 and rule.fix
    w = run(SMELLY).warnings[0]
    d = w.to_dict()
    assert set(d) == {"code", "title", "file", "table", "index", "pattern", "message", "why", "fix", "silenced"}
    assert isinstance(w, Finding) and d["why"] == RULES[w.code].why


# -- the spec side: structured patterns, hints and ignores load, round-trip and reject nonsense ------------


def test_structured_spec_round_trips_and_server_view_drops_check_metadata() -> None:
    spec = spec_from_dict(yaml.safe_load("""
name: things
partition_key: [pk, S]
sort_key: [sk, S]
ignore: [ds002]
attributes: {status: {values: [a, b]}, flag: {cardinality: low}}
indexes:
  - {name: ByStatus, partition_key: [status, S], projection: KEYS_ONLY, ignore: {code: DS001, reason: why}}
  - {name: Loc, sort_key: [x, S], local: true, ignore: DS004}
access_patterns:
  - free text stays free text
  - {name: by status, operation: QUERY, index: ByStatus, key: status, attributes: [a], filter: [b]}
"""))
    assert spec.ignore[0].code == "DS002"
    assert spec.indexes[1].partition_key == spec.partition_key and spec.indexes[1].ignore[0].code == "DS004"
    assert spec.access_patterns[0] == "free text stays free text"
    p = spec.access_patterns[1]
    assert isinstance(p, AccessPattern) and (p.operation, p.key, p.filter) == ("query", ("status",), ("b",))
    assert spec_from_dict(spec.to_dict()) == spec
    hash(spec)  # specs stay hashable
    assert all(ix.ignore == () for ix in spec.server_view().indexes)
    assert spec.server_view().access_patterns == () and spec.server_view().attributes == ()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"access_patterns": [{"name": "x", "operation": "query"}]}, "a query's key is its partition key"),
        ({"access_patterns": [{"name": "x", "operation": "read"}]}, "operation"),
        ({"access_patterns": [{"name": "x", "operation": "get", "index": "I"}]}, "only a query or a scan reads an index"),
        ({"access_patterns": [{"name": "x", "operation": "scan", "key": "pk"}]}, "a scan has no key"),
        ({"access_patterns": [{"name": "x", "operation": "put", "filter": "a"}]}, "only a query or a scan has a filter"),
        ({"access_patterns": [{"name": "x", "operation": "scan"}, {"name": "x", "operation": "scan"}]},
         "access pattern names must be unique"),
        ({"ignore": ["X1"]}, "a check code looks like DS001"),
        ({"attributes": {"a": {"cardinality": 0}}}, "cardinality"),
        ({"attributes": {"a": {"values": []}}}, "at least one value"),
        ({"attributes": {"a": "low"}}, "attributes"),
    ],
)
def test_invalid_check_metadata_is_a_validation_error(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        spec_from_dict(table(**extra))


def test_a_lone_table_spec_object_is_checked_too() -> None:
    spec = TableSpec(name="things", partition_key=("type", "S"))
    assert found(check_specs([spec])) == [("DS001", None, None)]
