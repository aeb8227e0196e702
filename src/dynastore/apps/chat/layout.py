"""Where message bodies go in blob storage: a key template, checked when the store starts.

The default is the seed's date-based layout,
``messages/{YYYY}/{MM}/{DD}/{chat_id}/{message_id}.json``. A multi-tenant app
puts fixed values in front, e.g. ``tenants/{tenant}/messages/{YYYY}/{MM}/{DD}/{chat_id}/{message_id}.json``
with ``tenant="acme"``.
"""

from __future__ import annotations

import re
import string
from datetime import datetime, timezone

from ...blobs import validate_key
from ...errors import ValidationError
from .models import Message, check_id

DEFAULT_TEMPLATE = "messages/{YYYY}/{MM}/{DD}/{chat_id}/{message_id}.json"

#: Placeholders filled from each message, and what each matches when a key is read back.
_PER_MESSAGE = {
    "YYYY": r"\d{4}",
    "MM": r"\d{2}",
    "DD": r"\d{2}",
    "HH": r"\d{2}",
    "chat_id": r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}",
    "message_id": r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}",
}


class KeyLayout:
    """A validated key template. ``values`` fill its fixed placeholders (tenant, user ...)."""

    def __init__(self, template: str = DEFAULT_TEMPLATE, **values: str):
        if not isinstance(template, str) or not template:
            raise ValidationError("message key template must be a non-empty string")
        self.template = template
        parts: list[tuple[str, str | None]] = []  # (literal text before, field)
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as e:
            raise ValidationError(f"message key template {template!r}: {e}") from None
        used: set[str] = set()
        for literal, name, spec, conversion in parsed:
            if name is not None:
                if spec or conversion:
                    raise ValidationError(f"message key template {template!r}: no format specs or conversions "
                                          f"({{{name}!{conversion}:{spec}}})")
                if not name.isidentifier():
                    raise ValidationError(f"message key template {template!r}: placeholder {{{name}}} must be a name")
                used.add(name)
            parts.append((literal, name))
        for need in ("chat_id", "message_id"):
            if need not in used:
                raise ValidationError(f"message key template {template!r} must contain {{{need}}}, so every "
                                      "message has its own key and a key tells whose message it holds")
        fixed = used - set(_PER_MESSAGE)
        missing = sorted(fixed - set(values))
        if missing:
            raise ValidationError(f"message key template {template!r} uses {', '.join('{%s}' % m for m in missing)} "
                                  f"but no value was given for it (pass {missing[0]}=...)")
        unused = sorted(set(values) - fixed)
        if unused:
            raise ValidationError(f"value(s) given for {', '.join(unused)}, which the template {template!r} "
                                  "does not use" + (" (filled from each message)" if set(unused) & set(_PER_MESSAGE)
                                                    else ""))
        for k, v in values.items():
            check_id(f"template value {k}", v)
        self.values = dict(values)
        # The template with its fixed values filled in, as literal text and per-message fields.
        self._parts: list[tuple[str, str | None]] = []
        text = ""
        for literal, name in parts:
            text += literal
            if name is not None and name in self.values:
                text += self.values[name]
            else:
                self._parts.append((text, name))
                text = ""
        self._parts.append((text, None))
        self.prefix = self._parts[0][0]
        pattern = ""
        seen: set[str] = set()
        for literal, name in self._parts:
            pattern += re.escape(literal)
            if name is not None:
                pattern += f"(?P={name})" if name in seen else f"(?P<{name}>{_PER_MESSAGE[name]})"
                seen.add(name)
        self._regex = re.compile(pattern)
        sample = Message(chat_id="chat", role="user", content="", id="id",
                         created_at=datetime(2025, 7, 10, 12, tzinfo=timezone.utc))
        try:
            validate_key(self.key_for(sample))
        except ValidationError as e:
            raise ValidationError(f"message key template {template!r} makes invalid blob keys: {e.message}") from None
        if self.parse(self.key_for(sample)) != ("chat", "id"):
            raise ValidationError(f"message key template {template!r} is ambiguous: its keys cannot be read back")

    def __repr__(self) -> str:
        return f"KeyLayout({self.template!r}{''.join(f', {k}={v!r}' for k, v in self.values.items())})"

    def key_for(self, message: Message) -> str:
        t = message.created_at
        fields = {"YYYY": f"{t.year:04d}", "MM": f"{t.month:02d}", "DD": f"{t.day:02d}", "HH": f"{t.hour:02d}",
                  "chat_id": message.chat_id, "message_id": message.id}
        return "".join(literal + (fields[name] if name else "") for literal, name in self._parts)

    def parse(self, key: str) -> tuple[str, str] | None:
        """``(chat_id, message_id)`` of a key this layout makes, or None for any other key."""
        m = self._regex.fullmatch(key)
        return (m["chat_id"], m["message_id"]) if m else None
