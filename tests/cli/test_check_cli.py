"""`dynastore check`: exit codes scripts rely on, Rich and JSON output, silencing from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import dynastore
from dynastore.check import RULES
from dynastore.cli import app

runner = CliRunner()
SEEDS = sorted(str(p) for p in (Path(dynastore.__file__).parent / "specs").glob("*.yaml"))

SMELLY = """
tables:
  - name: events
    partition_key: [event_type, S]
    sort_key: [ts, N]
    indexes:
      - {name: ByStatus, partition_key: [status, S], projection: KEYS_ONLY}
    access_patterns:
      - {name: by status, operation: query, index: ByStatus, key: [status], attributes: [body]}
"""

CLEAN = """
- name: notes
  partition_key: [user, S]
  sort_key: [n, N]
  access_patterns:
    - {name: a user's notes, operation: query, key: [user]}
"""


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", *args])


@pytest.fixture
def smelly(tmp_path: Path) -> Path:
    p = tmp_path / "smelly.yaml"
    p.write_text(SMELLY)
    return p


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    p = tmp_path / "clean.json"
    import yaml

    p.write_text(json.dumps(yaml.safe_load(CLEAN)))
    return p


def test_seed_specs_report_the_two_true_warnings() -> None:
    result = run(*SEEDS)
    assert result.exit_code == 1, result.output
    assert "DS001 hot partition key" in result.output and "index ActivityTypeIndex" in result.output
    assert "DS003 access pattern reads by Scan" in result.output
    assert "2 warning(s), 0 silenced, 0 note(s) in 10 table(s) of 5 file(s)." in result.output


def test_json_report(smelly: Path) -> None:
    result = run(str(smelly), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["exit_code"] == 1 and data["tables"] == ["events"] and data["files"] == [str(smelly)]
    got = [(w["code"], w["index"], w["pattern"]) for w in data["warnings"]]
    assert got == [("DS001", None, None), ("DS001", "ByStatus", None), ("DS004", "ByStatus", "by status")]
    for w in data["warnings"]:
        assert w["why"] == RULES[w["code"]].why and w["fix"] and w["message"] and w["silenced"] is None
    judged = {w["index"]: w["message"] for w in data["warnings"] if w["code"] == "DS001"}
    assert "judged from its name only" in judged["ByStatus"] and "judged from its name only" in judged[None]


def test_rich_output_explains_each_code_once(smelly: Path) -> None:
    result = run(str(smelly))
    assert result.exit_code == 1
    assert result.output.count("Why:") == 2  # DS001 (twice, explained once) and DS004
    assert "(why and fix: see DS001 above)" in result.output
    assert "3 warning(s), 0 silenced" in result.output


def test_ignore_from_the_command_line(smelly: Path) -> None:
    result = run(str(smelly), "--ignore", "ds001", "-i", "DS004")
    assert result.exit_code == 0, result.output
    assert "0 warning(s), 3 silenced" in result.output and "by --ignore" in result.output
    assert run(str(smelly), "--ignore", "DS001,DS004", "--json").exit_code == 0


def test_clean_spec_exits_0_and_strict_counts_notes(clean: Path, tmp_path: Path) -> None:
    result = run(str(clean))
    assert result.exit_code == 0 and "0 warning(s), 0 silenced, 0 note(s)" in result.output
    assert run(str(clean), "--strict").exit_code == 0
    free = tmp_path / "free.yaml"
    free.write_text("name: notes\npartition_key: [user, S]\naccess_patterns: [\"query by user\"]\n")
    assert run(str(free)).exit_code == 0
    strict = run(str(free), "--strict", "--json")
    assert strict.exit_code == 1 and json.loads(strict.stdout)["strict"] is True


def test_several_files(clean: Path, smelly: Path) -> None:
    data = json.loads(run(str(clean), str(smelly), "--json").stdout)
    assert data["tables"] == ["notes", "events"] and data["files"] == [str(clean), str(smelly)]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("tables: [ {name: x", "not valid YAML"),
        ("name: things\npartition_key: [pk, S]\naccess_patterns: [{name: q, operation: query}]\n", "a query's key"),
    ],
)
def test_invalid_spec_exits_2_with_one_line(tmp_path: Path, content: str, fragment: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(content)
    result = run(str(p))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0]
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(smelly: Path, tmp_path: Path) -> None:
    assert run(str(tmp_path / "missing.yaml")).exit_code == 2
    bad = run(str(smelly), "--ignore", "DS999")
    assert bad.exit_code == 2 and "DS999" in bad.output
    assert run().exit_code == 2


def test_check_has_help() -> None:
    cmd = typer.main.get_command(app).commands["check"]  # type: ignore[attr-defined]
    assert (cmd.help or "").strip()
    for param in cmd.params:
        if param.name != "help":
            assert (getattr(param, "help", None) or "").strip() and "[" not in param.help, param.name
    assert "Usage" in run("--help").output


def test_a_file_that_is_not_text_exits_2(tmp_path: Path) -> None:
    p = tmp_path / "binary.yaml"
    p.write_bytes(b"\xff\xfe\x00 not text")
    result = run(str(p))
    assert result.exit_code == 2 and "is not UTF-8 text" in result.stderr
