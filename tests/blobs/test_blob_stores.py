"""Behaviour every BlobStore shares, on the local store and on S3 alike."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore.blobs import BlobStore, parse_url, validate_key
from dynastore.errors import ItemNotFound, ValidationError

BAD_KEYS = [
    "", "/abs/key", "../escape", "a/../../etc/passwd", "a/..", "a//b", "a/./b", "trailing/",
    "nul\x00byte", "tab\tkey", "back\\slash", ".dynastore/tmp/x", "x" * 1025, "a/" + "s" * 251,
]


def test_put_get_head(blobs: BlobStore) -> None:
    info = blobs.put("messages/2025/07/10/chat-1/m-1.json", b'{"content": "hi"}')
    assert info.key == "messages/2025/07/10/chat-1/m-1.json"
    assert info.size == 17
    assert info.content_type == "application/json"
    assert blobs.get(info.key) == b'{"content": "hi"}'
    head = blobs.head(info.key)
    assert (head.key, head.size, head.content_type, head.url) == (info.key, 17, "application/json", info.url)
    assert abs(head.last_modified - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_overwrite_replaces_bytes_and_metadata(blobs: BlobStore) -> None:
    blobs.put("k.bin", b"first", metadata={"Chat-Id": "c1"}, content_type="text/plain")
    assert blobs.head("k.bin").metadata == {"chat-id": "c1"}
    blobs.put("k.bin", b"second")
    head = blobs.head("k.bin")
    assert blobs.get("k.bin") == b"second"
    assert head.metadata == {}
    assert head.content_type == "application/octet-stream"


def test_url_round_trip_and_scheme(blobs: BlobStore) -> None:
    info = blobs.put("dir/with space/ü.txt", b"x")
    scheme, host, key = parse_url(info.url)
    assert scheme in ("s3", "local") and key.endswith("dir/with space/ü.txt")
    if scheme == "local":
        assert info.url == "local://storage/dir/with%20space/%C3%BC.txt"
    assert blobs.key_from_url(info.url) == "dir/with space/ü.txt"
    assert blobs.get_from_url(info.url) == b"x"


def test_url_of_another_store_is_refused(blobs: BlobStore) -> None:
    for url in ("s3://some-other-bucket/k", "local://elsewhere/k", "http://example.invalid/k", "s3://b/../x"):
        with pytest.raises(ValidationError):
            blobs.get_from_url(url)


def test_missing_blob(blobs: BlobStore) -> None:
    with pytest.raises(ItemNotFound):
        blobs.get("no/such/key")
    with pytest.raises(ItemNotFound):
        blobs.head("no/such/key")
    with pytest.raises(ItemNotFound):
        next(iter(blobs.iter_chunks("no/such/key")))
    assert not blobs.exists("no/such/key")
    blobs.delete("no/such/key")  # deleting nothing is not an error


def test_delete(blobs: BlobStore) -> None:
    blobs.put("a/b/c.txt", b"1")
    blobs.put("a/b/d.txt", b"2")
    blobs.delete("a/b/c.txt")
    assert not blobs.exists("a/b/c.txt")
    assert blobs.exists("a/b/d.txt")
    assert [i.key for i in blobs.list("a/")] == ["a/b/d.txt"]


def test_a_prefix_is_not_a_blob(blobs: BlobStore) -> None:
    blobs.put("dir/file", b"1")
    assert not blobs.exists("dir")
    with pytest.raises(ItemNotFound):
        blobs.get("dir")


def test_list_in_key_order_under_prefix(blobs: BlobStore) -> None:
    keys = ["m/2025/07/10/c/2.json", "m/2025/07/09/c/1.json", "m/2025/07/10/b/3.json", "m-x", "m/a-b", "n/1"]
    for k in keys:
        blobs.put(k, k.encode())
    assert [i.key for i in blobs.list("m/")] == sorted((k for k in keys if k.startswith("m/")), key=str.encode)
    assert [i.key for i in blobs.list("m")] == sorted((k for k in keys if k.startswith("m")), key=str.encode)
    assert [i.key for i in blobs.list("m/2025/07/1")] == ["m/2025/07/10/b/3.json", "m/2025/07/10/c/2.json"]
    assert [i.key for i in blobs.list("zzz/")] == []
    listed = {i.key: i for i in blobs.list()}
    assert set(listed) == set(keys)
    assert listed["n/1"].size == 3 and listed["n/1"].url == blobs.url("n/1")
    blobs.put("n/meta.txt", b"x", metadata={"a": "b"}, content_type="text/x-custom")
    (info,) = blobs.list("n/meta")
    assert (info.metadata, info.content_type) == ({}, "text/plain")  # a listing guesses, as S3's does
    assert (blobs.head("n/meta.txt").metadata, blobs.head("n/meta.txt").content_type) == ({"a": "b"}, "text/x-custom")


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_are_refused_before_any_io(blobs: BlobStore, key: str) -> None:
    for op in (lambda: blobs.put(key, b"x"), lambda: blobs.get(key), lambda: blobs.delete(key),
               lambda: blobs.exists(key), lambda: blobs.head(key), lambda: blobs.url(key),
               lambda: blobs.put_stream(key, [b"x"])):
        with pytest.raises(ValidationError):
            op()
    assert list(blobs.list()) == []


def test_bad_prefix_and_data(blobs: BlobStore) -> None:
    with pytest.raises(ValidationError):
        list(blobs.list("../"))
    with pytest.raises(ValidationError, match="bytes"):
        blobs.put("k", "text, not bytes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="metadata"):
        blobs.put("k", b"x", metadata={"bad name!": "v"})
    with pytest.raises(ValidationError, match="2048"):
        blobs.put("k", b"x", metadata={"big": "v" * 3000})
    assert not blobs.exists("k")


def test_streaming_large_body(blobs: BlobStore) -> None:
    """Past one part, S3 uploads in parts; both stores read back in chunks."""
    size = 9 * 1024 * 1024 + 123  # more than one 8 MiB part
    pattern = bytes(range(256)) * 4096
    chunks = [pattern[: 1024 * 1024]] * 9 + [pattern[:123]]
    info = blobs.put_stream("big/body.bin", iter(chunks))
    assert info.size == size
    assert blobs.head("big/body.bin").size == size
    got = list(blobs.iter_chunks("big/body.bin", chunk_size=1024 * 1024))
    assert all(len(c) <= 1024 * 1024 for c in got)
    assert b"".join(got) == b"".join(chunks)
    blobs.put_stream("big/file.bin", io.BytesIO(b"from a file"))
    assert blobs.get("big/file.bin") == b"from a file"


def test_failed_stream_leaves_nothing(blobs: BlobStore) -> None:
    """A source that breaks mid-way writes nothing: the old blob stays, no new one appears."""
    blobs.put("s/old.bin", b"old")

    def broken(first: bytes):  # type: ignore[no-untyped-def]
        yield first
        raise OSError("source went away")

    for key in ("s/old.bin", "s/new.bin"):
        with pytest.raises(OSError, match="went away"):
            blobs.put_stream(key, broken(b"x" * (9 * 1024 * 1024)))
    assert blobs.get("s/old.bin") == b"old"
    assert not blobs.exists("s/new.bin")
    assert [i.key for i in blobs.list()] == ["s/old.bin"]


def test_readers_never_see_a_partial_blob(blobs: BlobStore) -> None:
    """Writers replace a blob with whole bodies while readers read it: every read is one whole body."""
    bodies = [bytes([n]) * 200_000 for n in range(1, 5)]
    blobs.put("race.bin", bodies[0])
    seen: set[bytes] = set()
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        for _ in range(6):
            for b in bodies:
                blobs.put("race.bin", b)
        stop.set()

    def read() -> None:
        try:
            while not stop.is_set():
                data = blobs.get("race.bin")
                seen.add(data[:1] * len(data))
                assert data in bodies
        except BaseException as e:
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert seen <= set(bodies)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"),
                        min_size=1, max_size=12).filter(lambda s: s not in (".", "..")), min_size=1, max_size=4))
def test_valid_keys_round_trip(blobs: BlobStore, segments: list[str]) -> None:
    key = "h/" + "/".join(segments)
    if key.split("/")[1] == ".dynastore":
        return
    validate_key(key)
    data = key.encode()
    blobs.put(key, data)
    assert blobs.get(key) == data
    assert blobs.get_from_url(blobs.url(key)) == data
    assert key in {i.key for i in blobs.list("h/")}
    blobs.delete(key)
    assert not blobs.exists(key)
