"""Key templates: ``"USER#{user_id}"`` rendered from a model's fields.

A template is parsed once, when its model class is made; rendering checks that
every placeholder has a value, so a key is never written with a hole in it.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError


@dataclass(frozen=True, slots=True)
class KeyTemplate:
    """One derived attribute: literal text and ``{field}`` placeholders, in order."""

    attribute: str
    text: str
    parts: tuple[tuple[str, str | None], ...]  # (literal, field or None)

    @classmethod
    def parse(cls, attribute: str, text: str) -> KeyTemplate:
        if not isinstance(text, str):
            raise ValidationError(f"key template for {attribute!r} must be a string, got {text!r}")
        parts: list[tuple[str, str | None]] = []
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as e:
            raise ValidationError(f"key template {text!r} for {attribute!r} is malformed: {e}") from None
        for literal, field, spec, conv in parsed:
            if field is not None and (not field.isidentifier() or spec or conv):
                raise ValidationError(
                    f"key template {text!r} for {attribute!r}: placeholders are plain field names, got {{{field}}}"
                )
            parts.append((literal, field))
        return cls(attribute, text, tuple(parts))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for _, f in self.parts if f is not None)

    @property
    def prefix(self) -> str:
        """The literal text before the first placeholder (all of it for a constant)."""
        out = ""
        for literal, field in self.parts:
            out += literal
            if field is not None:
                break
        return out

    def render(self, values: Mapping[str, Any], convert: Callable[[str, Any], Any], model: str) -> str:
        out = []
        for literal, field in self.parts:
            out.append(literal)
            if field is None:
                continue
            v = values.get(field)
            if v is None:
                raise ValidationError(f"{model}: {self.attribute} = {self.text!r} needs a value for {field!r}")
            stored = convert(field, v)
            if isinstance(stored, (dict, list, set, bytes)):
                raise ValidationError(
                    f"{model}: {field!r} is used in the key template {self.text!r}; it must be a scalar"
                )
            out.append(str(stored).lower() if isinstance(stored, bool) else str(stored))
        return "".join(out)
