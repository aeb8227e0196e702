"""Text helpers the web apps' templates share."""

from __future__ import annotations


def sentence(message: str) -> str:
    """A store's one-line message (lower-case, no full stop) as a sentence on a page."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:] + ("" if message[-1] in ".!?" else ".")
