"""Accounts (SQLite, argon2id password hashes) and login sessions (dynastore table, TTL).

A session id is 256 random bits from `secrets`, new at every login; the
session's item carries its own CSRF token. Expiry is checked on every read:
DynamoDB deletes expired items up to days late, and dynastore's TTL filter
hides them, but the check here does not depend on either.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ...codec import text
from ...errors import ValidationError
from ...expressions import Attr
from ...table import Table
from .database import Database
from .errors import InvalidCredentials, UsernameTaken
from .records import LoginSession, User
from .trace import Trace, note

USERNAME = re.compile(r"^[a-z0-9_]{3,32}$")
PASSWORD_LENGTH = (8, 128)
#: How long a login lasts.
SESSION_LIFETIME = timedelta(days=7)
# token_urlsafe(32): 43 characters of [A-Za-z0-9_-]; anything else is not ours and is not looked up
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


def now() -> datetime:
    return datetime.now(timezone.utc)


def check_username(username: object) -> str:
    name = username.strip().lower() if isinstance(username, str) else ""
    if not USERNAME.match(name):
        raise ValidationError("a user name is 3 to 32 characters: lower-case letters, digits and _")
    return name


def check_password(password: object) -> str:
    lo, hi = PASSWORD_LENGTH
    if not isinstance(password, str) or not lo <= len(password) <= hi:
        raise ValidationError(f"a password is {lo} to {hi} characters")
    return password


class Accounts:
    def __init__(self, db: Database, sessions: Table, hasher: PasswordHasher | None = None):
        self.db = db
        self.sessions = sessions
        self.hasher = hasher or PasswordHasher()
        # verified against when the user does not exist, so both failures take the same time
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    def register(self, username: str, password: str, display_name: str | None = None) -> User:
        name = check_username(username)
        shown = (display_name or "").strip() or name
        if len(shown) > 64:
            raise ValidationError("a display name is at most 64 characters")
        hashed = self.hasher.hash(check_password(password))
        created = now()
        try:
            with self.db.cursor() as cur:
                cur.execute("INSERT INTO users (username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?)",
                            (name, shown, hashed, created.isoformat()))
        except sqlite3.IntegrityError:
            raise UsernameTaken(f"the user name {name!r} is taken") from None
        return User(name, shown, created)

    def user(self, username: str, trace: Trace | None = None) -> User | None:
        rows = self.db.rows("SELECT username, display_name, created_at FROM users WHERE username = ?",
                            (username.strip().lower(),))
        note(trace, "SQLite", "SELECT", "users", f"username = {username}", items=len(rows))
        return User(rows[0]["username"], rows[0]["display_name"], _time(rows[0]["created_at"])) if rows else None

    def sign_up(self, username: str, password: str, display_name: str | None = None,
                user_agent: str | None = None) -> LoginSession:
        """Register, then start a session: the password was just hashed, so it is not verified again (an
        argon2 verification costs as much as the hash)."""
        return self._start_session(self.register(username, password, display_name).username, user_agent)

    def login(self, username: str, password: str, user_agent: str | None = None) -> LoginSession:
        name = username.strip().lower() if isinstance(username, str) else ""
        rows = self.db.rows("SELECT password_hash FROM users WHERE username = ?", (name,))
        stored = rows[0]["password_hash"] if rows else self._decoy
        try:
            self.hasher.verify(stored, password if isinstance(password, str) else "")
            ok = bool(rows)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise InvalidCredentials("unknown user name or wrong password")
        if self.hasher.check_needs_rehash(stored):
            with self.db.cursor() as cur:
                cur.execute("UPDATE users SET password_hash = ? WHERE username = ?", (self.hasher.hash(password), name))
        return self._start_session(name, user_agent)

    def _start_session(self, user_id: str, user_agent: str | None) -> LoginSession:
        created = now()
        session = LoginSession(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(32), created,
                               created + SESSION_LIFETIME)
        item = {"session_id": session.session_id, "user_id": user_id, "csrf_token": session.csrf_token,
                "created_at": int(created.timestamp()), "expires_at": int(session.expires_at.timestamp())}
        if user_agent:
            item["user_agent"] = text(user_agent[:200])
        self.sessions.put(item, condition=Attr("session_id").not_exists())
        return session

    def session(self, session_id: str | None, trace: Trace | None = None) -> LoginSession | None:
        if not session_id or not _SESSION_ID.match(session_id):
            return None
        # consistent: the request right after login must find the session it was given
        item = self.sessions.get({"session_id": session_id}, consistent=True)
        note(trace, "DynamoDB", "GetItem", self.sessions.name, "session_id = (your cookie)", items=int(item is not None),
             why="strongly consistent; expiry checked here, since TTL deletion lags")
        if item is None:
            return None
        expires = datetime.fromtimestamp(int(item["expires_at"]), timezone.utc)
        if expires <= now():
            return None
        return LoginSession(session_id, item["user_id"], item["csrf_token"],
                            datetime.fromtimestamp(int(item["created_at"]), timezone.utc), expires)

    def logout(self, session_id: str | None) -> None:
        if session_id and _SESSION_ID.match(session_id):
            self.sessions.delete({"session_id": session_id})


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


