"""`create_generation_storage`: the seed's storage factory, without its singleton.

Each call builds a new storage, so a migration can hold the old (``file``)
and the new (``dynamodb``) one at once.
"""

from __future__ import annotations

import os
from typing import Literal

from prometheus_client import CollectorRegistry

from ...errors import ValidationError
from ...settings import Settings
from ...store import Store, open_store
from .files import DEFAULT_DIRECTORY, FileGenerationStorage
from .protocol import GenerationStateStorage
from .store import DEFAULT_TABLE, GenerationStore

StorageType = Literal["dynamodb", "file"]


def create_generation_storage(type: StorageType = "dynamodb", *, store: Store | None = None,
                              table: str | None = None, directory: str | os.PathLike[str] | None = None,
                              settings: Settings | None = None,
                              registry: CollectorRegistry | None = None) -> GenerationStateStorage:
    """A new generation storage of ``type``.

    ``dynamodb``: a `GenerationStore` on ``store`` (default: the store the
    settings name, opened here and closed with the storage; with
    ``DYNAMODB_ENABLED=false`` that is the embedded engine), in ``table``
    (default: ``DYNAMODB_TABLE_NAME``, else ``video-gennie-generations``).
    ``file``: a `FileGenerationStorage` in ``directory`` (default ``data/generations``).
    """
    if type == "file":
        return FileGenerationStorage(directory if directory is not None else DEFAULT_DIRECTORY, registry=registry)
    if type == "dynamodb":
        settings = settings or Settings()
        name = table or settings.dynamodb_table_name or DEFAULT_TABLE
        owned = store is None
        opened = store if store is not None else open_store(settings.store_url())
        try:
            return GenerationStore(opened, table=name, registry=registry, owns_store=owned)
        except BaseException:
            if owned:
                opened.close()
            raise
    raise ValidationError(f"unknown generation storage type {type!r}: use 'dynamodb' or 'file'")
