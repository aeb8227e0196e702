"""The web console in a real browser: Debian's chromium (Playwright) against ``dynastore serve``.

Two servers: the session's ``live_server`` (the embedded engine, a SQLite file) and, for the tests
parametrized over ``console``, a second ``dynastore serve`` on DynamoDB Local. Each test makes its own
tables through its own store handle on the server's store, which is also "the other writer" and the
judge of what the console wrote. The console is open without a login because both listen on loopback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from dynastore.spec import Index, KeyAttribute, TableSpec
from dynastore.store import Store, open_store
from dynastore.testing import drop_tables, free_port

from ..conftest import LiveServer, _stop, _wait_healthy
from .conftest import Visitor, visitors

Shot = Callable[[Page, str], Path]
#: every table these tests make starts with this (one run's tables are told from another's)
PREFIX = f"cb{uuid.uuid4().hex[:6]}_"


@dataclass
class Console:
    """A running ``dynastore serve`` whose console the browser uses, and a store handle on the same store."""

    engine: str
    base_url: str
    store: Store

    def table_name(self, suffix: str) -> str:
        return f"{PREFIX}{uuid.uuid4().hex[:6]}_{suffix}"

    def make_table(self, suffix: str, items: Sequence[dict[str, Any]] = (), **spec: Any) -> str:
        name = self.table_name(suffix)
        spec.setdefault("partition_key", ("id", "S"))
        self.store.create_table(TableSpec(name=name, **spec))
        if items:
            self.store.table(name).batch_write(puts=items)
        return name

    def item(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        return self.store.table(table).get(key, consistent=True)


@pytest.fixture(scope="module")
def sqlite_console(live_server: LiveServer) -> Iterator[Console]:
    store = open_store(f"sqlite:///{live_server.workdir / 'store.db'}")
    try:
        yield Console("sqlite", live_server.base_url, store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def dynamodb_console(dynamodb_local_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A second ``dynastore serve --no-demo`` on DynamoDB Local (its own tables under a unique prefix)."""
    workdir = tmp_path_factory.mktemp("live-console-ddb")
    url = f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_prefix = f"{PREFIX}srv_"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNASTORE_", "DYNAMODB_", "BLOG_"))}
    env["BLOG_DATABASE"] = str(workdir / "blog.db")
    argv = [sys.executable, "-m", "dynastore", "serve", "--host", "127.0.0.1", "--port", str(port), "--url", url,
            "--table-prefix", server_prefix, "--no-demo", "--log-level", "warning"]
    log = workdir / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    store = open_store(url)
    try:
        _wait_healthy(proc, base_url, log)
        yield Console("dynamodb", base_url, store)
    finally:
        _stop(proc)
        drop_tables(store, PREFIX)
        store.close()


@pytest.fixture(params=["sqlite", "dynamodb"])
def console(request: pytest.FixtureRequest) -> Console:
    """The tests that must hold on both engines run once on each server."""
    found: Console = request.getfixturevalue(f"{request.param}_console")
    return found


@pytest.fixture
def open_console(browser: Browser) -> Iterator[Callable[[Console], Visitor]]:
    """A fresh browser context on a console; its pages must raise no JavaScript error."""
    with visitors(browser) as make:
        yield lambda c: make(c.base_url)


# -- reading the page ----------------------------------------------------------------------------------


def result_rows(page: Page) -> list[dict[str, str]]:
    """The results grid as it is now: one dict per row, by column header."""
    rows: list[dict[str, str]] = page.evaluate("""() => {
        const grid = document.querySelector('#results #items');
        if (!grid) return [];
        const heads = [...grid.querySelectorAll('thead th')].map(th => th.textContent.trim());
        return [...grid.querySelectorAll('tbody tr')].map(tr =>
            Object.fromEntries([...tr.children].map((td, i) => [heads[i], td.textContent.trim()])));
    }""")
    return rows


