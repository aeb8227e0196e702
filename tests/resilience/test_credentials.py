"""Expired credentials, injected by a loopback proxy that starts refusing the old token.

Each test checks what reached the server: a refused request never ran, the
retried one ran once, so counters moved by exactly what was asked.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastore.aws import AwsClients
from dynastore.engines.dynamodb import DynamoDBEngine
from dynastore.errors import CredentialsExpired
from dynastore.expressions import Attr
from dynastore.spec import TableSpec
from dynastore.store import Store
from dynastore.table import Table

from ._proxy import AuthProxy, unique_name


def _store(proxy: AuthProxy, **options: object) -> Store:
    return Store(DynamoDBEngine(endpoint=proxy.endpoint, region="us-east-1", max_attempts=2, **options))  # type: ignore[arg-type]


def _counter_table(store: Store) -> Table:
    t = store.create_table(TableSpec(name=unique_name("cred"), partition_key=("pk", "S")))
    t.update({"pk": "c"}, Attr("n").add(1))
    return t


@pytest.fixture
def store(aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy) -> Iterator[Store]:
    s = _store(ddb_proxy)
    yield s
    s.close()


@pytest.mark.parametrize(
    "code", ["ExpiredTokenException", "ExpiredToken", "UnrecognizedClientException", "RequestExpired"]
)
def test_rotated_session_token_is_picked_up_and_the_write_lands_once(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, store: Store, code: str
) -> None:
    t = _counter_table(store)
    ddb_proxy.code = code
    ddb_proxy.revoked.add("token-1")
    aws_env.setenv("AWS_SESSION_TOKEN", "token-2")  # what a credential helper does when it renews

    t.update({"pk": "c"}, Attr("n").add(1))

    assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 2}
    updates = ddb_proxy.seen("UpdateItem")
    assert [(s.token, s.forwarded) for s in updates] == [("token-1", True), ("token-1", False), ("token-2", True)]
    assert store.engine.aws is not None and store.engine.aws.refreshes == 1  # type: ignore[attr-defined]


def test_a_second_refusal_raises_credentials_expired_and_writes_nothing(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, store: Store
) -> None:
    t = _counter_table(store)
    ddb_proxy.revoked.add("token-1")  # and nobody renews it

    with pytest.raises(CredentialsExpired, match="still refuses.*renew them") as exc:
        t.update({"pk": "c"}, Attr("n").add(1))

    assert exc.value.code == "ExpiredTokenException"
    assert [s.forwarded for s in ddb_proxy.seen("UpdateItem")] == [True, False, False]
    ddb_proxy.revoked.clear()
    assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 1}


def test_explicit_keys_are_not_renewed_and_say_so(aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy) -> None:
    s = _store(ddb_proxy, aws_access_key_id="AKIDFIXED", aws_secret_access_key="s")
    try:
        t = _counter_table(s)
        ddb_proxy.revoked.add("AKIDFIXED")
        with pytest.raises(CredentialsExpired, match="explicit credentials.*cannot be renewed"):
            t.update({"pk": "c"}, Attr("n").add(1))
        assert [x.forwarded for x in ddb_proxy.seen("UpdateItem")] == [True, False]
    finally:
        s.close()


def test_rotated_profile_keys_are_read_again(aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        aws_env.delenv(var)
    creds = tmp_path / "credentials"
    creds.write_text("[app]\naws_access_key_id = AKIDPROFILE1\naws_secret_access_key = s1\n")
    aws_env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    s = _store(ddb_proxy, profile="app")
    try:
        t = _counter_table(s)
        ddb_proxy.revoked.add("AKIDPROFILE1")
        creds.write_text("[app]\naws_access_key_id = AKIDPROFILE2\naws_secret_access_key = s2\n")
        t.update({"pk": "c"}, Attr("n").add(1))
        assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 2}
        assert [(x.access_key, x.forwarded) for x in ddb_proxy.seen("UpdateItem")] == [
            ("AKIDPROFILE1", True), ("AKIDPROFILE1", False), ("AKIDPROFILE2", True)
        ]
    finally:
        s.close()


def test_assumed_role_is_assumed_again(aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, moto_endpoint: str) -> None:
    aws = AwsClients(region="us-east-1", role_arn="arn:aws:iam::123456789012:role/app", sts_endpoint=moto_endpoint,
                     local=True)
    s = Store(DynamoDBEngine(endpoint=ddb_proxy.endpoint, aws=aws))
    try:
        t = _counter_table(s)
        first = ddb_proxy.seen("UpdateItem")[0].access_key
        assert first is not None and first != "AKIDTEST"  # signed with the role's keys, not the source's
        ddb_proxy.revoked.add(first)
        t.update({"pk": "c"}, Attr("n").add(1))
        assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 2}
        keys = [(x.access_key, x.forwarded) for x in ddb_proxy.seen("UpdateItem")]
        assert keys[:2] == [(first, True), (first, False)]
        assert keys[2][1] and keys[2][0] not in (first, "AKIDTEST")
        assert aws.refreshes == 1
    finally:
        s.close()
        aws.close()


def test_one_refresh_rebuilds_the_dynamodb_and_the_s3_client(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, s3_proxy: AuthProxy
) -> None:
    aws = AwsClients(region="us-east-1", local=True)
    s = Store(DynamoDBEngine(endpoint=ddb_proxy.endpoint, aws=aws))
    s3 = aws.client("s3", endpoint_url=s3_proxy.endpoint)
    bucket = unique_name("b").replace("_", "-")
    try:
        t = _counter_table(s)
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"one")
        for p in (ddb_proxy, s3_proxy):
            p.revoked.add("token-1")
        aws_env.setenv("AWS_SESSION_TOKEN", "token-2")

        t.update({"pk": "c"}, Attr("n").add(1))  # DynamoDB is refused, refreshes, retries
        s3.put_object(Bucket=bucket, Key="k", Body=b"two")  # S3 already has the new token
        assert [x.token for x in s3_proxy.seen(f"PUT /{bucket}/k")] == ["token-1", "token-2"]

        s3_proxy.revoked.add("token-2")
        aws_env.setenv("AWS_SESSION_TOKEN", "token-2b")
        s3.put_object(Bucket=bucket, Key="f", Body=io.BytesIO(b"a file body"))  # refused, then sent again ...
        assert s3.get_object(Bucket=bucket, Key="f")["Body"].read() == b"a file body"  # ... from its start
        assert [x.forwarded for x in s3_proxy.seen(f"PUT /{bucket}/f")] == [False, True]

        s3_proxy.revoked.add("token-2b")
        ddb_proxy.revoked.update({"token-2", "token-2b"})
        aws_env.setenv("AWS_SESSION_TOKEN", "token-3")
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"  # now S3 refreshes ...
        assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 2}  # ... and DynamoDB follows
        assert [x.token for x in ddb_proxy.seen("GetItem")] == ["token-3"]
        assert aws.refreshes == 3
    finally:
        s.close()
        aws.close()


def test_concurrent_refusals_refresh_once_and_every_increment_lands(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, store: Store
) -> None:
    t = _counter_table(store)
    ddb_proxy.revoked.add("token-1")
    aws_env.setenv("AWS_SESSION_TOKEN", "token-2")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def bump() -> None:
        barrier.wait()
        try:
            t.update({"pk": "c"}, Attr("n").add(1))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 9}
    assert ddb_proxy.forwarded("UpdateItem") == 9
    assert store.engine.aws.refreshes == 1  # type: ignore[attr-defined]


def test_role_from_the_environment_reaches_the_engine(aws_env: pytest.MonkeyPatch) -> None:
    from dynastore.settings import Settings
    from dynastore.store import open_store

    aws_env.setenv("DYNAMODB_ENABLED", "true")
    aws_env.setenv("DYNAMODB_ENDPOINT", "http://127.0.0.1:9")
    aws_env.setenv("AWS_REGION", "eu-west-1")
    aws_env.setenv("DYNASTORE_ROLE_ARN", "arn:aws:iam::123456789012:role/app")
    aws_env.setenv("DYNASTORE_ROLE_SESSION_NAME", "worker-1")
    with open_store(Settings().store_url()) as s:
        aws = s.engine.aws  # type: ignore[attr-defined]
        assert aws.role_arn == "arn:aws:iam::123456789012:role/app"
        assert aws.source == "role arn:aws:iam::123456789012:role/app from default chain"
        assert s.engine.health_details()["credentials"] == aws.source


def test_botocore_renews_assumed_role_credentials_before_they_expire(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, moto_endpoint: str
) -> None:
    # 15 minutes is inside botocore's advisory refresh window, so every use renews them: no refusal needed.
    aws = AwsClients(region="us-east-1", role_arn="arn:aws:iam::123456789012:role/app", sts_endpoint=moto_endpoint,
                     role_duration_seconds=900, local=True)
    s = Store(DynamoDBEngine(endpoint=ddb_proxy.endpoint, aws=aws))
    try:
        t = _counter_table(s)
        t.update({"pk": "c"}, Attr("n").add(1))
        assert t.get({"pk": "c"}, consistent=True) == {"pk": "c", "n": 2}
        keys = [x.access_key for x in ddb_proxy.seen("UpdateItem")]
        assert len(set(keys)) == 2 and all(x.forwarded for x in ddb_proxy.seen())
        assert aws.refreshes == 0  # botocore renewed them itself
    finally:
        s.close()
        aws.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"aws_access_key_id": "k"}, "go together"),
        ({"aws_session_token": "t"}, "needs aws_access_key_id"),
        ({"role_session_name": "x"}, "need role_arn"),
        ({"role_arn": "arn:aws:iam::1:role/r", "role_duration_seconds": 60}, "900 to 43200"),
    ],
)
def test_credential_options_are_validated(aws_env: pytest.MonkeyPatch, kwargs: dict[str, object], message: str) -> None:
    from dynastore.errors import ValidationError

    with pytest.raises(ValidationError, match=message):
        AwsClients(**kwargs)  # type: ignore[arg-type]


def test_an_expiry_seen_by_dynamodb_renews_the_s3_blob_store(
    aws_env: pytest.MonkeyPatch, ddb_proxy: AuthProxy, s3_proxy: AuthProxy
) -> None:
    from dynastore.blobs.s3 import S3BlobStore

    aws = AwsClients(region="us-east-1", local=True)
    s = Store(DynamoDBEngine(endpoint=ddb_proxy.endpoint, aws=aws))
    blobs = S3BlobStore(unique_name("blobs"), endpoint=s3_proxy.endpoint, aws=aws)
    try:
        t = _counter_table(s)
        blobs.create_bucket()
        blobs.put("a.txt", b"before")
        for p in (ddb_proxy, s3_proxy):
            p.revoked.add("token-1")
        aws_env.setenv("AWS_SESSION_TOKEN", "token-2")
        t.update({"pk": "c"}, Attr("n").add(1))  # refused, refreshed, resent
        blobs.put("b.txt", b"after")  # the blob store's client was rebuilt by that same refresh
        assert blobs.get("a.txt") == b"before" and blobs.get("b.txt") == b"after"
        assert all(x.forwarded for x in s3_proxy.seen())
        assert aws.refreshes == 1
    finally:
        s.close()
        aws.close()
