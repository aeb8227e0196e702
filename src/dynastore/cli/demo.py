"""``dynastore demo``: the five seed applications, rebuilt on the Table API and exercised.

Each application gets its tables from the spec files and then does what the
original did, the way it should have: conditional creates, atomic counters,
versioned updates, index queries newest first, transactions, TTL and
pagination to the end. Every step checks its own result, so the demo is also
a smoke test of the engine it runs on. Every run uses fresh ids (a run id in
every key), so it can be run again and again on the same store.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from ..engine import Item
from ..errors import ConditionFailed, TransactionCanceled, ValidationError, VersionConflict
from ..expressions import Attr, Key
from ..jsonutil import dumps, loads
from ..spec import TableSpec, load_specs
from ..store import Store
from ..table import Table
from ._output import value_text

#: The applications, in seed order: (seed, short name, what it is, tables).
APPLICATIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("000", "Video scripts", "Claude3 Video Analyzer's scripts, synced by session",
     ("YukkuriScripts", "YukkuriMergedScripts")),
    ("001", "Video generations", "Video Gennie's generation states, version-checked",
     ("video-gennie-generations",)),
    ("002", "Chat messages", "a chat's message index; bodies live in blob storage", ("chat-messages",)),
    ("003", "DevFlow sessions", "single-table design with a GSI and TTL", ("devflow-sessions",)),
    ("004", "Blog tutorial", "activities, likes, comments and TTL'd sessions",
     ("activities", "likes", "comments", "sessions")),
)


def default_spec_dir() -> Path:
    return Path(str(resources.files("dynastore") / "specs"))


def iso(t: float | None = None) -> str:
    """ISO-8601 UTC with microseconds, fixed width, so it sorts as time."""
    return datetime.fromtimestamp(time.time() if t is None else t, timezone.utc).isoformat(timespec="microseconds")


def event_key(t: float | None = None) -> str:
    """A sort key unique per event: time first (for order), a random suffix (for uniqueness)."""
    return f"{iso(t)}#{uuid.uuid4().hex[:8]}"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _stored(table: Table, key: dict[str, Any], *, consistent: bool = False) -> Item:
    """An item the demo has just written: it is there, or the engine is broken."""
    item = table.get(key, consistent=consistent)
    assert item is not None, f"no item with key {key} in table {table.name!r}"
    return item


@dataclass
class AppResult:
    seed: str
    name: str
    tables: tuple[str, ...]
    steps: int = 0
    failures: list[str] = field(default_factory=list)
    writes: int = 0


class Demo:
    def __init__(self, store: Store, console: Console, spec_dir: Path | None = None):
        self.store = store
        self.console = console
        self.spec_dir = spec_dir or default_spec_dir()
        self.run_id = uuid.uuid4().hex[:6]
        self.t: dict[str, Table] = {}
        self.results: list[AppResult] = []
        self.current: AppResult | None = None

    # -- output and checks -----------------------------------------------------

    def step(self, text: str, ok: bool = True, detail: str = "") -> None:
        """One step: a green tick, or a red cross that makes the demo fail at the end."""
        assert self.current is not None
        self.current.steps += 1
        line = Text("  ")
        line.append("✓ " if ok else "✗ ", style="bold green" if ok else "bold red")
        line.append(text)
        if detail:
            line.append(f"\n      {detail}", style="dim")
        self.console.print(line)
        if not ok:
            self.current.failures.append(text)

    def show(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        grid = RichTable(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
        for c in columns:
            grid.add_column(c, style="cyan" if c == columns[0] else None, no_wrap=False)
        for r in rows:
            grid.add_row(*(Text(value_text(v, 48)) for v in r))
        self.console.print(grid, style="dim")

    def wrote(self, n: int = 1) -> None:
        assert self.current is not None
        self.current.writes += n

    def refused(self, what: str, action: Callable[[], Any], error: type[Exception] = ConditionFailed,
                note: str = "") -> None:
        """Run an action that must be refused with ``error``; a step either way."""
        try:
            action()
        except error as e:
            self.step(what, True, f"{note}{' → ' if note else ''}{type(e).__name__}")
        else:
            self.step(what + " (but it was accepted)", False)

    # -- tables ---------------------------------------------------------------------

    def load_specs(self) -> dict[str, TableSpec]:
        if not self.spec_dir.is_dir():
            raise ValidationError(f"spec directory {self.spec_dir} does not exist")
        specs: dict[str, TableSpec] = {}
        for f in sorted(self.spec_dir.glob("*.y*ml")) + sorted(self.spec_dir.glob("*.json")):
            for s in load_specs(f):
                specs[s.name] = s
        wanted = [n for *_, names in APPLICATIONS for n in names]
        missing = [n for n in wanted if n not in specs]
        if missing:
            raise ValidationError(f"spec directory {self.spec_dir} has no spec for table(s) {', '.join(missing)}")
        return specs

    def create_tables(self) -> None:
        specs = self.load_specs()
        existing = set(self.store.tables())
        created: list[str] = []
        found: list[str] = []
        for *_, names in APPLICATIONS:
            for name in names:
                self.t[name] = self.store.create_table(specs[name])
                (found if name in existing else created).append(name)
        line = Text(f"Store: {self.store.url}   run id: {self.run_id}   specs: {self.spec_dir}\n", style="dim")
        if created:
            line.append(f"created {len(created)} table(s): {', '.join(created)}\n")
        if found:
            line.append(f"found {len(found)} table(s) already there: {', '.join(found)}\n")
        self.console.print(line)

    # -- the applications -----------------------------------------------------------

    def run(self) -> bool:
        self.console.rule("[bold]dynastore demo: five applications on one Table API[/]")
        self.create_tables()
        for (seed, name, about, tables), fn in zip(
            APPLICATIONS, (self.video_scripts, self.generations, self.chat, self.devflow, self.blog), strict=True
        ):
            self.current = AppResult(seed, name, tables)
            self.results.append(self.current)
            self.console.rule(f"[bold]{seed} {name}[/]: {about}", align="left")
            fn()
            self.console.print()
        return self.summary()

    def video_scripts(self) -> None:
        scripts, merged = self.t["YukkuriScripts"], self.t["YukkuriMergedScripts"]
        session = new_id(f"session-{self.run_id}")
        chapters = [
            ("Opening", "ゆっくり霊夢です。今日は動画解析の結果を見ていきましょう。", 12.5),
            ("Analysis", "ゆっくり魔理沙だぜ。場面ごとの要点をまとめるぜ。", 48.25),
            ("Closing", "ご視聴ありがとうございました。", 7.0),
        ]
        ids = []
        for n, (title, text, seconds) in enumerate(chapters, 1):
            sid = f"{session}-ch{n}"
            ids.append(sid)
            scripts.put(
                {"script_id": sid, "session_id": session, "chapter": n, "title": title, "content": text,
                 "duration_seconds": seconds, "feedback_history": []},
                condition=Attr("script_id").not_exists(),
            )
            self.wrote()
        self.step(f"saved {len(ids)} chapter scripts for {session}", detail="put with not_exists: never overwrites")

        self.refused(
            "creating chapter 1 again was refused; the stored script is intact",
            lambda: scripts.put({"script_id": ids[0], "session_id": session, "content": "oops"},
                                condition=Attr("script_id").not_exists()),
        )
        self.step("chapter 1 still holds its text", _stored(scripts, {"script_id": ids[0]})["content"] == chapters[0][1])

        feedback = ["テンポを上げて", "冒頭に問いかけを", "締めを短く"]
        for fb in feedback:
            scripts.update({"script_id": ids[0]}, Attr("feedback_history").append([{"at": iso(), "text": fb}]),
                           condition=Attr("script_id").exists())
            self.wrote()
        history = [h["text"] for h in _stored(scripts, {"script_id": ids[0]}, consistent=True)["feedback_history"]]
        self.step("appended 3 feedback entries atomically, order kept", history == feedback,
                  " → ".join(history))

        rows = sorted(scripts.query(Key("session_id").eq(session), index="session_id-index"),
                      key=lambda r: r["chapter"])
        self.step(f"synced the session through session_id-index: {len(rows)} scripts", len(rows) == 3)
        self.show(["script_id", "chapter", "title", "duration_seconds"],
                  [[r["script_id"], r["chapter"], r["title"], r["duration_seconds"]] for r in rows])

        merged_id = new_id(f"merged-{self.run_id}")
        with self.store.transaction() as tx:
            tx.put(merged, {"merged_id": merged_id, "session_id": session, "script_ids": ids,
                            "content": "\n".join(r["content"] for r in rows),
                            "duration_seconds": sum(r["duration_seconds"] for r in rows)},
                   condition=Attr("merged_id").not_exists())
            for sid in ids:
                tx.update(scripts, {"script_id": sid}, Attr("merged_id").set(merged_id),
                          condition=Attr("script_id").exists())
        self.wrote(4)
        linked = [_stored(scripts, {"script_id": s}, consistent=True).get("merged_id") for s in ids]
        self.step("merged the chapters in one transaction (1 put + 3 updates, all or nothing)",
                  linked == [merged_id] * 3)

        item = _stored(merged, {"merged_id": merged_id}, consistent=True)
        text = dumps(item)
        self.step("the merged script serialises with dynastore.dumps",
                  loads(text)["duration_seconds"] == item["duration_seconds"],
                  f"{len(text)} bytes of JSON; duration_seconds {item['duration_seconds']!r} included")

    def generations(self) -> None:
        gens = self.t["video-gennie-generations"]
        user = new_id(f"user-{self.run_id}")
        params = {"prompt": "Create a video about AI", "language": "en", "options": {"aspectRatio": "16:9"}}
        gid = new_id("gen")
        item = gens.put({"generationId": gid, "userId": user, "initialParams": params}).item
        self.wrote()
        self.step(f"saved generation {gid}", item["version"] == 1 and "createdAt" in item,
                  f"version {item['version']}, createdAt {item['createdAt']}")
        self.refused("a second create under the same id was refused",
                     lambda: gens.put({"generationId": gid, "userId": user, "initialParams": {}}),
                     note="the original's save overwrote silently")

        new = gens.update({"generationId": gid},
                          Attr("script").set({"content": "AI is transforming our world...", "mood": "informative"}),
                          expected_version=1, return_values="ALL_NEW")
        self.wrote()
        self.step("recorded the script stage with expected_version=1", new is not None and new["version"] == 2,
                  f"now version {new['version'] if new else '?'}, updatedAt {new['updatedAt'] if new else '?'}")
        self.refused(
            "a stale writer (still at version 1) was refused: no lost update",
            lambda: gens.update({"generationId": gid}, Attr("audio").set({"voice": "alloy"}), expected_version=1),
            VersionConflict,
        )

        for n in range(4):
            gens.put({"generationId": new_id("gen"), "userId": user,
                      "initialParams": {**params, "prompt": f"Video #{n + 2}"}})
            self.wrote()
        listing = gens.query(Key("userId").eq(user), index="userId-createdAt-index", reverse=True, page_size=2)
        pages = list(listing.pages())
        items = [i for p in pages for i in p.items]
        stamps = [i["createdAt"] for i in items]
        self.step(f"listed the user's generations newest first: {len(items)} in {len(pages)} pages of at most 2",
                  len(items) == 5 and stamps == sorted(stamps, reverse=True))
        self.show(["generationId", "createdAt", "version", "prompt"],
                  [[i["generationId"], i["createdAt"], i["version"], i["initialParams"]["prompt"]] for i in items])

        cutoff = items[1]["createdAt"]
        old = gens.query(Key("userId").eq(user) & Key("createdAt").lt(cutoff), index="userId-createdAt-index",
                         page_size=1)
        removed = 0
        for g in old:
            gens.delete({"generationId": g["generationId"]}, expected_version=g["version"])
            removed += 1
        self.wrote(removed)
        left = gens.count(Key("userId").eq(user), index="userId-createdAt-index")
        self.step(f"cleanup read every page (page_size=1) and deleted {removed} older generations",
                  removed == 3 and left == 2, f"{left} left; the original cleaned the first page only")

    def chat(self) -> None:
        chats = self.t["chat-messages"]
        chat = new_id(f"chat-{self.run_id}")
        conversation = [
            ("user", "DynamoDBのインデックス設計について教えて"),
            ("assistant", "アクセスパターンから考えましょう。まずは何を取得したいですか?"),
            ("user", "チャットごとの最新メッセージを取りたい"),
            ("assistant", "PKをchat_id、SKを作成日時+メッセージIDにすると時系列で並びます。"),
            ("user", "本文はどこに置くの?"),
            ("assistant", "本文はすべてS3(開発時はローカル)に置き、DynamoDBは索引だけを持ちます。"),
            ("user", "ページングは?"),
            ("assistant", "LastEvaluatedKeyを次のリクエストのExclusiveStartKeyに渡します。"),
        ]
        base = time.time()
        keys = []
        for n, (role, text) in enumerate(conversation):
            created = iso(base + n / 1000)  # a millisecond apart: strictly increasing keys
            mid = uuid.uuid4().hex
            key = f"{created}#{mid}"
            keys.append(key)
            chats.put({"chat_id": chat, "message_key": key, "message_id": mid, "role": role,
                       "content_url": f"local://storage/messages/{created[:10].replace('-', '/')}/{chat}/{mid}.json",
                       "content_preview": text[:40], "size_bytes": len(text.encode()), "created_at": created},
                      condition=Attr("message_key").not_exists())
            self.wrote()
        first = chats.get({"chat_id": chat, "message_key": keys[0]})
        self.step(f"indexed {len(keys)} messages of {chat}", first is not None,
                  f"the body lives in blob storage, e.g. {first['content_url'] if first else '?'}")
        self.refused("a redelivered message (same key) was refused: idempotent delivery",
                     lambda: chats.put({"chat_id": chat, "message_key": keys[3], "role": "user"},
                                       condition=Attr("message_key").not_exists()))

        latest = chats.query(Key("chat_id").eq(chat), reverse=True, limit=3).all()
        self.step("the 3 latest messages, newest first (reverse query, limit 3)",
                  [m["message_key"] for m in latest] == keys[::-1][:3])
        self.show(["role", "created_at", "content_preview"],
                  [[m["role"], m["created_at"], m["content_preview"]] for m in latest])

        page1 = chats.query(Key("chat_id").eq(chat), limit=3)
        got = page1.all()
        cursor = page1.last_key
        rest = chats.query(Key("chat_id").eq(chat), start_key=cursor).all()
        self.step(f"paged oldest first: {len(got)}, then the other {len(rest)} from the cursor",
                  [m["message_key"] for m in got + rest] == keys and cursor is not None,
                  f"last_key → start_key: {value_text(cursor, 56)}")

        since = chats.query(Key("chat_id").eq(chat) & Key("message_key").gt(keys[4])).all()
        self.step("messages after a point in time (sort key > that message's key)", len(since) == 3)

    def devflow(self) -> None:
        sessions = self.t["devflow-sessions"]
        user = new_id(f"user-{self.run_id}")
        now = int(time.time())
        day = 24 * 3600
        ids = []
        for n, ago in enumerate((7200, 3600, 0)):
            sid = str(uuid.uuid4())
            ids.append(sid)
            sessions.put(
                {"session_id": sid, "user_id": user, "repository_url": "https://github.com/example/devflow-demo",
                 "repository_owner": "example", "repository_name": "devflow-demo",
                 "branch_name": f"devflow/{sid[:8]}", "status": "starting",
                 "initial_prompt": f"Task {n + 1}: add a health check endpoint", "history": [],
                 "github_installation_id": 12345678, "created_at": now - ago, "ttl": now - ago + day},
                condition=Attr("session_id").not_exists(),
            )
            self.wrote()
        self.step(f"started 3 sessions for {user}", True, "status starting, ttl = created_at + 24h")

        sid = ids[-1]
        sessions.update(
            {"session_id": sid},
            [Attr("status").set("running"),
             Attr("ecs_task_arn").set(f"arn:aws:ecs:us-east-1:123456789012:task/devflow/{sid[:8]}"),
             Attr("editor_url").set(f"https://editor.example.com/{sid[:8]}"),
             Attr("ttl").set(int(time.time()) + day)],
            condition=Attr("status").eq("starting"),
        )
        self.wrote()
        self.step("moved the newest session starting → running (condition: status = starting)",
                  _stored(sessions, {"session_id": sid}, consistent=True)["status"] == "running")
        self.refused(
            "a second starting → running transition was refused (it is already running)",
            lambda: sessions.update({"session_id": sid}, Attr("status").set("running"),
                                    condition=Attr("status").eq("starting")),
        )
        turns = (("Add /healthz", "Added GET /healthz returning 200"), ("Write a test", "Added test_healthz"))
        for prompt, answer in turns:
            sessions.update({"session_id": sid},
                            Attr("history").append([{"prompt": prompt, "response": answer, "at": int(time.time())}]),
                            condition=Attr("session_id").exists())
            self.wrote()
        item = _stored(sessions, {"session_id": sid}, consistent=True)
        self.step("appended 2 prompt/response pairs to the history", len(item["history"]) == 2,
                  f"updated_at {item['updated_at']} (Unix seconds, kept by dynastore)")

        rows = sessions.query(Key("user_id").eq(user), index="user_id-created_at-index", reverse=True).all()
        self.step("the user's sessions newest first via user_id-created_at-index",
                  [r["session_id"] for r in rows] == ids[::-1], "created_at is a Number (Unix seconds)")
        self.show(["session_id", "created_at", "status", "ttl"],
                  [[r["session_id"], r["created_at"], r["status"], r["ttl"]] for r in rows])

    def blog(self) -> None:
        activities, likes, comments, sessions = (self.t[n] for n in ("activities", "likes", "comments", "sessions"))
        post = new_id(f"post-{self.run_id}")
        readers = [new_id(f"user-{self.run_id}") for _ in range(3)]
        views = [{"user_id": u, "timestamp": event_key(), "activity_type": "view", "post_id": post}
                 for u in readers for _ in range(2)]
        written = activities.batch_write(views)
        self.wrote(written)
        self.step(f"logged {written} views in one batch write, all kept (same second)",
                  activities.count(Key("user_id").eq(readers[0])) == 2,
                  "sort key = ISO time + random suffix")

        def like(user: str) -> None:
            likes.update({"post_id": post}, [Attr("like_count").add(1), Attr("liked_by").add({user})],
                         condition=~Attr("liked_by").contains(user))
            activities.put({"user_id": user, "timestamp": event_key(), "activity_type": "like", "post_id": post})

        fans = readers + [new_id(f"user-{self.run_id}") for _ in range(9)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(like, fans))
        self.wrote(2 * len(fans))
        state = _stored(likes, {"post_id": post}, consistent=True)
        self.step(f"{len(fans)} users liked the post from 4 threads: counter and set exact",
                  state["like_count"] == len(fans) and state["liked_by"] == set(fans),
                  f"like_count {state['like_count']} (ADD), liked_by has {len(state['liked_by'])} (ADD to a set)")
        self.refused("a second like by the same user was refused", lambda: like(readers[0]),
                     note="condition: NOT contains(liked_by, user)")
        likes.update({"post_id": post}, [Attr("like_count").add(-1), Attr("liked_by").delete({fans[-1]})],
                     condition=Attr("liked_by").contains(fans[-1]))
        self.wrote()
        state = _stored(likes, {"post_id": post}, consistent=True)
        self.step("an unlike took the user out and the counter down in one update",
                  state["like_count"] == len(fans) - 1 and fans[-1] not in state["liked_by"])

        author = readers[1]
        cid = event_key()
        with self.store.transaction() as tx:
            tx.put(comments, {"post_id": post, "comment_id": cid, "user_id": author, "body": "Great post!"},
                   condition=Attr("comment_id").not_exists())
            tx.put(activities, {"user_id": author, "timestamp": cid, "activity_type": "comment", "post_id": post,
                                "comment_id": cid})
        reply = event_key()
        with self.store.transaction() as tx:
            tx.put(comments, {"post_id": post, "comment_id": reply, "user_id": readers[2], "parent_id": cid,
                              "body": "Agreed, the GSI part especially."},
                   condition=Attr("comment_id").not_exists())
            tx.put(activities, {"user_id": readers[2], "timestamp": reply, "activity_type": "comment",
                                "post_id": post, "comment_id": reply})
        self.wrote(4)
        thread = comments.query(Key("post_id").eq(post)).all()
        self.step("a comment and a reply, each written with its activity in one transaction",
                  [c["comment_id"] for c in thread] == [cid, reply] and thread[1].get("parent_id") == cid)

        ghost = new_id("post-missing")
        orphan = event_key()
        try:
            with self.store.transaction() as tx:
                tx.check(likes, {"post_id": ghost}, Attr("post_id").exists())
                tx.put(comments, {"post_id": ghost, "comment_id": orphan, "user_id": author, "body": "?"})
        except TransactionCanceled as e:
            codes = [r.code for r in e.reasons]
            self.step("a comment on a missing post: transaction cancelled, nothing written",
                      comments.get({"post_id": ghost, "comment_id": orphan}, consistent=True) is None,
                      f"reasons: {', '.join(codes)}")
        else:
            self.step("a transaction whose check fails must be cancelled (it was committed)", False)

        mine = activities.query(Key("user_id").eq(author), reverse=True, limit=3).all()
        self.step(f"{author}'s latest activities, newest first", [a["activity_type"] for a in mine][:1] == ["comment"])
        self.show(["timestamp", "activity_type", "post_id"],
                  [[a["timestamp"], a["activity_type"], a["post_id"]] for a in mine])
        recent_likes = activities.query(Key("activity_type").eq("like"), index="ActivityTypeIndex", reverse=True,
                                        limit=5).all()
        self.step("the 5 latest likes site-wide via ActivityTypeIndex",
                  len(recent_likes) == 5 and all(a["post_id"] == post for a in recent_likes))
        on_post = activities.count(Key("post_id").eq(post), index="PostActivityIndex")
        self.step(f"the post's activity via PostActivityIndex: {on_post} events",
                  on_post == len(views) + len(fans) + 2, "views + likes + comments")

        login = new_id(f"sess-{self.run_id}")
        sessions.put({"session_id": login, "user_id": author, "expires_at": int(time.time()) + 3600})
        short = new_id(f"sess-{self.run_id}")
        expires = int(time.time()) + 1
        sessions.put({"session_id": short, "user_id": author, "expires_at": expires})
        self.wrote(2)
        self.step("two login sessions: one for an hour, one expiring within a second",
                  sessions.get({"session_id": short}) is not None)
        time.sleep(max(0.0, expires - time.time()) + 0.05)
        hidden = sessions.get({"session_id": short}, consistent=True)
        still = sessions.get({"session_id": short}, consistent=True, include_expired=True)
        self.step("once expired, the short session is hidden (stored until swept)",
                  hidden is None and still is not None)
        swept = sessions.sweep_expired()
        gone = sessions.get({"session_id": short}, include_expired=True, consistent=True) is None
        # DynamoDB's own TTL process may delete it first (DynamoDB Local's does within seconds)
        beaten = swept == 0 and self.store.engine.kind == "dynamodb"
        self.step(f"sweep_expired() deleted {swept} expired session(s)", gone and (swept >= 1 or beaten),
                  "the service's TTL process had deleted it already" if beaten else "")
        sessions.delete({"session_id": login})
        self.step("logged out: the hour-long session deleted",
                  sessions.get({"session_id": login}, consistent=True) is None)

    # -- summary ----------------------------------------------------------------------

    def summary(self) -> bool:
        grid = RichTable(title="Summary", title_justify="left")
        for c in ("Seed", "Application", "Tables", "Writes", "Steps", "Result"):
            grid.add_column(c, justify="right" if c in ("Writes", "Steps") else "left", no_wrap=c != "Application")
        failures = 0
        for r in self.results:
            failures += len(r.failures)
            grid.add_row(r.seed, r.name, "\n".join(r.tables), str(r.writes), str(r.steps),
                         Text("ok", style="bold green") if not r.failures
                         else Text(f"{len(r.failures)} failed", style="bold red"))
        self.console.print(grid)
        steps = sum(r.steps for r in self.results)
        if failures:
            self.console.print(Text(f"{failures} of {steps} steps failed.", style="bold red"))
        else:
            self.console.print(Text(f"All {steps} steps behaved as expected.", style="bold green"))
            self.console.print(
                "Run it again any time: every run uses fresh ids (this one: "
                f"{self.run_id}). Look around with: dynastore tables, dynastore scan activities --limit 5",
                style="dim",
            )
        return failures == 0


def run_demo(store: Store, spec_dir: Path | None, console: Console) -> bool:
    """Run the demo on ``store``; True when every step behaved as expected."""
    return Demo(store, console, spec_dir).run()
