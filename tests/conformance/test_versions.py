"""Optimistic locking with TableSpec(version_attribute="version")."""

from __future__ import annotations

import pytest

from dynastore import ANY_VERSION, Attr, ConditionFailed, ValidationError, VersionConflict


@pytest.fixture
def vtable(make_table):
    return make_table(version_attribute="version")


def test_first_put_sets_version_1(vtable):
    result = vtable.put({"pk": "a", "v": 1})
    assert result.item["version"] == 1
    assert vtable.get({"pk": "a"}) == {"pk": "a", "v": 1, "version": 1}


def test_put_of_what_was_read_bumps_the_version(vtable):
    vtable.put({"pk": "a", "v": 1})
    item = vtable.get({"pk": "a"})
    item["v"] = 2
    assert vtable.put(item).item["version"] == 2
    item = vtable.get({"pk": "a"})
    assert item == {"pk": "a", "v": 2, "version": 2}
    assert vtable.put(item).item["version"] == 3


def test_stale_put_raises_version_conflict(vtable):
    vtable.put({"pk": "a", "v": 1})
    stale = vtable.get({"pk": "a"})
    vtable.put(dict(stale, v=2))
    with pytest.raises(VersionConflict) as info:
        vtable.put(dict(stale, v=3))
    assert isinstance(info.value, ConditionFailed)
    assert info.value.code == "ConditionalCheckFailedException"
    assert vtable.get({"pk": "a"}) == {"pk": "a", "v": 2, "version": 2}


def test_put_of_new_item_over_existing_one_conflicts(vtable):
    vtable.put({"pk": "a"})
    with pytest.raises(VersionConflict):
        vtable.put({"pk": "a", "v": "overwrite"})
    assert vtable.get({"pk": "a"}) == {"pk": "a", "version": 1}


def test_put_with_explicit_expected_version(vtable):
    vtable.put({"pk": "a"})
    assert vtable.put({"pk": "a", "v": 1}, expected_version=1).item["version"] == 2
    with pytest.raises(VersionConflict):
        vtable.put({"pk": "a", "v": 2}, expected_version=1)


def test_put_with_any_version_is_rejected(vtable):
    with pytest.raises(ValidationError):
        vtable.put({"pk": "a"}, expected_version=ANY_VERSION)


@pytest.mark.parametrize("bad", ["1", -1, 1.5, True], ids=["string", "negative", "float", "bool"])
def test_bad_version_values_are_rejected(vtable, bad):
    vtable.put({"pk": "a"})
    with pytest.raises(ValidationError):
        vtable.put({"pk": "a"}, expected_version=bad)
    with pytest.raises(ValidationError):
        vtable.update({"pk": "a"}, Attr("x").set(1), expected_version=bad)


def test_user_condition_failing_is_not_a_version_conflict(vtable):
    vtable.put({"pk": "a", "state": "open"})
    with pytest.raises(ConditionFailed) as info:
        vtable.put({"pk": "a", "state": "x", "version": 1}, condition=Attr("state").eq("closed"))
    assert not isinstance(info.value, VersionConflict)


def test_update_requires_expected_version(vtable):
    vtable.put({"pk": "a", "n": 1})
    with pytest.raises(ValidationError):
        vtable.update({"pk": "a"}, Attr("n").add(1))
    assert vtable.get({"pk": "a"})["n"] == 1


def test_update_with_expected_version(vtable):
    vtable.put({"pk": "a", "n": 1})
    got = vtable.update({"pk": "a"}, Attr("n").add(1), expected_version=1, return_values="ALL_NEW")
    assert got == {"pk": "a", "n": 2, "version": 2}
    with pytest.raises(VersionConflict):
        vtable.update({"pk": "a"}, Attr("n").add(1), expected_version=1)
    assert vtable.get({"pk": "a"}) == {"pk": "a", "n": 2, "version": 2}


