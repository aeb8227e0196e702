"""The shipped spec files describe the five seed applications' tables as the seeds define them."""

from __future__ import annotations

from pathlib import Path

import pytest

import dynastore
from dynastore import KeyAttribute, TableSpec, load_specs

SPEC_DIR = Path(dynastore.__file__).parent / "specs"
SPEC_FILES = sorted(SPEC_DIR.glob("*.yaml"))


def _all_specs() -> dict[str, TableSpec]:
    out: dict[str, TableSpec] = {}
    for f in SPEC_FILES:
        for spec in load_specs(f):
            assert spec.name not in out, f"table {spec.name} is defined twice"
            out[spec.name] = spec
    return out


def _gsis(spec: TableSpec) -> dict[str, tuple[KeyAttribute | None, KeyAttribute | None]]:
    return {ix.name: (ix.partition_key, ix.sort_key) for ix in spec.indexes if not ix.local}


S = lambda name: KeyAttribute(name, "S")  # noqa: E731
N = lambda name: KeyAttribute(name, "N")  # noqa: E731


def test_one_file_per_application() -> None:
    assert [f.name for f in SPEC_FILES] == [
        "blog.yaml",
        "chat_messages.yaml",
        "devflow_sessions.yaml",
        "video_generations.yaml",
        "video_scripts.yaml",
    ]


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_every_table_is_documented(path: Path) -> None:
    specs = load_specs(path)
    assert specs
    for spec in specs:
        assert spec.description.strip(), f"{spec.name} has no description"
        assert spec.access_patterns, f"{spec.name} lists no access patterns"
        assert all((p if isinstance(p, str) else p.description).strip() for p in spec.access_patterns)


def test_the_tables_are_exactly_the_seeds() -> None:
    assert set(_all_specs()) == {
        "YukkuriScripts", "YukkuriMergedScripts", "YukkuriScriptVersions",  # 000 (+ its version history)
        "video-gennie-generations",  # 001
        "chat-messages",  # 002
        "devflow-sessions",  # 003
        "activities", "likes", "comments", "sessions",  # 004
    }


def test_000_video_scripts() -> None:
    specs = _all_specs()
    scripts, merged = specs["YukkuriScripts"], specs["YukkuriMergedScripts"]
    assert (scripts.partition_key, scripts.sort_key) == (S("script_id"), None)
    assert _gsis(scripts) == {"session_id-index": (S("session_id"), None)}
    assert (merged.partition_key, merged.sort_key) == (S("merged_id"), None)
    assert _gsis(merged) == {"session_id-index": (S("session_id"), None)}
    assert scripts.ttl_attribute is None and merged.ttl_attribute is None
    versions = specs["YukkuriScriptVersions"]
    assert (versions.partition_key, versions.sort_key) == (S("script_id"), N("version"))


def test_001_generations() -> None:
    gen = _all_specs()["video-gennie-generations"]
    assert (gen.partition_key, gen.sort_key) == (S("generationId"), None)
    assert _gsis(gen) == {"userId-createdAt-index": (S("userId"), S("createdAt"))}
    # createdAt/updatedAt are ISO strings, kept by dynastore; saves are version-checked.
    assert (gen.created_at_attribute, gen.updated_at_attribute, gen.timestamp_format) == ("createdAt", "updatedAt", "iso")
    assert gen.version_attribute == "version"
    assert gen.ttl_attribute is None


def test_002_chat_messages() -> None:
    chat = _all_specs()["chat-messages"]
    assert (chat.partition_key, chat.sort_key) == (S("chat_id"), S("message_key"))
    # a message by id (MessageStore.get / delete): a GSI, so existing tables gain it on reconcile
    assert _gsis(chat) == {"message_id-index": (S("message_id"), None)}
    assert chat.ttl_attribute is None


def test_003_devflow_sessions_as_defined() -> None:
    dev = _all_specs()["devflow-sessions"]
    assert (dev.partition_key, dev.sort_key) == (S("session_id"), None)
    assert _gsis(dev) == {"user_id-created_at-index": (S("user_id"), N("created_at"))}
    assert dev.indexes[0].projection == "ALL"
    assert dev.ttl_attribute == "ttl"
    assert dev.billing_mode == "PAY_PER_REQUEST"
    # created_at / updated_at are Unix times (Number), as the column list says.
    assert (dev.created_at_attribute, dev.updated_at_attribute, dev.timestamp_format) == ("created_at", "updated_at", "epoch")


def test_004_blog() -> None:
    specs = _all_specs()
    act = specs["activities"]
    assert (act.partition_key, act.sort_key) == (S("user_id"), S("timestamp"))
    assert _gsis(act) == {
        "ActivityTypeIndex": (S("activity_type"), S("timestamp")),
        "PostActivityIndex": (S("post_id"), S("timestamp")),
        "RecentActivityIndex": (S("feed_shard"), S("timestamp")),
    }
    likes = specs["likes"]
    assert (likes.partition_key, likes.sort_key, likes.indexes) == (S("post_id"), None, ())
    comments = specs["comments"]
    assert (comments.partition_key, comments.sort_key, comments.indexes) == (S("post_id"), S("comment_id"), ())
    sessions = specs["sessions"]
    assert (sessions.partition_key, sessions.sort_key) == (S("session_id"), None)
    assert sessions.ttl_attribute == "expires_at"
    assert all(specs[n].ttl_attribute is None for n in ("activities", "likes", "comments"))


def test_specs_ship_with_the_package() -> None:
    """pyproject's package-data must carry the files, or `dynastore demo` breaks when installed."""
    import tomllib

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not running from a source checkout")
    data = tomllib.loads(pyproject.read_text())
    assert "specs/*.yaml" in data["tool"]["setuptools"]["package-data"]["dynastore"]


def test_index_projection_forms():
    import pytest

    from dynastore import Index, ValidationError

    assert Index("abc", partition_key=("a", "S"), projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}).projection == ("x",)
    assert Index("abc", partition_key=("a", "S"), projection={"ProjectionType": "KEYS_ONLY"}).projection == "KEYS_ONLY"
    for bad in ({"ProjectionType": "INCLUDE"}, {"ProjectionType": "INCLUDE", "NonKeyAttributes": None},
                {"ProjectionType": "BOGUS"}, 5, []):
        with pytest.raises(ValidationError):
            Index("abc", partition_key=("a", "S"), projection=bad)