def ids_on(page: Page, number: int, count: int) -> list[str]:
    """The ``id`` column of results page *number*, once it shows *count* rows."""
    expect(page.locator("#read-cost")).to_contain_text(re.compile(rf"Page {number}\b"))
    expect(page.locator("#items tbody tr")).to_have_count(count)
    return [row["id"] for row in result_rows(page)]


def mark_document(page: Page) -> None:
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded instead of updated in place"


def open_table(page: Page, name: str) -> None:
    page.goto(f"/console/tables/{name}")
    expect(page.locator("h1#table-name")).to_have_text(name)
    expect(page.locator("#results")).to_be_attached()


def open_item(page: Page, table: str, item_id: str) -> None:
    """From the table's results: the item's link (its first key column) to the item page."""
    open_table(page, table)
    page.locator("#items a.item-link", has_text=re.compile(rf"^{re.escape(item_id)}$")).click()
    expect(page.locator("#item-title")).to_contain_text(item_id)


def editor_json(item: dict[str, Any]) -> str:
    return json.dumps(item, indent=2)


# -- the tests -----------------------------------------------------------------------------------------


def test_browse_forward_and_back_with_cursors(console: Console, open_console: Callable[[Console], Visitor],
                                              screenshot: Shot) -> None:
    items: list[dict[str, Any]] = [{"id": f"item-{i:02d}", "n": i, "text": f"number {i}"} for i in range(60)]
    name = console.make_table("browse", items)
    page = open_console(console).page

    page.goto("/console/")
    row = page.locator(f"#table-list tr[data-table='{name}']")
    expect(row.locator(".item-count")).to_have_text("60")
    row.locator("a.table-link").click()
    expect(page.locator("h1#table-name")).to_have_text(name)
    page.locator("#read-form select[name=limit]").select_option("25")
    page.locator("#run-read").click()
    first = ids_on(page, 1, 25)
    expect(page.locator("#page-previous")).to_have_count(0)
    mark_document(page)
    url_1 = page.url

    page.locator("#page-next").click()
    second = ids_on(page, 2, 25)
    url_2 = page.url
    assert url_2 != url_1 and "cursor=" in url_2, "Next must push its URL"
    page.locator("#page-next").click()
    third = ids_on(page, 3, 10)
    expect(page.locator("#page-next")).to_have_count(0)
    url_3 = page.url
    screenshot(page, f"console-browse-{console.engine}")

    assert sorted(first + second + third) == sorted(i["id"] for i in items)
    assert len(set(first + second + third)) == 60

    page.locator("#page-previous").click()
    assert ids_on(page, 2, 25) == second
    expect(page).not_to_have_url(url_3)  # Previous pushed its own URL
    assert "cursor=" in page.url
    assert_same_document(page)

    page.go_back()  # the browser's own Back: to page 3 again, then to page 2
    expect(page).to_have_url(url_3)
    assert ids_on(page, 3, 10) == third
    page.go_back()
    expect(page).to_have_url(url_2)
    assert ids_on(page, 2, 25) == second


def test_scan_with_a_filter_shows_what_it_read_and_what_it_returned(
        sqlite_console: Console, open_console: Callable[[Console], Visitor], screenshot: Shot) -> None:
    items = [{"id": f"doc-{i:02d}", "status": "draft" if i % 3 == 0 else "published"} for i in range(30)]
    name = sqlite_console.make_table("scanfilter", items)
    page = open_console(sqlite_console).page
    open_table(page, name)
    form = page.locator("#read-form")
    form.locator("select[name=limit]").select_option("100")
    row = form.locator(".filter-row").first
    row.locator("input[name=f_attr]").fill("status")
    row.locator("select[name=f_op]").select_option("=")
    row.locator("select[name=f_type]").select_option("S")
    row.locator("input[name=f_value]").fill("draft")
    mark_document(page)
    page.locator("#run-read").click()

    drafts = sorted(i["id"] for i in items if i["status"] == "draft")
    expect(page.locator("#count-returned")).to_have_text(str(len(drafts)))
    expect(page.locator("#count-evaluated")).to_have_text("30")
    expect(page.locator("#scan-lesson")).to_contain_text(f"{30 - len(drafts)} of 30")
    assert sorted(r["id"] for r in result_rows(page)) == drafts
    assert {r["status"] for r in result_rows(page)} == {"draft"}
    assert_same_document(page)
    expect(page).to_have_url(re.compile(r"[?&]f_value=draft\b"))
    screenshot(page, "console-scan-filter")
    # what the page claims is what the store holds
    stored = sorted(i["id"] for i in sqlite_console.store.table(name).scan() if i["status"] == "draft")
    assert stored == drafts