def test_update_creating_with_expected_version_none(vtable):
    vtable.update({"pk": "new"}, Attr("n").set(1), expected_version=None)
    assert vtable.get({"pk": "new"}) == {"pk": "new", "n": 1, "version": 1}
    with pytest.raises(VersionConflict):
        vtable.update({"pk": "new"}, Attr("n").set(1), expected_version=None)


def test_update_with_any_version_skips_the_check_and_bumps(vtable):
    vtable.put({"pk": "a", "n": 1})
    vtable.update({"pk": "a"}, Attr("n").add(1), expected_version=ANY_VERSION)
    assert vtable.get({"pk": "a"}) == {"pk": "a", "n": 2, "version": 2}
    vtable.update({"pk": "fresh"}, Attr("n").add(1), expected_version=ANY_VERSION)
    assert vtable.get({"pk": "fresh"}) == {"pk": "fresh", "n": 1, "version": 1}


def test_update_may_not_touch_the_version_attribute(vtable):
    vtable.put({"pk": "a"})
    with pytest.raises(ValidationError):
        vtable.update({"pk": "a"}, Attr("version").set(10), expected_version=1)


def test_delete_requires_expected_version(vtable):
    vtable.put({"pk": "a"})
    with pytest.raises(ValidationError):
        vtable.delete({"pk": "a"})
    assert vtable.get({"pk": "a"}) is not None


def test_delete_with_expected_version(vtable):
    vtable.put({"pk": "a"})
    vtable.put({"pk": "a", "version": 1})
    with pytest.raises(VersionConflict):
        vtable.delete({"pk": "a"}, expected_version=1)
    vtable.delete({"pk": "a"}, expected_version=2)
    assert vtable.get({"pk": "a"}) is None


def test_delete_with_any_version(vtable):
    vtable.put({"pk": "a"})
    vtable.delete({"pk": "a"}, expected_version=ANY_VERSION)
    assert vtable.get({"pk": "a"}) is None


def test_concurrent_writers(store, vtable):
    vtable.put({"pk": "doc", "body": "v1"})
    # Two writers read the same version through two Table objects.
    writer_a = store.table(vtable.spec)
    writer_b = store.table(vtable.spec)
    seen_a = writer_a.get({"pk": "doc"})
    seen_b = writer_b.get({"pk": "doc"})
    writer_a.put(dict(seen_a, body="from a"))
    with pytest.raises(VersionConflict):
        writer_b.put(dict(seen_b, body="from b"))
    with pytest.raises(VersionConflict):
        writer_b.update({"pk": "doc"}, Attr("body").set("from b"), expected_version=seen_b["version"])
    assert vtable.get({"pk": "doc"}) == {"pk": "doc", "body": "from a", "version": 2}
    # The loser re-reads and retries.
    fresh = writer_b.get({"pk": "doc"})
    writer_b.put(dict(fresh, body="from b"))
    assert vtable.get({"pk": "doc"}) == {"pk": "doc", "body": "from b", "version": 3}


def test_transactions_check_versions(store, vtable):
    from dynastore import TransactionCanceled

    vtable.put({"pk": "a"})
    store.transaction().update(vtable, {"pk": "a"}, Attr("n").set(1), expected_version=1).commit()
    assert vtable.get({"pk": "a"}) == {"pk": "a", "n": 1, "version": 2}
    with pytest.raises(TransactionCanceled) as info:
        store.transaction().put(vtable, {"pk": "a", "version": 1}).commit()
    assert [r.code for r in info.value.reasons] == ["ConditionalCheckFailed"]
    with pytest.raises(ValidationError):
        store.transaction().delete(vtable, {"pk": "a"})


def test_batch_write_on_versioned_table_needs_ignore_versions(vtable):
    with pytest.raises(ValidationError):
        vtable.batch_write([{"pk": "a"}])
    assert vtable.batch_write([{"pk": "a"}], ignore_versions=True) == 1
    assert vtable.get({"pk": "a"}) == {"pk": "a"}
