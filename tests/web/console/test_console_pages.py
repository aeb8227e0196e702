"""The console's pages and forms through HTTP, as a browser without JavaScript (and htmx) uses them, on the
embedded engine (memory and a SQLite file) and on DynamoDB Local: the same pages, only the store differs.

Access control has its own tests (test_access.py); here the console is served on loopback, open.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from dynastore import Store, open_store
from dynastore.api.app import create_app
from dynastore.api.context import ApiContext
from dynastore.expressions import Attr
from dynastore.settings import Settings
from dynastore.testing import drop_tables, free_port
from dynastore.web.console.app import create_standalone_app

from ..test_support import Element, html

LOOPBACK = ("127.0.0.1", 50000)
BASE = "http://127.0.0.1:8000"


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        s = open_store("memory://")
    elif request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        endpoint = request.getfixturevalue("dynamodb_local_endpoint")
        s = open_store(f"dynamodb://?endpoint={endpoint}&region=us-east-1")
    yield s
    s.close()


@pytest.fixture
def prefix(store: Store) -> Iterator[str]:
    p = f"con{uuid.uuid4().hex[:8]}_"
    yield p
    drop_tables(store, p)


class Console:
    """A browser on the console: the CSRF token is read from the pages, as a form carries it."""

    def __init__(self, client: TestClient):
        self.client = client

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get("/console" + url, **kw)

    def page(self, url: str, status: int = 200) -> Element:
        r = self.get(url)
        assert r.status_code == status, r.text[:2000]
        return html(r.text)

    def _token_from_forms(self) -> str:
        return html(self.get("/tables/new").text).one('#create-form input[name=csrf_token]').attrs["value"]

    def post(self, url: str, data: dict[str, Any] | None = None, *, htmx: bool = False, target: str | None = None,
             token: str | None = "auto", files: Any = None) -> httpx.Response:
        body = dict(data or {})
        if token == "auto":
            token = self._token_from_forms()
        if token is not None:
            body["csrf_token"] = token
        headers = {"HX-Request": "true"} if htmx else {}
        if target:
            headers["HX-Target"] = target
        return self.client.post("/console" + url, data=body, files=files, headers=headers, follow_redirects=False)


@pytest.fixture
def console(store: Store) -> Iterator[Console]:
    app = create_app(store, routers=(), web=("console",), close_store=False)
    with TestClient(app, base_url=BASE, client=LOOPBACK) as client:
        yield Console(client)


def orders(store: Store, prefix: str, n: int = 0) -> str:
    name = f"{prefix}orders"
    store.create_table({"name": name, "partition_key": ["customer", "S"], "sort_key": ["order", "N"],
                        "ttl_attribute": "expires",
                        "indexes": [{"name": "by_status", "partition_key": ["status", "S"],
                                     "sort_key": ["order", "N"]}]})
    table = store.table(name)
    for i in range(n):
        table.put({"customer": f"c{i % 3}", "order": i, "status": "open" if i % 5 else "late", "total": i * 10})
    return name


def texts(page: Element, selector: str) -> list[str]:
    return [e.text.strip() for e in page.all(selector)]


# -- tables ------------------------------------------------------------------------------------------


def test_the_table_list_shows_count_keys_indexes_ttl_and_billing(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 7)
    row = console.page("/").one(f'#table-list tr[data-table="{name}"]')
    assert row.one("a.table-link").attrs["href"] == f"/console/tables/{name}"
    cells = [td.text.strip() for td in row.all("td")]
    assert cells[1] == "ACTIVE" and cells[2] == "7"
    assert cells[4] == "customer (S), order (N)" and "by_status" in cells[5]
    assert cells[6] == "expires" and cells[7] == "on demand"


def test_create_a_table_from_the_form(console: Console, store: Store, prefix: str) -> None:
    name = f"{prefix}made"
    r = console.post("/tables", {"source": "form", "name": name, "pk": "id", "pk_type": "S", "sk": "at",
                                 "sk_type": "N", "billing": "PROVISIONED", "rcu": "3", "wcu": "2", "ttl": "exp",
                                 "stream": "NEW_IMAGE",
                                 "ix_name": ["by_kind", ""], "ix_kind": ["global", "global"], "ix_pk": ["kind", ""],
                                 "ix_pk_type": ["S", "S"], "ix_sk": ["at", ""], "ix_sk_type": ["N", "S"],
                                 "ix_projection": ["INCLUDE", "ALL"], "ix_include": ["title, body", ""]})
    assert r.status_code == 303 and r.headers["location"] == f"/console/tables/{name}?done=created"
    spec = store.describe(name).spec
    assert (spec.partition_key, spec.sort_key) == (("id", "S"), ("at", "N"))
    assert (spec.billing_mode, spec.read_capacity, spec.write_capacity) == ("PROVISIONED", 3, 2)
    assert spec.ttl_attribute == "exp" and spec.stream == "NEW_IMAGE"
    (ix,) = spec.indexes
    assert (ix.name, ix.partition_key, ix.projection) == ("by_kind", ("kind", "S"), ("title", "body"))
    page = console.page(r.headers["location"].removeprefix("/console"))
    assert page.one("#notice").text == "Table created."


def test_a_bad_table_form_says_why_keeps_what_was_typed_and_creates_nothing(console: Console, store: Store,
                                                                            prefix: str) -> None:
    name = f"{prefix}bad"
    r = console.post("/tables", {"source": "form", "name": name, "pk": "id", "billing": "PROVISIONED", "rcu": "0",
                                 "wcu": "1", "ix_name": ["lsi"], "ix_kind": ["local"], "ix_pk": [""],
                                 "ix_pk_type": ["S"], "ix_sk": ["rank"], "ix_sk_type": ["N"],
                                 "ix_projection": ["ALL"], "ix_include": [""]})
    assert r.status_code == 422
    page = html(r.text)
    assert "read capacity is at least 1" in page.one("#form-error").text.lower()
    assert page.one('#create-form input[name=name]').attrs["value"] == name
    assert page.one('#create-form input[name=ix_sk]').attrs["value"] == "rank"
    assert name not in store.tables()


def test_create_tables_from_a_spec_file_or_a_create_table_request(console: Console, store: Store, prefix: str) -> None:
    spec_yaml = (f"tables:\n  - name: {prefix}a\n    partition_key: [id, S]\n    ttl_attribute: gone\n"
                 f"  - name: {prefix}b\n    partition_key: id:N\n    sort_key: at:S\n")
    r = console.post("/tables", {"source": "spec"}, files={"spec_file": ("specs.yaml", spec_yaml.encode())})
    assert r.status_code == 200 and f"Created 2 tables: {prefix}a, {prefix}b." in html(r.text).one("#notice").text
    assert store.describe(f"{prefix}a").spec.ttl_attribute == "gone"
    assert store.describe(f"{prefix}b").spec.sort_key == ("at", "S")

    request = {"TableName": f"{prefix}c", "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
    r = console.post("/tables", {"source": "spec", "spec_text": json.dumps(request)})
    assert r.status_code == 303 and store.describe(f"{prefix}c").spec.partition_key == ("pk", "S")

    r = console.post("/tables", {"source": "spec", "spec_text": f"name: {prefix}a\npartition_key: [id, S]\n"})
    assert r.status_code == 422 and "exists already" in html(r.text).one("#form-error").text


def test_delete_and_empty_a_table_need_its_name_typed(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 30)
    refused = console.post(f"/tables/{name}/purge", {"confirm": "orders"})
    assert refused.status_code == 422 and store.table(name).count() == 30
    emptied = console.post(f"/tables/{name}/purge", {"confirm": name})
    assert emptied.status_code == 303 and emptied.headers["location"].endswith("done=purged-30")
    assert store.table(name).count() == 0 and store.describe(name).spec.indexes
    assert "Deleted 30 items" in console.page(emptied.headers["location"].removeprefix("/console")).one("#notice").text

    assert console.post(f"/tables/{name}/delete", {"confirm": ""}).status_code == 422 and name in store.tables()
    deleted = console.post(f"/tables/{name}/delete", {"confirm": name})
    assert deleted.status_code == 200 and f"Deleted table {name}." in deleted.text
    assert name not in store.tables()


def test_time_to_live_is_set_and_turned_off_from_the_page(console: Console, store: Store, prefix: str) -> None:
    name = f"{prefix}t"
    store.create_table({"name": name, "partition_key": ["id", "S"]})
    assert console.post(f"/tables/{name}/ttl", {"attribute": "expires_at"}).status_code == 303
    assert store.engine.describe_table(name).spec.ttl_attribute == "expires_at"
    assert "expires_at" in console.page(f"/tables/{name}").one("#fact-ttl").text


# -- reading ----------------------------------------------------------------------------------------------


def test_pages_go_forward_and_back_with_dynamodbs_cursors(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 23)
    seen: list[str] = []
    page = console.page(f"/tables/{name}?mode=scan&limit=10")
    numbers = []
    while True:
        numbers.append(page.one("#read-cost").text.split("·")[0].strip())
        seen += [a.attrs["href"] for a in page.all("#items a.item-link")]
        nxt = page.all("#page-next")
        if not nxt:
            break
        page = console.page(unescape(nxt[0].attrs["href"]).removeprefix("/console"))
    assert numbers == ["Page 1", "Page 2", "Page 3"] and len(seen) == len(set(seen)) == 23
    back = console.page(unescape(page.one("#page-previous").attrs["href"]).removeprefix("/console"))
    assert back.one("#read-cost").text.split("·")[0].strip() == "Page 2"
    assert [a.attrs["href"] for a in back.all("#items a.item-link")] == seen[10:20]


def test_a_filtered_scan_shows_what_it_read_against_what_it_returned(console: Console, store: Store,
                                                                     prefix: str) -> None:
    name = orders(store, prefix, 20)
    page = console.page(f"/tables/{name}?mode=scan&f_attr=status&f_op=%3D&f_type=S&f_value=late")
    assert page.one("#count-returned").text == "4" and page.one("#count-evaluated").text == "20"
    assert "16 of 20" in page.one("#scan-lesson").text
    request = json.loads(page.one("#read-request pre").text)
    assert request["FilterExpression"] == "#n0 = :v0" and request["ExpressionAttributeValues"] == {":v0": {"S": "late"}}


def test_query_an_index_with_a_sort_key_condition_reversed(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 20)
    page = console.page(f"/tables/{name}?mode=query&index=by_status&pk=open&sk_op=between&sk=3&sk2=9&reverse=1")
    totals = [row.all("td") for row in page.all("#items tr.item-row")]
    columns = texts(page, "#items th")
    orders_seen = [int(cells[columns.index("order")].text) for cells in totals]
    assert orders_seen == [9, 8, 7, 6, 4, 3]
    request = json.loads(page.one("#read-request pre").text)
    assert request["IndexName"] == "by_status" and request["ScanIndexForward"] is False
    assert "BETWEEN" in request["KeyConditionExpression"]


def test_a_query_with_a_filter_and_a_projection_written_as_dynamodb_takes_them(console: Console, store: Store,
                                                                              prefix: str) -> None:
    name = orders(store, prefix, 12)
    page = console.page(f"/tables/{name}?mode=query&pk=c0&expression=%23t+%3E+%3Amin&names=%7B%22%23t%22%3A+%22total"
                        f"%22%2C+%22%23o%22%3A+%22order%22%7D&values=%7B%22%3Amin%22%3A+30%7D"
                        f"&projection=customer%2C+%23t%2C+%23o")
    assert page.all("#read-error") == [], page.one("#read-error").text
    assert page.one("#count-returned").text == "2" and page.one("#count-evaluated").text == "4"


@pytest.mark.parametrize(("query", "message"), [
    ("mode=query", "a query needs the partition key"),
    ("mode=query&pk=c0&sk_op=%3E&sk=x", "order: 'x' is not a number"),
    ("mode=query&index=nope&pk=a", "has no index 'nope'"),
    ("mode=scan&expression=status+%3D+%3As&values=%7B%22%3As%22%3A+1%7D", "reserved keyword"),
    ("mode=scan&cursor=garbage", "page link is damaged"),
    ("mode=scan&limit=0", "page size is between 1 and 1000"),
])
def test_a_bad_read_says_why_in_the_page(console: Console, store: Store, prefix: str, query: str, message: str) -> None:
    name = orders(store, prefix, 2)
    page = console.page(f"/tables/{name}?{query}", status=422)
    assert message.lower() in page.one("#read-error").text.lower()


def test_htmx_gets_the_results_alone(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 3)
    r = console.get(f"/tables/{name}?mode=scan", headers={"HX-Request": "true", "HX-Target": "results"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="results"')
    assert "<html" not in r.text and r.headers["vary"] == "HX-Request"


def test_exports_hold_every_item_of_the_read(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 30)
    query = "mode=query&index=by_status&pk=open"
    r = console.get(f"/tables/{name}/export?{query}&format=jsonl&limit=10")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert re.match(rf'attachment; filename="{name}-\d{{8}}-\d{{6}}\.jsonl"', r.headers["content-disposition"])
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert sorted(x["order"] for x in lines) == [i for i in range(30) if i % 5]
    typed = [json.loads(line) for line in console.get(f"/tables/{name}/export?{query}&format=dynamodb-jsonl").text
             .splitlines()]
    assert len(typed) == 24 and all(set(x["Item"]["order"]) == {"N"} for x in typed)
    rows = list(csv.reader(io.StringIO(console.get(f"/tables/{name}/export?{query}&format=csv").text)))
    assert rows[0][:3] == ["status", "order", "customer"] and len(rows) == 25
    assert console.get(f"/tables/{name}/export?{query}&format=xml").status_code == 422


# -- items ------------------------------------------------------------------------------------------------


def _item_form(page: Element) -> dict[str, str]:
    form = page.one("#item-form")
    return {"original": form.one("input[name=original]").attrs["value"],
            "format": "json", "token": form.attrs["action"].rsplit("/", 1)[-1]}


def test_create_open_edit_and_delete_an_item(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix)
    created = console.post(f"/tables/{name}/items", {"format": "json", "item": json.dumps(
        {"customer": "ann", "order": 1, "status": "open", "total": 12.5, "tags": ["a"]})})
    assert created.status_code == 303
    url = created.headers["location"].removeprefix("/console")
    page = console.page(url)
    assert page.one("#notice").text == "Item created."
    assert json.loads(page.one("#item-json").text)["total"] == 12.5
    assert json.loads(page.one("#item-dynamodb").text)["total"] == {"N": "12.5"}

    form = _item_form(page)
    saved = console.post(f"/tables/{name}/items/{form['token']}", {
        "format": "json", "original": form["original"],
        "item": json.dumps({"customer": "ann", "order": 1, "status": "shipped", "total": 12.5})})
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    from decimal import Decimal

    assert store.table(name).get({"customer": "ann", "order": 1}) == {
        "customer": "ann", "order": 1, "status": "shipped", "total": Decimal("12.5")}

    page = console.page(url)
    deleted = console.post(f"/tables/{name}/items/{form['token']}/delete",
                           {"original": _item_form(page)["original"], "sure": "1"})
    assert deleted.status_code == 303 and store.table(name).get({"customer": "ann", "order": 1}) is None
    assert console.page(url, status=404).one("#error-title").text == "Not found"


def test_an_edit_after_another_writer_changed_the_item_is_refused(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix)
    store.table(name).put({"customer": "bo", "order": 2, "status": "open"})
    opened = console.get(f"/tables/{name}/key?pk=bo&sk=2", follow_redirects=False)
    assert opened.status_code == 303
    url = opened.headers["location"].removeprefix("/console")
    form = _item_form(console.page(url))

    store.table(name).update({"customer": "bo", "order": 2}, Attr("status").set("cancelled"))
    mine = json.dumps({"customer": "bo", "order": 2, "status": "shipped"})
    refused = console.post(f"/tables/{name}/items/{form['token']}",
                           {"format": "json", "original": form["original"], "item": mine}, htmx=True, target="editor")
    assert refused.status_code == 409
    editor = html(refused.text)
    assert "another writer changed this item" in editor.one("#editor-error").text.lower()
    assert editor.one("#item-text").text == mine and editor.one("#conflict-note")
    assert store.table(name).get({"customer": "bo", "order": 2})["status"] == "cancelled"

    # the editor now holds the version it was shown: saving again is a deliberate overwrite of it
    again = console.post(f"/tables/{name}/items/{form['token']}",
                         {"format": "json", "original": editor.one("#item-form input[name=original]").attrs["value"],
                          "item": mine}, htmx=True, target="editor")
    assert again.status_code == 204 and again.headers["HX-Redirect"].endswith("done=saved")
    assert store.table(name).get({"customer": "bo", "order": 2})["status"] == "shipped"


def test_a_bad_item_is_refused_inline_and_nothing_is_written(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix)
    store.table(name).put({"customer": "cy", "order": 3})
    for text, fmt, status, message in [
        ('{"customer": "cy", "order": 4,}', "json", 422, "line 1, column"),
        ('{"customer": "cy"}', "json", 422, "missing the key order"),
        ('{"customer": "cy", "order": "x"}', "json", 422, "type mismatch"),
        ('{"customer": {"S": "cy"}, "order": {"Q": "1"}}', "dynamodb", 422, "attribute 'order'"),
        ('{"customer": "cy", "order": 3}', "json", 409, "already exists"),
    ]:
        r = console.post(f"/tables/{name}/items", {"format": fmt, "item": text}, htmx=True, target="editor")
        assert r.status_code == status, text
        editor = html(r.text)
        assert message.lower() in editor.one("#editor-error").text.lower(), (text, editor.one("#editor-error").text)
        assert editor.one("#item-text").text == text
    assert store.table(name).count() == 1


def test_items_with_sets_and_binary_are_edited_as_dynamodb_json(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix)
    store.table(name).put({"customer": "di", "order": 5, "tags": {"a", "b"}, "blob": b"\x00\x01"})
    page = console.page(f"/tables/{name}?mode=query&pk=di")
    item = console.page(unescape(page.one("#items a.item-link").attrs["href"]).removeprefix("/console"))
    assert [o.attrs["value"] for o in item.all("#item-format option")] == ["dynamodb"]
    assert json.loads(item.one("#item-text").text)["tags"] == {"SS": ["a", "b"]}


def test_user_text_is_escaped_everywhere(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix)
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    store.table(name).put({"customer": evil, "order": 1, evil: evil})
    for url in (f"/tables/{name}", f"/tables/{name}?mode=query&pk={httpx.QueryParams({'v': evil})['v']}"):
        raw = console.get(url).text
        assert "<script>alert" not in raw and "<img src=x" not in raw and "&lt;script&gt;" in raw
    r = console.get(f"/tables/{name}?mode=scan&expression={evil}")
    assert r.status_code == 422 and "<script>alert" not in r.text


def test_a_write_without_the_csrf_token_changes_nothing(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 3)
    for url, data in ((f"/tables/{name}/purge", {"confirm": name}), (f"/tables/{name}/delete", {"confirm": name}),
                      (f"/tables/{name}/items", {"format": "json", "item": '{"customer": "x", "order": 9}'})):
        assert console.post(url, data, token=None).status_code == 403
        assert console.post(url, data, token="forged").status_code == 403
    assert store.table(name).count() == 3


def test_unknown_tables_and_damaged_item_links_are_error_pages(console: Console, store: Store, prefix: str) -> None:
    name = orders(store, prefix, 1)
    assert console.page(f"/tables/{prefix}none", status=404).one("#error-title").text == "Not found"
    assert "damaged" in console.page(f"/tables/{name}/items/AAAA", status=422).one("#error-message").text
    assert console.page("/no/such/page", status=404).one("#error-title").text == "Not found"


# -- the console alone ----------------------------------------------------------------------------------------


def test_the_console_alone_creates_no_tables_and_leads_to_itself(store: Store, prefix: str) -> None:
    name = orders(store, prefix, 1)
    before = store.tables()
    app = create_standalone_app(ApiContext(store, Settings()), close_store=False)
    with TestClient(app, base_url=BASE, client=LOOPBACK) as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/console/"
        assert client.get("/healthz").json() == {"status": "ok"}
        assert f'data-table="{name}"' in client.get("/console/").text
    assert store.tables() == before


def test_dynastore_console_serves_a_store_file(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    with open_store(f"sqlite:///{db}") as s:
        s.create_table({"name": "notes", "partition_key": ["id", "S"]}).put({"id": "n1", "text": "hello"})
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dynastore", "console", "--url", f"sqlite:///{db}", "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                break
            subprocess.run(["sleep", "0.1"], check=False)
        page = httpx.get(base + "/console/tables/notes", timeout=10)
        assert page.status_code == 200 and "hello" in page.text
    finally:
        proc.terminate()
        output = proc.communicate(timeout=15)[0].decode()
    assert f"console on http://127.0.0.1:{port}/console" in output.lower()
