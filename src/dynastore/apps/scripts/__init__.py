"""Seed 000, video scripts: per-chapter scripts of a session, their versions, feedback and merges.

`ScriptStore` keeps them in the seed's tables (``YukkuriScripts``,
``YukkuriMergedScripts``) plus ``YukkuriScriptVersions`` for the version
history; `sync_session` is the seed's "sync with DynamoDB" button on a store
with an offline fallback (docs/scripts.md).
"""

from .errors import MergedScriptNotFound, ScriptNotFound, VersionNotFound
from .models import (
    Feedback,
    FeedbackAdded,
    MergedChapter,
    MergedScript,
    Script,
    ScriptContent,
    ScriptVersion,
    script_id,
)
from .offline import PullCounts, ReplayCounts, SessionSync, SyncConflict, sync_session
from .store import (
    BY_SESSION,
    MERGED_TABLE,
    SCRIPTS_TABLE,
    VERSIONS_TABLE,
    ScriptStore,
    feedback_id_for,
    script_specs,
)

__all__ = [
    "BY_SESSION",
    "MERGED_TABLE",
    "SCRIPTS_TABLE",
    "VERSIONS_TABLE",
    "Feedback",
    "FeedbackAdded",
    "MergedChapter",
    "MergedScript",
    "MergedScriptNotFound",
    "PullCounts",
    "ReplayCounts",
    "Script",
    "ScriptContent",
    "ScriptNotFound",
    "ScriptStore",
    "ScriptVersion",
    "SessionSync",
    "SyncConflict",
    "VersionNotFound",
    "feedback_id_for",
    "script_id",
    "script_specs",
    "sync_session",
]
