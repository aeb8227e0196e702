"""The `dynastore` command, driven through Typer's CliRunner on throwaway stores."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import dynastore
from dynastore import loads, open_store
from dynastore.cli import app

runner = CliRunner()

SPEC = """
tables:
  - name: notes
    partition_key: [user, S]
    sort_key: [n, N]
    indexes:
      - {name: by-tag, partition_key: [tag, S], sort_key: [n, N]}
    ttl_attribute: expires
  - name: blobs
    partition_key: [id, B]
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default URL (sqlite:///data/dynastore.db) and .env are relative to the
    # working directory: keep both away from the checkout.
    monkeypatch.chdir(tmp_path)
    for var in ("DYNASTORE_URL", "DYNAMODB_ENABLED", "DYNAMODB_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"  # an absolute path: sqlite:////tmp/...


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(SPEC)
    return p


@pytest.fixture
def filled(url: str, spec_file: Path) -> str:
    """A store with the spec's tables and a few items."""
    assert run("init", str(spec_file), "--url", url).exit_code == 0
    with open_store(url) as store:
        notes = store.table("notes")
        for n in range(1, 6):
            notes.put({"user": "ann", "n": n, "tag": "x" if n % 2 else "y", "text": f"note {n}", "score": n / 4})
        store.table("blobs").put({"id": b"\x00\x01", "size": 2})
    return url


def run(*args: str, **kw):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), **kw)


