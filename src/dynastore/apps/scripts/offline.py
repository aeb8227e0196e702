"""The seed's "sync with DynamoDB" button: replay the offline outbox, pull the session, show its scripts.

Only a store opened with an offline fallback (``dynamodb://...&fallback=sqlite:///...``,
docs/offline.md) has anything to sync. On any other store the answer says so
(``synced: false`` and why) and still lists the session's scripts: the embedded
engine *is* the local store, and plain DynamoDB has nothing waiting.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ...errors import StoreUnavailable
from ...jsonutil import to_jsonable
from .models import MergedScript, Script, SessionId, checked
from .store import BY_SESSION, ScriptStore


class ReplayCounts(BaseModel):
    """What the outbox replay did (the whole outbox of the store: writes reach DynamoDB in the order made)."""

    applied: int = Field(description="local writes now on DynamoDB")
    already: int = Field(description="writes DynamoDB already had (an interrupted earlier sync)")
    conflicts: int = Field(description="writes DynamoDB no longer agrees with: kept locally, see `dynastore sync`")
    remaining: int = Field(description="writes still waiting in the outbox")


class PullCounts(BaseModel):
    """What pulling the session from DynamoDB into the local copy did, for one table."""

    pulled: int
    removed: int = Field(description="local items DynamoDB no longer has")
    skipped: int = Field(description="items left alone because local writes to them still wait")


class SyncConflict(BaseModel):
    table: str
    key: dict[str, Any]
    reason: str


class SessionSync(BaseModel):
    """The answer of ``POST /api/bedrock-scripts/sync-with-dynamodb``."""

    session_id: str
    synced: bool = Field(description="DynamoDB was reached, took every waiting write and the session was pulled")
    reason: str | None = Field(default=None, description="why not, when not synced")
    replayed: ReplayCounts | None = Field(default=None, description="null without an offline fallback")
    pulled: dict[str, PullCounts] = Field(default_factory=dict, description="per table of this store")
    conflicts: list[SyncConflict] = Field(default_factory=list, description="those in this store's tables")
    scripts: list[Script] = Field(description="the session's scripts now, in chapter order")
    merged_scripts: list[MergedScript]


def sync_session(scripts: ScriptStore, session_id: str) -> SessionSync:
    """Replay the fallback's outbox, pull ``session_id``'s items from DynamoDB, and list them.

    Never raises for an unreachable DynamoDB: the answer says so, and the
    scripts listed are the local copy's.
    """
    from ...engines.fallback import FallbackEngine  # botocore: only when syncing
    from ...sync import pull, sync

    checked(SessionId, session_id, "session_id")
    engine = scripts.store.engine
    result: dict[str, Any] = {"session_id": session_id, "synced": False}
    if not isinstance(engine, FallbackEngine):
        result["reason"] = (f"no offline fallback configured: the store writes to {engine.kind} directly, "
                            "so nothing waits to be synced (see docs/offline.md to add one)")
    else:
        report = sync(engine)
        ours = {t.name for t in scripts.tables}
        result["replayed"] = ReplayCounts(applied=report.applied, already=report.already,
                                          conflicts=len(report.conflicts), remaining=report.remaining)
        result["conflicts"] = [SyncConflict(table=c.table, key=to_jsonable(c.key), reason=c.reason)
                               for c in report.conflicts if c.table in ours]
        if report.unreachable is not None:
            result["reason"] = f"DynamoDB is unreachable ({report.unreachable}): showing the local copy"
        else:
            try:
                pulled = {t.name: pull(engine, t.name, [session_id], index=BY_SESSION)
                          for t in (scripts.scripts, scripts.merged)}
                ids = [s.script_id for s in scripts.get_scripts_by_session(session_id)]
                if ids:
                    pulled[scripts.versions.name] = pull(engine, scripts.versions.name, ids)
            except StoreUnavailable as e:
                result["reason"] = f"DynamoDB became unreachable while pulling the session ({e.message})"
            else:
                result["pulled"] = {name: PullCounts(pulled=p.pulled, removed=p.removed, skipped=p.skipped)
                                    for name, p in pulled.items()}
                if result["conflicts"]:
                    result["reason"] = (f"{len(result['conflicts'])} write(s) conflict with DynamoDB and were kept "
                                        "locally: settle them with `dynastore sync --resolve`")
                else:
                    result["synced"] = True
    return SessionSync(scripts=scripts.get_scripts_by_session(session_id),
                       merged_scripts=scripts.get_merged_scripts_by_session(session_id), **result)
