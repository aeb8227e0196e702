"""`Closing`: ``with storage:`` closes it, for both generation storages."""

from __future__ import annotations

from typing import Self


class Closing:
    def close(self) -> None:
        """Release what the storage holds (nothing by default)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
