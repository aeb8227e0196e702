"""ScriptStore: seed 000's per-chapter video scripts, their versions, feedback and merges.

Three tables (``specs/video_scripts.yaml``):

* **scripts** (``YukkuriScripts``, key ``script_id``, GSI ``session_id-index``):
  one item per session and chapter. Its key is ``<session_id>#<chapter>``, so
  saving a chapter is a write on a known key -- never a scan for "the item of
  this chapter", and two writers of one chapter meet on one item, where the
  ``version`` condition decides. (The seed's GSI has no sort key and stays so;
  a session's few chapters are sorted after reading all of the index's pages.)
* **versions** (``YukkuriScriptVersions``, key ``script_id`` + ``version``): every
  version of every script. Each save, edit or rollback is one transaction:
  the script item moves from version *n* to *n+1* (condition ``version = n``)
  and version *n+1* is recorded (condition: not there yet). So a version is
  in the history exactly when the script reached it, and of two racing
  writers one gets `VersionConflict`.
* **merged** (``YukkuriMergedScripts``, key ``merged_id``, GSI ``session_id-index``):
  a merge writes the merged script and marks each chapter with its id in one
  transaction conditioned on each chapter's version: all or nothing, and
  never a merge of a chapter that changed while it was being read.

Feedback is appended with ``list_append`` and its id added to a string set in
the same update, conditioned on the id not being in the set: concurrent
appends all land, in the order DynamoDB applied them, and a retried append
(the same id) is kept once. No method reads, modifies and writes back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from ...errors import ConditionFailed, TransactionCanceled, ValidationError, VersionConflict
from ...expressions import Attr, Key
from ...models.schema import first_error
from ...spec import TableSpec
from ...store import Store
from ...table import ANY_VERSION, Table
from ...timestamps import now_value
from .. import shipped_spec
from .errors import MergedScriptNotFound, ScriptNotFound, VersionNotFound
from .models import (
    CONTENT_FIELDS,
    MAX_MERGE_CHAPTERS,
    Change,
    Chapter,
    FeedbackAdded,
    FeedbackId,
    FeedbackText,
    MergedId,
    MergedScript,
    Script,
    ScriptContent,
    ScriptVersion,
    SessionId,
    Title,
    VersionNumber,
    checked,
    script_id,
)

SCRIPTS_TABLE = "YukkuriScripts"
MERGED_TABLE = "YukkuriMergedScripts"
VERSIONS_TABLE = "YukkuriScriptVersions"
#: The seed's GSI on both the scripts and the merged scripts.
BY_SESSION = "session_id-index"
#: How often a save without ``expected_version`` re-reads and retries when other writers keep winning.
BLIND_SAVE_ATTEMPTS = 8
SEPARATOR = "\n\n"
#: DynamoDB cancels a transaction touching an item another transaction is writing (a race, like a version conflict)
TRANSACTION_CONFLICT = "TransactionConflict"

M = TypeVar("M", bound=BaseModel)


def script_specs(scripts: str = SCRIPTS_TABLE, merged: str = MERGED_TABLE,
                 versions: str = VERSIONS_TABLE) -> tuple[TableSpec, TableSpec, TableSpec]:
    """The three tables' specs (``specs/video_scripts.yaml``), under other names if asked."""
    return tuple(  # type: ignore[return-value]
        dataclasses.replace(shipped_spec("video_scripts.yaml", default), name=name)
        for default, name in ((SCRIPTS_TABLE, scripts), (MERGED_TABLE, merged), (VERSIONS_TABLE, versions))
    )


def _model(cls: type[M], **fields: Any) -> M:
    try:
        return cls.model_validate(fields)
    except PydanticValidationError as e:
        raise ValidationError(first_error(e)) from None