POSTS: list[dict[str, str]] = [{"id": f"p{i:02d}", "author": author, "published": f"2024-{month:02d}-{day:02d}", "title": f"post {i}"}
         for i, (author, month, day) in enumerate(
             [("ann", 1, 5), ("ann", 1, 20), ("ann", 2, 3), ("ann", 2, 14), ("ann", 2, 28), ("ann", 3, 9),
              ("bob", 2, 10), ("bob", 2, 11), ("ann", 2, 1)])]


def test_query_an_index_with_a_sort_key_condition_and_reverse(
        console: Console, open_console: Callable[[Console], Visitor], screenshot: Shot) -> None:
    name = console.make_table("query", POSTS, indexes=(
        Index(name="by_author", partition_key=KeyAttribute(name="author", type="S"),
              sort_key=KeyAttribute(name="published", type="S")),))
    page = open_console(console).page
    open_table(page, name)
    form = page.locator("#read-form")
    form.locator("input[name=mode][value=query]").check()
    expect(page.locator("#read-pk")).to_be_visible()
    form.locator("#read-index").select_option("by_author")
    page.locator("#read-pk").fill("ann")
    page.locator("#read-sk-op").select_option("begins_with")
    page.locator("#read-sk").fill("2024-02")
    form.locator("input[name=reverse]").check()
    mark_document(page)
    page.locator("#run-read").click()

    february = sorted((p for p in POSTS if p["author"] == "ann" and p["published"].startswith("2024-02")),
                      key=lambda p: p["published"], reverse=True)
    expect(page.locator("#count-returned")).to_have_text(str(len(february)))
    rows = result_rows(page)
    assert [r["id"] for r in rows] == [p["id"] for p in february]
    assert [r["published"] for r in rows] == [p["published"] for p in february]
    expect(page.locator("#count-evaluated")).to_have_text(str(len(february)))  # a Query reads only its range
    expect(page.locator("#read-request pre")).to_contain_text("by_author")
    assert_same_document(page)
    screenshot(page, f"console-query-index-{console.engine}")

    page.locator("#read-sk-op").select_option("between")
    expect(page.locator("#read-sk2")).to_be_visible()
    page.locator("#read-sk").fill("2024-01-15")
    page.locator("#read-sk2").fill("2024-02-14")
    form.locator("input[name=reverse]").uncheck()
    page.locator("#run-read").click()
    expect(page.locator("#read-request pre")).to_contain_text("BETWEEN")  # the new results are in
    between = sorted((p for p in POSTS if p["author"] == "ann" and "2024-01-15" <= p["published"] <= "2024-02-14"),
                     key=lambda p: p["published"])
    expect(page.locator("#count-returned")).to_have_text(str(len(between)))
    assert [r["id"] for r in result_rows(page)] == [p["id"] for p in between]


