"""MessageStore: chat messages with every body in blob storage and only the index in DynamoDB.

Write order, so no reader ever meets an index item whose body is missing:

* **add**: the body goes to blob storage first; then the index item, with a
  condition (a message is written once unless ``overwrite=True``). If the
  index write fails, the body is left behind as an orphan, not deleted: the
  failure may be ambiguous (the item may have been written after all), and a
  body without an index item is harmless, while an index item without a body
  is not. `sweep` removes orphans later.
* **delete**: the index item first, then the body. A failure between the two
  again leaves only an orphan body.

Transient failures (unreachable, throttled) are retried up to 3 times with
exponential backoff and jitter. Bodies read are kept in a bounded LRU cache.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from ...blobs import BlobStore
from ...errors import ConditionFailed, ItemNotFound, TransactionCanceled, ValidationError
from ...expressions import Attr, Key
from ...limits import MAX_TRANSACT_ACTIONS
from ...retry import RetryPolicy
from ...spec import TableSpec, load_specs
from ...store import Store
from ...table import Table
from .cache import DEFAULT_CACHE_BYTES, BodyCache
from .layout import DEFAULT_TEMPLATE, KeyLayout
from .models import MAX_MESSAGE_BYTES, Message, MessageRef, check_id
from .retrying import DEFAULT_RETRY, with_retries

log = logging.getLogger(__name__)

DEFAULT_TABLE = "chat-messages"
BY_ID_INDEX = "message_id-index"
#: The index item's condition unless overwriting: the message is new.
_NEW_MESSAGE = Attr("message_key").not_exists()
#: How old a body without an index item must be before `sweep` takes it for an orphan.
DEFAULT_GRACE = timedelta(hours=1)


def message_spec(table: str = DEFAULT_TABLE) -> TableSpec:
    """The index table's spec (``specs/chat_messages.yaml``), under another name if asked."""
    (spec,) = load_specs(str(resources.files("dynastore") / "specs" / "chat_messages.yaml"))
    return spec if table == spec.name else dataclasses.replace(spec, name=table)


@dataclass(frozen=True)
class MessagePage:
    """One page of a chat's index; pass ``last_key`` as ``start_key`` for the next (None: no more)."""

    refs: list[MessageRef]
    last_key: dict[str, Any] | None


@dataclass(frozen=True)
class PutManyResult:
    """What `put_many` did: the messages it stored, and those it found already stored (and left alone)."""

    stored: list[MessageRef]
    existing: list[MessageRef]


@dataclass(frozen=True)
class SweepReport:
    """What a sweep found: bodies with no index item, older than the grace period."""

    scanned: int
    orphans: list[str]
    deleted: int
    dry_run: bool


