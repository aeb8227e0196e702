"""MessageStore: bodies in blob storage, the index in the table, on both backend pairs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from dynastore.apps.chat import MAX_MESSAGE_BYTES, Message, MessageStore, counted_bytes
from dynastore.errors import ConditionFailed, ItemNotFound, ValidationError

from .conftest import MakeMessages

T0 = datetime(2025, 7, 10, 12, 0, tzinfo=timezone.utc)


def blob_keys(ms: MessageStore) -> list[str]:
    return [i.key for i in ms.blobs.list("")]


def test_every_body_goes_to_blob_storage_under_the_date_layout(messages: MessageStore) -> None:
    short = messages.add("chat-1", "user", "hi", created_at=T0, message_id="m1")
    long = messages.add("chat-1", "assistant", "x" * 20_000, created_at=T0 + timedelta(seconds=1), message_id="m2")
    assert blob_keys(messages) == ["messages/2025/07/10/chat-1/m1.json", "messages/2025/07/10/chat-1/m2.json"]
    body = json.loads(messages.blobs.get("messages/2025/07/10/chat-1/m1.json"))
    assert body["content"] == "hi" and body["metadata"]["message_id"] == "m1"
    assert body["created_at"] == "2025-07-10T12:00:00.000000+00:00"
    for ref in (short, long):
        item = messages.table.get(ref.key, consistent=True)
        assert item is not None
        assert set(item) == {"chat_id", "message_key", "message_id", "role", "content_type", "size_bytes",
                             "content_url", "content_preview", "created_at"}
        assert "content" not in item  # only the index in the table, never the body
        assert item["content_url"] == messages.blobs.url(messages.blobs.key_from_url(ref.content_url))
    assert long.content_preview == "x" * 200 and long.size_bytes == 20_000
    assert messages.get("chat-1", "m2").content == "x" * 20_000


def test_listing_is_in_time_order_and_pages(messages: MessageStore) -> None:
    ids = [f"m{n}" for n in range(7)]
    for n, mid in enumerate(reversed(ids)):  # written out of order
        messages.add("c", "user", f"text {mid}", message_id=mid, created_at=T0 + timedelta(seconds=6 - n))
    messages.add("other", "user", "not this chat", created_at=T0)
    assert [r.message_id for r in messages.list("c").refs] == ids
    assert [r.message_id for r in messages.list("c", reverse=True, limit=3).refs] == ids[::-1][:3]
    page = messages.list("c", limit=3)
    got = [r.message_id for r in page.refs]
    while page.last_key is not None:
        page = messages.list("c", limit=3, start_key=page.last_key)
        got += [r.message_id for r in page.refs]
    assert got == ids
    assert [r.message_id for r in messages.list("c", after=T0 + timedelta(seconds=4)).refs] == ["m5", "m6"]
    assert [m.content for m in messages.messages("c")] == [f"text {i}" for i in ids]
    assert [m.id for m in messages.messages("c", limit=2, reverse=True)] == ["m6", "m5"]
    assert [r.message_id for r in messages.iter_refs("c", page_size=2)] == ids


def test_listing_is_a_query_never_a_scan(messages: MessageStore) -> None:
    class NoScan:
        def __init__(self, table: object):
            self._t = table

        def __getattr__(self, name: str) -> object:
            if name in ("scan", "parallel_scan"):
                raise AssertionError("a listing scanned the table")
            return getattr(self._t, name)

    messages.add("c", "user", "a")
    messages.table = NoScan(messages.table)  # type: ignore[assignment]
    assert len(messages.list("c").refs) == 1
    assert len(messages.messages("c")) == 1


def test_bodies_are_fetched_in_parallel_in_order(make_messages: MakeMessages) -> None:
    import threading

    ms = make_messages(cache_bytes=0, max_workers=4, parallel_reads=True)
    refs = [ms.add("c", "user", f"body {n}", created_at=T0 + timedelta(milliseconds=n)) for n in range(12)]
    threads: set[int] = set()
    inner = ms.blobs.get

    def get(key: str) -> bytes:
        threads.add(threading.get_ident())
        return inner(key)

    ms.blobs.get = get  # type: ignore[method-assign]
    assert [m.content for m in ms.bodies(refs)] == [f"body {n}" for n in range(12)]
    assert threading.get_ident() not in threads and 1 <= len(threads) <= 4
    assert make_messages(parallel_reads=None).parallel_reads == (ms.blobs.scheme != "local")  # type: ignore[attr-defined]


def test_size_limit_counts_text_without_image_urls(messages: MessageStore) -> None:
    limit_text = "あ" * (MAX_MESSAGE_BYTES // 3)  # 3 bytes each: just under 128 KB
    messages.add("c", "user", limit_text)
    image = "data:image/png;base64," + "A" * 50_000
    link = "https://img.example.com/pictures/cat.png?size=large"
    ok = limit_text + " " + image + " " + link
    assert counted_bytes(ok) == len(limit_text.encode()) + 2
    messages.add("c", "user", ok)
    before = blob_keys(messages)
    with pytest.raises(ValidationError, match="128 KB"):
        messages.add("c", "user", "x" * (MAX_MESSAGE_BYTES + 1))
    with pytest.raises(ValidationError, match="limit"):
        messages.add("c", "user", limit_text + "ab " + link)
    assert blob_keys(messages) == before  # nothing written
    assert len(messages.list("c").refs) == 2


@pytest.mark.parametrize("bad, match", [
    ({"chat_id": "../etc"}, "chat_id"),
    ({"chat_id": "a/b"}, "chat_id"),
    ({"chat_id": ""}, "chat_id"),
    ({"message_id": "x\x00"}, "message id"),
    ({"role": "User!"}, "role"),
    ({"content": 42}, "content"),
    ({"content_type": "text plain"}, "content_type"),
    ({"images": [""]}, "images"),
    ({"images": "https://x/y.png"}, "not one string"),
    ({"attributes": ["a"]}, "mapping"),
    ({"attributes": {"n": 1}}, "strings"),
])
def test_bad_messages_are_refused_and_nothing_is_written(messages: MessageStore, bad: dict, match: str) -> None:
    args = {"chat_id": "c", "role": "user", "content": "hi", **bad}
    with pytest.raises(ValidationError, match=match):
        messages.add(args.pop("chat_id"), args.pop("role"), args.pop("content"), **args)
    assert blob_keys(messages) == []


def test_a_message_is_written_once_unless_overwritten(messages: MessageStore) -> None:
    ref = messages.add("c", "user", "first", message_id="m", created_at=T0)
    assert messages.get("c", "m").content == "first"  # cached now
    with pytest.raises(ConditionFailed, match="already stored"):
        messages.add("c", "user", "second", message_id="m", created_at=T0)
    assert json.loads(messages.blobs.get(messages.blobs.key_from_url(ref.content_url)))["content"] == "first"
    assert messages.get("c", "m").content == "first"
    messages.add("c", "user", "second", message_id="m", created_at=T0, overwrite=True)
    assert messages.get("c", "m").content == "second"  # the cache did not serve the old body
    assert len(messages.list("c").refs) == 1


def test_delete_removes_index_then_body(messages: MessageStore) -> None:
    ref = messages.add("c", "user", "bye", message_id="m")
    messages.get("c", "m")
    assert messages.delete("c", "m") is True
    assert messages.list("c").refs == []
    assert not messages.blobs.exists(messages.blobs.key_from_url(ref.content_url))
    with pytest.raises(ItemNotFound):
        messages.get("c", "m")
    assert messages.delete("c", "m") is False
    for n in range(3):
        messages.add("d", "user", f"{n}")
    assert messages.delete_chat("d") == 3 and blob_keys(messages) == []


def test_cache_hits_misses_and_byte_bound(make_messages: MakeMessages) -> None:
    registry = CollectorRegistry()
    ms = make_messages(cache_bytes=2_000, registry=registry)
    refs = [ms.add("c", "user", str(n) * 500) for n in range(6)]  # each body is a little over 500 bytes
    ms.cache.clear()

    def value(name: str) -> float:
        v = registry.get_sample_value(name)
        assert v is not None, name
        return v

    hits, misses = value("dynastore_chat_cache_hits_total"), value("dynastore_chat_cache_misses_total")
    ms.body(refs[0])
    ms.body(refs[0])
    assert value("dynastore_chat_cache_misses_total") == misses + 1
    assert value("dynastore_chat_cache_hits_total") == hits + 1
    for r in refs:
        ms.body(r)
    size = ms.blobs.head(ms.blobs.key_from_url(refs[0].content_url)).size  # every body is this big
    assert ms.cache.bytes <= 2_000 and len(ms.cache) == 2_000 // size
    assert value("dynastore_chat_cache_bytes") == ms.cache.bytes
    assert value("dynastore_chat_cache_evictions_total") >= 6 - 2_000 // size


def test_two_stores_share_one_registry(make_messages: MakeMessages) -> None:
    registry = CollectorRegistry()
    a = make_messages(registry=registry)
    b = make_messages(registry=registry, metrics_namespace="chat_b")
    a.add("c", "user", "1")
    b.add("c", "user", "2")
    assert registry.get_sample_value("dynastore_chat_messages_written_total") == 1
    assert registry.get_sample_value("chat_b_messages_written_total") == 1


def test_key_layout_is_a_validated_template(make_messages: MakeMessages) -> None:
    ms = make_messages(layout="tenants/{tenant}/{chat_id}/{YYYY}-{MM}-{DD}/{message_id}.json",
                       layout_values={"tenant": "acme"})
    ms.add("c", "user", "hi", message_id="m", created_at=T0)
    assert blob_keys(ms) == ["tenants/acme/c/2025-07-10/m.json"]
    assert ms.layout.parse("tenants/acme/c/2025-07-10/m.json") == ("c", "m")
    assert ms.layout.parse("tenants/other/c/2025-07-10/m.json") is None
    for template, values, match in [
        ("messages/{YYYY}/{chat_id}.json", {}, "message_id"),
        ("messages/{message_id}.json", {}, "chat_id"),
        ("t/{tenant}/{chat_id}/{message_id}", {}, "no value"),
        ("{chat_id}/{message_id}", {"tenant": "x"}, "does not use"),
        ("../{chat_id}/{message_id}", {}, "invalid blob keys"),
        ("/abs/{chat_id}/{message_id}", {}, "invalid blob keys"),
        ("{chat_id}/{message_id:>10}", {}, "format"),
        ("{chat_id}/{message_id}/{0}", {}, "name"),
        ("t/{tenant}/{chat_id}/{message_id}", {"tenant": "a/b"}, "tenant"),
        ("{chat_id}{message_id}", {}, "ambiguous"),
    ]:
        with pytest.raises(ValidationError, match=match):
            make_messages(layout=template, layout_values=values)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), role=st.sampled_from(["user", "assistant", "system"]),
       images=st.lists(st.just("https://cdn.example.com/a.png"), max_size=2))
def test_round_trip_any_text(messages: MessageStore, text: str, role: str, images: list[str]) -> None:
    ref = messages.add("prop", role, text, images=images)
    messages.cache.clear()
    got = messages.body(ref)
    assert (got.content, got.role, got.images) == (text, role, tuple(images))
    assert ref.content_preview == text[:200] and ref.size_bytes == len(text.encode())


def test_message_body_round_trip() -> None:
    m = Message(chat_id="c", role="user", content="hé", attributes={"lang": "fr"}, images=("https://x/y.png",),
                created_at=datetime(2025, 1, 2, 3, 4, 5))  # naive: taken as UTC
    assert Message.from_body(json.loads(json.dumps(m.to_body()))) == m
    assert m.created_at.tzinfo is timezone.utc
    with pytest.raises(ValidationError, match="not a message body"):
        Message.from_body({"content": "x"})


def test_put_many_stores_in_transactions_and_skips_what_is_there(messages: MessageStore) -> None:
    first = messages.add("c", "user", "already", message_id="m003", created_at=T0 + timedelta(seconds=3))
    batch = [Message(chat_id="c", role="user", content=f"text {n}", id=f"m{n:03d}",
                     created_at=T0 + timedelta(seconds=n)) for n in range(130)]
    result = messages.put_many(batch)
    assert [r.message_id for r in result.existing] == ["m003"]
    assert len(result.stored) == 129
    got = messages.messages("c")
    assert [m.id for m in got] == [f"m{n:03d}" for n in range(130)]
    assert got[3].content == "already"  # left alone, body included
    assert messages.body(first).content == "already"
    again = messages.put_many(batch)
    assert (len(again.stored), len(again.existing)) == (0, 130)
    replaced = messages.put_many(batch[:2], overwrite=True)
    assert len(replaced.stored) == 2


def test_put_many_checks_everything_first(messages: MessageStore) -> None:
    good = Message(chat_id="c", role="user", content="fine")
    with pytest.raises(ValidationError, match="limit"):
        messages.put_many([good, Message(chat_id="c", role="user", content="x" * (MAX_MESSAGE_BYTES + 1))])
    with pytest.raises(ValidationError, match="twice"):
        messages.put_many([good, good])
    assert blob_keys(messages) == [] and messages.list("c").refs == []
    assert messages.put_many([]).stored == []


ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(chat=ids, mid=ids, when=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1),
                                            timezones=st.just(timezone.utc)),
       tenant=ids)
def test_layouts_read_back_every_key_they_make(chat: str, mid: str, when: datetime, tenant: str) -> None:
    from dynastore.apps.chat import KeyLayout
    from dynastore.blobs import validate_key

    m = Message(chat_id=chat, role="user", content="", id=mid, created_at=when)
    for layout in (KeyLayout(), KeyLayout("t/{tenant}/{YYYY}{MM}{DD}/{HH}/{chat_id}/{message_id}.json", tenant=tenant)):
        key = layout.key_for(m)
        assert validate_key(key) == key and key.startswith(layout.prefix)
        assert layout.parse(key) == (chat, mid)
