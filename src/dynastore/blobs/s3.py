"""S3BlobStore: blobs in an S3 bucket (AWS, or any S3 endpoint such as moto_server), via botocore.

Keys live under an optional ``prefix`` in the bucket; URLs name the full
object (``s3://bucket/{prefix}{key}``). Large bodies stream: `put_stream`
switches to a multipart upload past one part (S3 shows the object only when
the upload completes, and an upload that fails is aborted), `iter_chunks`
reads the response body in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from botocore import exceptions as bx
from botocore.config import Config

from ..aws import AwsClients, RefreshingClient, is_loopback
from ..errors import (
    CredentialsExpired,
    DynastoreError,
    ItemNotFound,
    StoreUnavailable,
    Throttled,
    ValidationError,
)
from .base import (
    CHUNK_BYTES,
    BlobInfo,
    Source,
    check_data,
    check_metadata,
    guess_content_type,
    iter_source,
    key_in,
    make_url,
)
from .keys import validate_key, validate_prefix

#: Bodies up to this size go in one PUT; larger ones in parts of this size (S3's minimum part is 5 MiB).
PART_BYTES = 8 * 1024 * 1024

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_THROTTLED = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests", "503"}
_UNAVAILABLE = {"InternalError", "ServiceUnavailable", "500", "502", "504", "RequestTimeout"}
_BAD_CREDENTIALS = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired",
                    "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}


class S3BlobStore:
    """Blobs in ``bucket`` under ``prefix``. ``endpoint`` for S3-compatible servers (moto_server, MinIO ...).

    Credentials come from botocore's usual chain unless given; the region from
    ``region``, ``AWS_REGION``/``AWS_DEFAULT_REGION`` or the profile. Pass
    ``aws=`` the `AwsClients` of the DynamoDB engine to share credentials: one
    refresh then renews both clients.
    """

    scheme = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        region: str | None = None,
        endpoint: str | None = None,
        profile: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        max_pool_connections: int = 32,
        aws: AwsClients | None = None,
    ):
        if not isinstance(bucket, str) or not (3 <= len(bucket) <= 63) or "/" in bucket:
            raise ValidationError(f"S3 bucket name must be 3 to 63 characters without '/', got {bucket!r}")
        prefix = validate_prefix(prefix)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if endpoint is not None:
            parts = urlsplit(endpoint)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(f"S3 endpoint must be an http(s) URL such as http://127.0.0.1:5000, got {endpoint!r}")
        if (aws_access_key_id is None) != (aws_secret_access_key is None):
            raise ValidationError("aws_access_key_id and aws_secret_access_key go together")
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.profile = profile
        self.region = region
        self._credentials = (aws_access_key_id, aws_secret_access_key, aws_session_token)
        self._config = Config(
            retries={"mode": "standard", "total_max_attempts": 3},
            max_pool_connections=max_pool_connections,
            s3={"addressing_style": "path"} if endpoint else None,
        )
        self._aws = aws
        self._owns_aws = aws is None
        self._client = self._make_client()

    def __repr__(self) -> str:
        return f"<S3BlobStore s3://{self.bucket}/{self.prefix}{' at ' + self.endpoint if self.endpoint else ''}>"

    # -- client ----------------------------------------------------------------

    def _make_client(self) -> Any:
        """The one place the S3 client is made: on the shared `AwsClients`, which rebuilds it on refresh."""
        if self._aws is None:
            key_id, secret, token = self._credentials
            self._aws = AwsClients(region=self.region, profile=self.profile, local=is_loopback(self.endpoint),
                                   aws_access_key_id=key_id, aws_secret_access_key=secret,
                                   aws_session_token=token, config=self._config)
        region = self.region or self._aws.region
        if not region:
            if self.endpoint is None:
                raise ValidationError("no AWS region for S3: pass region=, set AWS_REGION, or configure a profile")
            region = "us-east-1"  # local servers ignore it; botocore needs one
        self.region = region
        return self._aws.client("s3", endpoint_url=self.endpoint, region=region, config=self._config)

    @property
    def client(self) -> Any:
        """The botocore S3 client (replaced when credentials are refreshed: fetch it again, do not keep it)."""
        c = self._client
        return c.current if isinstance(c, RefreshingClient) else c

    @property
    def aws(self) -> AwsClients | None:
        """Where the credentials and clients come from; share it with the DynamoDB engine to refresh both."""
        return self._aws

    def refresh_credentials(self) -> None:
        """Resolve credentials again and rebuild every client made on them (DynamoDB's too, when shared)."""
        if self._aws is not None:
            self._aws.refresh()

    def _call(self, op: str, key: str | None = None, **params: Any) -> Any:
        """One API call; expired credentials are renewed and the call resent once (by `RefreshingClient`)."""
        try:
            return getattr(self._client, op)(Bucket=self.bucket, **params)
        except (bx.ClientError, bx.BotoCoreError) as e:
            raise translate(e, self.bucket, key) from e

    def close(self) -> None:
        if self._owns_aws and self._aws is not None:
            self._aws.close()

    def create_bucket(self) -> None:
        """Create the bucket if it does not exist (in the store's region)."""
        try:
            self._call("head_bucket")
            return
        except DynastoreError as e:
            if e.code not in ("NoSuchBucket", "404", "NotFound") and not isinstance(e, ItemNotFound):
                raise
        params: dict[str, Any] = {}
        if self.region and self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._call("create_bucket", **params)
        except DynastoreError as e:
            if e.code not in ("BucketAlreadyOwnedByYou",):
                raise

    # -- names -----------------------------------------------------------------

    def _object(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def url(self, key: str) -> str:
        return make_url(self.scheme, self.bucket, self._object(key))

    def key_from_url(self, url: str) -> str:
        full = key_in(url, self.scheme, self.bucket)
        if not full.startswith(self.prefix):
            raise ValidationError(f"blob URL {url!r:.120} is outside this store's prefix {self.prefix!r}")
        return validate_key(full[len(self.prefix):])

    # -- writes ----------------------------------------------------------------

    def put(self, key: str, data: bytes, *, content_type: str | None = None,
            metadata: Mapping[str, str] | None = None) -> BlobInfo:
        obj = self._object(key)
        body = check_data(data)
        meta = check_metadata(metadata)
        ctype = guess_content_type(key, content_type)
        self._call("put_object", key, Key=obj, Body=body, ContentType=ctype, Metadata=meta)
        return BlobInfo(key, len(body), self.url(key), datetime.now(timezone.utc), ctype, meta)

    def put_stream(self, key: str, source: Source, *, content_type: str | None = None,
                   metadata: Mapping[str, str] | None = None) -> BlobInfo:
        obj = self._object(key)
        meta = check_metadata(metadata)
        ctype = guess_content_type(key, content_type)
        chunks = iter_source(source, PART_BYTES)
        buf = bytearray()
        for chunk in chunks:
            buf += chunk
            if len(buf) > PART_BYTES:
                break
        else:  # the whole body fits in one part: one PUT
            return self.put(key, bytes(buf), content_type=ctype, metadata=meta)
        upload = self._call("create_multipart_upload", key, Key=obj, ContentType=ctype, Metadata=meta)["UploadId"]
        parts: list[dict[str, Any]] = []
        size = 0
        try:
            def send(data: bytes) -> None:
                n = len(parts) + 1
                r = self._call("upload_part", key, Key=obj, UploadId=upload, PartNumber=n, Body=data)
                parts.append({"ETag": r["ETag"], "PartNumber": n})

            for chunk in chunks:
                buf += chunk
                while len(buf) >= PART_BYTES:
                    send(bytes(buf[:PART_BYTES]))
                    size += PART_BYTES
                    del buf[:PART_BYTES]
            if buf or not parts:
                send(bytes(buf))
                size += len(buf)
            self._call("complete_multipart_upload", key, Key=obj, UploadId=upload,
                       MultipartUpload={"Parts": parts})
        except BaseException:
            try:
                self._call("abort_multipart_upload", key, Key=obj, UploadId=upload)
            except DynastoreError:
                pass  # the bucket's lifecycle rule for incomplete uploads is the backstop
            raise
        return BlobInfo(key, size, self.url(key), datetime.now(timezone.utc), ctype, meta)

    def delete(self, key: str) -> None:
        self._call("delete_object", key, Key=self._object(key))

    # -- reads -----------------------------------------------------------------

    def get(self, key: str) -> bytes:
        r = self._call("get_object", key, Key=self._object(key))
        try:
            return r["Body"].read()  # type: ignore[no-any-return]
        except (bx.BotoCoreError, OSError) as e:
            raise StoreUnavailable(f"reading blob {key!r} from s3://{self.bucket} failed: {e}", cause=e) from None
        finally:
            r["Body"].close()

    def iter_chunks(self, key: str, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        r = self._call("get_object", key, Key=self._object(key))
        body = r["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        except (bx.BotoCoreError, OSError) as e:
            raise StoreUnavailable(f"reading blob {key!r} from s3://{self.bucket} failed: {e}", cause=e) from None
        finally:
            body.close()

    def get_from_url(self, url: str) -> bytes:
        return self.get(self.key_from_url(url))

    def head(self, key: str) -> BlobInfo:
        r = self._call("head_object", key, Key=self._object(key))
        return BlobInfo(key, r["ContentLength"], self.url(key), r["LastModified"],
                        r.get("ContentType") or guess_content_type(key, None), dict(r.get("Metadata") or {}))

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key, Key=self._object(key))
        except ItemNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        validate_prefix(prefix)
        params: dict[str, Any] = {"Prefix": self.prefix + prefix}
        while True:
            r = self._call("list_objects_v2", **params)
            for o in r.get("Contents", ()):
                key = o["Key"][len(self.prefix):]
                yield BlobInfo(key, o["Size"], make_url(self.scheme, self.bucket, o["Key"]), o["LastModified"],
                               guess_content_type(key, None))
            token = r.get("NextContinuationToken")
            if not r.get("IsTruncated") or not token:
                return
            params["ContinuationToken"] = token


def translate(e: Exception, bucket: str, key: str | None = None) -> DynastoreError:
    """A botocore failure of an S3 call as a DynastoreError carrying S3's error code."""
    where = f"s3://{bucket}/{key}" if key is not None else f"s3://{bucket}"
    if isinstance(e, bx.ClientError):
        err = e.response.get("Error", {})
        code = str(err.get("Code") or e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
        msg = err.get("Message") or code
        if code in _NOT_FOUND:
            return ItemNotFound(f"no blob {key!r} in s3://{bucket}" if key else f"{where}: not found",
                                code=code, cause=e)
        if code == "NoSuchBucket":
            return DynastoreError(f"S3 bucket {bucket!r} does not exist", code=code, cause=e)
        if code in _THROTTLED:
            return Throttled(f"S3 is throttling requests on {where}: {msg}", code=code, cause=e)
        if code in _UNAVAILABLE:
            return StoreUnavailable(f"S3 failed on {where}: {msg}", code=code, cause=e)
        if code in _BAD_CREDENTIALS:
            return CredentialsExpired(f"S3 refused the credentials on {where}: {msg}", code=code, cause=e)
        if code in ("AccessDenied", "403"):
            return DynastoreError(f"access denied to {where}: {msg}", code="AccessDenied", cause=e)
        if code.startswith("Invalid") or code in ("400", "KeyTooLongError", "EntityTooLarge", "MetadataTooLarge"):
            return ValidationError(f"S3 refused the request on {where}: {msg}", code=code, cause=e)
        return DynastoreError(f"S3 error on {where}: {code}: {msg}", code=code or "S3Error", cause=e)
    if isinstance(e, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError)):
        return CredentialsExpired(f"no usable AWS credentials for S3: {e}", cause=e)
    if isinstance(e, bx.ParamValidationError):
        return ValidationError(f"invalid S3 request: {e}", cause=e)
    if isinstance(e, (bx.ConnectionError, bx.HTTPClientError)):
        return StoreUnavailable(f"cannot reach S3 for {where}: {e}", cause=e)
    return StoreUnavailable(f"S3 call on {where} failed: {e}", cause=e)
