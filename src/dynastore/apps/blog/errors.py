"""The blog's errors, each a dynastore error by meaning (the web app maps them to HTTP statuses)."""

from __future__ import annotations

from ...errors import ConditionFailed, DynastoreError, ItemNotFound


class PostNotFound(ItemNotFound):
    """No post has this id."""


class CommentNotFound(ItemNotFound):
    """No comment of this post has this id."""


class NotAuthor(ConditionFailed):
    """Only the author may edit or delete a post or a comment."""


class UsernameTaken(ConditionFailed):
    """Another account already has this user name."""


class InvalidCredentials(DynastoreError):
    """Unknown user or wrong password (one error for both, so names cannot be probed)."""

    default_code = "InvalidCredentials"
