"""Query: key conditions and DynamoDB's sort orders, paging, indexes, filters, counts, errors."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from dynastore import Attr, Index, Key, ValidationError

from ._support import keys_of, known_difference

K = Key

# -- sort orders -------------------------------------------------------------------

# S sorts by UTF-8 bytes: "\uff01" (EF BC 81) < "😀" (F0 9F 98 80), although UTF-16 puts it after.
S_VALUES = ["😀", "é", "a", "Z", "\uff01", "A", "aa", "a\x00", "0", " ", "~"]
# N sorts numerically, across negatives, decimals and 38-digit magnitudes.
N_VALUES = [-10, Decimal("-1.5"), 0, Decimal("0.001"), 2, 10, 10**30, -(10**30), 10**38 - 1, -(10**38 - 1),
            Decimal("1E-130"), Decimal("-1E-130"), Decimal("9.9999999999999999999999999999999999999E+125")]
# B sorts bytewise, unsigned.
B_VALUES = [b"\xff", b"\x00", b"\x01", b"\x7f", b"\x80", b"\x00\x00", b"\xff\x00", b"\x80\x01"]

ORDERS = {
    "S": (S_VALUES, lambda v: v.encode("utf-8")),
    "N": (N_VALUES, lambda v: Decimal(v)),
    "B": (B_VALUES, lambda v: v),
}


def _loaded(make_table, sk_type, values):
    t = make_table(sort_key=("sk", sk_type))
    shuffled = list(values)
    random.Random(7).shuffle(shuffled)
    t.batch_write([{"pk": "p", "sk": v} for v in shuffled] + [{"pk": "other", "sk": values[0]}])
    return t


@pytest.mark.parametrize("sk_type", ["S", "N", "B"])
def test_sort_order(make_table, sk_type):
    values, order = ORDERS[sk_type]
    t = _loaded(make_table, sk_type, values)
    got = keys_of(t.query(K("pk").eq("p")).all(), "sk")
    assert got == sorted(values, key=order)


@pytest.mark.parametrize("sk_type", ["S", "N", "B"])
def test_sort_order_reversed(make_table, sk_type):
    values, order = ORDERS[sk_type]
    t = _loaded(make_table, sk_type, values)
    got = keys_of(t.query(K("pk").eq("p"), reverse=True).all(), "sk")
    assert got == sorted(values, key=order, reverse=True)


def _expected(values, order, pred):
    return [v for v in sorted(values, key=order) if pred(order(v))]


# (id, sk type, key condition on sk, predicate on the order key)
KEY_CONDITIONS = [
    ("S-eq", "S", K("sk").eq("a"), lambda k: k == b"a"),
    ("S-lt", "S", K("sk").lt("a"), lambda k: k < b"a"),
    ("S-lte", "S", K("sk").lte("a"), lambda k: k <= b"a"),
    ("S-gt", "S", K("sk").gt("a"), lambda k: k > b"a"),
    ("S-gte", "S", K("sk").gte("é"), lambda k: k >= "é".encode()),
    ("S-gt-fullwidth", "S", K("sk").gt("\uff01"), lambda k: k > "\uff01".encode()),
    ("S-between", "S", K("sk").between("Z", "é"), lambda k: b"Z" <= k <= "é".encode()),
    ("S-begins-with", "S", K("sk").begins_with("a"), lambda k: k.startswith(b"a")),
    ("S-begins-with-multibyte", "S", K("sk").begins_with("😀"), lambda k: k.startswith("😀".encode())),
    ("N-eq", "N", K("sk").eq(Decimal("-1.50")), lambda k: k == Decimal("-1.5")),
    ("N-lt-zero", "N", K("sk").lt(0), lambda k: k < 0),
    ("N-lte", "N", K("sk").lte(2), lambda k: k <= 2),
    ("N-gt-float", "N", K("sk").gt(1.5), lambda k: k > Decimal("1.5")),
    ("N-gte-negative", "N", K("sk").gte(-10), lambda k: k >= -10),
    ("N-between-negatives", "N", K("sk").between(-(10**30), Decimal("-1E-130")),
     lambda k: -(10**30) <= k <= Decimal("-1E-130")),
    ("N-between-large", "N", K("sk").between(10, 10**38 - 1), lambda k: 10 <= k <= 10**38 - 1),
    ("B-eq", "B", K("sk").eq(b"\x80"), lambda k: k == b"\x80"),
    ("B-lt-unsigned", "B", K("sk").lt(b"\x80"), lambda k: k < b"\x80"),
    ("B-gte", "B", K("sk").gte(b"\x7f"), lambda k: k >= b"\x7f"),
    ("B-between", "B", K("sk").between(b"\x00\x00", b"\x80"), lambda k: b"\x00\x00" <= k <= b"\x80"),
    ("B-begins-with", "B", K("sk").begins_with(b"\xff"), lambda k: k.startswith(b"\xff")),
    ("B-begins-with-80", "B", K("sk").begins_with(b"\x80"), lambda k: k.startswith(b"\x80")),
]


@pytest.mark.parametrize("sk_type, condition, pred", [c[1:] for c in KEY_CONDITIONS],
                         ids=[c[0] for c in KEY_CONDITIONS])
def test_key_condition(make_table, sk_type, condition, pred):
    values, order = ORDERS[sk_type]
    t = _loaded(make_table, sk_type, values)
    expected = _expected(values, order, pred)
    assert expected, "the case should select something"
    got = keys_of(t.query(K("pk").eq("p") & condition).all(), "sk")
    assert got == expected


def test_key_condition_order_of_terms_does_not_matter(make_table):
    t = _loaded(make_table, "S", S_VALUES)
    a = t.query(K("sk").begins_with("a") & K("pk").eq("p")).all()
    b = t.query(K("pk").eq("p") & K("sk").begins_with("a")).all()
    assert a == b and len(a) == 3


def test_query_of_empty_partition(sorted_table):
    sorted_table.put({"pk": "a", "sk": "1"})
    assert sorted_table.query(K("pk").eq("b")).all() == []


def test_query_table_without_sort_key(table):
    table.put({"pk": "a", "v": 1})
    table.put({"pk": "b", "v": 2})
    assert table.query(K("pk").eq("a")).all() == [{"pk": "a", "v": 1}]


def test_query_returns_whole_items(sorted_table):
    sorted_table.put({"pk": "a", "sk": "1", "v": {"x": [1, b"\x00"]}, "f": 0.5})
    assert sorted_table.query(K("pk").eq("a")).all() == [{"pk": "a", "sk": "1", "v": {"x": [1, b"\x00"]},
                                                          "f": Decimal("0.5")}]


def test_query_with_projection(sorted_table):
    sorted_table.put({"pk": "a", "sk": "1", "x": 1, "y": {"z": 2, "w": 3}})
    assert sorted_table.query(K("pk").eq("a"), projection=["x", "y.z"]).all() == [{"x": 1, "y": {"z": 2}}]


def test_query_first(sorted_table):
    for i in range(3):
        sorted_table.put({"pk": "a", "sk": str(i)})
    assert sorted_table.query(K("pk").eq("a"), reverse=True).first() == {"pk": "a", "sk": "2"}
    assert sorted_table.query(K("pk").eq("zz")).first() is None


# -- limits and pages ----------------------------------------------------------------


@pytest.fixture
def ten(make_table):
    t = make_table(sort_key=("sk", "N"))
    t.batch_write([{"pk": "p", "sk": i, "n": i, "even": i % 2 == 0} for i in range(10)])
    return t


def test_limit_caps_total_items(ten):
    res = ten.query(K("pk").eq("p"), limit=3)
    assert keys_of(res.all(), "sk") == [0, 1, 2]
    assert res.last_key == {"pk": "p", "sk": 2}


def test_limit_larger_than_result(ten):
    res = ten.query(K("pk").eq("p"), limit=50)
    assert len(res.all()) == 10
    assert res.last_key is None


def test_limit_with_reverse(ten):
    assert keys_of(ten.query(K("pk").eq("p"), limit=2, reverse=True).all(), "sk") == [9, 8]


def test_limit_with_filter_counts_matches(ten):
    res = ten.query(K("pk").eq("p"), filter=Attr("even").eq(True), limit=3)
    assert keys_of(res.all(), "sk") == [0, 2, 4]


def test_page_size_splits_pages(ten):
    pages = list(ten.query(K("pk").eq("p"), page_size=3).pages())
    assert [len(p.items) for p in pages] == [3, 3, 3, 1]
    assert [p.last_key for p in pages] == [{"pk": "p", "sk": 2}, {"pk": "p", "sk": 5}, {"pk": "p", "sk": 8}, None]
    assert keys_of([i for p in pages for i in p.items], "sk") == list(range(10))


MOTO_NO_LAST_KEY = "moto leaves out LastEvaluatedKey when a page ends exactly at Limit with nothing after it"


def test_full_last_page_still_has_last_key(ten, store):
    known_difference(store, "moto", MOTO_NO_LAST_KEY)
    # DynamoDB (Local) stops at Limit and returns LastEvaluatedKey without looking further,
    # so an exact fit ends with an empty page.
    pages = list(ten.query(K("pk").eq("p"), page_size=5).pages())
    assert [len(p.items) for p in pages] == [5, 5, 0]
    assert pages[1].last_key == {"pk": "p", "sk": 9}
    assert pages[2].last_key is None


def test_limit_exactly_all_items_leaves_a_last_key(ten, store):
    known_difference(store, "moto", MOTO_NO_LAST_KEY)
    res = ten.query(K("pk").eq("p"), limit=10)
    assert len(res.all()) == 10
    assert res.last_key == {"pk": "p", "sk": 9}


def test_resume_with_start_key(ten):
    first = ten.query(K("pk").eq("p"), page_size=4)
    page = next(first.pages())
    assert keys_of(page.items, "sk") == [0, 1, 2, 3]
    assert page.last_key == {"pk": "p", "sk": 3}
    rest = ten.query(K("pk").eq("p"), start_key=page.last_key).all()
    assert keys_of(rest, "sk") == [4, 5, 6, 7, 8, 9]


def test_resume_after_limit(ten):
    res = ten.query(K("pk").eq("p"), limit=4)
    res.all()
    assert keys_of(ten.query(K("pk").eq("p"), start_key=res.last_key, limit=4).all(), "sk") == [4, 5, 6, 7]


def test_resume_reversed(ten):
    res = ten.query(K("pk").eq("p"), limit=3, reverse=True)
    res.all()
    assert keys_of(ten.query(K("pk").eq("p"), start_key=res.last_key, reverse=True).all(), "sk") == [6, 5, 4, 3, 2, 1, 0]


def test_start_key_need_not_exist(ten):
    got = ten.query(K("pk").eq("p"), start_key={"pk": "p", "sk": Decimal("4.5")}).all()
    assert keys_of(got, "sk") == [5, 6, 7, 8, 9]


def test_start_key_must_match_the_schema(ten):
    with pytest.raises(ValidationError):
        ten.query(K("pk").eq("p"), start_key={"pk": "p"}).all()


def test_limit_with_projection_still_resumes(ten):
    res = ten.query(K("pk").eq("p"), projection=["even"], limit=2)
    assert res.all() == [{"even": True}, {"even": False}]
    assert res.last_key == {"pk": "p", "sk": 1}


def test_results_iterate_once(ten):
    res = ten.query(K("pk").eq("p"))
    res.all()
    with pytest.raises(RuntimeError):
        res.all()


def test_filter_scanned_count_vs_count(ten):
    res = ten.query(K("pk").eq("p") & K("sk").lt(5), filter=Attr("even").eq(True))
    items = res.all()
    assert keys_of(items, "sk") == [0, 2, 4]
    assert res.scanned_count == 5
    assert res.count_read == 3


def test_filter_with_page_size_can_give_empty_pages(ten):
    pages = list(ten.query(K("pk").eq("p"), filter=Attr("n").gte(8), page_size=4).pages())
    assert [len(p.items) for p in pages] == [0, 0, 2]
    assert [p.scanned_count for p in pages] == [4, 4, 2]
    assert pages[0].last_key == {"pk": "p", "sk": 3}


@pytest.mark.parametrize("condition", [Attr("sk").between(3, 4), Attr("pk").eq("p"), Attr("sk").exists()],
                         ids=["sort-key", "partition-key", "exists-sort-key"])
def test_query_filter_cannot_use_key_attributes(ten, condition):
    # DynamoDB Local: "Filter Expression can only contain non-primary key attributes".
    with pytest.raises(ValidationError):
        ten.query(K("pk").eq("p"), filter=condition).all()


def test_count(ten):
    assert ten.count(K("pk").eq("p")) == 10
    assert ten.count(K("pk").eq("p") & K("sk").gte(7)) == 3
    assert ten.count(K("pk").eq("p"), filter=Attr("even").eq(False)) == 5
    assert ten.count(K("pk").eq("nobody")) == 0


# -- indexes ---------------------------------------------------------------------------


@pytest.fixture
def indexed(make_table):
    t = make_table(
        sort_key=("sk", "S"),
        indexes=[
            Index("ByStatus", partition_key=("status", "S"), sort_key=("at", "N")),
            Index("ByStatusKeys", partition_key=("status", "S"), sort_key=("at", "N"), projection="KEYS_ONLY"),
            Index("ByStatusInc", partition_key=("status", "S"), projection=["title"]),
            Index("ByRank", sort_key=("rank", "N"), local=True),
        ],
    )
    t.batch_write([
        {"pk": "u1", "sk": "a", "status": "open", "at": 3, "rank": 2, "title": "A", "body": "x"},
        {"pk": "u1", "sk": "b", "status": "open", "at": 1, "rank": 1, "title": "B", "body": "y"},
        {"pk": "u1", "sk": "c", "status": "done", "at": 2, "rank": 3, "title": "C", "body": "z"},
        {"pk": "u2", "sk": "a", "status": "open", "at": 2, "title": "D"},
        {"pk": "u2", "sk": "b", "title": "no status, no rank"},
    ])
    return t


def test_query_gsi(indexed):
    got = indexed.query(K("status").eq("open"), index="ByStatus").all()
    assert keys_of(got, "pk", "sk") == [("u1", "b"), ("u2", "a"), ("u1", "a")]
    assert got[0] == {"pk": "u1", "sk": "b", "status": "open", "at": 1, "rank": 1, "title": "B", "body": "y"}


def test_query_gsi_with_sort_condition_and_reverse(indexed):
    got = indexed.query(K("status").eq("open") & K("at").gte(2), index="ByStatus", reverse=True).all()
    assert keys_of(got, "at") == [3, 2]


def test_sparse_gsi_leaves_out_items_without_the_key(indexed):
    everything = indexed.scan(index="ByStatus").all()
    assert sorted(keys_of(everything, "pk", "sk")) == [("u1", "a"), ("u1", "b"), ("u1", "c"), ("u2", "a")]
    assert indexed.count(index="ByStatus") == 4


def test_gsi_pages_and_resume(indexed):
    pages = indexed.query(K("status").eq("open"), index="ByStatus", page_size=2).pages()
    first = next(pages)
    assert keys_of(first.items, "at") == [1, 2]
    # An index's last key holds the index keys and the table keys.
    assert first.last_key == {"status": "open", "at": 2, "pk": "u2", "sk": "a"}
    rest = indexed.query(K("status").eq("open"), index="ByStatus", start_key=first.last_key).all()
    assert keys_of(rest, "at") == [3]


def test_gsi_keys_only_projection(indexed):
    got = indexed.query(K("status").eq("open") & K("at").eq(1), index="ByStatusKeys").all()
    assert got == [{"pk": "u1", "sk": "b", "status": "open", "at": 1}]


def test_gsi_include_projection(indexed):
    got = indexed.query(K("status").eq("done"), index="ByStatusInc").all()
    assert got == [{"pk": "u1", "sk": "c", "status": "done", "title": "C"}]


def test_gsi_projection_of_unprojected_attribute_is_rejected(indexed, store):
    known_difference(store, "moto", "moto returns empty items instead of rejecting the projection")
    with pytest.raises(ValidationError):
        indexed.query(K("status").eq("done"), index="ByStatusInc", projection=["body"]).all()


def test_gsi_sees_updates(indexed):
    indexed.update({"pk": "u2", "sk": "b"}, [Attr("status").set("done"), Attr("at").set(9)])
    indexed.update({"pk": "u1", "sk": "c"}, Attr("status").remove())
    got = indexed.query(K("status").eq("done"), index="ByStatus").all()
    assert keys_of(got, "pk", "sk") == [("u2", "b")]


def test_gsi_sees_deletes(indexed):
    indexed.delete({"pk": "u1", "sk": "b"})
    assert keys_of(indexed.query(K("status").eq("open"), index="ByStatus").all(), "at") == [2, 3]


def test_index_query_filter_cannot_use_the_index_keys(indexed):
    with pytest.raises(ValidationError):
        indexed.query(K("status").eq("open"), index="ByStatus", filter=Attr("at").gt(1)).all()
    with pytest.raises(ValidationError):
        indexed.query(K("pk").eq("u1"), index="ByRank", filter=Attr("rank").gt(1)).all()


def test_index_query_filter_may_use_the_table_keys(indexed):
    got = indexed.query(K("status").eq("open"), index="ByStatus", filter=Attr("pk").eq("u1") & Attr("sk").gt("a")).all()
    assert keys_of(got, "pk", "sk") == [("u1", "b")]
    got = indexed.query(K("pk").eq("u1"), index="ByRank", filter=Attr("sk").ne("a")).all()
    assert keys_of(got, "sk") == ["b", "c"]


def test_query_lsi(indexed):
    got = indexed.query(K("pk").eq("u1"), index="ByRank").all()
    assert keys_of(got, "sk") == ["b", "a", "c"]
    got = indexed.query(K("pk").eq("u1") & K("rank").gt(1), index="ByRank", consistent=True).all()
    assert keys_of(got, "rank") == [2, 3]


def test_lsi_is_sparse(indexed):
    assert indexed.count(K("pk").eq("u2"), index="ByRank") == 0


def test_lsi_last_key(indexed):
    res = indexed.query(K("pk").eq("u1"), index="ByRank", limit=1)
    res.all()
    assert res.last_key == {"pk": "u1", "sk": "b", "rank": 1}


@pytest.fixture
def narrow_lsis(make_table):
    """Local indexes projecting only the keys, and the keys plus ``title``, over items with more."""
    t = make_table(sort_key=("sk", "S"), indexes=[
        Index("RankKeys", sort_key=("rank", "N"), local=True, projection="KEYS_ONLY"),
        Index("RankTitle", sort_key=("rank", "N"), local=True, projection=["title"]),
    ])
    t.batch_write([
        {"pk": "u1", "sk": "a", "rank": 2, "title": "A", "body": "x"},
        {"pk": "u1", "sk": "b", "rank": 1, "title": "B", "body": "y"},
        {"pk": "u1", "sk": "c", "rank": 3, "title": "C"},
    ])
    return t


def test_local_index_returns_what_it_projects(narrow_lsis):
    assert narrow_lsis.query(K("pk").eq("u1"), index="RankKeys").all()[0] == {"pk": "u1", "sk": "b", "rank": 1}
    assert narrow_lsis.query(K("pk").eq("u1"), index="RankTitle").all()[0] == {"pk": "u1", "sk": "b", "rank": 1,
                                                                                "title": "B"}


@pytest.mark.parametrize("index", ["RankKeys", "RankTitle"])
def test_local_index_fetches_what_it_does_not_project(narrow_lsis, store, index):
    """Unlike a global index, a local one reads attributes it does not project from the table (DynamoDB
    charges for the fetch) when a projection asks for them."""
    known_difference(store, "moto", "moto returns only what a local index projects")
    got = narrow_lsis.query(K("pk").eq("u1"), index=index, projection=["body", "title", "rank"]).all()
    assert got == [{"rank": 1, "title": "B", "body": "y"}, {"rank": 2, "title": "A", "body": "x"},
                   {"rank": 3, "title": "C"}]
    assert narrow_lsis.scan(index=index, projection=["sk", "body"]).all() == [{"sk": "b", "body": "y"},
                                                                              {"sk": "a", "body": "x"}, {"sk": "c"}]


def test_a_query_filter_on_what_an_index_does_not_project_is_refused(narrow_lsis):
    for index in ("RankKeys", "RankTitle"):
        with pytest.raises(ValidationError, match=r"Secondary index Rank\w+ does not project one or more filter "
                                                  r"attributes: \[body\]"):
            narrow_lsis.query(K("pk").eq("u1"), index=index, filter=Attr("body").exists()).all()


def test_query_on_missing_index_is_rejected(indexed):
    with pytest.raises(ValidationError):
        indexed.query(K("status").eq("open"), index="Nope").all()


def test_consistent_read_on_gsi_is_rejected(indexed):
    with pytest.raises(ValidationError):
        indexed.query(K("status").eq("open"), index="ByStatus", consistent=True).all()


def test_duplicate_index_keys_all_come_back(make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"))])
    t.batch_write([{"pk": str(i), "g": "same"} for i in range(5)])
    assert sorted(keys_of(t.query(K("g").eq("same"), index="ByG").all(), "pk")) == ["0", "1", "2", "3", "4"]


# -- invalid key conditions ------------------------------------------------------------

INVALID = [
    ("partition-type-mismatch", lambda: K("pk").eq(1)),
    ("sort-type-mismatch", lambda: K("pk").eq("p") & K("sk").eq("x")),
    ("between-type-mismatch", lambda: K("pk").eq("p") & K("sk").between("a", "b")),
    ("begins-with-on-number", lambda: K("pk").eq("p") & K("sk").begins_with("1")),
    ("between-reversed", lambda: K("pk").eq("p") & K("sk").between(5, 1)),
    ("no-partition-key", lambda: K("sk").eq(1)),
    ("partition-key-not-eq", lambda: K("pk").gt("p")),
    ("non-key-attribute", lambda: K("pk").eq("p") & K("other").eq(1)),
    ("two-conditions-on-sort-key", lambda: K("pk").eq("p") & K("sk").gt(1) & K("sk").lt(5)),
    ("or", lambda: K("pk").eq("p") | K("pk").eq("q")),
    ("not", lambda: ~K("pk").eq("p")),
    ("attr-function", lambda: K("pk").eq("p") & Attr("sk").exists()),
]


@pytest.mark.parametrize("make_condition", [c for _, c in INVALID], ids=[i for i, _ in INVALID])
def test_invalid_key_condition(ten, make_condition):
    with pytest.raises(ValidationError):
        ten.query(make_condition()).all()


def test_count_rejects_invalid_key_condition(ten):
    with pytest.raises(ValidationError):
        ten.count(K("pk").eq(1))


@pytest.mark.parametrize("kwargs", [{"limit": 0}, {"page_size": 0}, {"limit": -1}, {"page_size": 1.5}],
                         ids=["limit-0", "page-size-0", "limit-negative", "page-size-float"])
def test_bad_limits_are_rejected(ten, kwargs):
    with pytest.raises(ValidationError):
        ten.query(K("pk").eq("p"), **kwargs).all()
