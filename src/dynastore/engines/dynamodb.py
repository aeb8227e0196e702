"""The DynamoDB engine: Amazon DynamoDB, or any endpoint that speaks its API.

It talks to DynamoDB through one botocore low-level client (thread-safe, so
one per engine) and builds every request dict by hand: values go through
`codec.serialize_item` and expressions through `expressions.compile`, with one
`Placeholders` per request so reserved words never reach the wire. Every
botocore failure leaves as a `DynastoreError` (see `dynamodb_errors`).

Options (keyword arguments, or query parameters of a ``dynamodb://`` URL):

==========================  ==================================================
``aws_access_key_id``,      explicit credentials (else botocore's chain: env,
``aws_secret_access_key``,  profile, SSO, container, instance metadata; with an
``aws_session_token``       endpoint and nothing found, dummy ones)
``max_pool_connections``    HTTP connections kept open (default 50)
``max_attempts``            botocore retry attempts, first try included
                            (``AWS_MAX_ATTEMPTS``, else 3)
``retry_mode``              botocore retry mode: standard or adaptive
                            (``AWS_RETRY_MODE``, else standard)
``connect_timeout``,        socket timeouts in seconds (botocore's 60 s)
``read_timeout``
``table_prefix``            prepended to every table name on the wire, so that
                            several apps or test runs can share one account
``wait_timeout``            seconds to wait for a table or index to become
                            usable, or gone (default 600)
``parameter_validation``    let botocore validate requests client-side (default
                            off: the Table layer has validated them already,
                            and the server checks again)
``role_arn``,               assume this IAM role (through STS, renewed by
``role_session_name``,      botocore before it expires) with the credentials
``external_id``,            above as the source; see ``dynastore.aws``
``role_duration_seconds``,
``sts_endpoint``
==========================  ==================================================

``aws=`` (keyword only) shares an `AwsClients` with other components (the S3
blob store), so that one credential refresh rebuilds all their clients.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..aws import AwsClients, RefreshingClient, is_loopback
from ..codec import deserialize_item, serialize, serialize_item
from ..engine import BatchGetRequest, Engine, Item, Page, ReturnValues, TableInfo, TxAction, TxGet, WriteRequest
from ..errors import (
    DynastoreError,
    StoreUnavailable,
    TableNotFound,
    TransactionCanceled,
    ValidationError,
)
from ..expressions import Action, Condition, KeyCondition, Path
from ..expressions.compile import Placeholders, compile_condition, compile_projection, compile_update
from ..spec import BillingMode, Index, KeyAttribute, TableSpec, key_schema, projection_shape
from ..steps import Call, Sleep, Steps, blocking, drive
from . import dynamodb_streams
from .dynamodb_errors import translate

__all__ = ["ApiCall", "DynamoDBEngine"]

R = TypeVar("R")


def _as_int(name: str, v: Any, low: int = 1) -> int:
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise ValidationError(f"option {name} must be an integer, got {v!r}") from None
    if isinstance(v, bool) or n < low or (isinstance(v, float) and v != n):
        raise ValidationError(f"option {name} must be an integer >= {low}, got {v!r}")
    return n


def _as_float(name: str, v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValidationError(f"option {name} must be a number of seconds, got {v!r}") from None
    if isinstance(v, bool) or not x > 0:
        raise ValidationError(f"option {name} must be a positive number of seconds, got {v!r}")
    return x


def _as_bool(name: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise ValidationError(f"option {name} must be true or false, got {v!r}")


def _as_str(name: str, v: Any) -> str:
    if not isinstance(v, str):
        raise ValidationError(f"option {name} must be a string, got {type(v).__name__}")
    return v


_OPTIONS: dict[str, Callable[[str, Any], Any]] = {
    "aws_access_key_id": _as_str,
    "aws_secret_access_key": _as_str,
    "aws_session_token": _as_str,
    "max_pool_connections": _as_int,
    "max_attempts": _as_int,
    "retry_mode": _as_str,
    "connect_timeout": _as_float,
    "read_timeout": _as_float,
    "table_prefix": _as_str,
    "wait_timeout": _as_float,
    "parameter_validation": _as_bool,
    "role_arn": _as_str,
    "role_session_name": _as_str,
    "external_id": _as_str,
    "role_duration_seconds": _as_int,
    "sts_endpoint": _as_str,
}

#: tries of a transaction DynamoDB cancels for conflicts with other requests in progress (see _conflicts_retried)
_CONFLICT_ATTEMPTS = 10

_CREDENTIAL_OPTIONS = (
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "role_arn", "role_session_name",
    "external_id", "role_duration_seconds", "sts_endpoint",
)

#: Operations that report consumed capacity when asked (ReturnConsumedCapacity), by engine operation.
_CAPACITY_OPS = {
    "get_item": "get_item", "put_item": "put_item", "update_item": "update_item", "delete_item": "delete_item",
    "query": "query", "scan": "scan", "batch_get_item": "batch_get", "batch_write_item": "batch_write",
    "transact_write_items": "transact_write", "transact_get_items": "transact_get",
}


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A step (see `dynastore.steps`): one DynamoDB API call, answered with the response dict.

    Every operation of the engine is written as steps yielding these, so the
    requests are built and the responses parsed once, for this blocking engine
    (botocore, through `_call`) and the async one (aiobotocore, `dynastore.aio.dynamodb`).
    """

    op: str
    params: dict[str, Any]
    tables: Sequence[str] | None = None