def feedback_id_for(text: str) -> str:
    """The id of feedback given without one: the same text is one entry (the seed merged feedback as a set)."""
    return "fb-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ScriptStore:
    """A session's chapter scripts, their version history and feedback, and merged scripts, on a `Store`.

    The tables are created (or reconciled) on construction unless
    ``create_tables=False``. Metrics go to ``registry``.
    """

    def __init__(self, store: Store, *, scripts_table: str = SCRIPTS_TABLE, merged_table: str = MERGED_TABLE,
                 versions_table: str = VERSIONS_TABLE, create_tables: bool = True,
                 registry: CollectorRegistry | None = None, metrics_namespace: str = "dynastore_scripts"):
        self.store = store
        specs = script_specs(scripts_table, merged_table, versions_table)
        open_table = store.create_table if create_tables else store.table
        self.scripts: Table = open_table(specs[0])
        self.merged: Table = open_table(specs[1])
        self.versions: Table = open_table(specs[2])
        self.registry = registry if registry is not None else CollectorRegistry()
        ns = metrics_namespace
        self._versions_written = Counter("versions_written", "Script versions written, by change",
                                         ["change"], namespace=ns, registry=self.registry)
        self._feedback = Counter("feedback_appended", "Feedback entries appended (duplicates not counted)",
                                 namespace=ns, registry=self.registry)
        self._merges = Counter("merges", "Merged scripts written", namespace=ns, registry=self.registry)
        self._conflicts = Counter("version_conflicts", "Writes refused because the script changed meanwhile",
                                  namespace=ns, registry=self.registry)

    def __repr__(self) -> str:
        return f"<ScriptStore {self.scripts.name}, {self.merged.name}, {self.versions.name} on {self.store!r}>"

    @property
    def tables(self) -> tuple[Table, Table, Table]:
        return self.scripts, self.merged, self.versions

    # -- reading -------------------------------------------------------------------

    def _key(self, session_id: str, chapter: int) -> dict[str, str]:
        checked(SessionId, session_id, "session_id")
        checked(Chapter, chapter, "chapter")
        return {"script_id": script_id(session_id, chapter)}

    def _current(self, session_id: str, chapter: int) -> dict[str, Any] | None:
        return self.scripts.get(self._key(session_id, chapter), consistent=True)

    def get_script(self, session_id: str, chapter: int) -> Script:
        """The chapter's script as it is now (ScriptNotFound if it was never saved)."""
        item = self._current(session_id, chapter)
        if item is None:
            raise ScriptNotFound(f"session {session_id!r} has no script for chapter {chapter}")
        return Script.from_item(item)

    def get_scripts_by_session(self, session_id: str) -> list[Script]:
        """The session's scripts in chapter order (every page of the session's index partition)."""
        checked(SessionId, session_id, "session_id")
        items = self.scripts.query(Key("session_id").eq(session_id), index=BY_SESSION)
        return sorted((Script.from_item(i) for i in items), key=lambda s: s.chapter)

    # -- versions --------------------------------------------------------------------

    def save_script(self, session_id: str, chapter: int, *, title: str, content: str, analysis: str | None = None,
                    duration_seconds: float | None = None, expected_version: Any = ANY_VERSION) -> Script:
        """Save the chapter's script as its next version (version 1 if new).

        ``expected_version``: the version you read (VersionConflict if it is
        no longer the current one), None if the chapter must be new
        (ConditionFailed if it exists), or ``ANY_VERSION`` (default): save
        over whatever is there -- still as a new version, so nothing another
        writer saved is lost from the history.
        """
        body = _model(ScriptContent, title=title, content=content, analysis=analysis,
                      duration_seconds=duration_seconds).fields()
        return self._next_version(session_id, chapter, expected_version,
                                  lambda current: (body, "save" if current else "create", None))

    def edit_script(self, session_id: str, chapter: int, *, expected_version: int, **changes: Any) -> Script:
        """Change some of the script's fields (``title``, ``content``, ``analysis``, ``duration_seconds``;
        None removes the optional ones) as a new version. ``expected_version`` is required: an edit
        starts from a version someone read, and VersionConflict says another writer came first."""
        unknown = sorted(set(changes) - set(CONTENT_FIELDS))
        if unknown:
            raise ValidationError(f"unknown script field(s) {', '.join(unknown)}; a script has "
                                  f"{', '.join(CONTENT_FIELDS)}")
        checked(VersionNumber, expected_version, "expected_version")

        def edited(current: dict[str, Any] | None) -> tuple[dict[str, Any], Change, None]:
            assert current is not None  # an int expected_version: `_expect` refused a missing script
            return _model(ScriptContent, **{**{f: current.get(f) for f in CONTENT_FIELDS}, **changes}).fields(), \
                "edit", None

        return self._next_version(session_id, chapter, expected_version, edited)

    def rollback(self, session_id: str, chapter: int, to_version: int, *, expected_version: Any = ANY_VERSION
                 ) -> Script:
        """Make version ``to_version`` current again, as a new version (the history keeps everything).

        ``expected_version`` as for `save_script` (an int: VersionConflict if the script moved on).
        """
        if expected_version is None:
            raise ValidationError("a rollback needs an existing script: expected_version cannot be None")
        old = self.get_version(session_id, chapter, to_version)
        body = {f: getattr(old, f) for f in CONTENT_FIELDS}

        def restored(current: dict[str, Any] | None) -> tuple[dict[str, Any], Change, int]:
            if current is None:  # it has versions, so it existed: removed by hand since
                raise ScriptNotFound(f"session {session_id!r} has no script for chapter {chapter}")
            return body, "rollback", to_version

        return self._next_version(session_id, chapter, expected_version, restored)

    def _next_version(self, session_id: str, chapter: int, expected: Any,
                      make: Callable[[dict[str, Any] | None], tuple[dict[str, Any], Change, int | None]]) -> Script:
        """Write the script's next version, whose body, kind and rolled-back-from ``make(current)`` gives.

        With ``ANY_VERSION`` a writer that lost a race re-reads and tries again
        (a few times); with an expected version it raises the conflict.
        """
        key = self._key(session_id, chapter)
        attempts = BLIND_SAVE_ATTEMPTS if expected is ANY_VERSION else 1
        for _ in range(attempts):
            current = self.scripts.get(key, consistent=True)
            self._expect(current, expected, key["script_id"])
            body, change, rolled_back_from = make(current)
            try:
                return self._write(session_id, chapter, current, body, change, rolled_back_from=rolled_back_from)
            except ConditionFailed:
                if attempts == 1:
                    raise
        self._conflicts.inc()
        raise VersionConflict(f"script {key['script_id']!r} kept changing under {attempts} attempts to write "
                              "it; try again")

    def list_versions(self, session_id: str, chapter: int, *, after: int = 0, limit: int | None = None
                      ) -> list[ScriptVersion]:
        """The script's versions in order, those after version ``after``; at most ``limit`` (None: all)."""
        key = self._key(session_id, chapter)
        checked(VersionNumber, after, "after")
        cond = Key("script_id").eq(key["script_id"]) & Key("version").gt(after)
        return [ScriptVersion.from_item(i) for i in self.versions.query(cond, limit=limit, consistent=True)]

    def get_version(self, session_id: str, chapter: int, version: int) -> ScriptVersion:
        key = self._key(session_id, chapter)
        checked(VersionNumber, version, "version")
        item = None if version < 1 else self.versions.get({**key, "version": version}, consistent=True)
        if item is None:
            raise VersionNotFound(f"script {key['script_id']!r} has no version {version}")
        return ScriptVersion.from_item(item)

    def _expect(self, current: dict[str, Any] | None, expected: Any, sid: str) -> None:
        """Refuse early (before writing) when the script is not at the version the caller expects."""
        if expected is ANY_VERSION:
            return
        if expected is None:
            if current is not None:
                raise ConditionFailed(f"script {sid!r} already exists (version {current['version']}): pass the "
                                      "version you read as expected_version to save over it", item=current)
            return
        checked(VersionNumber, expected, "expected_version")
        if current is None:
            raise ScriptNotFound(f"script {sid!r} does not exist (expected version {expected})")
        if current["version"] != expected:
            self._conflicts.inc()
            raise VersionConflict(f"script {sid!r} is at version {current['version']}, not {expected}: "
                                  "re-read it and retry", item=current)

    def _write(self, session_id: str, chapter: int, current: dict[str, Any] | None, body: dict[str, Any],
               change: Change, *, rolled_back_from: int | None = None) -> Script:
        """Move the script from ``current`` to the next version holding ``body``, recording that version."""
        sid = script_id(session_id, chapter)
        now = now_value("iso")
        version = 1 if current is None else int(current["version"]) + 1
        values = {k: v for k, v in body.items() if v is not None}
        record = {"script_id": sid, "version": version, "session_id": session_id, "chapter": chapter,
                  "change": change, "created_at": now, **values}
        if rolled_back_from is not None:
            record["rolled_back_from"] = rolled_back_from
        # An update for the new item too (condition: absent), so the timestamps stored are the ones set here.
        if current is None:
            new = {"script_id": sid, "session_id": session_id, "chapter": chapter, "feedback_history": [],
                   "created_at": now}
            condition = Attr("script_id").not_exists()
        else:
            new = {k: v for k, v in current.items() if k not in CONTENT_FIELDS}
            condition = Attr("version").eq(current["version"])
        new.update(values, version=version, updated_at=now)
        actions = [Attr(f).set(values[f]) if f in values else Attr(f).remove() for f in CONTENT_FIELDS]
        actions += [Attr(k).set(new[k]) for k in new if k not in CONTENT_FIELDS and k != "script_id"
                    and (current is None or k in ("version", "updated_at"))]
        tx = self.store.transaction()
        tx.update(self.scripts, {"script_id": sid}, actions, condition=condition, return_item_on_failure=True)
        tx.put(self.versions, record, condition=Attr("script_id").not_exists())
        try:
            tx.commit()
        except TransactionCanceled as e:
            raise self._refused(e, sid, current) from e
        self._versions_written.labels(change).inc()
        return Script.from_item(new)

    def _refused(self, e: TransactionCanceled, sid: str, current: dict[str, Any] | None) -> ConditionFailed:
        codes = [r.code for r in e.reasons]
        if codes[:1] == ["ConditionalCheckFailed"]:
            item = e.reasons[0].item
            if current is None:
                return ConditionFailed(f"script {sid!r} was created by another writer meanwhile", item=item)
            self._conflicts.inc()
            return VersionConflict(f"script {sid!r} changed meanwhile (it is no longer at version "
                                   f"{current['version']}): re-read it and retry", item=item)
        if codes[1:2] == ["ConditionalCheckFailed"]:
            return ConditionFailed(f"the version history of {sid!r} already has the version this write "
                                   "would record (was the script deleted and saved again?)")
        if TRANSACTION_CONFLICT in codes:
            self._conflicts.inc()
            return VersionConflict(f"another write to script {sid!r} was in progress: re-read it and retry")
        raise e

    # -- feedback ----------------------------------------------------------------------

    def add_feedback(self, session_id: str, chapter: int, text: str, *, feedback_id: str | None = None
                     ) -> FeedbackAdded:
        """Append feedback to the chapter's history, atomically and once per ``feedback_id``.

        Without an id, the id is derived from the text, so the same feedback
        is kept once (as the seed's set did) -- but in the order it first came.
        """
        key = self._key(session_id, chapter)
        text = checked(FeedbackText, text, "text")
        fid = feedback_id_for(text) if feedback_id is None else checked(FeedbackId, feedback_id, "feedback_id")
        entry = {"feedback_id": fid, "text": text, "at": now_value("iso")}
        try:
            item = self.scripts.update(
                key, [Attr("feedback_history").append([entry]), Attr("feedback_ids").add({fid})],
                condition=Attr("script_id").exists() & ~Attr("feedback_ids").contains(fid),
                return_values="ALL_NEW", return_item_on_failure=True,
            )
            added = True
        except ConditionFailed as e:
            item = e.item if e.item is not None else self.scripts.get(key, consistent=True)
            if item is None:
                raise ScriptNotFound(f"session {session_id!r} has no script for chapter {chapter}") from None
            added = False
        assert item is not None
        history = item.get("feedback_history", [])
        position = next(i for i, f in enumerate(history) if f.get("feedback_id") == fid)
        if added:
            self._feedback.inc()
        return FeedbackAdded(feedback=history[position], added=added, position=position)

    # -- merged scripts ------------------------------------------------------------------

    def merge_scripts(self, session_id: str, *, chapters: Sequence[int] | None = None, title: str | None = None,
                      merged_id: str | None = None, separator: str = SEPARATOR) -> MergedScript:
        """Merge the session's chapters (all, or those listed) in chapter order into a new merged script.

        One transaction: the merged script (ConditionFailed if ``merged_id``
        exists) and, on each chapter, ``merged_id`` -- conditioned on the
        version that was read, so a chapter edited meanwhile cancels the
        whole merge (VersionConflict). At most 99 chapters.
        """
        checked(SessionId, session_id, "session_id")
        mid = uuid.uuid4().hex if merged_id is None else checked(MergedId, merged_id, "merged_id")
        if title is not None:
            checked(Title, title, "title")
        if chapters is None:
            wanted = [s.chapter for s in self.get_scripts_by_session(session_id)]
            if not wanted:
                raise ScriptNotFound(f"session {session_id!r} has no scripts to merge")
        else:
            wanted = sorted({checked(Chapter, c, "chapters") for c in chapters})
            if not wanted:
                raise ValidationError("chapters: give at least one chapter (or none at all to merge every chapter)")
        if len(wanted) > MAX_MERGE_CHAPTERS:
            raise ValidationError(f"a merge takes at most {MAX_MERGE_CHAPTERS} chapters (one transaction); "
                                  f"got {len(wanted)}")
        # by key, consistently: the index may lag behind the latest versions
        found = {i["chapter"]: i for i in self.scripts.batch_get(
            [{"script_id": script_id(session_id, c)} for c in wanted], consistent=True)}
        missing = [c for c in wanted if c not in found]
        if missing:
            raise ScriptNotFound(f"session {session_id!r} has no script for chapter(s) "
                                 f"{', '.join(map(str, missing))}")
        parts = [found[c] for c in wanted]
        durations = [p["duration_seconds"] for p in parts if p.get("duration_seconds") is not None]
        item: dict[str, Any] = {
            "merged_id": mid, "session_id": session_id, "content": separator.join(p["content"] for p in parts),
            "chapters": [{"chapter": p["chapter"], "script_id": p["script_id"], "version": p["version"],
                          "title": p["title"]} for p in parts],
        }
        if title is not None:
            item["title"] = title
        if durations:
            item["duration_seconds"] = sum(durations)
        tx = self.store.transaction()
        tx.put(self.merged, item, condition=Attr("merged_id").not_exists())
        for p in parts:
            tx.update(self.scripts, {"script_id": p["script_id"]}, Attr("merged_id").set(mid),
                      condition=Attr("version").eq(p["version"]))
        try:
            tx.commit()
        except TransactionCanceled as e:
            codes = [r.code for r in e.reasons]
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise ConditionFailed(f"merged script {mid!r} already exists") from e
            changed = [p["chapter"] for p, code in zip(parts, codes[1:], strict=False)
                       if code == "ConditionalCheckFailed"]
            if changed or TRANSACTION_CONFLICT in codes:
                self._conflicts.inc()
                which = f"chapter(s) {', '.join(map(str, changed))}" if changed else "chapters"
                raise VersionConflict(f"{which} of session {session_id!r} changed while being merged; nothing "
                                      "was written: merge again") from e
            raise
        self._merges.inc()
        return self.get_merged_script(session_id, mid)

    def get_merged_script(self, session_id: str, merged_id: str) -> MergedScript:
        """One of the session's merged scripts (MergedScriptNotFound if absent or another session's)."""
        checked(SessionId, session_id, "session_id")
        checked(MergedId, merged_id, "merged_id")
        item = self.merged.get({"merged_id": merged_id}, consistent=True)
        if item is None or item.get("session_id") != session_id:
            raise MergedScriptNotFound(f"session {session_id!r} has no merged script {merged_id!r}")
        return MergedScript.from_item(item)

    def get_merged_scripts_by_session(self, session_id: str) -> list[MergedScript]:
        """The session's merged scripts, oldest first (every page of the index partition)."""
        checked(SessionId, session_id, "session_id")
        items = self.merged.query(Key("session_id").eq(session_id), index=BY_SESSION)
        merged = [MergedScript.from_item(i) for i in items]
        return sorted(merged, key=lambda m: (m.created_at or "", m.merged_id))