def test_edit_an_item_opened_from_the_results(console: Console, open_console: Callable[[Console], Visitor],
                                              screenshot: Shot) -> None:
    name = console.make_table("edit", [{"id": "note-1", "text": "first draft", "stars": 3},
                                       {"id": "note-2", "text": "another", "stars": 1}])
    page = open_console(console).page
    open_item(page, name, "note-1")
    expect(page.locator("#item-json")).to_contain_text('"text": "first draft"')
    expect(page.locator("#item-dynamodb")).to_contain_text('"S": "first draft"')
    expect(page.locator("#item-dynamodb")).to_contain_text('"N": "3"')
    screenshot(page, f"console-item-{console.engine}")

    page.locator("#item-text").fill(editor_json({"id": "note-1", "text": "second draft", "stars": 4}))
    page.locator("#item-save").click()
    expect(page.locator("#notice")).to_have_text("Item saved.")
    expect(page.locator("#item-json")).to_contain_text('"text": "second draft"')
    assert console.item(name, {"id": "note-1"}) == {"id": "note-1", "text": "second draft", "stars": 4}
    assert console.item(name, {"id": "note-2"}) == {"id": "note-2", "text": "another", "stars": 1}

    open_item(page, name, "note-2")
    page.locator("#delete-item-form input[name=sure]").check()
    page.locator("#item-delete").click()
    expect(page.locator("#notice")).to_have_text("Item deleted.")
    expect(page.locator("#items a.item-link")).to_have_text(["note-1"])
    assert console.item(name, {"id": "note-2"}) is None


def test_a_conflict_with_another_writer_keeps_the_typed_text(
        console: Console, open_console: Callable[[Console], Visitor], screenshot: Shot) -> None:
    name = console.make_table("conflict", [{"id": "doc", "text": "as opened", "rev": 1}])
    page = open_console(console).page
    open_item(page, name, "doc")
    expect(page.locator("#item-json")).to_contain_text("as opened")

    theirs = {"id": "doc", "text": "written by the other writer", "rev": 2}
    console.store.table(name).put(theirs)  # after the page was opened, before it saves
    mine = editor_json({"id": "doc", "text": "typed in the browser", "rev": 2})
    page.locator("#item-text").fill(mine)
    mark_document(page)
    page.locator("#item-save").click()

    expect(page.locator("#editor-error")).to_be_visible()
    expect(page.locator("#editor-error")).to_contain_text(re.compile("chang", re.I))
    expect(page.locator("#conflict-note")).to_be_visible()
    expect(page.locator("#item-text")).to_have_value(mine)
    assert_same_document(page)
    # the page shows the version the other writer saved, which is what the store still holds
    expect(page.locator("#item-json")).to_contain_text("written by the other writer")
    screenshot(page, f"console-conflict-{console.engine}")
    assert console.item(name, {"id": "doc"}) == theirs

    page.locator("#item-save").click()  # now against the version shown
    expect(page.locator("#notice")).to_have_text("Item saved.")
    assert console.item(name, {"id": "doc"}) == json.loads(mine)


def test_validation_errors_are_inline_and_write_nothing(
        sqlite_console: Console, open_console: Callable[[Console], Visitor], screenshot: Shot) -> None:
    original = {"id": "k1", "text": "keep me"}
    name = sqlite_console.make_table("validate", [original])
    page = open_console(sqlite_console).page
    open_item(page, name, "k1")
    bad = '{\n  "id": "k1",\n  "text": "broken\n}'
    page.locator("#item-text").fill(bad)
    mark_document(page)
    page.locator("#item-save").click()
    error = page.locator("#editor-error")
    expect(error).to_contain_text(re.compile(r"line \d+, column \d+"))
    expect(page.locator("#item-text")).to_have_value(bad)
    assert_same_document(page)
    screenshot(page, "console-invalid-json")
    assert sqlite_console.item(name, {"id": "k1"}) == original

    page.goto(f"/console/tables/{name}/items/new")
    page.locator("#item-text").fill(json.dumps({"id": "k1", "text": "a second k1"}))
    page.locator("#item-save").click()
    expect(page.locator("#editor-error")).to_contain_text(re.compile("exist", re.I))
    expect(page.locator("#item-text")).to_have_value(json.dumps({"id": "k1", "text": "a second k1"}))
    assert sqlite_console.item(name, {"id": "k1"}) == original

    page.locator("#item-text").fill(json.dumps({"id": "k2", "text": "new"}))
    page.locator("#item-save").click()
    expect(page.locator("#notice")).to_have_text("Item created.")
    assert sqlite_console.item(name, {"id": "k2"}) == {"id": "k2", "text": "new"}


