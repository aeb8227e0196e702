"""Scan: filters, projections, pagination to the end, parallel segments, counts."""

from __future__ import annotations

import pytest

from dynastore import Attr, Index, ValidationError

from ._support import keys_of

N_ITEMS = 40


@pytest.fixture
def forty(make_table):
    t = make_table(sort_key=("sk", "N"))
    t.batch_write([{"pk": f"p{i % 7}", "sk": i, "n": i, "tag": "odd" if i % 2 else "even"} for i in range(N_ITEMS)])
    return t


def _ids(items):
    return sorted(i["sk"] for i in items)


def test_scan_returns_everything(forty):
    assert _ids(forty.scan().all()) == list(range(N_ITEMS))


def test_scan_of_empty_table(table):
    res = table.scan()
    assert res.all() == []
    assert res.last_key is None


def test_scan_filter(forty):
    got = forty.scan(filter=Attr("tag").eq("odd") & Attr("n").lt(10)).all()
    assert _ids(got) == [1, 3, 5, 7, 9]


def test_scan_filter_may_use_key_attributes(forty):
    assert _ids(forty.scan(filter=Attr("pk").eq("p0") & Attr("sk").lt(20)).all()) == [0, 7, 14]


def test_scan_projection(forty):
    got = forty.scan(projection=["n"], filter=Attr("n").lt(3)).all()
    assert sorted(got, key=lambda i: i["n"]) == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_scan_scanned_count_vs_count(forty):
    res = forty.scan(filter=Attr("n").gte(30))
    assert len(res.all()) == 10
    assert res.scanned_count == N_ITEMS
    assert res.count_read == 10


def test_scan_pages_to_the_end(forty):
    res = forty.scan(page_size=7)
    pages = list(res.pages())
    assert all(len(p.items) <= 7 for p in pages)
    assert all(p.last_key is not None for p in pages[:-1])
    assert pages[-1].last_key is None
    assert len(pages) >= N_ITEMS // 7
    assert _ids([i for p in pages for i in p.items]) == list(range(N_ITEMS))
    assert res.last_key is None


def test_scan_page_last_key_is_the_table_key(forty):
    page = next(forty.scan(page_size=5).pages())
    assert len(page.items) == 5
    assert page.last_key == {"pk": page.items[-1]["pk"], "sk": page.items[-1]["sk"]}


def test_scan_resume_with_start_key(forty):
    res = forty.scan(limit=15)
    first = res.all()
    assert len(first) == 15
    rest = forty.scan(start_key=res.last_key).all()
    assert len(rest) == N_ITEMS - 15
    assert _ids(first + rest) == list(range(N_ITEMS))


def test_scan_order_is_stable(forty):
    assert forty.scan().all() == forty.scan().all()


def test_scan_limit(forty):
    assert len(forty.scan(limit=11).all()) == 11
    assert len(forty.scan(limit=11, page_size=4).all()) == 11


def test_scan_limit_with_filter_counts_matches(forty):
    got = forty.scan(filter=Attr("tag").eq("odd"), limit=6, page_size=5).all()
    assert len(got) == 6
    assert all(i["tag"] == "odd" for i in got)


@pytest.mark.parametrize("total", [1, 2, 4, 13])
def test_parallel_segments_partition_the_table(forty, total):
    parts = [forty.scan(segment=s, total_segments=total).all() for s in range(total)]
    ids = [i["sk"] for part in parts for i in part]
    assert sorted(ids) == list(range(N_ITEMS))  # union is everything, nothing twice
    assert len(ids) == len(set(ids))


def test_parallel_segment_pages(forty):
    got = []
    for s in range(3):
        got += forty.scan(segment=s, total_segments=3, page_size=2).all()
    assert _ids(got) == list(range(N_ITEMS))


def test_parallel_scan(forty):
    assert _ids(forty.parallel_scan(4)) == list(range(N_ITEMS))


def test_parallel_scan_with_filter(forty):
    assert _ids(forty.parallel_scan(3, filter=Attr("n").lt(5))) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("segment, total", [(0, 0), (2, 2), (-1, 2), (0, None), (None, 2), (0, 1_000_001)],
                         ids=["zero-total", "segment-too-big", "negative", "no-total", "no-segment", "too-many"])
def test_bad_segments_are_rejected(forty, segment, total):
    with pytest.raises(ValidationError):
        forty.scan(segment=segment, total_segments=total).all()


def test_count(forty):
    assert forty.count() == N_ITEMS
    assert forty.count(filter=Attr("tag").eq("even")) == N_ITEMS // 2
    assert forty.count(filter=Attr("n").gt(1000)) == 0


def test_scan_index(make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"), projection="KEYS_ONLY")])
    t.batch_write([{"pk": "a", "g": "x", "v": 1}, {"pk": "b", "v": 2}, {"pk": "c", "g": "y", "v": 3}])
    got = sorted(t.scan(index="ByG").all(), key=lambda i: i["pk"])
    assert got == [{"pk": "a", "g": "x"}, {"pk": "c", "g": "y"}]
    assert t.count(index="ByG") == 2


def test_scan_index_pages(make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"))])
    t.batch_write([{"pk": str(i), "g": "x" if i % 2 else "y"} for i in range(9)])
    pages = list(t.scan(index="ByG", page_size=2).pages())
    first = pages[0]
    assert set(first.last_key) == {"pk", "g"}
    assert sorted(i["pk"] for p in pages for i in p.items) == [str(i) for i in range(9)]


def test_scan_consistent_read_on_gsi_is_rejected(make_table):
    t = make_table(indexes=[Index("ByG", partition_key=("g", "S"))])
    with pytest.raises(ValidationError):
        t.scan(index="ByG", consistent=True).all()


def test_scan_missing_index_is_rejected(table):
    with pytest.raises(ValidationError):
        table.scan(index="Nope").all()


def test_scan_consistent(forty):
    assert len(forty.scan(consistent=True).all()) == N_ITEMS


def test_scan_projection_with_nested_path_and_limit(make_table):
    t = make_table()
    t.batch_write([{"pk": str(i), "m": {"a": i, "b": "x"}} for i in range(5)])
    res = t.scan(projection=["m.a"], limit=3)
    got = res.all()
    assert len(got) == 3 and all(set(i) == {"m"} and set(i["m"]) == {"a"} for i in got)
    rest = t.scan(projection=["m.a"], start_key=res.last_key).all()
    assert sorted(i["m"]["a"] for i in got + rest) == [0, 1, 2, 3, 4]
    assert keys_of(sorted(got + rest, key=lambda i: i["m"]["a"]), "m") == [{"a": i} for i in range(5)]
