"""Seed 001's generation states: `GenerationStore` on every engine, and the same behaviours on `FileGenerationStorage`.

`Behaviours` holds what both storages do; `TestStore` runs it on each engine
(``sync_store``) plus what only the table does, `TestFiles` on a directory
plus what only files do.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from dynastore import (
    ConditionFailed,
    ItemNotFound,
    KeyAttribute,
    Store,
    StoreUnavailable,
    TableSpec,
    ValidationError,
)
from dynastore.apps.generations import (
    STAGES,
    FileGenerationStorage,
    GenerationStateStorage,
    GenerationStore,
    StorageConflictError,
    StorageInitializationError,
    StorageNotFoundError,
    StorageOperationError,
    create_generation_storage,
    migrate_generations,
    status_of,
)
from dynastore.apps.generations import cursor as cursors
from dynastore.errors import ItemTooLarge, VersionConflict

from .._support import known_difference

PARAMS = {"prompt": "Create a video about AI", "language": "en", "options": {"aspectRatio": "16:9"}}


def days_ago(n: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=n)).isoformat()


def all_pages(storage: GenerationStateStorage, user: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = storage.get_user_generations(user, limit=limit, cursor=cursor)
        pages.append([g.generationId for g in page.items])
        if page.cursor is None:
            return pages
        cursor = page.cursor


class Behaviours:
    """What every GenerationStateStorage does; subclasses give the ``storage`` fixture."""

    def test_save_then_get(self, storage: GenerationStateStorage) -> None:
        saved = storage.save({"generationId": "gen_1", "userId": "u1", "initialParams": PARAMS})
        got = storage.get("gen_1")
        assert got == saved
        assert got is not None
        assert (got.status, got.version, got.initialParams) == ("created", 1, PARAMS)
        assert got.createdAt is not None and got.createdAt == got.updatedAt
        assert storage.get("gen_2") is None

    def test_save_refuses_an_existing_generation_unless_overwriting(self, storage: GenerationStateStorage) -> None:
        first = storage.save({"generationId": "gen_1", "userId": "u1", "initialParams": PARAMS,
                              "script": {"content": "v1"}})
        with pytest.raises(StorageConflictError) as e:
            storage.save({"generationId": "gen_1", "userId": "u1", "initialParams": {}})
        assert isinstance(e.value, ConditionFailed)  # the API answers 409
        assert storage.get("gen_1") == first
        replaced = storage.save({"generationId": "gen_1", "userId": "u1", "initialParams": {"prompt": "again"}},
                                overwrite=True)
        assert replaced.script is None and replaced.status == "created"
        assert replaced.initialParams == {"prompt": "again"}
        assert replaced.version == 2 and replaced.createdAt == first.createdAt
        assert storage.get("gen_1") == replaced
        # overwrite of nothing creates it
        assert storage.save({"generationId": "gen_9"}, overwrite=True).version == 1

    def test_update_sets_only_the_given_stages(self, storage: GenerationStateStorage) -> None:
        saved = storage.save({"generationId": "gen_1", "userId": "u1", "initialParams": PARAMS,
                              "script": {"content": "AI is transforming our world...", "mood": "informative"}})
        updated = storage.update("gen_1", {"audio": {"voice": "alloy", "seconds": 12.5}})
        assert updated.script == saved.script and updated.audio == {"voice": "alloy", "seconds": 12.5}
        assert updated.initialParams == PARAMS
        assert (updated.status, updated.version) == ("audio", 2)
        assert updated.createdAt == saved.createdAt
        assert updated.updatedAt is not None and saved.updatedAt is not None and updated.updatedAt >= saved.updatedAt
        assert storage.get("gen_1") == updated
        again = storage.update("gen_1", {"initialParams": {"prompt": "new"}})
        assert again.initialParams == {"prompt": "new"} and again.status == "audio" and again.version == 3

    def test_every_stage_in_one_update(self, storage: GenerationStateStorage) -> None:
        # the seed wrote status twice in one UpdateExpression here ("Two document paths overlap")
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        done = storage.update("gen_1", {s: {"n": i} for i, s in enumerate(STAGES)} | {"initialParams": {"p": 1}})
        assert done.status == "youtube"
        assert [getattr(done, s) for s in STAGES] == [{"n": i} for i in range(len(STAGES))]

    def test_update_of_a_missing_generation_is_not_found_and_creates_nothing(
            self, storage: GenerationStateStorage) -> None:
        with pytest.raises(StorageNotFoundError) as e:
            storage.update("gen_missing", {"script": {"content": "x"}})
        assert isinstance(e.value, ItemNotFound)  # the API answers 404
        assert storage.get("gen_missing") is None
        with pytest.raises(StorageNotFoundError):
            storage.update("gen_missing", {"initialParams": {"a": 1}}, expected_version=1)
        assert storage.get("gen_missing") is None

    def test_update_checks_the_owner(self, storage: GenerationStateStorage) -> None:
        saved = storage.save({"generationId": "gen_1", "userId": "alice", "initialParams": PARAMS})
        with pytest.raises(StorageNotFoundError):
            storage.update("gen_1", {"script": {"content": "x"}}, user_id="bob")
        assert storage.get("gen_1") == saved
        assert storage.update("gen_1", {"script": {"content": "x"}}, user_id="alice").status == "script"

    def test_update_with_a_stale_version_is_a_conflict(self, storage: GenerationStateStorage) -> None:
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        assert storage.update("gen_1", {"script": {"c": 1}}, expected_version=1).version == 2
        with pytest.raises(VersionConflict):
            storage.update("gen_1", {"audio": {"c": 2}}, expected_version=1)
        got = storage.get("gen_1")
        assert got is not None and got.audio is None and got.version == 2

    def test_status_only_moves_forward(self, storage: GenerationStateStorage) -> None:
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        assert storage.update("gen_1", {"finalVideo": {"url": "s3://v.mp4"}}).status == "finalVideo"
        late = storage.update("gen_1", {"script": {"content": "x"}})
        assert late.status == "finalVideo" and late.script == {"content": "x"}
        assert storage.update("gen_1", {"youtube": {"videoId": "abc"}}).status == "youtube"

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(st.lists(st.sampled_from(STAGES), min_size=1, max_size=3, unique=True),
                          min_size=1, max_size=5))
    def test_status_is_the_latest_stage_present_whatever_the_order(
            self, storage: GenerationStateStorage, steps: list[list[str]]) -> None:
        gid = f"gen_{uuid.uuid4().hex}"
        storage.save({"generationId": gid})
        present: set[str] = set()
        for i, stages in enumerate(steps):
            got = storage.update(gid, {s: {"step": i} for s in stages})
            present.update(stages)
            assert got.status == status_of(present) == max(present, key=STAGES.index)
        final = storage.get(gid)
        assert final is not None and final.version == len(steps) + 1
        assert {s for s in STAGES if getattr(final, s) is not None} == present

    def test_invalid_input_is_refused_before_anything_is_written(self, storage: GenerationStateStorage) -> None:
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        bad: list[tuple[Any, ...]] = [
            ("update", "gen_1", {}),  # nothing to update
            ("update", "gen_1", {"status": "youtube"}),  # derived, not settable
            ("update", "gen_1", {"script": "not a map"}),
            ("update", "gen_1", {"script": {"x": "\ud800"}}),  # a lone surrogate
            ("update", "../etc/passwd", {"script": {}}),
            ("update", "", {"script": {}}),
            ("save", {"generationId": "a/b"}),
            ("save", {"generationId": "gen_2", "userId": ""}),
            ("save", {"generationId": "gen_2", "initialParams": {"n": float("nan")}}),
            ("get", ".hidden"),
            ("delete", "x" * 200),
            ("get_user_generations", "u1 with spaces"),
        ]
        for name, *args in bad:
            with pytest.raises(ValidationError):
                getattr(storage, name)(*args)
        with pytest.raises(ValidationError):
            storage.get_user_generations("u1", limit=0)
        with pytest.raises(ValidationError):
            storage.cleanup(-5)
        got = storage.get("gen_1")
        assert got is not None and got.version == 1 and got.script is None
        assert storage.get("gen_2") is None

    def test_an_item_over_400_kb_is_refused_with_a_clear_error(self, storage: GenerationStateStorage) -> None:
        if isinstance(storage, FileGenerationStorage):
            pytest.skip("files have no item limit")
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        with pytest.raises(ItemTooLarge, match="400 KB"):
            storage.save({"generationId": "gen_2", "initialParams": {"blob": "x" * 410_000}})
        storage.update("gen_1", {"script": {"text": "y" * 300_000}})
        with pytest.raises(ItemTooLarge, match="400 KB"):
            storage.update("gen_1", {"audio": {"text": "z" * 150_000}})
        got = storage.get("gen_1")
        assert storage.get("gen_2") is None and got is not None and got.audio is None

    def test_concurrent_updates_of_different_stages_both_land(self, storage: GenerationStateStorage) -> None:
        if isinstance(storage, GenerationStore):
            known_difference(storage.store, "moto", "moto applies concurrent UpdateItems to one item without "
                             "isolation: both read version 1 and both write 2 (DynamoDB serialises them)")
        rounds = 4
        for r in range(rounds):
            storage.save({"generationId": f"gen_{r}", "initialParams": PARAMS})
        errors: list[BaseException] = []

        def worker(stage: str, barrier: threading.Barrier) -> None:
            try:
                for r in range(rounds):
                    barrier.wait(timeout=30)
                    storage.update(f"gen_{r}", {stage: {"by": stage}})
            except BaseException as e:  # reported below
                errors.append(e)

        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=worker, args=(s, barrier)) for s in ("script", "clips")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors
        for r in range(rounds):
            got = storage.get(f"gen_{r}")
            assert got is not None
            assert (got.script, got.clips) == ({"by": "script"}, {"by": "clips"})
            assert got.status == "clips" and got.version == 3

    def test_delete(self, storage: GenerationStateStorage) -> None:
        storage.save({"generationId": "gen_1", "userId": "alice", "initialParams": PARAMS})
        assert storage.delete("gen_1", user_id="bob") is False
        assert storage.get("gen_1") is not None
        assert storage.delete("gen_1", user_id="alice") is True
        assert storage.get("gen_1") is None
        assert storage.delete("gen_1") is False

    def test_a_users_generations_newest_first_in_pages(self, storage: GenerationStateStorage) -> None:
        ids = [f"gen_{i:02d}" for i in range(7)]
        for gid in ids:
            storage.save({"generationId": gid, "userId": "alice", "initialParams": PARAMS})
        storage.save({"generationId": "gen_bob", "userId": "bob", "initialParams": PARAMS})
        newest_first = ids[::-1]
        assert all_pages(storage, "alice", 3) == [newest_first[:3], newest_first[3:6], newest_first[6:]]
        # an exact multiple of the page size ends without an empty page
        assert all_pages(storage, "alice", 7) == [newest_first]
        assert all_pages(storage, "bob", 20) == [["gen_bob"]]
        assert all_pages(storage, "carol", 20) == [[]]
        page = storage.get_user_generations("alice", limit=2)
        stamps = [g.createdAt.isoformat() for g in page.items if g.createdAt]
        assert len(stamps) == 2 and stamps == sorted(stamps, reverse=True)

    def test_the_cursor_is_opaque_and_checked(self, storage: GenerationStateStorage) -> None:
        for i in range(3):
            storage.save({"generationId": f"gen_{i}", "userId": "alice", "initialParams": PARAMS})
        cursor = storage.get_user_generations("alice", limit=1).cursor
        assert cursor is not None
        assert "{" not in cursor and "generationId" not in cursor  # not a raw DynamoDB key
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        user, created, gid = json.loads(raw)
        forged = [
            cursor[:-3], cursor + "!", "", "x" * 5000, "%%%",
            base64.urlsafe_b64encode(b'{"LastEvaluatedKey": 1}').decode(),
            base64.urlsafe_b64encode(json.dumps([user, "not a time", gid]).encode()).decode(),
            base64.urlsafe_b64encode(json.dumps([user, created, "../x"]).encode()).decode(),
            base64.urlsafe_b64encode(json.dumps([user, created]).encode()).decode(),
        ]
        for bad in forged:
            with pytest.raises(ValidationError):
                storage.get_user_generations("alice", cursor=bad)
        with pytest.raises(ValidationError, match="another user"):
            storage.get_user_generations("bob", cursor=cursor)

    def test_get_one_user_generation_checks_the_owner(self, storage: GenerationStateStorage) -> None:
        saved = storage.save({"generationId": "gen_1", "userId": "alice", "initialParams": PARAMS})
        assert storage.get_user_generation("alice", "gen_1") == saved
        assert storage.get_user_generation("bob", "gen_1") is None
        assert storage.get_user_generation("alice", "gen_2") is None

    def test_cleanup_deletes_only_old_generations(self, storage: GenerationStateStorage) -> None:
        for i in range(3):
            storage.save({"generationId": f"old_{i}", "userId": "alice", "createdAt": days_ago(3)})
        storage.save({"generationId": "old_bob", "userId": "bob", "createdAt": days_ago(2)})
        storage.save({"generationId": "yesterday", "userId": "alice", "createdAt": days_ago(0.5)})
        storage.save({"generationId": "fresh", "userId": "alice"})
        assert storage.cleanup(timedelta(days=1), user_id="bob") == 1
        assert storage.get("old_0") is not None
        assert storage.cleanup() == 3  # default: older than 24 hours
        assert {g.generationId for g in storage.iter_all()} == {"yesterday", "fresh"}
        assert storage.cleanup(3600) == 1  # a number is seconds
        assert {g.generationId for g in storage.iter_all()} == {"fresh"}

    def test_clear_all(self, storage: GenerationStateStorage) -> None:
        for i in range(30):
            storage.save({"generationId": f"gen_{i}", "userId": f"u{i % 3}"})
        assert storage.clear_all() == 30
        assert list(storage.iter_all()) == []
        assert storage.clear_all() == 0

    def test_health_and_metrics(self, storage: GenerationStateStorage) -> None:
        assert storage.is_healthy() is True
        for i in range(3):
            storage.save({"generationId": f"gen_{i}"})
        storage.update("gen_0", {"script": {}})
        with pytest.raises(StorageNotFoundError):
            storage.update("gen_x", {"script": {}})
        m = storage.get_metrics()
        assert m["activeGenerations"] == 3
        assert m["operations"]["save"] == 3 and m["operations"]["update"] == 2
        assert m["errors"] == {"update": 1}

    def test_iter_all(self, storage: GenerationStateStorage) -> None:
        for i in range(5):
            storage.save({"generationId": f"gen_{i}", "userId": "u", "audio": {"i": i}})
        got = sorted(storage.iter_all(), key=lambda g: g.generationId)
        assert [(g.generationId, g.audio, g.status) for g in got] == [(f"gen_{i}", {"i": i}, "audio") for i in range(5)]

    def test_migration_into_a_store_is_idempotent(self, storage: GenerationStateStorage, tmp_path: Path) -> None:
        source = FileGenerationStorage(tmp_path / "seed-files")
        source.save({"generationId": "gen_a", "initialParams": PARAMS, "script": {"content": "s"},
                     "createdAt": "2024-05-01T10:00:00.000Z"})
        source.save({"generationId": "gen_b", "userId": "bob", "initialParams": PARAMS})
        storage.save({"generationId": "gen_c", "initialParams": {"already": "there"}})
        source.save({"generationId": "gen_c", "initialParams": PARAMS})
        (tmp_path / "seed-files" / "broken.json").write_text("{not json")
        result = migrate_generations(source, storage)
        assert (result.read, result.copied, result.skipped) == (3, 2, 1)
        assert [name for name, _ in result.invalid] == ["broken.json"]
        a = storage.get("gen_a")
        assert a is not None and a.script == {"content": "s"} and a.status == "script" and a.userId == "anonymous"
        assert a.createdAt == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
        c = storage.get("gen_c")
        assert c is not None and c.initialParams == {"already": "there"}
        again = migrate_generations(source, storage)
        assert (again.read, again.copied, again.skipped) == (3, 0, 3)
        assert storage.get_user_generations("bob").items[0].generationId == "gen_b"


class TestStore(Behaviours):
    @pytest.fixture
    def storage(self, sync_store: Store, prefix: str) -> Iterator[GenerationStore]:
        with GenerationStore(sync_store, table=f"{prefix}gens") as s:
            yield s

    def test_prometheus_counters_on_the_given_registry(self, sync_store: Store, prefix: str) -> None:
        registry = CollectorRegistry()
        gens = GenerationStore(sync_store, table=f"{prefix}gens", registry=registry)
        gens.save({"generationId": "gen_1"})
        assert gens.get("gen_1") is not None
        gens.get_metrics()
        value = registry.get_sample_value
        assert value("dynastore_generations_operations_total", {"operation": "save", "outcome": "ok"}) == 1
        assert value("dynastore_generations_operations_total", {"operation": "get", "outcome": "ok"}) == 1
        assert value("dynastore_generations_active_generations") == 1

    def test_unhealthy_without_its_table(self, sync_store: Store, prefix: str) -> None:
        gens = GenerationStore(sync_store, table=f"{prefix}gens")
        sync_store.delete_table(gens.table.name)
        assert gens.is_healthy() is False

    def test_initialization_error_when_the_table_cannot_be_made(self, sync_store: Store, prefix: str) -> None:
        sync_store.create_table(TableSpec(name=f"{prefix}gens", partition_key=KeyAttribute("other", "N")))
        with pytest.raises(StorageInitializationError) as e:
            GenerationStore(sync_store, table=f"{prefix}gens")
        assert isinstance(e.value, StoreUnavailable)  # the API answers 503

    def test_status_written_once_per_update_and_kept_in_the_item(self, storage: GenerationStore) -> None:
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        storage.update("gen_1", {"keywords": {"k": ["a"]}, "script": {"c": 1}})
        raw = storage.table.get({"generationId": "gen_1"}, consistent=True)
        assert raw is not None and raw["status"] == "keywords" and raw["version"] == 2

    def test_items_written_without_status_or_owner_read_and_update(self, storage: GenerationStore) -> None:
        # as `dynastore demo` or the seed wrote them: no status, no userId
        storage.table.put({"generationId": "gen_raw", "initialParams": PARAMS, "audio": {"v": 1}},
                          expected_version=None)
        got = storage.get("gen_raw")
        assert got is not None and got.status == "audio" and got.userId == "anonymous"
        assert storage.update("gen_raw", {"script": {"c": 1}}).status == "audio"
        assert storage.update("gen_raw", {"clips": {"c": 1}}).status == "clips"

    def test_an_item_that_is_not_a_state_is_an_operation_error_and_left_out_of_listings(
            self, storage: GenerationStore, tmp_path: Path) -> None:
        storage.table.put({"generationId": "gen_bad", "userId": "alice", "initialParams": "not a map"},
                          expected_version=None)
        storage.save({"generationId": "gen_ok", "userId": "alice"})
        with pytest.raises(StorageOperationError, match="gen_bad"):
            storage.get("gen_bad")
        assert [g.generationId for g in storage.get_user_generations("alice").items] == ["gen_ok"]
        with pytest.raises(StorageOperationError):
            list(storage.iter_all())
        result = migrate_generations(storage, FileGenerationStorage(tmp_path / "out"))
        assert (result.copied, [n for n, _ in result.invalid]) == (1, ["gen_bad"])

    def test_cleanup_reads_every_page(self, storage: GenerationStore) -> None:
        # ~1.3 MB of old generations: more than one 1 MB page of the index
        pad = "p" * 40_000
        for i in range(33):
            storage.save({"generationId": f"old_{i:02d}", "userId": f"u{i % 2}", "createdAt": days_ago(2),
                          "initialParams": {"pad": pad}})
        storage.save({"generationId": "fresh", "userId": "u0"})
        assert storage.cleanup() == 33
        assert [g.generationId for g in storage.iter_all()] == ["fresh"]


class TestFiles(Behaviours):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> FileGenerationStorage:
        return FileGenerationStorage(tmp_path / "generations")

    def test_one_json_file_per_generation(self, storage: FileGenerationStorage) -> None:
        storage.save({"generationId": "gen_1", "initialParams": PARAMS})
        data = json.loads((storage.directory / "gen_1.json").read_text())
        assert data["generationId"] == "gen_1" and data["initialParams"] == PARAMS and data["version"] == 1
        assert [p.name for p in storage.directory.glob("*.json")] == ["gen_1.json"]

    def test_files_the_seed_wrote_read_fine(self, storage: FileGenerationStorage) -> None:
        (storage.directory / "gen_old.json").write_text(json.dumps({
            "generationId": "gen_old", "initialParams": PARAMS, "script": {"content": "s"}, "clips": {"n": 3},
            "createdAt": "2024-01-02T03:04:05.678Z", "updatedAt": "2024-01-02T03:04:06.000Z"}))
        got = storage.get("gen_old")
        assert got is not None and got.status == "clips" and got.userId == "anonymous" and got.version is None
        assert storage.update("gen_old", {"audio": {"v": 1}}).version == 1

    def test_a_corrupt_file_is_an_operation_error(self, storage: FileGenerationStorage) -> None:
        (storage.directory / "gen_bad.json").write_text("[1, 2")
        with pytest.raises(StorageOperationError, match="gen_bad.json"):
            storage.get("gen_bad")
        with pytest.raises(StorageOperationError):
            list(storage.iter_all())
        storage.save({"generationId": "gen_ok", "userId": "u"})
        assert [g.generationId for g in storage.get_user_generations("u").items] == ["gen_ok"]  # skipped, logged

    def test_initialization_error_when_the_directory_cannot_be_made(self, tmp_path: Path) -> None:
        (tmp_path / "a-file").write_text("")
        with pytest.raises(StorageInitializationError):
            FileGenerationStorage(tmp_path / "a-file" / "generations")

    def test_unhealthy_without_its_directory(self, storage: FileGenerationStorage) -> None:
        storage.directory.joinpath(".lock").unlink()
        storage.directory.rmdir()
        assert storage.is_healthy() is False


def test_the_factory_builds_new_storages(sync_store: Store, prefix: str, tmp_path: Path) -> None:
    files = create_generation_storage("file", directory=tmp_path / "g")
    assert isinstance(files, FileGenerationStorage) and isinstance(files, GenerationStateStorage)
    one = create_generation_storage("dynamodb", store=sync_store, table=f"{prefix}gens")
    two = create_generation_storage("dynamodb", store=sync_store, table=f"{prefix}gens")
    assert isinstance(one, GenerationStore) and one is not two  # no singleton: migrations need two at once
    one.save({"generationId": "gen_1"})
    assert two.get("gen_1") is not None
    with pytest.raises(ValidationError):
        create_generation_storage("s3")  # type: ignore[arg-type]


def test_cli_migrates_the_file_storage(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dynastore import open_store
    from dynastore.apps.generations import DEFAULT_TABLE
    from dynastore.cli import app
    from dynastore.cli import generations as cli

    assert cli.DEFAULT_TABLE == DEFAULT_TABLE  # spelt out there to keep start-up fast
    files = FileGenerationStorage(tmp_path / "files")
    for i in range(3):
        files.save({"generationId": f"gen_{i}", "userId": "alice", "initialParams": PARAMS})
    url = f"sqlite:///{tmp_path}/gens.db"
    runner = CliRunner()
    first = runner.invoke(app, ["generations", "migrate", "--from", str(tmp_path / "files"), "--url", url])
    assert first.exit_code == 0, first.output
    assert "copied 3, already there 0, read 3" in first.output
    (tmp_path / "files" / "junk.json").write_text('{"generationId": 5}')
    again = runner.invoke(app, ["generations", "migrate", "--from", str(tmp_path / "files"), "--url", url])
    assert again.exit_code == 1 and "copied 0, already there 3, read 3" in again.output
    assert "junk.json" in again.output
    with open_store(url) as store:
        gens = GenerationStore(store)
        assert [g.generationId for g in gens.get_user_generations("alice").items] == ["gen_2", "gen_1", "gen_0"]


@settings(max_examples=200, deadline=None)
@given(user=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@+-]{0,40}", fullmatch=True),
       gid=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}", fullmatch=True),
       at=st.datetimes(timezones=st.just(timezone.utc)))
def test_cursors_round_trip_and_stay_url_safe(user: str, gid: str, at: datetime) -> None:
    pos = cursors.Position(user, at.isoformat(timespec="microseconds"), gid)
    text = cursors.encode(pos)
    assert cursors.decode(text, user) == pos
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