def test_create_tables_from_the_form_and_a_spec_then_delete_with_confirmation(
        sqlite_console: Console, open_console: Callable[[Console], Visitor], screenshot: Shot) -> None:
    store = sqlite_console.store
    page = open_console(sqlite_console).page
    from_form = sqlite_console.table_name("form")
    page.goto("/console/")
    page.locator("#create-table").click()
    form = page.locator("#create-form")
    form.locator("input[name=name]").fill(from_form)
    form.locator("input[name=pk]").fill("customer")
    form.locator("input[name=sk]").fill("order")
    form.locator("select[name=sk_type]").select_option("N")
    form.locator("input[name=ttl]").fill("expires_at")
    index = form.locator(".index-row").first
    index.locator("input[name=ix_name]").fill("by_status")
    index.locator("input[name=ix_pk]").fill("status")
    index.locator("input[name=ix_sk]").fill("placed")
    screenshot(page, "console-create-table")
    page.locator("#create-submit").click()
    expect(page.locator("h1#table-name")).to_have_text(from_form)
    expect(page.locator("#notice")).to_have_text("Table created.")
    expect(page.locator("#fact-ttl")).to_contain_text("expires_at")
    expect(page.locator("#index-list tr[data-index=by_status]")).to_contain_text("status")
    spec = store.describe(from_form).spec
    assert (spec.partition_key.name, spec.partition_key.type) == ("customer", "S")
    assert spec.sort_key is not None and (spec.sort_key.name, spec.sort_key.type) == ("order", "N")
    assert spec.ttl_attribute == "expires_at"
    [gsi] = spec.indexes
    assert gsi.name == "by_status" and not gsi.local
    assert gsi.partition_key is not None and gsi.partition_key.name == "status"
    assert gsi.sort_key is not None and gsi.sort_key.name == "placed"

    from_spec = sqlite_console.table_name("spec")
    page.goto("/console/tables/new")
    page.locator("#spec-form textarea[name=spec_text]").fill(
        f"name: {from_spec}\npartition_key: [user, S]\nsort_key: [at, N]\nttl_attribute: gone_at\n"
        "indexes:\n  - name: by_kind\n    partition_key: [kind, S]\n    sort_key: [at, N]\n")
    page.locator("#spec-submit").click()
    expect(page.locator("h1#table-name")).to_have_text(from_spec)
    expect(page.locator("#index-list tr[data-index=by_kind]")).to_have_count(1)
    spec = store.describe(from_spec).spec
    assert spec.ttl_attribute == "gone_at" and [i.name for i in spec.indexes] == ["by_kind"]

    page.locator("#danger summary").click()
    delete = page.locator("#delete-form")
    delete.locator("input[name=confirm]").fill(from_spec + "-not")
    delete.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("type the table's name")
    assert from_spec in store.tables()

    open_table(page, from_spec)
    page.locator("#danger summary").click()
    delete.locator("input[name=confirm]").fill(from_spec)
    delete.locator("button[type=submit]").click()
    expect(page.locator("#notice")).to_have_text(f"Deleted table {from_spec}.")
    expect(page.locator(f"#table-list tr[data-table='{from_spec}']")).to_have_count(0)
    expect(page.locator(f"#table-list tr[data-table='{from_form}']")).to_have_count(1)
    assert from_spec not in store.tables() and from_form in store.tables()
    listed = page.locator(f"#table-list tr[data-table='{from_form}']")
    expect(listed).to_contain_text("expires_at")
    expect(listed.locator(".tag", has_text="by_status")).to_have_count(1)
    expect(listed.locator(".keys")).to_contain_text("customer")


