"""The model layer: pydantic v2 models stored in dynastore tables.

::

    class User(Model, table=BLOG, keys={"PK": "USER#{user_id}", "SK": "PROFILE"}):
        user_id: str
        name: str

    users = User.bind(store)            # no global connection: bind to any store or table
    users.save(User(user_id="u1", name="Ada"), if_not_exists=True)
    users.update({"user_id": "u1"}, name="Ada L.")   # no read first; returns the new User
    users.get(user_id="u1")             # User.DoesNotExist if absent

See docs/models.md and docs/single-table.md.
"""

from .base import (
    EpochSeconds,
    IsoDateTime,
    Model,
    ModelAlreadyExists,
    ModelDoesNotExist,
    StoredAs,
)
from .bound import Bound, BoundEntities, Entities, ModelPage, ModelResults, TxBound, transact_get

__all__ = [
    "Bound",
    "BoundEntities",
    "Entities",
    "EpochSeconds",
    "IsoDateTime",
    "Model",
    "ModelAlreadyExists",
    "ModelDoesNotExist",
    "ModelPage",
    "ModelResults",
    "StoredAs",
    "TxBound",
    "transact_get",
]
