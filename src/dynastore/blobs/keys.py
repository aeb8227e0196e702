"""Blob keys: one set of rules for every blob store, checked before any I/O.

The rules are S3's limits plus what a directory tree needs, so a key that
works on the local store works on S3 and the other way round: the seeds'
local storage joined keys onto a directory without checking for ``..``.
"""

from __future__ import annotations

import re

from ..errors import ValidationError

#: S3's limit on a key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024
#: One path segment, in UTF-8 bytes: a file name (255 on common file systems) less room for ".json".
MAX_SEGMENT_BYTES = 250
#: First segment the local store keeps for itself (temporary files, metadata sidecars).
RESERVED_PREFIX = ".dynastore"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The common case, accepted at once: ASCII segments of safe characters that do not start with '.'
# (so never '.', '..' or the reserved prefix), each within the segment limit.
_SIMPLE = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,249}(?:/[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,249})*")


def validate_key(key: object) -> str:
    """``key`` if it is a valid blob key, else a ValidationError saying why.

    A key is a relative, ``/``-separated path: not empty, at most 1024 UTF-8
    bytes, segments of at most 250 bytes, no empty, ``.`` or ``..`` segment
    (so no leading, trailing or doubled ``/``), no backslash, no NUL or other
    control character, and not under the reserved ``.dynastore/``.
    """
    if not isinstance(key, str):
        raise ValidationError(f"blob key must be a str, got {type(key).__name__}")
    if len(key) <= MAX_KEY_BYTES and _SIMPLE.fullmatch(key):
        return key
    if not key:
        raise ValidationError("blob key must not be empty")
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise ValidationError(f"blob key is {size} bytes; the limit is {MAX_KEY_BYTES}")
    m = _CONTROL.search(key)
    if m:
        what = "NUL" if m.group() == "\x00" else f"control character {m.group()!r}"
        raise ValidationError(f"blob key {key!r:.80} contains {what}")
    if "\\" in key:
        raise ValidationError(f"blob key {key!r:.80} contains a backslash; use '/' between segments")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"blob key {key!r:.80} is not valid Unicode (lone surrogate)") from None
    if key.startswith("/"):
        raise ValidationError(f"blob key {key!r:.80} is absolute; keys are relative (no leading '/')")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            shown = "an empty" if not segment else f"a {segment!r}"
            raise ValidationError(f"blob key {key!r:.80} has {shown} segment")
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            raise ValidationError(f"blob key {key!r:.80} has a segment longer than {MAX_SEGMENT_BYTES} bytes")
    if key.split("/", 1)[0] == RESERVED_PREFIX:
        raise ValidationError(f"blob keys under {RESERVED_PREFIX + '/'!r} are reserved")
    return key


def validate_prefix(prefix: object) -> str:
    """A listing prefix: empty, or a key's beginning (the same rules, a trailing '/' allowed)."""
    if prefix == "":
        return ""
    if not isinstance(prefix, str):
        raise ValidationError(f"blob prefix must be a str, got {type(prefix).__name__}")
    validate_key(prefix[:-1] if prefix.endswith("/") and len(prefix) > 1 else prefix)
    return prefix
