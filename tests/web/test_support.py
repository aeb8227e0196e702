"""What the blog's web tests share: the app on a fresh store (memory and SQLite), a visitor driving it
through its forms as a browser would (with or without htmx), and HTML read back by CSS selectors.

The selectors are the small subset the tests use (``tag#id.class[attr=value]``, descendants by a
space); the parser is the standard library's, since a page must parse as plain HTML anyway.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from dynastore import open_store
from dynastore.api.context import ApiContext
from dynastore.apps.blog import BlogStore
from dynastore.settings import Settings
from dynastore.web.blog import blog_component, create_blog_app

PASSWORD = "correct-horse-battery"
#: argon2 at its cheapest: the tests log in often, and the hash's strength is not what they test
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# HTML, read back by selectors

@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = field(default_factory=list)
    texts: list[str | Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, as a browser shows it to a script (``textContent``)."""
        return "".join(t if isinstance(t, str) else t.text for t in self.texts)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def descendants(self) -> Iterator[Element]:
        for child in self.children:
            yield child
            yield from child.descendants()

    def all(self, selector: str) -> list[Element]:
        """Every descendant matching *selector* (compound selectors separated by spaces), in document order."""
        *ancestors, last = [_compound(part) for part in selector.split()]
        found = []
        for el in self.descendants():
            if _matches(el, last) and _has_ancestors(self, el, ancestors):
                found.append(el)
        return found

    def one(self, selector: str) -> Element:
        found = self.all(selector)
        assert len(found) == 1, f"{selector!r}: {len(found)} elements"
        return found[0]


_PART = re.compile(r"([#.]?)([\w-]+)|\[([\w-]+)(?:=['\"]?([^'\"\]]*)['\"]?)?\]")


def _compound(text: str) -> list[tuple[str, str, str | None]]:
    """``tag#id.cls[attr=v]`` as (kind, name, value) conditions."""
    conditions: list[tuple[str, str, str | None]] = []
    for m in _PART.finditer(text):
        prefix, name, attr, value = m.groups()
        if attr:
            conditions.append(("attr", attr, value))
        else:
            conditions.append(({"#": "id", ".": "class", "": "tag"}[prefix], name, None))
    return conditions


def _matches(el: Element, conditions: list[tuple[str, str, str | None]]) -> bool:
    for kind, name, value in conditions:
        if kind == "tag" and el.tag != name or kind == "id" and el.attrs.get("id") != name:
            return False
        if kind == "class" and name not in el.classes:
            return False
        if kind == "attr" and (name not in el.attrs or value is not None and el.attrs[name] != value):
            return False
    return True


def _has_ancestors(root: Element, el: Element, chain: list[list[tuple[str, str, str | None]]]) -> bool:
    if not chain:
        return True
    path = _path(root, el) or []
    i = len(chain) - 1
    for ancestor in reversed(path):
        if _matches(ancestor, chain[i]):
            i -= 1
            if i < 0:
                return True
    return False


def _path(root: Element, target: Element) -> list[Element] | None:
    for child in root.children:
        if child is target:
            return []
        below = _path(child, target)
        if below is not None:
            return [child, *below]
    return None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v if v is not None else "" for k, v in attrs})
        self.stack[-1].children.append(el)
        self.stack[-1].texts.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].texts.append(data)


def html(text: str) -> Element:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


# the app and its visitors

@dataclass
class Site:
    """The blog app on one store, its `BlogStore`, and a way to open browsers on it."""

    app: Any
    blog: BlogStore
    base_url: str = "http://testserver"

    def browser(self, base_url: str | None = None) -> Visitor:
        return Visitor(TestClient(self.app, base_url=base_url or self.base_url, follow_redirects=False))


@dataclass
class Visitor:
    """One browser: its cookies, and the forms it fills in (``htmx=True``: as htmx sends them)."""

    client: TestClient
    username: str | None = None

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, **kw)

    def page(self, url: str, status: int = 200) -> Element:
        response = self.get(url)
        assert response.status_code == status, (url, response.status_code, response.text[:500])
        return html(response.text)

    def token(self, url: str = "/") -> str:
        """The CSRF token this browser's pages carry (``<body hx-headers>``), for *url*'s page."""
        body = self.page(url).one("body")
        return str(json.loads(body.attrs["hx-headers"])["X-CSRF-Token"])

    def post(self, url: str, data: dict[str, str] | None = None, *, htmx: bool = False, token: str | None = "auto",
             ) -> httpx.Response:
        """POST *data* as a form; ``token="auto"``: with this browser's CSRF token (None: without)."""
        fields = dict(data or {})
        if token == "auto":
            token = self.token("/login" if self.username is None else "/")
        if token is not None:
            fields["csrf_token"] = token
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(url, data=fields, headers=headers)

    def register(self, username: str | None = None, password: str = PASSWORD) -> str:
        name = username or f"u{uuid.uuid4().hex[:10]}"
        response = self.post("/register", {"username": name, "password": password})
        assert response.status_code == 303, response.text[:500]
        self.username = name
        return name

    def login(self, username: str, password: str = PASSWORD, *, htmx: bool = False) -> httpx.Response:
        response = self.post("/login", {"username": username, "password": password}, htmx=htmx,
                             token=self.token("/login"))
        if response.status_code in (204, 303):
            self.username = username
        return response

    @property
    def session_id(self) -> str | None:
        return self.client.cookies.get("dynastore_session")

    def write(self, title: str = "A post", body: str = "Its body.") -> str:
        """A new post through the form; its id."""
        response = self.post("/posts", {"title": title, "body": body})
        assert response.status_code == 303, response.text[:500]
        return response.headers["location"].rsplit("/", 1)[1]


def make_site(kind: str, tmp: Path, url: str | None = None) -> tuple[Site, ApiContext]:
    if url is not None:  # another engine (DynamoDB Local): posts and accounts still in SQLite, as the seed has them
        store, posts_db = open_store(url), str(tmp / "blog.db")
    elif kind == "memory":
        store, posts_db = open_store("memory://"), ":memory:"
    else:
        store, posts_db = open_store(f"sqlite:///{tmp}/store.db"), str(tmp / "blog.db")
    ctx = ApiContext(store, Settings(blog_database=posts_db), table_prefix=f"web{uuid.uuid4().hex[:6]}_")

    def build(c: ApiContext) -> BlogStore:
        blog = BlogStore(c.store, posts_db=posts_db, table_prefix=c.table_prefix, hasher=FAST_HASHER)
        blog.create_tables()
        return blog

    blog = ctx.component(blog_component.name, build)
    return Site(create_blog_app(ctx), blog), ctx


@pytest.fixture(params=["memory", "sqlite"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The blog app on ``memory://`` and on ``sqlite:///<tmp>`` (posts and users in SQLite beside it)."""
    built, ctx = make_site(request.param, tmp_path)
    yield built
    built.blog.close()
    ctx.store.close()


@pytest.fixture
def alice(site: Site) -> Visitor:
    """A browser logged in as a freshly registered user."""
    v = site.browser()
    v.register()
    return v


@pytest.fixture
def bob(site: Site) -> Visitor:
    v = site.browser()
    v.register()
    return v
