"""How a model maps to items: templates, value formats, validation in and out (no store needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, field_validator

from dynastore import ConditionFailed, ItemNotFound, TableSpec, ValidationError, normalize_item, open_store
from dynastore.expressions import RemoveAction, SetAction, Value
from dynastore.models import Entities, EpochSeconds, IsoDateTime, Model
from dynastore.models.schema import ModelSchema, schema_for

SINGLE = TableSpec(
    name="single", partition_key=("PK", "S"), sort_key=("SK", "S"),
    indexes=[{"name": "GSI1", "partition_key": ("GSI1PK", "S"), "sort_key": ("GSI1SK", "S")}],
    ttl_attribute="expires_at", created_at_attribute="created", updated_at_attribute="updated",
    timestamp_format="epoch", version_attribute="v",
)


class Colour(str, Enum):
    RED = "red"
    BLUE = "blue"


class Level(int, Enum):
    LOW = 1
    HIGH = 2


class Inner(BaseModel):
    when: datetime
    colour: Colour


class Thing(Model, table=SINGLE, keys={"PK": "THING#{owner}", "SK": "T#{made}#{n}",
                                       "GSI1PK": "COLOUR#{colour}", "GSI1SK": "{label}#{n}"}):
    owner: str
    made: datetime
    n: int
    colour: Colour = Colour.RED
    level: Level = Level.LOW
    label: str | None = None
    tags: set[str] = Field(default_factory=set)
    inner: Inner | None = None
    expires_at: datetime | None = None
    seen: EpochSeconds | None = None
    created: datetime | None = None
    v: int | None = None


def schema() -> ModelSchema[Thing]:
    return schema_for(Thing, SINGLE)


T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)


def test_items_hold_fields_derived_keys_and_type() -> None:
    t = Thing(owner="ann", made=T0, n=3, label="x", tags={"a"}, level=Level.HIGH,
              inner=Inner(when=T0, colour=Colour.BLUE), expires_at=T0, seen=T0, created=T0)
    item = schema().dump(t)
    assert item == {
        "PK": "THING#ann", "SK": "T#2030-01-02T03:04:05.678901+00:00#3",
        "GSI1PK": "COLOUR#red", "GSI1SK": "x#3", "type": "Thing",
        "owner": "ann", "made": "2030-01-02T03:04:05.678901+00:00", "n": 3, "colour": "red", "level": 2,
        "label": "x", "tags": {"a"}, "inner": {"when": "2030-01-02T03:04:05.678901+00:00", "colour": "blue"},
        "expires_at": int(T0.timestamp()),  # the TTL attribute: Unix seconds
        "seen": int(T0.timestamp()),  # declared EpochSeconds
        "created": int(T0.timestamp()),  # the spec's timestamp_format
    }
    loaded = schema().load(normalize_item(item))
    assert loaded == t.model_copy(update={"expires_at": T0.replace(microsecond=0), "seen": T0.replace(microsecond=0),
                                          "created": T0.replace(microsecond=0)})


def test_absent_values_are_left_out_and_sparse_index_keys_too() -> None:
    item = schema().dump(Thing(owner="ann", made=T0, n=1))
    assert "label" not in item and "tags" not in item and "inner" not in item  # no NULLs, no empty sets
    assert "GSI1SK" not in item and "GSI1PK" not in item  # GSI1SK needs label: the item is not in GSI1


def test_naive_datetimes_are_taken_as_utc() -> None:
    item = schema().dump(Thing(owner="a", made=T0.replace(tzinfo=None), n=1))
    assert item["made"] == "2030-01-02T03:04:05.678901+00:00"
    other = schema().dump(Thing(owner="a", made=T0.astimezone(timezone(timedelta(hours=9))), n=1))
    assert other["made"] == item["made"]


def test_keys_from_fields_are_validated_and_rendered() -> None:
    s = schema()
    assert s.key({"owner": "ann", "made": T0, "n": "3"}) == {"PK": "THING#ann",
                                                            "SK": "T#2030-01-02T03:04:05.678901+00:00#3"}
    with pytest.raises(ValidationError, match="needs a value for 'n'"):
        s.key({"owner": "ann", "made": T0})
    with pytest.raises(ValidationError, match="Thing.n"):
        s.key({"owner": "ann", "made": T0, "n": "three"})
    with pytest.raises(ValidationError, match="no field 'nope'"):
        s.key({"nope": 1})


def test_update_actions_validate_and_convert() -> None:
    s = schema()
    key = {"owner": "ann", "made": T0, "n": 1}
    acts = s.update_actions(None, key, {"colour": "blue", "label": None, "level": 2})
    by_name = {a.path.name: a for a in acts}
    assert isinstance(by_name["colour"], SetAction) and by_name["colour"].value == Value("blue")
    assert isinstance(by_name["label"], RemoveAction)
    assert isinstance(by_name["GSI1SK"], RemoveAction)  # label gone: out of the sparse index,
    assert isinstance(by_name["GSI1PK"], RemoveAction)  # both halves of its key
    moved = {a.path.name: a for a in s.update_actions(None, key, {"colour": "blue"})}
    assert moved["GSI1PK"].value == Value("COLOUR#blue")  # type: ignore[union-attr]
    assert by_name["level"].value == Value(2)  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="Thing.colour"):
        s.update_actions(None, key, {"colour": "green"})
    with pytest.raises(ValidationError, match="part of the table key"):
        s.update_actions(None, key, {"n": 2})
    with pytest.raises(ValidationError, match="version attribute"):
        s.update_actions(None, key, {"v": 2})
    with pytest.raises(ValidationError, match=r"also needs \['n'\]"):  # GSI1SK = {label}#{n}; n unknown
        s.update_actions(None, {"owner": "ann"}, {"label": "y"})


def test_items_that_do_not_fit_are_refused_on_the_way_out() -> None:
    with pytest.raises(ValidationError, match=r"item \{'PK': 'THING#a'.*not a valid Thing: n"):
        schema().load({"PK": "THING#a", "SK": "x", "owner": "a", "made": "2030-01-01T00:00:00+00:00", "n": "x"})


def test_every_model_has_its_own_errors() -> None:
    class Other(Model, keys={"PK": "O#{o}", "SK": "O"}):
        o: str

    assert issubclass(Thing.DoesNotExist, ItemNotFound) and issubclass(Thing.AlreadyExists, ConditionFailed)
    assert not issubclass(Thing.DoesNotExist, Other.DoesNotExist)
    assert Thing.DoesNotExist.__qualname__ == "Thing.DoesNotExist"


def test_subclasses_inherit_the_table_and_keys() -> None:
    class Base(Model, table=SINGLE, abstract=True):
        owner: str
        v: int | None = None

    class Child(Base, keys={"PK": "C#{owner}", "SK": "C"}):
        name: str = ""

    class GrandChild(Child):
        extra: int = 0

    assert schema_for(GrandChild, SINGLE).key({"owner": "z"}) == {"PK": "C#z", "SK": "C"}
    assert GrandChild.__dynastore__.entity == "Child"  # inherited; pass entity= to tell them apart
    with pytest.raises(ValidationError, match="abstract"):
        schema_for(Base, SINGLE)


@pytest.mark.parametrize("define, message", [
    (lambda: type("Bad", (Model,), {"__annotations__": {"a": "str"}},
                  table=SINGLE, keys={"PK": "X#{b}", "SK": "X"}), "names \\['b'\\], which is not a field"),
    (lambda: type("Bad", (Model,), {"__annotations__": {"a": "str"}}, table=SINGLE, keys={"PK": "X#{a}"}),
     "cannot make key attribute 'SK'"),
    (lambda: type("Bad", (Model,), {"__annotations__": {"PK": "str"}}, table=SINGLE,
                  keys={"PK": "X#{PK}", "SK": "X"}), "both a field and a derived attribute"),
    (lambda: type("Bad", (Model,), {"__annotations__": {"a": "str"}}, table=SINGLE,
                  keys={"PK": "X#{a!r}", "SK": "X"}), "placeholders are plain field names"),
    (lambda: type("Bad", (Model,), {}, table={"name": "x"}), "takes a TableSpec"),
])
def test_mistakes_in_a_model_are_found_when_it_is_defined(define: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        define()


def test_a_model_works_on_any_table_that_it_can_key() -> None:
    class Plain(Model):  # names no table: bind it to one
        pk: str
        n: int = 0

    with open_store("memory://") as one, open_store("memory://") as two:
        with pytest.raises(ValidationError, match="names no table spec"):
            Plain.bind(one)
        a = Plain.bind(one.create_table(TableSpec(name="aaa", partition_key=("pk", "S"))))
        b = Plain.bind(two.create_table(TableSpec(name="bbb", partition_key=("pk", "S"))))
        a.save(Plain(pk="x", n=1))
        b.save(Plain(pk="x", n=2))
        assert (a.get(pk="x").n, b.get(pk="x").n) == (1, 2)
        with pytest.raises(ValidationError, match="cannot make key attribute 'id'"):
            Plain.bind(one.create_table(TableSpec(name="ccc", partition_key=("id", "S"))))


def test_entities_need_distinct_types_in_one_attribute() -> None:
    class A(Model, keys={"PK": "A", "SK": "A"}):
        pass

    class B(Model, keys={"PK": "B", "SK": "B"}, type_attribute="kind"):
        pass

    class Plain(Model):
        pk: str

    with pytest.raises(ValidationError, match="same type attribute"):
        Entities(A, B)
    with pytest.raises(ValidationError, match="same type attribute"):
        Entities(A, Plain)
    with pytest.raises(ValidationError, match="must differ"):
        Entities(A, A)


def test_validators_run_on_the_way_in() -> None:
    class Strict(Model, table=SINGLE, keys={"PK": "S#{name}", "SK": "S"}):
        name: str
        v: int | None = None

        @field_validator("name")
        @classmethod
        def _lower(cls, v: str) -> str:
            if v != v.lower():
                raise ValueError("lower case only")
            return v

    s = schema_for(Strict, SINGLE)
    with pytest.raises(ValidationError, match="lower case only"):
        s.key({"name": "ABC"})


# -- round trips -----------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)
times = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc))


class Rich(Model, keys={"PK": "R#{rid}", "SK": "R"}):
    rid: str
    text: str | None = None
    count: int = 0
    ratio: Decimal | None = None
    when: IsoDateTime | None = None
    labels: set[str] = Field(default_factory=set)
    items: list[int] = Field(default_factory=list)
    colour: Colour | None = None
    meta: dict[str, str] = Field(default_factory=dict)


RICH = TableSpec(name="rich", partition_key=("PK", "S"), sort_key=("SK", "S"))


@settings(max_examples=150, deadline=None)
@given(rid=texts, text=st.none() | st.text(max_size=30), count=st.integers(-(10**20), 10**20),
       ratio=st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**9, max_value=10**9),
       when=st.none() | times, labels=st.sets(texts, max_size=4), items=st.lists(st.integers(-1000, 1000), max_size=5),
       colour=st.none() | st.sampled_from(Colour), meta=st.dictionaries(texts, st.text(max_size=10), max_size=3))
def test_dump_then_load_gives_the_model_back(**fields: Any) -> None:
    m = Rich(**fields)
    s = schema_for(Rich, RICH)
    item = s.dump(m)
    assert s.key(m) == {"PK": item["PK"], "SK": "R"}
    assert s.load(normalize_item(item)) == m


def test_a_key_can_be_made_from_the_creation_time() -> None:
    class Visit(Model, keys={"PK": "USER#{user_id}", "SK": "VISIT#{created_at}"}):
        user_id: str
        created_at: datetime | None = None

    spec = TableSpec(name="visits", partition_key=("PK", "S"), sort_key=("SK", "S"),
                     created_at_attribute="created_at", updated_at_attribute="updated_at")
    with open_store("memory://") as store:
        visits = Visit.bind(store.create_table(spec))
        first = visits.save(Visit(user_id="ann"))
        second = visits.save(Visit(user_id="ann"))
        assert first.created_at is not None and second.created_at is not None
        item = store.table("visits").get(visits.key(first))
        assert item is not None and item["SK"] == "VISIT#" + item["created_at"]
        assert visits.get(user_id="ann", created_at=first.created_at) == first
        assert visits.query(user_id="ann").all() == [first, second]  # SK sorts by time
        assert visits.get({"PK": "USER#ann", "SK": item["SK"]}) == first  # a raw table key works too


def test_aliases_name_the_attributes() -> None:
    class Camel(Model, keys={"PK": "C#{item_id}", "SK": "C"}):
        model_config = {"populate_by_name": False}
        item_id: str = Field(alias="itemId")
        created_by: str = Field(alias="createdBy", min_length=2)

    s = schema_for(Camel, RICH)
    m = Camel(itemId="i1", createdBy="ann")
    item = s.dump(m)
    assert item["itemId"] == "i1" and item["createdBy"] == "ann" and item["PK"] == "C#i1"
    assert s.load(item) == m
    assert s.key({"itemId": "i1"}) == s.key({"item_id": "i1"}) == {"PK": "C#i1", "SK": "C"}
    acts = s.update_actions(None, {"item_id": "i1"}, {"createdBy": "bob"})
    assert [a.path.name for a in acts] == ["createdBy"]
    with pytest.raises(ValidationError, match="created_by"):
        s.update_actions(None, {"item_id": "i1"}, {"created_by": "x"})


def test_a_model_of_a_versioned_table_declares_the_version() -> None:
    class Unversioned(Model, keys={"PK": "U#{u}", "SK": "U"}):
        u: str

    with pytest.raises(ValidationError, match=r"versioned: declare the field `v: int \| None = None` on Unversioned"):
        schema_for(Unversioned, SINGLE)


def test_frozen_models_can_be_updated_without_a_read() -> None:
    class Frozen(Model, keys={"PK": "F#{fid}", "SK": "F"}):
        model_config = {"frozen": True}
        fid: str
        n: int = Field(default=0, ge=0)

    spec = TableSpec(name="frozen", partition_key=("PK", "S"), sort_key=("SK", "S"))
    with open_store("memory://") as store:
        frozen = Frozen.bind(store.create_table(spec))
        f = frozen.save(Frozen(fid="a"))
        assert frozen.update(f, n=3).n == 3
        with pytest.raises(ValidationError, match="Frozen.n"):
            frozen.update(f, n=-1)
