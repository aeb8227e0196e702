"""Choosing a blob store (URL, settings), reading any blob URL, and each store's own failures."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastore.blobs import (
    LocalBlobStore,
    S3BlobStore,
    get_from_url,
    open_blob_store,
    parse_url,
    store_for_url,
    validate_key,
)
from dynastore.errors import CredentialsExpired, DynastoreError, ItemNotFound, StoreUnavailable, ValidationError
from dynastore.settings import Settings
from dynastore.testing import free_port

from .conftest import new_bucket


def test_open_from_urls(tmp_path: Path, moto_endpoint: str) -> None:
    local = open_blob_store(str(tmp_path / "a"))
    assert isinstance(local, LocalBlobStore) and local.root == tmp_path / "a"
    assert isinstance(open_blob_store(f"file://{tmp_path}/b"), LocalBlobStore)
    s3 = open_blob_store(f"s3://my-bucket/some/prefix?endpoint={moto_endpoint}&region=eu-west-1")
    assert isinstance(s3, S3BlobStore)
    assert (s3.bucket, s3.prefix, s3.region) == ("my-bucket", "some/prefix/", "eu-west-1")
    assert s3.url("k") == "s3://my-bucket/some/prefix/k"
    for bad, match in [("s3://", "bucket"), ("s3://b?colour=red", "unknown S3"), ("ftp://host/x", "unknown blob"),
                       ("local://storage/k", "names a blob"),
                       ("", "non-empty"), ("s3://bucket/../x", "'..'")]:
        with pytest.raises(ValidationError, match=match):
            open_blob_store(bad)


def test_open_from_settings(tmp_path: Path, moto_endpoint: str) -> None:
    local = open_blob_store(settings=Settings(LOCAL_STORAGE_PATH=str(tmp_path / "dev")))  # type: ignore[call-arg]
    assert isinstance(local, LocalBlobStore) and local.root == tmp_path / "dev"
    s3 = open_blob_store(settings=Settings(USE_S3=True, S3_BUCKET_NAME="makoto-messages",  # type: ignore[call-arg]
                                           AWS_REGION="ap-northeast-1", S3_PREFIX="chat",
                                           S3_ENDPOINT_URL=moto_endpoint))
    assert isinstance(s3, S3BlobStore)
    assert (s3.bucket, s3.prefix, s3.region, s3.endpoint) == ("makoto-messages", "chat/", "ap-northeast-1",
                                                              moto_endpoint)
    with pytest.raises(ValidationError, match="S3_BUCKET_NAME"):
        open_blob_store(settings=Settings(USE_S3=True))  # type: ignore[call-arg]


def test_open_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("USE_S3", "LOCAL_STORAGE_PATH", "S3_BUCKET_NAME"):
        monkeypatch.delenv(var, raising=False)
    default = open_blob_store()
    assert isinstance(default, LocalBlobStore) and default.root == tmp_path / "data" / "local_storage"
    monkeypatch.setenv("LOCAL_STORAGE_PATH", str(tmp_path / "elsewhere"))
    assert open_blob_store().root == tmp_path / "elsewhere"  # type: ignore[attr-defined]


def test_get_from_url_dispatches_on_the_scheme(tmp_path: Path, moto_endpoint: str) -> None:
    local = LocalBlobStore(tmp_path)
    s3 = new_bucket(moto_endpoint)
    a = local.put("k/a.json", b"local body").url
    b = s3.put("k/b.json", b"s3 body").url
    assert a.startswith("local://storage/") and b.startswith(f"s3://{s3.bucket}/")
    assert get_from_url(a, [s3, local]) == b"local body"
    assert get_from_url(b, [local, s3]) == b"s3 body"
    assert store_for_url(b, [local, s3]) is s3
    with pytest.raises(ValidationError, match="no blob store here"):
        get_from_url("s3://another-bucket/k", [local, s3])
    with pytest.raises(ValidationError, match="not a blob URL"):
        parse_url("https://example.invalid/k")


def test_s3_prefix_scopes_keys_and_urls(moto_endpoint: str) -> None:
    a = new_bucket(moto_endpoint, prefix="tenant-a")
    b = S3BlobStore(a.bucket, prefix="tenant-b/", endpoint=moto_endpoint)
    a.put("x", b"a")
    b.put("x", b"b")
    assert [i.key for i in a.list()] == ["x"] and a.get("x") == b"a" and b.get("x") == b"b"
    with pytest.raises(ValidationError, match="outside this store's prefix"):
        a.get_from_url(b.url("x"))


def test_s3_listing_pages_past_one_response(moto_endpoint: str) -> None:
    """S3 answers at most 1000 keys per call: the listing follows the continuation token."""
    s3 = new_bucket(moto_endpoint, prefix="app")
    for i in range(1005):  # straight through botocore: 1005 puts through the store would add nothing
        s3.client.put_object(Bucket=s3.bucket, Key=f"app/p/{i:05d}", Body=b"")
    assert [i.key for i in s3.list("p/")] == [f"p/{i:05d}" for i in range(1005)]


def test_s3_missing_bucket_and_unreachable_endpoint() -> None:
    port = free_port()  # nothing listens there
    s3 = S3BlobStore("no-such-bucket", endpoint=f"http://127.0.0.1:{port}")
    with pytest.raises(StoreUnavailable, match="cannot reach S3"):
        s3.get("k")


def test_s3_missing_bucket(moto_endpoint: str) -> None:
    s3 = S3BlobStore(f"missing-{uuid.uuid4().hex[:8]}", endpoint=moto_endpoint)
    with pytest.raises(DynastoreError, match="does not exist") as e:
        s3.put("k", b"x")
    assert e.value.code == "NoSuchBucket"
    s3.create_bucket()
    s3.create_bucket()  # idempotent
    assert s3.put("k", b"x").size == 1


def test_s3_refreshes_expired_credentials_once(moto_endpoint: str) -> None:
    """An ExpiredToken answer renews the credentials, rebuilds the client and resends, once."""
    from botocore.exceptions import ClientError

    s3 = new_bucket(moto_endpoint)
    s3.put("k", b"v")
    refused: list[int] = []
    budget = [1]

    def expire(**kwargs: object) -> None:
        if len(refused) < budget[0]:
            refused.append(1)
            raise ClientError({"Error": {"Code": "ExpiredToken", "Message": "The provided token has expired."}},
                              "GetObject")

    before = s3.client
    before.meta.events.register("before-call.s3.GetObject", expire)
    assert s3.get("k") == b"v"
    assert s3.client is not before and refused == [1]
    # Credentials that stay expired: every session made from now on refuses, so the one resend is refused too.
    budget[0] = 10
    aws = s3.aws
    assert aws is not None
    new_session = aws._new_session

    def refusing_session():  # type: ignore[no-untyped-def]
        session = new_session()
        session.register("before-call.s3.GetObject", expire)
        return session

    aws._new_session = refusing_session  # type: ignore[method-assign]
    s3.refresh_credentials()
    with pytest.raises(CredentialsExpired, match="still refuses"):
        s3.get("k")
    assert len(refused) == 3  # 1 before, then this get: the call and its one resend


def test_one_refresh_renews_dynamodb_and_s3_together(moto_endpoint: str) -> None:
    """The seeds refreshed some clients and not others; with a shared AwsClients both are rebuilt."""
    from dynastore.aws import AwsClients
    from dynastore.engines.dynamodb import DynamoDBEngine

    aws = AwsClients(local=True)
    engine = DynamoDBEngine(endpoint=moto_endpoint, aws=aws)
    s3 = open_blob_store(f"s3://shared-{uuid.uuid4().hex[:8]}?endpoint={moto_endpoint}", aws=engine.aws)
    assert isinstance(s3, S3BlobStore) and s3.aws is aws
    s3.create_bucket()
    old = (engine.client, s3.client)
    s3.refresh_credentials()
    assert engine.client is not old[0] and s3.client is not old[1]
    s3.put("k", b"still works")
    assert s3.get("k") == b"still works"
    engine.list_tables()
    s3.close()  # shared: closing the store does not close the engine's clients
    engine.list_tables()
    engine.close()


def test_s3_constructor_checks() -> None:
    for kwargs, match in [({"bucket": "ab"}, "3 to 63"), ({"bucket": "b/c"}, "3 to 63"),
                          ({"bucket": "bucket", "endpoint": "ftp://x"}, "http"),
                          ({"bucket": "bucket", "aws_access_key_id": "a"}, "go together"),
                          ({"bucket": "bucket", "prefix": "../up"}, "'..'")]:
        with pytest.raises(ValidationError, match=match):
            S3BlobStore(**kwargs)  # type: ignore[arg-type]


def test_local_store_cannot_hold_a_key_and_its_prefix(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("a", b"1")
    with pytest.raises(ValidationError, match="clashes"):
        store.put("a/b", b"2")
    assert store.get("a") == b"1" and [i.key for i in store.list()] == ["a"]
    assert list((tmp_path / ".dynastore" / "tmp").iterdir()) == []  # no temporary file left behind


def test_local_layout_reads_like_the_bucket(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, durable=True)
    info = store.put("messages/2025/07/10/c/m.json", b"{}", metadata={"chat_id": "c"})
    assert (tmp_path / "messages/2025/07/10/c/m.json").read_bytes() == b"{}"
    assert (tmp_path / ".dynastore/meta/messages/2025/07/10/c/m.json.json").exists()  # the sidecar
    assert info.url == "local://storage/messages/2025/07/10/c/m.json"
    store.delete("messages/2025/07/10/c/m.json")
    assert not (tmp_path / "messages").exists()  # emptied directories are pruned
    with pytest.raises(ItemNotFound):
        store.head("messages/2025/07/10/c/m.json")


@given(st.text(max_size=40))
def test_validate_key_never_lets_a_key_escape(key: str) -> None:
    """Whatever a key is, a valid one stays inside the root: relative, no '..', no NUL."""
    try:
        validate_key(key)
    except ValidationError:
        return
    parts = key.split("/")
    assert not key.startswith("/") and ".." not in parts and "" not in parts and "\x00" not in key
    assert parts[0] != ".dynastore"


@pytest.mark.parametrize("code, status, cls", [
    ("NoSuchKey", 404, ItemNotFound),
    ("404", 404, ItemNotFound),
    ("SlowDown", 503, "Throttled"),
    ("InternalError", 500, StoreUnavailable),
    ("ServiceUnavailable", 503, StoreUnavailable),
    ("ExpiredToken", 400, CredentialsExpired),
    ("InvalidAccessKeyId", 403, CredentialsExpired),
    ("SignatureDoesNotMatch", 403, CredentialsExpired),
    ("AccessDenied", 403, DynastoreError),
    ("InvalidArgument", 400, ValidationError),
    ("KeyTooLongError", 400, ValidationError),
    ("NoSuchBucket", 404, DynastoreError),
    ("SomethingNew", 400, DynastoreError),
])
def test_s3_errors_map_to_dynastore_errors(code: str, status: int, cls: type | str) -> None:
    from botocore.exceptions import ClientError

    from dynastore.blobs.s3 import translate
    from dynastore.errors import Throttled

    expected = Throttled if cls == "Throttled" else cls
    cause = ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                        "GetObject")
    err = translate(cause, "bucket", "k")
    assert type(err) is expected
    assert err.code == ("AccessDenied" if code == "AccessDenied" else code) and err.cause is cause
    assert "bucket" in err.message  # says where


def test_s3_transport_errors_map_to_dynastore_errors() -> None:
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError, ParamValidationError

    from dynastore.blobs.s3 import translate

    assert isinstance(translate(EndpointConnectionError(endpoint_url="http://x"), "b"), StoreUnavailable)
    assert isinstance(translate(NoCredentialsError(), "b"), CredentialsExpired)
    assert isinstance(translate(ParamValidationError(report="bad"), "b"), ValidationError)
