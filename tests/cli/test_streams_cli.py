"""``dynastore stream``: a table's changes as lines or JSON Lines, resumable with --after."""

from __future__ import annotations

from typer.testing import CliRunner

from dynastore import loads
from dynastore.cli import app
from dynastore.spec import TableSpec
from dynastore.store import open_store

runner = CliRunner()


def test_stream_prints_changes_and_resumes(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    with open_store(url) as store:
        t = store.create_table(TableSpec(name="audited", partition_key=("pk", "S"), stream="NEW_AND_OLD_IMAGES"))
        t.put({"pk": "a", "v": 1})
        t.put({"pk": "a", "v": 2})
        t.delete({"pk": "a"})
    r = runner.invoke(app, ["stream", "audited", "-u", url, "--json"])
    assert r.exit_code == 0, r.output
    lines = [loads(x) for x in r.output.splitlines()]
    assert [(x["event"], x["old"], x["new"]) for x in lines] == [
        ("INSERT", None, {"pk": "a", "v": 1}),
        ("MODIFY", {"pk": "a", "v": 1}, {"pk": "a", "v": 2}),
        ("REMOVE", {"pk": "a", "v": 2}, None),
    ]
    r = runner.invoke(app, ["stream", "audited", "-u", url, "--after", lines[1]["sequence_number"]])
    assert r.exit_code == 0 and "REMOVE" in r.output and "INSERT" not in r.output


def test_stream_of_a_table_without_one_is_one_red_line(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    with open_store(url) as store:
        store.create_table(TableSpec(name="plain", partition_key=("pk", "S")))
    r = runner.invoke(app, ["stream", "plain", "-u", url])
    assert r.exit_code == 1 and "has no stream" in r.output and "Traceback" not in r.output