def assert_one_error_line(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in lines[0], lines[0]


# -- help -------------------------------------------------------------------------


def test_every_command_and_parameter_has_help() -> None:
    """sqlite-utils style: a command or option without help text fails the build."""
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert {"init", "tables", "scan", "get", "demo"} <= set(commands)  # command modules add more
    missing = []
    for name, cmd in commands.items():
        if not (cmd.help or "").strip():
            missing.append(f"command {name}")
        for param in cmd.params:
            if param.name == "help":
                continue
            text = getattr(param, "help", None) or ""
            if not text.strip():
                missing.append(f"{name} {param.name}")
            elif "[" in text:  # Rich markup would swallow "[...]" in the rendered help
                missing.append(f"{name} {param.name} (has '[')")
    assert not missing, f"no usable help text: {missing}"


@pytest.mark.parametrize("command", ["init", "tables", "scan", "get", "demo"])
def test_help_runs(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_no_arguments_shows_help() -> None:
    result = run()
    assert "Usage" in result.output
    for command in ("init", "tables", "scan", "get", "demo"):
        assert command in result.output


# -- init -------------------------------------------------------------------------


def test_init_creates_then_finds(url: str, spec_file: Path) -> None:
    first = run("init", str(spec_file), "--url", url)
    assert first.exit_code == 0, first.output
    assert "notes: created" in first.output and "blobs: created" in first.output
    again = run("init", str(spec_file), "--url", url)
    assert again.exit_code == 0, again.output
    assert "notes: found, up to date" in again.output and "blobs: found, up to date" in again.output
    with open_store(url) as store:
        assert store.tables() == ["blobs", "notes"]
        spec = store.describe("notes").spec
        assert [ix.name for ix in spec.indexes] == ["by-tag"] and spec.ttl_attribute == "expires"


def test_init_adds_a_missing_index_and_ttl(url: str, tmp_path: Path) -> None:
    bare = tmp_path / "bare.json"
    bare.write_text('{"name": "notes", "partition_key": ["user", "S"], "sort_key": ["n", "N"]}')
    assert run("init", str(bare), "--url", url).exit_code == 0
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    result = run("init", str(spec), "--url", url)
    assert result.exit_code == 0, result.output
    assert "notes: updated: added index by-tag, TTL on expires" in result.output


def test_init_uses_the_environment_url(tmp_path: Path, spec_file: Path) -> None:
    env_url = f"sqlite:///{tmp_path}/from-env.db"
    result = run("init", str(spec_file), env={"DYNASTORE_URL": env_url})
    assert result.exit_code == 0, result.output
    with open_store(env_url) as store:
        assert "notes" in store.tables()


def test_default_url_is_the_sqlite_file(tmp_path: Path, spec_file: Path) -> None:
    assert dynastore.Settings().store_url() == "sqlite:///data/dynastore.db"
    result = run("init", str(spec_file))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "dynastore.db").exists()


def test_the_shipped_specs_init(url: str) -> None:
    spec_dir = Path(dynastore.__file__).parent / "specs"
    for f in sorted(spec_dir.glob("*.yaml")):
        result = run("init", str(f), "--url", url)
        assert result.exit_code == 0, result.output
    with open_store(url) as store:
        assert len(store.tables()) == 10  # the seeds' 9 tables and seed 000's version history


# -- tables, scan, get ------------------------------------------------------------------


def test_tables(filled: str) -> None:
    result = run("tables", "--url", filled)
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("notes", "blobs", "user:S", "n:N", "id:B", "by-tag", "tag:S", "expires"):
        assert text in out, text
    row = next(line for line in out.splitlines() if "│ notes" in line)
    assert "│     5 │" in row


def test_tables_on_an_empty_store() -> None:
    result = run("tables", "--url", "memory://")
    assert result.exit_code == 0
    assert "No tables" in result.output


def test_scan_as_a_table(filled: str) -> None:
    result = run("scan", "notes", "--url", filled)
    assert result.exit_code == 0, result.output
    assert "notes: 5 item(s)" in result.output
    for text in ("user", "text", "note 1", "note 5", "0.25"):
        assert text in result.output


def test_scan_as_json_lines(filled: str) -> None:
    result = run("scan", "notes", "--json", "--url", filled)
    assert result.exit_code == 0, result.output
    items = [loads(line) for line in result.stdout.splitlines()]
    assert [i["n"] for i in items] == [1, 2, 3, 4, 5]
    assert str(items[0]["score"]) == "0.25"  # exact decimal, as dynastore.dumps writes it


def test_scan_limit(filled: str) -> None:
    result = run("scan", "notes", "--json", "--limit", "2", "--url", filled)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    table = run("scan", "notes", "-n", "2", "--url", filled)
    assert "2 item(s) (more" in table.output


def test_scan_hides_expired_items_unless_asked(filled: str) -> None:
    with open_store(filled) as store:
        store.table("notes").put({"user": "bob", "n": 1, "expires": 1})
    assert len(run("scan", "notes", "--json", "--url", filled).stdout.splitlines()) == 5
    shown = run("scan", "notes", "--json", "--include-expired", "--url", filled)
    assert len(shown.stdout.splitlines()) == 6


def test_get_coerces_number_keys(filled: str) -> None:
    result = run("get", "notes", "user=ann", "n=3", "--url", filled)
    assert result.exit_code == 0, result.output
    item = loads(result.stdout)
    assert item["text"] == "note 3" and item["n"] == 3


def test_get_binary_key_as_base64(filled: str) -> None:
    result = run("get", "blobs", "id=" + base64.b64encode(b"\x00\x01").decode(), "--url", filled)
    assert result.exit_code == 0, result.output
    assert loads(result.stdout)["size"] == 2


# -- errors: one red line, exit 1 --------------------------------------------------


def test_bad_url() -> None:
    assert_one_error_line(run("tables", "--url", "nope://x"), "unknown store URL")


def test_bad_url_from_the_environment() -> None:
    assert_one_error_line(run("tables", env={"DYNASTORE_URL": "sqlite://"}), "names no file")


def test_bad_setting_in_the_environment() -> None:
    assert_one_error_line(run("tables", env={"DYNAMODB_ENABLED": "perhaps"}), "invalid configuration")


def test_missing_table(url: str) -> None:
    assert_one_error_line(run("scan", "nothing-here", "--url", url))
    assert_one_error_line(run("get", "nothing-here", "k=v", "--url", url))


def test_missing_spec_file(tmp_path: Path) -> None:
    assert_one_error_line(run("init", str(tmp_path / "absent.yaml"), "--url", "memory://"), "absent.yaml")


def test_invalid_spec_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  - name: x\n    partition_key: [k, Q]\n")
    assert_one_error_line(run("init", str(bad), "--url", "memory://"), "invalid table spec")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tables: [\n")
    assert_one_error_line(run("init", str(broken), "--url", "memory://"), "not valid YAML")


def test_spec_that_contradicts_the_table(filled: str, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("name: notes\npartition_key: [owner, S]\n")
    assert_one_error_line(run("init", str(other), "--url", filled), "differs from its spec")


def test_get_errors(filled: str) -> None:
    assert_one_error_line(run("get", "notes", "user=ann", "n=three", "--url", filled), "not a number")
    assert_one_error_line(run("get", "notes", "user=ann", "n=9", "--url", filled), "no item")
    assert_one_error_line(run("get", "notes", "user=ann", "--url", filled), "does not match the schema")
    assert_one_error_line(run("get", "notes", "user=ann", "user=bob", "--url", filled), "twice")
    assert_one_error_line(run("get", "blobs", "id=***", "--url", filled), "base64")


def test_demo_with_a_missing_spec_directory(tmp_path: Path) -> None:
    assert_one_error_line(run("demo", "--url", "memory://", "--specs", str(tmp_path / "none")), "does not exist")


def test_demo_with_incomplete_specs(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(SPEC)
    assert_one_error_line(run("demo", "--url", "memory://", "--specs", str(tmp_path)), "YukkuriScripts")


# -- usage errors: exit 2 -------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["get", "notes", "no-equals-sign", "--url", "memory://"],
        ["scan", "notes", "--limit", "0", "--url", "memory://"],
        ["init"],
        ["scan"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    result = run(*argv)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


# -- demo -----------------------------------------------------------------------------


def test_demo_in_memory() -> None:
    result = run("demo", "--url", "memory://")
    assert result.exit_code == 0, result.output
    assert "✗" not in result.output
    assert "steps behaved as expected" in result.output
    for seed in ("000", "001", "002", "003", "004"):
        assert seed in result.output


def test_demo_runs_again_on_the_same_file(url: str) -> None:
    first = run("demo", "--url", url)
    assert first.exit_code == 0, first.output
    assert "created 9 table(s)" in first.output
    second = run("demo", "--url", url)
    assert second.exit_code == 0, second.output
    assert "found 9 table(s) already there" in second.output
    assert "steps behaved as expected" in second.output
    with open_store(url) as store:
        # nothing expired is left behind: the demo's sweep removed its short session
        assert store.table("sessions").count(include_expired=True) == 0


# -- the same commands on DynamoDB (AWS's DynamoDB Local) ------------------------------


def _dynamodb_selected() -> bool:
    chosen = os.environ.get("DYNASTORE_TEST_ENGINES", "").strip()
    return not chosen or "dynamodb" in [n.strip() for n in chosen.split(",")]


@pytest.mark.skipif(not _dynamodb_selected(), reason="DYNASTORE_TEST_ENGINES leaves out dynamodb")
def test_demo_and_tables_on_dynamodb(dynamodb_local_endpoint: str) -> None:
    """Code that works locally must work on DynamoDB: the whole demo, twice, then `tables`."""
    url = f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1"
    for _ in range(2):
        result = run("demo", "--url", url)
        assert result.exit_code == 0, result.output
        assert "✗" not in result.output and "steps behaved as expected" in result.output
    listing = run("tables", "--url", url)
    assert listing.exit_code == 0, listing.output
    for name in ("activities", "devflow-sessions", "expires_at", "ttl"):
        assert name in listing.output