def test_markup_in_items_is_shown_as_text(sqlite_console: Console,
                                          open_console: Callable[[Console], Visitor]) -> None:
    script = "<script>window.__pwned=1</script>"
    img = "<img src=x onerror=\"window.__pwned=2;alert('img')\">"
    name = sqlite_console.make_table("escape", [{"id": "evil", "title": script, "note": img},
                                                {"id": script, "title": "key with markup"}])
    v = open_console(sqlite_console)
    page = v.page
    open_table(page, name)
    rows = {r["id"]: r for r in result_rows(page)}
    assert rows["evil"]["title"] == script and rows["evil"]["note"] == img
    assert rows[script]["title"] == "key with markup"
    assert page.evaluate("document.querySelectorAll('#items script, #items img').length") == 0

    page.locator("#items a.item-link", has_text="evil").click()
    expect(page.locator("#item-json")).to_contain_text("window.__pwned=1")
    expect(page.locator("#item-text")).to_have_value(re.compile(re.escape("<script>window.__pwned=1</script>")))
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0

    open_item(page, name, script)  # markup in a key: in the link, the URL and the title
    expect(page.locator("#item-json")).to_contain_text("key with markup")
    expect(page.locator("#item-title")).to_contain_text(script)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert v.dialogs == []


def test_export_csv_and_json_lines(sqlite_console: Console, open_console: Callable[[Console], Visitor]) -> None:
    items = [{"id": f"row-{i:02d}", "city": city, "n": i}
             for i, city in enumerate(["Lisbon", "Oslo, Norway", 'Quote "q"', "Lisbon", "Kyoto"] * 6)]
    name = sqlite_console.make_table("export", items)
    page = open_console(sqlite_console).page
    open_table(page, name)
    page.locator("#read-form select[name=limit]").select_option("10")
    page.locator("#run-read").click()
    expect(page.locator("#items tbody tr")).to_have_count(10)

    with page.expect_download() as got:
        page.locator("#export-csv").click()
    text = Path(got.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted((r["id"], r["city"], r["n"]) for r in rows) == sorted(
        (i["id"], i["city"], str(i["n"])) for i in items)  # every item, not only the page shown

    with page.expect_download() as got:
        page.locator("#export-jsonl").click()
    lines = [json.loads(line) for line in Path(got.value.path()).read_text(encoding="utf-8").splitlines() if line]
    assert sorted(lines, key=lambda i: i["id"]) == items
    assert got.value.suggested_filename.startswith(name)

    with page.expect_download() as got:
        page.locator("#export-dynamodb-jsonl").click()
    typed = [json.loads(line) for line in Path(got.value.path()).read_text(encoding="utf-8").splitlines() if line]
    # one {"Item": ...} a line, as DynamoDB's export to S3 writes them
    assert sorted(typed, key=lambda line: line["Item"]["id"]["S"]) == [
        {"Item": {"id": {"S": i["id"]}, "city": {"S": i["city"]}, "n": {"N": str(i["n"])}}} for i in items]



def test_an_item_deleted_meanwhile_is_said_above_and_the_text_stays(
        sqlite_console: Console, open_console: Callable[[Console], Visitor], screenshot: Shot) -> None:
    name = sqlite_console.make_table("gone", [{"id": "doc", "text": "as opened"}])
    page = open_console(sqlite_console).page
    open_item(page, name, "doc")
    sqlite_console.store.table(name).delete({"id": "doc"})  # the other writer
    mine = editor_json({"id": "doc", "text": "mine"})
    page.locator("#item-text").fill(mine)
    page.locator("#item-save").click()
    expect(page.locator("#flash")).to_contain_text("Another writer deleted this item")
    # a message in the page, not a second page nested in the editor's card; what was typed is kept
    expect(page.locator("header.top")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("#item-text")).to_have_value(mine)
    screenshot(page, "console-deleted-meanwhile")
    assert sqlite_console.item(name, {"id": "doc"}) is None
