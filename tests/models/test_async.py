"""The async model API used natively (``async for``, ``async with``), on the embedded engine.

The conformance suite checks every operation on the async API through a
blocking view; this checks the async shapes themselves.
"""

from __future__ import annotations

import asyncio

import pytest

from dynastore import ValidationError
from dynastore.aio import open_async_store
from dynastore.apps.blog.models import BLOG_ENTITIES, BLOG_TABLE, Activity, ActivityType, Session, User
from dynastore.models import ModelPage
from dynastore.models.aio import AsyncBound, AsyncModelResults


@pytest.mark.asyncio
async def test_async_models_mirror_the_sync_api() -> None:
    async with open_async_store("memory://") as store:
        with pytest.raises(ValidationError, match="awaited"):
            User.bind(store, create=True)
        await store.create_table(BLOG_TABLE)
        users = User.bind(store)  # binding to a spec does no I/O: no await
        assert isinstance(users, AsyncBound)
        acts, sessions = Activity.bind(store), Session.bind(store)
        ada = await users.save(User(user_id="ada", name="Ada"), if_not_exists=True)
        assert (await users.get(user_id="ada")) == ada
        with pytest.raises(User.DoesNotExist):
            await users.get(user_id="nobody")
        saved = await asyncio.gather(*(acts.save(Activity(user_id="ada", activity_type=ActivityType.VIEW))
                                       for _ in range(5)))
        results = acts.query(user_id="ada", page_size=2)  # results at once; read when iterated
        assert isinstance(results, AsyncModelResults)
        pages = [p async for p in results.pages()]
        assert all(isinstance(p, ModelPage) for p in pages)
        assert [len(p.items) for p in pages if p.items] == [2, 2, 1]
        assert [a async for a in acts.query(user_id="ada")] == sorted(saved, key=lambda a: a.activity_id)
        assert await acts.query(user_id="ada", reverse=True).first() == max(saved, key=lambda a: a.activity_id)
        async with store.transaction() as tx:
            s = sessions.in_transaction(tx).save(Session(user_id="ada"))
            users.in_transaction(tx).update(ada, name="Ada L.")
        everything = await BLOG_ENTITIES.bind(store).query(User, user_id="ada").all()
        assert [type(m).__name__ for m in everything] == ["Activity"] * 5 + ["User", "Session"]
        assert everything[-1] == await sessions.get(s) and everything[-2].name == "Ada L."
