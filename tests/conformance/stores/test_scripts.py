"""ScriptStore (seed 000, video scripts) on every engine: chapters by key, versions, feedback, merges."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynastore import (
    ConditionFailed,
    ItemTooLarge,
    Key,
    Store,
    ValidationError,
    VersionConflict,
)
from dynastore.apps.scripts import (
    MergedScriptNotFound,
    Script,
    ScriptNotFound,
    ScriptStore,
    VersionNotFound,
    feedback_id_for,
)
from dynastore.apps.scripts.models import (
    MAX_ANALYSIS_BYTES,
    MAX_CONTENT_BYTES,
    MAX_FEEDBACK_CHARS,
)

from .._support import known_difference, unique_name

#: measured: moto applies an update's actions one by one, visible to concurrent readers (an item
#: read mid-update lacks attributes the update sets); DynamoDB updates an item atomically
MOTO_NOT_ATOMIC = "moto exposes half-applied updates to concurrent requests"


@pytest.fixture
def scripts(sync_store: Store, prefix: str) -> ScriptStore:
    return ScriptStore(sync_store, scripts_table=f"{prefix}scripts", merged_table=f"{prefix}merged",
                       versions_table=f"{prefix}versions")


def session() -> str:
    return unique_name("session")


def save(scripts: ScriptStore, sid: str, chapter: int, content: str = "", **kw: Any) -> Script:
    return scripts.save_script(sid, chapter, title=f"chapter {chapter}", content=content or f"text {chapter}", **kw)


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls on threads released at once; each result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, fn: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - the test inspects it
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# -- one item per session and chapter -------------------------------------------------------


def test_a_chapter_is_one_item_found_by_its_key(scripts: ScriptStore) -> None:
    sid = session()
    first = save(scripts, sid, 1, "ゆっくり霊夢です。", duration_seconds=12.5)
    again = save(scripts, sid, 1, "ゆっくり魔理沙だぜ。")
    assert (first.script_id, first.version, again.version) == (f"{sid}#1", 1, 2)
    # the key is the session and chapter: saving again changed the one item, no second one appeared
    assert scripts.scripts.get({"script_id": f"{sid}#1"}, consistent=True)["content"] == "ゆっくり魔理沙だぜ。"
    assert [s.script_id for s in scripts.get_scripts_by_session(sid)] == [f"{sid}#1"]
    got = scripts.get_script(sid, 1)
    assert got == again
    assert got.duration_seconds is None  # a save is a whole version: what it leaves out is gone
    assert first.duration_seconds == 12.5 and type(first.duration_seconds) is float


def test_a_session_lists_its_chapters_in_numeric_order(scripts: ScriptStore) -> None:
    sid, other = session(), session()
    for chapter in (10, 2, 1, 33):
        save(scripts, sid, chapter)
    save(scripts, other, 5)
    assert [s.chapter for s in scripts.get_scripts_by_session(sid)] == [1, 2, 10, 33]
    assert [s.chapter for s in scripts.get_scripts_by_session(other)] == [5]
    assert scripts.get_scripts_by_session(session()) == []


def test_listing_a_session_reads_every_page(scripts: ScriptStore) -> None:
    # 12 chapters of ~100 KB: more than one 1 MB page of the index
    sid = session()
    for chapter in range(1, 13):
        save(scripts, sid, chapter, f"{chapter:02d}" + "x" * (MAX_CONTENT_BYTES - 2))
    listed = scripts.get_scripts_by_session(sid)
    assert [s.chapter for s in listed] == list(range(1, 13))
    assert all(s.content.startswith(f"{s.chapter:02d}x") for s in listed)


def test_a_missing_chapter_is_not_found(scripts: ScriptStore) -> None:
    with pytest.raises(ScriptNotFound, match="chapter 4"):
        scripts.get_script(session(), 4)


# -- versions -----------------------------------------------------------------------------


def test_every_save_keeps_the_previous_version(scripts: ScriptStore) -> None:
    sid = session()
    for text in ("v1", "v2", "v3"):
        save(scripts, sid, 1, text, analysis=f"analysis of {text}")
    history = scripts.list_versions(sid, 1)
    assert [(v.version, v.change, v.content, v.analysis) for v in history] == [
        (1, "create", "v1", "analysis of v1"), (2, "save", "v2", "analysis of v2"), (3, "save", "v3", "analysis of v3")]
    assert scripts.get_version(sid, 1, 2).content == "v2"
    assert [v.version for v in scripts.list_versions(sid, 1, after=1, limit=1)] == [2]
    with pytest.raises(VersionNotFound):
        scripts.get_version(sid, 1, 4)


def test_expected_version_guards_a_save(scripts: ScriptStore) -> None:
    sid = session()
    save(scripts, sid, 1, "first", expected_version=None)
    with pytest.raises(ConditionFailed, match="already exists"):
        save(scripts, sid, 1, "again as new", expected_version=None)
    with pytest.raises(VersionConflict) as conflict:
        save(scripts, sid, 1, "stale", expected_version=7)
    assert conflict.value.item is not None and conflict.value.item["version"] == 1
    assert save(scripts, sid, 1, "second", expected_version=1).version == 2
    with pytest.raises(ScriptNotFound):
        save(scripts, sid, 2, "no such chapter yet", expected_version=1)
    assert [v.content for v in scripts.list_versions(sid, 1)] == ["first", "second"]


def test_an_edit_changes_some_fields_as_a_new_version(scripts: ScriptStore) -> None:
    sid = session()
    save(scripts, sid, 1, "text", analysis="analysis", duration_seconds=3)
    edited = scripts.edit_script(sid, 1, expected_version=1, title="new title", analysis=None)
    assert (edited.title, edited.content, edited.analysis, edited.duration_seconds, edited.version) == (
        "new title", "text", None, 3.0, 2)
    assert scripts.get_script(sid, 1) == edited
    assert scripts.get_version(sid, 1, 2).change == "edit"
    with pytest.raises(VersionConflict):
        scripts.edit_script(sid, 1, expected_version=1, content="from a stale read")
    with pytest.raises(ScriptNotFound):
        scripts.edit_script(sid, 2, expected_version=1, content="x")
    with pytest.raises(ValidationError, match="unknown script field"):
        scripts.edit_script(sid, 1, expected_version=2, version=5)
    with pytest.raises(ValidationError, match="title"):
        scripts.edit_script(sid, 1, expected_version=2, title=None)
    assert scripts.get_script(sid, 1).version == 2


def test_rollback_makes_an_old_version_current_as_a_new_one(scripts: ScriptStore) -> None:
    sid = session()
    save(scripts, sid, 1, "good", duration_seconds=10)
    save(scripts, sid, 1, "worse")
    scripts.add_feedback(sid, 1, "元に戻して")
    back = scripts.rollback(sid, 1, 1, expected_version=2)
    assert (back.version, back.content, back.duration_seconds) == (3, "good", 10.0)
    assert [f.text for f in back.feedback_history] == ["元に戻して"]  # feedback is not versioned
    history = scripts.list_versions(sid, 1)
    assert [(v.version, v.change, v.content, v.rolled_back_from) for v in history] == [
        (1, "create", "good", None), (2, "save", "worse", None), (3, "rollback", "good", 1)]
    with pytest.raises(VersionConflict):
        scripts.rollback(sid, 1, 2, expected_version=2)
    with pytest.raises(VersionNotFound):
        scripts.rollback(sid, 1, 9)
    assert scripts.get_script(sid, 1).version == 3


def test_two_racing_edits_one_wins_one_conflicts(scripts: ScriptStore) -> None:
    known_difference(scripts.store, "moto", MOTO_NOT_ATOMIC)
    sid = session()
    save(scripts, sid, 1, "base")
    results = run_together(*(lambda n=n: scripts.edit_script(sid, 1, expected_version=1, content=f"edit {n}")
                             for n in range(2)))
    won = [r for r in results if isinstance(r, Script)]
    lost = [r for r in results if isinstance(r, VersionConflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert scripts.get_script(sid, 1).content == won[0].content
    assert [v.content for v in scripts.list_versions(sid, 1)] == ["base", won[0].content]


def test_racing_blind_saves_all_land_in_the_history(scripts: ScriptStore) -> None:
    known_difference(scripts.store, "moto", MOTO_NOT_ATOMIC)
    sid = session()
    results = run_together(*(lambda n=n: save(scripts, sid, 1, f"save {n}") for n in range(4)))
    assert all(isinstance(r, Script) for r in results), results
    history = scripts.list_versions(sid, 1)
    assert [v.version for v in history] == [1, 2, 3, 4]
    assert sorted(v.content for v in history) == [f"save {n}" for n in range(4)]
    assert scripts.get_script(sid, 1).content == history[-1].content


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.tuples(st.just("save"), st.text(min_size=1, max_size=20)),
                          st.tuples(st.just("rollback"), st.integers(1, 6))), min_size=1, max_size=6))
def test_the_history_is_every_state_the_script_was_in(scripts: ScriptStore, steps: list[tuple[str, Any]]) -> None:
    sid = session()
    states = [save(scripts, sid, 1, "start").content]
    for op, arg in steps:
        if op == "save":
            states.append(save(scripts, sid, 1, arg).content)
        elif arg <= len(states):
            states.append(scripts.rollback(sid, 1, arg).content)
    assert [v.content for v in scripts.list_versions(sid, 1)] == states
    assert scripts.get_script(sid, 1).content == states[-1]


# -- feedback -----------------------------------------------------------------------------


def test_feedback_is_kept_in_order_once_per_id(scripts: ScriptStore) -> None:
    sid = session()
    save(scripts, sid, 1)
    texts = ["テンポを上げて", "冒頭に問いかけを", "締めを短く"]
    for t in texts:
        assert scripts.add_feedback(sid, 1, t).added
    again = scripts.add_feedback(sid, 1, "冒頭に問いかけを")  # the same feedback (same text: same id)
    assert (again.added, again.position, again.feedback.feedback_id) == (False, 1, feedback_id_for("冒頭に問いかけを"))
    retried = [scripts.add_feedback(sid, 1, "once", feedback_id="req-1") for _ in range(2)]
    assert [r.added for r in retried] == [True, False]
    assert scripts.add_feedback(sid, 1, "once", feedback_id="req-2").added  # another id: another entry
    script = scripts.get_script(sid, 1)
    assert [f.text for f in script.feedback_history] == texts + ["once", "once"]
    assert script.version == 1  # feedback is not a new version of the script


def test_concurrent_feedback_is_all_kept(scripts: ScriptStore) -> None:
    known_difference(scripts.store, "moto", MOTO_NOT_ATOMIC)
    sid = session()
    save(scripts, sid, 1)
    results = run_together(*(lambda n=n: scripts.add_feedback(sid, 1, f"feedback {n}") for n in range(6)))
    assert all(r.added for r in results), results
    history = [f.text for f in scripts.get_script(sid, 1).feedback_history]
    assert sorted(history) == [f"feedback {n}" for n in range(6)]
    assert sorted(r.position for r in results) == list(range(6))
    assert all(history[r.position] == r.feedback.text for r in results)


def test_feedback_needs_the_script(scripts: ScriptStore) -> None:
    sid = session()
    with pytest.raises(ScriptNotFound):
        scripts.add_feedback(sid, 1, "to nobody")
    assert scripts.get_scripts_by_session(sid) == []  # the update did not create an item


# -- merged scripts -----------------------------------------------------------------------


def test_merge_joins_the_chapters_in_order_and_links_them(scripts: ScriptStore) -> None:
    sid = session()
    save(scripts, sid, 2, "二", duration_seconds=1.5)
    save(scripts, sid, 1, "一", duration_seconds=2)
    save(scripts, sid, 2, "二 改", duration_seconds=2.25)
    merged = scripts.merge_scripts(sid, title="全編")
    assert (merged.content, merged.title, merged.duration_seconds) == ("一\n\n二 改", "全編", 4.25)
    assert [(c.chapter, c.version) for c in merged.chapters] == [(1, 1), (2, 2)]
    assert [s.merged_id for s in scripts.get_scripts_by_session(sid)] == [merged.merged_id] * 2
    assert scripts.get_merged_script(sid, merged.merged_id) == merged
    part = scripts.merge_scripts(sid, chapters=[2], merged_id="only-two")
    assert (part.content, part.duration_seconds) == ("二 改", 2.25)
    assert [m.merged_id for m in scripts.get_merged_scripts_by_session(sid)] == [merged.merged_id, "only-two"]
    with pytest.raises(ConditionFailed, match="already exists"):
        scripts.merge_scripts(sid, chapters=[1], merged_id="only-two")
    assert scripts.get_merged_script(sid, "only-two").content == "二 改"
    with pytest.raises(MergedScriptNotFound):
        scripts.get_merged_script(session(), merged.merged_id)  # another session's


def test_a_merge_is_all_or_nothing(scripts: ScriptStore) -> None:
    sid = session()
    save(scripts, sid, 1)
    with pytest.raises(ScriptNotFound, match="chapter"):
        scripts.merge_scripts(sid, chapters=[1, 2], merged_id="m1")
    with pytest.raises(ScriptNotFound):
        scripts.merge_scripts(session())
    assert scripts.get_merged_scripts_by_session(sid) == []
    assert scripts.get_script(sid, 1).merged_id is None


def test_a_chapter_edited_during_a_merge_cancels_it(scripts: ScriptStore, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = session()
    save(scripts, sid, 1)
    save(scripts, sid, 2)
    read = scripts.scripts.batch_get

    def read_then_someone_edits(*args: Any, **kw: Any) -> Any:
        found = read(*args, **kw)
        scripts.edit_script(sid, 2, expected_version=1, content="edited meanwhile")
        return found

    monkeypatch.setattr(scripts.scripts, "batch_get", read_then_someone_edits)
    with pytest.raises(VersionConflict, match="chapter"):
        scripts.merge_scripts(sid, merged_id="m1")
    assert scripts.get_merged_scripts_by_session(sid) == []
    assert [s.merged_id for s in scripts.get_scripts_by_session(sid)] == [None, None]


def test_what_would_pass_400_kb_is_refused_not_lost(scripts: ScriptStore) -> None:
    sid = session()
    for chapter in range(1, 6):
        save(scripts, sid, chapter, "x" * MAX_CONTENT_BYTES)
    with pytest.raises(ItemTooLarge):  # 5 x 100 KB do not fit in one merged item
        scripts.merge_scripts(sid)
    assert scripts.get_merged_scripts_by_session(sid) == []
    save(scripts, sid, 1, "x" * MAX_CONTENT_BYTES, analysis="y" * MAX_ANALYSIS_BYTES)
    appended = 0
    with pytest.raises(ValidationError):  # feedback fills the item up: the append that would overflow is refused
        for n in range(40):
            scripts.add_feedback(sid, 1, f"{n:02d}" + "あ" * (MAX_FEEDBACK_CHARS - 2))
            appended += 1
    assert 10 < appended < 40
    assert len(scripts.get_script(sid, 1).feedback_history) == appended


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda s: s.save_script("", 1, title="t", content="c"),
    lambda s: s.save_script("a/b", 1, title="t", content="c"),
    lambda s: s.save_script("x" * 129, 1, title="t", content="c"),
    lambda s: s.save_script("ok", 0, title="t", content="c"),
    lambda s: s.save_script("ok", 10_000, title="t", content="c"),
    lambda s: s.save_script("ok", True, title="t", content="c"),
    lambda s: s.save_script("ok", 1, title="", content="c"),
    lambda s: s.save_script("ok", 1, title="t", content="\ud800"),
    lambda s: s.save_script("ok", 1, title="t", content="あ" * (MAX_CONTENT_BYTES // 3 + 1)),
    lambda s: s.save_script("ok", 1, title="t", content="c", duration_seconds=float("nan")),
    lambda s: s.save_script("ok", 1, title="t", content="c", duration_seconds=-1),
    lambda s: s.add_feedback("ok", 1, ""),
    lambda s: s.add_feedback("ok", 1, "t", feedback_id="bad id"),
    lambda s: s.merge_scripts("ok", chapters=[]),
    lambda s: s.merge_scripts("ok", chapters=list(range(1, 101))),
    lambda s: s.merge_scripts("ok", merged_id=""),
    lambda s: s.list_versions("ok", 1, after=-1),
], ids=lambda f: "")
def test_bad_input_is_refused_and_nothing_is_written(scripts: ScriptStore, call: Callable[[ScriptStore], Any]) -> None:
    with pytest.raises(ValidationError):
        call(scripts)
    assert scripts.scripts.scan().all() == [] and scripts.versions.scan().all() == []


def test_the_tables_are_the_seeds(scripts: ScriptStore) -> None:
    assert scripts.scripts.spec.partition_key.name == "script_id"
    assert [i.name for i in scripts.scripts.spec.indexes] == ["session_id-index"]
    assert [i.name for i in scripts.merged.spec.indexes] == ["session_id-index"]
    sid = session()
    save(scripts, sid, 1)
    # the index is the seed's: a session's items by session_id
    assert [i["script_id"] for i in scripts.scripts.query(Key("session_id").eq(sid), index="session_id-index")] == [
        f"{sid}#1"]