class _ClosedClient:
    """Stands in for the botocore client after `close()`."""

    def __getattr__(self, name: str) -> Any:
        raise StoreUnavailable("this DynamoDB engine is closed")


def _attach(params: dict[str, Any], ph: Placeholders) -> dict[str, Any]:
    """Put a request's placeholders into it; DynamoDB rejects empty maps, so omit those."""
    if ph.names:
        params["ExpressionAttributeNames"] = ph.names
    if ph.values:
        params["ExpressionAttributeValues"] = {k: serialize(v) for k, v in ph.values.items()}
    return params


def _key_condition(kc: KeyCondition, ph: Placeholders) -> str:
    expr = f"{ph.name(kc.partition_name)} = {ph.value(kc.partition_value)}"
    op = kc.sort_op
    if op is None:
        return expr
    assert kc.sort_name is not None
    n = ph.name(kc.sort_name)
    v = kc.sort_values
    if op == "between":
        return f"{expr} AND {n} BETWEEN {ph.value(v[0])} AND {ph.value(v[1])}"
    if op == "begins_with":
        return f"{expr} AND begins_with({n}, {ph.value(v[0])})"
    if op in ("=", "<", "<=", ">", ">="):
        return f"{expr} AND {n} {op} {ph.value(v[0])}"
    raise ValidationError(f"unsupported sort key operator {op!r}")


def _throughput(read: int | None, write: int | None) -> dict[str, int]:
    return {"ReadCapacityUnits": int(read or 1), "WriteCapacityUnits": int(write or 1)}