class MessageStore:
    """Chat messages on a `Store` (the index) and a `BlobStore` (the bodies).

    ``layout`` is the key template of the bodies (validated here, at start-up);
    ``layout_values`` fill its fixed placeholders (``tenant=...``).
    ``max_workers`` bounds the threads that fetch bodies in parallel;
    ``parallel_reads`` (default: for every blob store but the local directory,
    where a thread costs more than reading a small file) turns that on or off.
    Metrics go to ``registry`` under ``metrics_namespace`` (give each store
    sharing a registry its own namespace).
    """

    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        *,
        table: str = DEFAULT_TABLE,
        layout: str | KeyLayout = DEFAULT_TEMPLATE,
        layout_values: Mapping[str, str] | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        retry: RetryPolicy = DEFAULT_RETRY,
        max_workers: int = 8,
        parallel_reads: bool | None = None,
        create_table: bool = True,
        registry: CollectorRegistry | None = None,
        metrics_namespace: str = "dynastore_chat",
    ):
        if not isinstance(max_workers, int) or max_workers < 1:
            raise ValidationError(f"max_workers must be a positive int, got {max_workers!r}")
        if not isinstance(max_message_bytes, int) or max_message_bytes < 1:
            raise ValidationError(f"max_message_bytes must be a positive int, got {max_message_bytes!r}")
        self.layout = layout if isinstance(layout, KeyLayout) else KeyLayout(layout, **dict(layout_values or {}))
        self.store = store
        self.blobs = blobs
        self.max_message_bytes = max_message_bytes
        self.retry = retry
        self.max_workers = max_workers
        self.parallel_reads = getattr(blobs, "scheme", None) != "local" if parallel_reads is None else parallel_reads
        self.registry = registry if registry is not None else CollectorRegistry()
        self.cache: BodyCache[Message] = BodyCache(cache_bytes, registry=self.registry, namespace=metrics_namespace)
        ns = metrics_namespace
        self._retries = Counter("retries", "Transient blob-storage and index failures retried",
                                namespace=ns, registry=self.registry)
        self._written = Counter("messages_written", "Messages stored (body and index item)",
                                namespace=ns, registry=self.registry)
        self._orphaned = Counter("orphaned_bodies", "Bodies left without an index item by a failed write or "
                                 "delete (removed by the next sweep)", namespace=ns, registry=self.registry)
        self._sizes = Histogram("message_size_bytes", "Sizes of the messages stored (UTF-8 bytes of the text)",
                                namespace=ns, registry=self.registry,
                                buckets=(256, 1024, 4096, 16384, 65536, 131072))
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self.table: Table = store.create_table(message_spec(table)) if create_table else store.table(table)

    def __repr__(self) -> str:
        return f"<MessageStore {self.table.name} on {self.store!r}, bodies in {self.blobs!r}>"

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> MessageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retrying(self, fn: Any, what: str) -> Any:
        return with_retries(fn, what, self.retry, self._retries)

    # -- writes ------------------------------------------------------------------

    def add(
        self,
        chat_id: str,
        role: str,
        content: str,
        *,
        content_type: str = "text",
        images: Sequence[str] = (),
        attributes: Mapping[str, str] | None = None,
        message_id: str | None = None,
        created_at: datetime | None = None,
        overwrite: bool = False,
    ) -> MessageRef:
        """Store a new message; returns its index item. See `put`."""
        kw: dict[str, Any] = {}
        if message_id is not None:
            kw["id"] = message_id
        if created_at is not None:
            kw["created_at"] = created_at
        msg = Message(chat_id=chat_id, role=role, content=content, content_type=content_type,
                      images=images, attributes=attributes or {}, **kw)  # type: ignore[arg-type]
        return self.put(msg, overwrite=overwrite)

    def put(self, message: Message, *, overwrite: bool = False) -> MessageRef:
        """Store ``message``: body to blob storage, then the index item.

        A message over the size limit is a ValidationError and nothing is
        written. Without ``overwrite``, a message already stored under the same
        key (chat, time, id) is a ConditionFailed, refused before anything is written.
        """
        if not isinstance(message, Message):
            raise ValidationError(f"put takes a Message, got {type(message).__name__}")
        message.check_size(self.max_message_bytes)
        key = self.layout.key_for(message)
        body = json.dumps(message.to_body(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        ref = MessageRef.of(message, self.blobs.url(key))
        item = ref.to_item()
        # Refuse a duplicate before its body could replace the stored one. A body already there is either
        # that message's or an orphan; only the index tells, and only then is it read.
        if not overwrite and self._retrying(lambda _: self.blobs.exists(key), "checking for the message") \
                and self._index_item(ref.key) is not None:
            raise ConditionFailed(f"message {message.id!r} of chat {message.chat_id!r} is already stored "
                                  "(pass overwrite=True to replace it)")
        self.cache.invalidate(ref.content_url)
        self._retrying(lambda _: self.blobs.put(key, body, content_type="application/json"),
                       f"storing the body of message {message.id!r}")
        condition = None if overwrite else _NEW_MESSAGE

        def write_index(attempt: int) -> None:
            try:
                self.table.put(item, condition=condition)
            except ConditionFailed:
                # A retried put whose first try did land finds its own item: that is success.
                if attempt > 0 and self._index_item(ref.key) == item:
                    return
                raise

        try:
            self._retrying(write_index, f"indexing message {message.id!r}")
        except Exception:
            self._orphaned.inc()
            log.warning("message %s: body stored at %s but the index write failed; the body is an orphan until "
                        "the next sweep", message.id, ref.content_url)
            raise
        self.cache.put(ref.content_url, message, len(body))
        self._written.inc()
        self._sizes.observe(message.size_bytes)
        return ref

    def put_many(self, messages: Iterable[Message], *, overwrite: bool = False) -> PutManyResult:
        """Store many messages at once (imports, migrations): bodies first, then the index in transactions.

        Every message is checked first; one over the limit (or two with the
        same key) refuses the whole call before anything is written. The index
        items go in transactions of up to 100, each with its condition and an
        idempotency token, so a transaction retried after an ambiguous failure
        is applied once. Without ``overwrite``, messages already stored are
        left as they are and returned in ``existing``.
        """
        msgs = list(messages)
        if not all(isinstance(m, Message) for m in msgs):
            raise ValidationError("put_many takes Messages")
        for m in msgs:
            m.check_size(self.max_message_bytes)
        planned: dict[tuple[str, str], tuple[Message, str, MessageRef]] = {}
        for m in msgs:
            key = self.layout.key_for(m)
            ref = MessageRef.of(m, self.blobs.url(key))
            if (ref.chat_id, ref.message_key) in planned:
                raise ValidationError(f"message {m.id!r} of chat {m.chat_id!r} is given twice")
            planned[(ref.chat_id, ref.message_key)] = (m, key, ref)
        existing: builtins.list[MessageRef] = []
        if not overwrite:
            maybe = [ref for _, key, ref in planned.values()
                     if self._retrying(lambda _, k=key: self.blobs.exists(k), "checking for the message")]
            if maybe:
                found = self._retrying(lambda _: self.table.batch_get([r.key for r in maybe], consistent=True),
                                       "reading the message index")
                for item in found:
                    existing.append(planned.pop((item["chat_id"], item["message_key"]))[2])
        work = list(planned.values())

        def write_body(entry: tuple[Message, str, MessageRef]) -> int:
            m, key, ref = entry
            body = json.dumps(m.to_body(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            self.cache.invalidate(ref.content_url)
            self._retrying(lambda _: self.blobs.put(key, body, content_type="application/json"),
                           f"storing the body of message {m.id!r}")
            return len(body)

        sizes = list(self._executor().map(write_body, work)) if len(work) > 1 else [write_body(e) for e in work]
        stored: builtins.list[MessageRef] = []
        condition = None if overwrite else _NEW_MESSAGE
        for start in range(0, len(work), MAX_TRANSACT_ACTIONS):
            chunk = [e[2] for e in work[start:start + MAX_TRANSACT_ACTIONS]]
            try:
                landed, taken = self._index_chunk(chunk, condition)
            except Exception:
                self._orphaned.inc(len(chunk))
                raise
            stored += landed
            existing += taken
        by_url = {ref.content_url: (m, n) for (m, _, ref), n in zip(work, sizes, strict=True)}
        for ref in stored:
            m, n = by_url[ref.content_url]
            self.cache.put(ref.content_url, m, n)
            self._written.inc()
            self._sizes.observe(m.size_bytes)
        return PutManyResult(stored, existing)

    def _index_chunk(self, refs: builtins.list[MessageRef], condition: Any) -> tuple[builtins.list[MessageRef], builtins.list[MessageRef]]:
        """Index items of up to 100 messages in one transaction; those already there are set aside."""
        taken: builtins.list[MessageRef] = []
        while refs:
            token = uuid.uuid4().hex  # the same token on every retry: a landed transaction is not applied twice

            def commit(_: int, refs: builtins.list[MessageRef] = refs, token: str = token) -> None:
                with self.store.transaction(token=token) as tx:
                    for ref in refs:
                        tx.put(self.table, ref.to_item(), condition=condition)

            try:
                self._retrying(commit, f"indexing {len(refs)} messages")
                return refs, taken
            except TransactionCanceled as e:
                failed = {i for i, r in enumerate(e.reasons) if r.code == "ConditionalCheckFailed"}
                if not failed or len(e.reasons) != len(refs):
                    raise
                taken += [r for i, r in enumerate(refs) if i in failed]
                refs = [r for i, r in enumerate(refs) if i not in failed]
        return [], taken

    def delete(self, chat_id: str, message_id: str) -> bool:
        """Delete a message: index item first, then body. False when there was no such message."""
        ref = self.ref(chat_id, message_id)
        if ref is None:
            return False
        self.delete_ref(ref)
        return True

    def delete_ref(self, ref: MessageRef) -> None:
        self._retrying(lambda _: self.table.delete(ref.key), f"deleting the index item of message {ref.message_id!r}")
        self.cache.invalidate(ref.content_url)
        try:
            key = self.blobs.key_from_url(ref.content_url)
            self._retrying(lambda _: self.blobs.delete(key), f"deleting the body of message {ref.message_id!r}")
        except Exception as e:  # the message is gone for every reader; its body waits for the sweep
            self._orphaned.inc()
            log.warning("message %s deleted, but its body %s could not be: %s", ref.message_id, ref.content_url, e)

    def delete_chat(self, chat_id: str) -> int:
        """Delete every message of a chat; returns how many."""
        n = 0
        for ref in self.iter_refs(chat_id):
            self.delete_ref(ref)
            n += 1
        return n

    # -- index reads ---------------------------------------------------------------

    def _index_item(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._retrying(lambda _: self.table.get(key, consistent=True), "reading the message index")  # type: ignore[no-any-return]

    def ref(self, chat_id: str, message_id: str) -> MessageRef | None:
        """A message's index item by id (through ``message_id-index``, eventually consistent on DynamoDB)."""
        check_id("chat_id", chat_id)
        check_id("message id", message_id)
        items = self._retrying(
            lambda _: self.table.query(Key("message_id").eq(message_id), index=BY_ID_INDEX).all(),
            "looking up a message")
        for item in items:
            if item.get("chat_id") == chat_id:
                return MessageRef.from_item(item)
        return None

    def list(self, chat_id: str, *, limit: int | None = None, reverse: bool = False,
             start_key: Mapping[str, Any] | None = None, after: datetime | None = None) -> MessagePage:
        """A chat's index items in time order (newest first with ``reverse``): one query, never a scan."""
        check_id("chat_id", chat_id)
        cond = Key("chat_id").eq(chat_id)
        if after is not None:
            from .models import iso

            cond = cond & Key("message_key").gt(iso(after) + "#\uffff")

        def run(_: int) -> tuple[builtins.list[dict[str, Any]], dict[str, Any] | None]:
            results = self.table.query(cond, limit=limit, reverse=reverse, start_key=start_key)
            return results.all(), results.last_key

        items, last_key = self._retrying(run, "listing messages")
        return MessagePage([MessageRef.from_item(i) for i in items], last_key if limit is not None else None)

    def iter_refs(self, chat_id: str, *, reverse: bool = False, page_size: int = 200) -> Iterator[MessageRef]:
        """Every index item of a chat, page by page."""
        start: Mapping[str, Any] | None = None
        while True:
            page = self.list(chat_id, limit=page_size, reverse=reverse, start_key=start)
            yield from page.refs
            if page.last_key is None or not page.refs:
                return
            start = page.last_key

    # -- bodies --------------------------------------------------------------------------

    def body(self, ref: MessageRef) -> Message:
        """The whole message an index item points to (from the cache when it holds it)."""
        cached = self.cache.get(ref.content_url)
        if cached is not None:
            return cached
        key = self.blobs.key_from_url(ref.content_url)
        try:
            data = self._retrying(lambda _: self.blobs.get(key), f"reading the body of message {ref.message_id!r}")
        except ItemNotFound as e:  # deleted since the ref was read, or removed behind the store's back
            raise ItemNotFound(f"the body of message {ref.message_id!r} of chat {ref.chat_id!r} is gone "
                               f"({ref.content_url})", cause=e) from None
        try:
            msg = Message.from_body(json.loads(data))
        except ValueError as e:
            raise ValidationError(f"body of message {ref.message_id!r} at {ref.content_url} is not a message: "
                                  f"{e}") from None
        self.cache.put(ref.content_url, msg, len(data))
        return msg

    def get(self, chat_id: str, message_id: str) -> Message:
        """A whole message by id; ItemNotFound when there is none."""
        ref = self.ref(chat_id, message_id)
        if ref is None:
            raise ItemNotFound(f"no message {message_id!r} in chat {chat_id!r}")
        return self.body(ref)

    def bodies(self, refs: Iterable[MessageRef]) -> builtins.list[Message]:
        """The messages of many index items, fetched in parallel (at most ``max_workers`` at once), in order."""
        refs = list(refs)
        if len(refs) <= 1 or not self.parallel_reads:
            return [self.body(r) for r in refs]
        return list(self._executor().map(self.body, refs))

    def messages(self, chat_id: str, *, limit: int | None = None, reverse: bool = False) -> builtins.list[Message]:
        """A chat's messages, whole, in time order (the latest ``limit`` with ``reverse=True``)."""
        if limit is None:
            return self.bodies(self.iter_refs(chat_id, reverse=reverse))
        return self.bodies(self.list(chat_id, limit=limit, reverse=reverse).refs)

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="dynastore-chat")
            return self._pool

    # -- maintenance -------------------------------------------------------------------

    def sweep(self, *, grace: timedelta = DEFAULT_GRACE, dry_run: bool = True,
              now: datetime | None = None) -> SweepReport:
        """Find (and with ``dry_run=False`` delete) bodies that no index item points to, older than ``grace``.

        Bodies are listed under the layout's fixed prefix; the index is read
        with one query per chat found there. Each orphan is checked once more
        just before it is deleted, so a message written meanwhile is kept.
        """
        from .sweep import sweep_orphans

        return sweep_orphans(self, grace=grace, dry_run=dry_run, now=now or datetime.now(timezone.utc))