class DynamoDBEngine(Engine):
    """Executes dynastore requests on DynamoDB (AWS, DynamoDB Local, moto ...)."""

    kind = "dynamodb"

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        profile: str | None = None,
        aws: AwsClients | None = None,
        **options: Any,
    ):
        unknown = sorted(set(options) - set(_OPTIONS))
        if unknown:
            raise ValidationError(
                f"unknown DynamoDB engine option(s) {', '.join(unknown)}; known: {', '.join(sorted(_OPTIONS))}"
            )
        opts = {k: _OPTIONS[k](k, v) for k, v in options.items() if v is not None}
        if endpoint is not None:
            endpoint = _as_str("endpoint", endpoint).strip() or None
        if endpoint is not None:
            parts = urlsplit(endpoint)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(f"endpoint must be an http(s) URL such as http://127.0.0.1:8000, got {endpoint!r}")
        if ("aws_access_key_id" in opts) != ("aws_secret_access_key" in opts):
            raise ValidationError("aws_access_key_id and aws_secret_access_key go together")
        prefix = opts.get("table_prefix", "")
        if prefix and not re.fullmatch(r"[A-Za-z0-9_.\-]+", prefix):
            raise ValidationError(f"table_prefix {prefix!r} may contain only a-z, A-Z, 0-9, '_', '-' and '.'")
        # botocore's own variables, which an explicit Config would otherwise silence
        retry_mode = opts.get("retry_mode") or os.environ.get("AWS_RETRY_MODE") or "standard"
        if "max_attempts" not in opts and os.environ.get("AWS_MAX_ATTEMPTS"):
            opts["max_attempts"] = _as_int("AWS_MAX_ATTEMPTS", os.environ["AWS_MAX_ATTEMPTS"])
        if retry_mode not in ("standard", "adaptive", "legacy"):
            raise ValidationError(f"retry_mode must be standard, adaptive or legacy, got {retry_mode!r}")

        self.endpoint = endpoint
        self.profile = profile
        self.table_prefix = prefix
        self.wait_timeout: float = opts.get("wait_timeout", 600.0)
        self._explicit_credentials = "aws_access_key_id" in opts
        self._opts = opts
        self._config = Config(
            retries={"mode": retry_mode, "total_max_attempts": opts.get("max_attempts", 3)},
            max_pool_connections=opts.get("max_pool_connections", 50),
            connect_timeout=opts.get("connect_timeout", 60),
            read_timeout=opts.get("read_timeout", 60),
            parameter_validation=opts.get("parameter_validation", False),
        )
        self._lock = threading.Lock()
        self.region: str = ""
        self._aws = aws
        self._owns_aws = aws is None
        #: called with (table, operation, capacity units) for every response that reports them
        self.capacity_listener: Callable[[str, str, float], None] | None = None
        self._client: Any = None
        try:
            self._client = self._make_client(region)
        except (BotoCoreError, ClientError) as e:
            raise translate(e, endpoint=endpoint) from e

    def __repr__(self) -> str:
        where = self.endpoint or f"AWS {self.region}"
        return f"<DynamoDBEngine {where}{' prefix=' + self.table_prefix if self.table_prefix else ''}>"

    # -- client --------------------------------------------------------------

    def _make_client(self, region: str | None) -> Any:
        if self._aws is None:
            creds = {k: self._opts[k] for k in _CREDENTIAL_OPTIONS if k in self._opts}
            self._aws = AwsClients(region=region, profile=self.profile, local=is_loopback(self.endpoint),
                                   config=self._config, **creds)
        region = region or self._aws.region
        if not region:
            if self.endpoint is None:
                raise ValidationError(
                    "no AWS region for DynamoDB: pass region= (dynamodb://?region=eu-west-1), set "
                    "AWS_REGION/AWS_DEFAULT_REGION, or configure one in your AWS profile"
                )
            region = "us-east-1"  # local emulators ignore it, botocore needs one
        self.region = region
        return self._aws.client("dynamodb", endpoint_url=self.endpoint, region=region, config=self._config)

    @property
    def client(self) -> Any:
        """The underlying botocore DynamoDB client (for what dynastore does not cover).

        It is replaced when the credentials are refreshed: fetch it again rather than keep it.
        """
        c = self._client
        return c.current if isinstance(c, RefreshingClient) else c

    @property
    def aws(self) -> AwsClients | None:
        """Where the credentials and clients come from; share it to refresh them together."""
        return self._aws

    def health_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"endpoint": self.endpoint or f"AWS {self.region}", "region": self.region}
        if self._aws is not None:
            details["credentials"] = self._aws.source
            details["credential_refreshes"] = self._aws.refreshes
        return details

    def refresh_credentials(self, failed: Any = None) -> None:
        """Resolve credentials again and rebuild every client made on them (S3 included when shared).

        ``failed`` is the botocore client a call was refused on: when another
        thread has already replaced it, there is nothing left to do.
        """
        if isinstance(self._client, _ClosedClient) or self._aws is None:
            return
        try:
            self._aws.refresh(failed=failed)
        except (BotoCoreError, ClientError) as e:
            raise translate(e, endpoint=self.endpoint) from e

    def _call(self, op: str, params: dict[str, Any], tables: Sequence[str] | None = None) -> dict[str, Any]:
        """Run one API call; every botocore failure leaves as a DynastoreError.

        The client (a `RefreshingClient`) re-resolves expired credentials and
        sends the call once more; a second refusal is a CredentialsExpired.
        """
        listener = self._ask_capacity(op, params)
        try:
            resp: dict[str, Any] = getattr(self._client, op)(**params)
        except (ClientError, BotoCoreError) as e:
            raise translate(e, tables, self.endpoint) from e
        self._report_capacity(listener, op, resp)
        return resp

    # The consumed-capacity plumbing of `_call`, shared with the async engine's transport.

    def _ask_capacity(self, op: str, params: dict[str, Any]) -> Callable[[str, str, float], None] | None:
        """Ask for consumed capacity when someone listens; returns the listener to report to."""
        listener = self.capacity_listener
        if listener is None or op not in _CAPACITY_OPS:
            return None
        params["ReturnConsumedCapacity"] = "TOTAL"
        return listener

    def _report_capacity(self, listener: Callable[[str, str, float], None] | None, op: str,
                         resp: dict[str, Any]) -> None:
        if listener is None:
            return
        consumed = resp.get("ConsumedCapacity")
        for c in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            if c.get("TableName") and c.get("CapacityUnits") is not None:
                listener(self._local(c["TableName"]), _CAPACITY_OPS[op], float(c["CapacityUnits"]))

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, _ClosedClient()
        if isinstance(client, _ClosedClient) or client is None:
            return
        try:
            if self._owns_aws and self._aws is not None:
                self._aws.close()
            else:
                client.close()
        except Exception:  # pragma: no cover
            pass

    def _drive(self, steps: Steps[R]) -> R:
        return drive(steps, self._perform)

    def _perform(self, op: Any) -> Any:
        if isinstance(op, ApiCall):
            return self._call(op.op, op.params, op.tables)
        if isinstance(op, Sleep):
            time.sleep(op.seconds)
            return None
        if isinstance(op, Call):  # an Engine-level step, e.g. the default sweep_expired
            return getattr(self, op.method)(*op.args, **op.kwargs)
        raise TypeError(f"not a step: {op!r}")

    # -- names ---------------------------------------------------------------

    def _wire(self, table: str) -> str:
        return self.table_prefix + table

    def _local(self, wire: str) -> str:
        p = self.table_prefix
        return wire[len(p):] if p and wire.startswith(p) else wire

    # -- waiting -------------------------------------------------------------

    def _wait(self, what: str, done: Callable[[], Steps[bool]]) -> Steps[None]:
        deadline = time.monotonic() + self.wait_timeout
        delay = 0.05
        while not (yield from done()):
            if time.monotonic() > deadline:
                raise DynastoreError(f"gave up after {self.wait_timeout:.0f} s waiting for {what}", code="Timeout")
            yield Sleep(delay)
            delay = min(delay * 2, 1.0)

    def _table_description(self, table: str) -> Steps[dict[str, Any]]:
        return (yield ApiCall("describe_table", {"TableName": self._wire(table)}, (table,)))["Table"]

    def _table_active(self, table: str) -> Steps[bool]:
        return (yield from self._table_description(table)).get("TableStatus") == "ACTIVE"

    # -- tables --------------------------------------------------------------

    def _create_table(self, spec: TableSpec) -> Steps[None]:
        defs: dict[str, str] = {}
        for k in spec.key_attributes():
            defs.setdefault(k.name, k.type)
        provisioned = spec.billing_mode == "PROVISIONED"
        params: dict[str, Any] = {
            "TableName": self._wire(spec.name),
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in defs.items()],
            "KeySchema": key_schema(spec.partition_key, spec.sort_key),
            "BillingMode": spec.billing_mode,
        }
        if provisioned:
            params["ProvisionedThroughput"] = _throughput(spec.read_capacity, spec.write_capacity)
        lsis = []
        gsis = []
        for ix in spec.indexes:
            if ix.local:
                lsis.append({
                    "IndexName": ix.name,
                    "KeySchema": key_schema(spec.partition_key, ix.sort_key),
                    "Projection": projection_shape(ix),
                })
            else:
                assert ix.partition_key is not None
                g: dict[str, Any] = {
                    "IndexName": ix.name,
                    "KeySchema": key_schema(ix.partition_key, ix.sort_key),
                    "Projection": projection_shape(ix),
                }
                if provisioned:
                    g["ProvisionedThroughput"] = _throughput(
                        ix.read_capacity or spec.read_capacity, ix.write_capacity or spec.write_capacity
                    )
                gsis.append(g)
        if lsis:
            params["LocalSecondaryIndexes"] = lsis
        if gsis:
            params["GlobalSecondaryIndexes"] = gsis
        if spec.stream is not None:
            params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
        desc = (yield ApiCall("create_table", params, (spec.name,)))["TableDescription"]
        if desc.get("TableStatus") != "ACTIVE":
            yield from self._wait(f"table {spec.name!r} to become ACTIVE", lambda: self._table_active(spec.name))

    def _describe_table(self, name: str) -> Steps[TableInfo]:
        t = yield from self._table_description(name)
        ttl = (yield ApiCall("describe_time_to_live", {"TableName": self._wire(name)}, (name,))).get(
            "TimeToLiveDescription", {}
        )
        types = {d["AttributeName"]: d["AttributeType"] for d in t.get("AttributeDefinitions", ())}

        def keys(schema: list[dict[str, str]]) -> tuple[KeyAttribute | None, KeyAttribute | None]:
            pk = sk = None
            for k in schema:
                attr = KeyAttribute(k["AttributeName"], types.get(k["AttributeName"], "S"))  # type: ignore[arg-type]
                if k["KeyType"] == "HASH":
                    pk = attr
                else:
                    sk = attr
            return pk, sk

        def projection(p: dict[str, Any]) -> Any:
            kind = p.get("ProjectionType", "ALL")
            return tuple(p.get("NonKeyAttributes", ())) if kind == "INCLUDE" else kind

        billing = (t.get("BillingModeSummary") or {}).get("BillingMode")
        throughput = t.get("ProvisionedThroughput") or {}
        read, write = throughput.get("ReadCapacityUnits") or None, throughput.get("WriteCapacityUnits") or None
        if billing is None:  # absent on tables created PROVISIONED by default
            billing = "PROVISIONED" if read else "PAY_PER_REQUEST"
        if billing != "PROVISIONED":
            read = write = None

        indexes: list[Index] = []
        status: dict[str, str] = {}
        sizes = {ix["IndexName"]: (ix["ItemCount"], ix.get("IndexSizeBytes", 0))
                 for ix in (*t.get("LocalSecondaryIndexes", ()), *t.get("GlobalSecondaryIndexes", ()))
                 if ix.get("ItemCount") is not None}
        for ix in t.get("LocalSecondaryIndexes", ()):
            pk, sk = keys(ix["KeySchema"])
            indexes.append(Index(ix["IndexName"], pk, sk, projection(ix.get("Projection", {})), True))
            status[ix["IndexName"]] = "ACTIVE"
        for ix in t.get("GlobalSecondaryIndexes", ()):
            pk, sk = keys(ix["KeySchema"])
            ir = iw = None
            if billing == "PROVISIONED":
                tp = ix.get("ProvisionedThroughput") or {}
                # Report capacity only where it differs from the table's (None means "as the table").
                ir = tp.get("ReadCapacityUnits") or None
                iw = tp.get("WriteCapacityUnits") or None
                if ir == read and iw == write:
                    ir = iw = None
            indexes.append(Index(ix["IndexName"], pk, sk, projection(ix.get("Projection", {})), False, ir, iw))
            st = ix.get("IndexStatus", "ACTIVE")
            if st == "ACTIVE" and ix.get("Backfilling"):
                st = "CREATING"
            status[ix["IndexName"]] = st
        pk, sk = keys(t["KeySchema"])
        assert pk is not None
        ttl_attr = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else None
        stream = t.get("StreamSpecification") or {}
        spec = TableSpec(
            name=name,
            partition_key=pk,
            sort_key=sk,
            indexes=tuple(indexes),
            ttl_attribute=ttl_attr,
            billing_mode=billing,  # type: ignore[arg-type]
            read_capacity=read,
            write_capacity=write,
            stream=stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        )
        created: Any = t.get("CreationDateTime")  # a datetime from botocore
        return TableInfo(spec, t.get("TableStatus", "ACTIVE"), t.get("ItemCount", 0), t.get("TableSizeBytes", 0), status,
                         t.get("LatestStreamArn") if spec.stream else None,
                         created.timestamp() if hasattr(created, "timestamp") else created, sizes)

    def _add_index(self, table: str, index: Index) -> Steps[None]:
        if index.local:
            raise ValidationError(
                f"local index {index.name!r} can only be created with the table; add it as a global index"
            )
        assert index.partition_key is not None
        desc = yield from self._table_description(table)
        provisioned = (desc.get("BillingModeSummary") or {}).get("BillingMode") == "PROVISIONED" or (
            "BillingModeSummary" not in desc and (desc.get("ProvisionedThroughput") or {}).get("ReadCapacityUnits")
        )
        create: dict[str, Any] = {
            "IndexName": index.name,
            "KeySchema": key_schema(index.partition_key, index.sort_key),
            "Projection": projection_shape(index),
        }
        if provisioned:
            tp = desc.get("ProvisionedThroughput") or {}
            create["ProvisionedThroughput"] = _throughput(
                index.read_capacity or tp.get("ReadCapacityUnits"), index.write_capacity or tp.get("WriteCapacityUnits")
            )
        defs: dict[str, str] = {}
        for k in (index.partition_key, index.sort_key):
            if k is not None:
                defs.setdefault(k.name, k.type)
        yield ApiCall(
            "update_table",
            {
                "TableName": self._wire(table),
                "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in defs.items()],
                "GlobalSecondaryIndexUpdates": [{"Create": create}],
            },
            (table,),
        )

        def ready() -> Steps[bool]:
            d = yield from self._table_description(table)
            for g in d.get("GlobalSecondaryIndexes", ()):
                if g["IndexName"] == index.name:
                    return g.get("IndexStatus") == "ACTIVE" and not g.get("Backfilling") and d.get("TableStatus") == "ACTIVE"
            return False

        yield from self._wait(f"index {index.name!r} of table {table!r} to become ACTIVE", ready)

    def _drop_index(self, table: str, index: str) -> Steps[None]:
        (yield from self._describe_table(table)).spec.without_index(index)  # refused as every engine refuses it
        yield ApiCall("update_table", {"TableName": self._wire(table),
                                       "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index}}]}, (table,))

        def gone() -> Steps[bool]:
            d = yield from self._table_description(table)
            return d.get("TableStatus") == "ACTIVE" and all(
                g["IndexName"] != index for g in d.get("GlobalSecondaryIndexes", ()))

        yield from self._wait(f"index {index!r} of table {table!r} to be deleted", gone)

    def _set_capacity(self, table: str, billing_mode: BillingMode, *, read_capacity: int | None = None,
                      write_capacity: int | None = None,
                      index_capacity: Mapping[str, tuple[int, int]] | None = None) -> Steps[None]:
        have = (yield from self._describe_table(table)).spec
        want = have.with_capacity(billing_mode, read_capacity, write_capacity, index_capacity)
        params: dict[str, Any] = {}
        switch = want.billing_mode != have.billing_mode
        if switch:
            params["BillingMode"] = want.billing_mode
        if want.billing_mode == "PROVISIONED":
            # DynamoDB refuses an update to the throughput it already has, so only what changes is sent
            if switch or (want.read_capacity, want.write_capacity) != (have.read_capacity, have.write_capacity):
                params["ProvisionedThroughput"] = _throughput(want.read_capacity, want.write_capacity)
            before = {ix.name: ix for ix in have.indexes}
            updates = []
            for ix in want.indexes:
                if ix.local:
                    continue
                units = (ix.read_capacity or want.read_capacity, ix.write_capacity or want.write_capacity)
                old = before[ix.name]
                if switch or units != (old.read_capacity or have.read_capacity, old.write_capacity or have.write_capacity):
                    updates.append({"Update": {"IndexName": ix.name, "ProvisionedThroughput": _throughput(*units)}})
            if updates:
                params["GlobalSecondaryIndexUpdates"] = updates
        if not params:
            return
        yield ApiCall("update_table", {"TableName": self._wire(table), **params}, (table,))

        def settled() -> Steps[bool]:
            d = yield from self._table_description(table)
            return d.get("TableStatus") == "ACTIVE" and all(
                g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in d.get("GlobalSecondaryIndexes", ()))

        yield from self._wait(f"table {table!r} to become ACTIVE", settled)

    def _set_ttl(self, table: str, attribute: str | None) -> Steps[None]:
        wire = self._wire(table)
        current = (yield ApiCall("describe_time_to_live", {"TableName": wire}, (table,))).get("TimeToLiveDescription", {})
        enabled = current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        name = current.get("AttributeName")
        if enabled and name == attribute:
            return
        if enabled and name:
            yield ApiCall(
                "update_time_to_live",
                {"TableName": wire, "TimeToLiveSpecification": {"Enabled": False, "AttributeName": name}},
                (table,),
            )
        if attribute is not None:
            try:
                yield ApiCall(
                    "update_time_to_live",
                    {"TableName": wire, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": attribute}},
                    (table,),
                )
            except ValidationError:
                # "TimeToLive is already enabled": another client enabled it since we looked; fine if on ours
                now = (yield ApiCall("describe_time_to_live", {"TableName": wire}, (table,))).get(
                    "TimeToLiveDescription", {})
                if now.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or now.get("AttributeName") != attribute:
                    raise

    def _delete_table(self, name: str) -> Steps[None]:
        desc = (yield ApiCall("delete_table", {"TableName": self._wire(name)}, (name,))).get("TableDescription", {})

        def gone() -> Steps[bool]:
            try:
                yield from self._table_description(name)
            except TableNotFound:
                return True
            return False

        if desc.get("TableStatus") == "DELETING" or not (yield from gone()):
            yield from self._wait(f"table {name!r} to be deleted", gone)

    def _list_tables(self) -> Steps[list[str]]:
        names: list[str] = []
        params: dict[str, Any] = {}
        prefix = self.table_prefix
        while True:
            r = yield ApiCall("list_tables", params)
            for n in r.get("TableNames", ()):
                if n.startswith(prefix):
                    names.append(n[len(prefix):])
            last = r.get("LastEvaluatedTableName")
            if not last:
                return sorted(names)
            params = {"ExclusiveStartTableName": last}

    # -- items ---------------------------------------------------------------

    def _get_item(
        self, table: str, key: Item, *, consistent: bool = False, projection: Sequence[Path] | None = None
    ) -> Steps[Item | None]:
        params: dict[str, Any] = {"TableName": self.table_prefix + table, "Key": serialize_item(key)}
        if consistent:
            params["ConsistentRead"] = True
        if projection:
            ph = Placeholders()
            params["ProjectionExpression"] = compile_projection(projection, ph)
            params["ExpressionAttributeNames"] = ph.names
        item = (yield ApiCall("get_item", params, (table,))).get("Item")
        return deserialize_item(item) if item is not None else None

    def _put_item(
        self, table: str, item: Item, *, condition: Condition | None = None, return_old: bool = False,
        return_item_on_failure: bool = False,
    ) -> Steps[Item | None]:
        params: dict[str, Any] = {"TableName": self.table_prefix + table, "Item": serialize_item(item)}
        return (yield from self._write_one("put_item", table, params, condition, return_old, return_item_on_failure))

    def _write_one(
        self, op: str, table: str, params: dict[str, Any], condition: Condition | None, return_old: bool,
        return_item_on_failure: bool,
    ) -> Steps[Item | None]:
        """PutItem/DeleteItem: the same condition and ALL_OLD plumbing."""
        if condition is not None:
            ph = Placeholders()
            params["ConditionExpression"] = compile_condition(condition, ph)
            _attach(params, ph)
            if return_item_on_failure:
                params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if return_old:
            params["ReturnValues"] = "ALL_OLD"
            old = (yield from self._conflicts_retried(ApiCall(op, params, (table,)))).get("Attributes")
            return deserialize_item(old) if old else None
        yield from self._conflicts_retried(ApiCall(op, params, (table,)))
        return None

    def _update_item(
        self,
        table: str,
        key: Item,
        actions: Sequence[Action],
        *,
        condition: Condition | None = None,
        return_values: ReturnValues = "NONE",
        return_item_on_failure: bool = False,
    ) -> Steps[Item | None]:
        params: dict[str, Any] = {"TableName": self.table_prefix + table, "Key": serialize_item(key)}
        ph = Placeholders()
        if actions:
            params["UpdateExpression"] = compile_update(actions, ph)
        if condition is not None:
            params["ConditionExpression"] = compile_condition(condition, ph)
            if return_item_on_failure:
                params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        _attach(params, ph)
        if return_values != "NONE":
            params["ReturnValues"] = return_values
            attrs = (yield from self._conflicts_retried(ApiCall("update_item", params, (table,)))).get("Attributes")
            return deserialize_item(attrs) if attrs else None
        yield from self._conflicts_retried(ApiCall("update_item", params, (table,)))
        return None

    def _delete_item(
        self, table: str, key: Item, *, condition: Condition | None = None, return_old: bool = False,
        return_item_on_failure: bool = False,
    ) -> Steps[Item | None]:
        params: dict[str, Any] = {"TableName": self.table_prefix + table, "Key": serialize_item(key)}
        return (yield from self._write_one("delete_item", table, params, condition, return_old, return_item_on_failure))

    def _read_params(
        self,
        table: str,
        ph: Placeholders,
        index: str | None,
        filter: Condition | None,
        projection: Sequence[Path] | None,
        limit: int | None,
        start_key: Item | None,
        consistent: bool,
        count_only: bool,
        whole_items: bool = False,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"TableName": self.table_prefix + table}
        if index is not None:
            params["IndexName"] = index
        if filter is not None:
            params["FilterExpression"] = compile_condition(filter, ph)
        if count_only:
            params["Select"] = "COUNT"
        elif whole_items:
            params["Select"] = "ALL_ATTRIBUTES"
        elif projection:
            params["ProjectionExpression"] = compile_projection(projection, ph)
        if limit is not None:
            params["Limit"] = limit
        if start_key is not None:
            params["ExclusiveStartKey"] = serialize_item(start_key)
        if consistent:
            params["ConsistentRead"] = True
        return params

    @staticmethod
    def _page(r: dict[str, Any], count_only: bool) -> Page:
        last = r.get("LastEvaluatedKey")
        items = [] if count_only else [deserialize_item(i) for i in r.get("Items", ())]
        count = r.get("Count", len(items))
        return Page(items, deserialize_item(last) if last else None, count, r.get("ScannedCount", count))

    def _query(
        self,
        table: str,
        key_condition: KeyCondition,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        projection: Sequence[Path] | None = None,
        limit: int | None = None,
        reverse: bool = False,
        start_key: Item | None = None,
        consistent: bool = False,
        count_only: bool = False,
        whole_items: bool = False,
    ) -> Steps[Page]:
        ph = Placeholders()
        kce = _key_condition(key_condition, ph)
        params = self._read_params(table, ph, index, filter, projection, limit, start_key, consistent, count_only,
                                   whole_items)
        params["KeyConditionExpression"] = kce
        if reverse:
            params["ScanIndexForward"] = False
        _attach(params, ph)
        return self._page((yield ApiCall("query", params, (table,))), count_only)

    def _scan(
        self,
        table: str,
        *,
        index: str | None = None,
        filter: Condition | None = None,
        projection: Sequence[Path] | None = None,
        limit: int | None = None,
        start_key: Item | None = None,
        segment: int | None = None,
        total_segments: int | None = None,
        consistent: bool = False,
        count_only: bool = False,
        whole_items: bool = False,
    ) -> Steps[Page]:
        ph = Placeholders()
        params = self._read_params(table, ph, index, filter, projection, limit, start_key, consistent, count_only,
                                   whole_items)
        if total_segments is not None:
            params["Segment"] = segment or 0
            params["TotalSegments"] = total_segments
        _attach(params, ph)
        return self._page((yield ApiCall("scan", params, (table,))), count_only)

    # -- batches -------------------------------------------------------------

    def _batch_get(self, requests: dict[str, BatchGetRequest]) -> Steps[tuple[dict[str, list[Item]], dict[str, list[Item]]]]:
        request_items: dict[str, Any] = {}
        for table, req in requests.items():
            if not req.keys:
                continue
            r: dict[str, Any] = {"Keys": [serialize_item(k) for k in req.keys]}
            if req.consistent:
                r["ConsistentRead"] = True
            if req.projection:
                ph = Placeholders()
                r["ProjectionExpression"] = compile_projection(req.projection, ph)
                r["ExpressionAttributeNames"] = ph.names
            request_items[self.table_prefix + table] = r
        if not request_items:
            return {}, {}
        resp = yield ApiCall("batch_get_item", {"RequestItems": request_items}, list(requests))
        local = self._local
        found = {local(t): [deserialize_item(i) for i in items] for t, items in resp.get("Responses", {}).items()}
        unprocessed = {
            local(t): [deserialize_item(k) for k in r.get("Keys", ())]
            for t, r in (resp.get("UnprocessedKeys") or {}).items()
            if r.get("Keys")
        }
        return found, unprocessed

    def _batch_write(self, requests: dict[str, list[WriteRequest]]) -> Steps[dict[str, list[WriteRequest]]]:
        request_items: dict[str, list[dict[str, Any]]] = {}
        for table, reqs in requests.items():
            if not reqs:
                continue
            request_items[self.table_prefix + table] = [
                {"PutRequest": {"Item": serialize_item(r.item)}}
                if r.kind == "put"
                else {"DeleteRequest": {"Key": serialize_item(r.item)}}
                for r in reqs
            ]
        if not request_items:
            return {}
        resp = yield ApiCall("batch_write_item", {"RequestItems": request_items}, list(requests))
        out: dict[str, list[WriteRequest]] = {}
        for t, unprocessed in (resp.get("UnprocessedItems") or {}).items():
            back = []
            for r in unprocessed:
                if "PutRequest" in r:
                    back.append(WriteRequest("put", deserialize_item(r["PutRequest"]["Item"])))
                else:
                    back.append(WriteRequest("delete", deserialize_item(r["DeleteRequest"]["Key"])))
            if back:
                out[self._local(t)] = back
        return out

    # -- transactions --------------------------------------------------------

    def _transact_write(self, actions: Sequence[TxAction], *, token: str | None = None) -> Steps[None]:
        items: list[dict[str, Any]] = []
        prefix = self.table_prefix
        for a in actions:
            ph = Placeholders()
            body: dict[str, Any] = {"TableName": prefix + a.table}
            kind = a.kind
            if kind == "put":
                body["Item"] = serialize_item(a.item)
                op = "Put"
            else:
                body["Key"] = serialize_item(a.item)
                if kind == "update":
                    op = "Update"
                    body["UpdateExpression"] = compile_update(a.actions, ph)
                elif kind == "delete":
                    op = "Delete"
                elif kind == "check":
                    op = "ConditionCheck"
                    if a.condition is None:
                        raise ValidationError("a condition check needs a condition")
                else:
                    raise ValidationError(f"unknown transaction action {kind!r}")
            if a.condition is not None:
                body["ConditionExpression"] = compile_condition(a.condition, ph)
                if a.return_item_on_failure:
                    body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            items.append({op: _attach(body, ph)})
        params: dict[str, Any] = {"TransactItems": items}
        if token is not None:
            params["ClientRequestToken"] = token
        yield from self._conflicts_retried(ApiCall("transact_write_items", params, sorted({a.table for a in actions})))

    def _conflicts_retried(self, call: ApiCall) -> Steps[Any]:
        """``call`` sent again, after a backoff, while DynamoDB refuses it only because a transaction was
        working on its items at the same time (a write's ``TransactionConflictException``, a transaction
        cancelled with reasons ``TransactionConflict``): nothing was written, and DynamoDB advises retrying.
        A condition that failed, or conflicts that last, are raised."""
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                return (yield call)
            except DynastoreError as e:
                codes = {r.code for r in e.reasons} if isinstance(e, TransactionCanceled) else {e.code}
                if not codes & {"TransactionConflict", "TransactionConflictException"} or not codes <= {
                        "TransactionConflict", "None", "TransactionConflictException"} or (
                        attempt == _CONFLICT_ATTEMPTS - 1):
                    raise
            yield Sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))
        raise AssertionError("unreachable")

    def _transact_get(self, gets: Sequence[TxGet]) -> Steps[list[Item | None]]:
        items: list[dict[str, Any]] = []
        prefix = self.table_prefix
        for g in gets:
            body: dict[str, Any] = {"TableName": prefix + g.table, "Key": serialize_item(g.key)}
            if g.projection:
                ph = Placeholders()
                body["ProjectionExpression"] = compile_projection(g.projection, ph)
                body["ExpressionAttributeNames"] = ph.names
            items.append({"Get": body})
        resp = yield ApiCall("transact_get_items", {"TransactItems": items}, sorted({g.table for g in gets}))
        out: list[Item | None] = [None] * len(gets)
        for i, r in enumerate(resp.get("Responses") or ()):
            item = r.get("Item")
            if item is not None:
                out[i] = deserialize_item(item)
        return out

    # -- the blocking API: each operation's steps, run on botocore -------------

    create_table = blocking(_create_table)
    describe_table = blocking(_describe_table)

    def _index_sizes(self, table: str) -> Steps[dict[str, tuple[int, int]]]:
        return (yield from self._describe_table(table)).index_sizes

    index_sizes = blocking(_index_sizes)
    add_index = blocking(_add_index)
    drop_index = blocking(_drop_index)
    set_capacity = blocking(_set_capacity)
    set_ttl = blocking(_set_ttl)
    delete_table = blocking(_delete_table)
    list_tables = blocking(_list_tables)
    get_item = blocking(_get_item)
    put_item = blocking(_put_item)
    update_item = blocking(_update_item)
    delete_item = blocking(_delete_item)
    query = blocking(_query)
    scan = blocking(_scan)
    batch_get = blocking(_batch_get)
    batch_write = blocking(_batch_write)
    transact_write = blocking(_transact_write)
    transact_get = blocking(_transact_get)

    # -- streams (engines/dynamodb_streams.py) ----------------------------------

    _set_stream = dynamodb_streams.set_stream_steps
    set_stream = blocking(_set_stream)
    list_streams = dynamodb_streams.list_streams
    describe_stream = dynamodb_streams.describe_stream
    get_shard_iterator = dynamodb_streams.get_shard_iterator
    get_records = dynamodb_streams.get_records
