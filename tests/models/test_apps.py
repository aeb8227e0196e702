"""The seed applications' models: what they accept and how they key their items."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from dynastore.apps.blog.models import BLOG_TABLE, Activity, ActivityType, Post, time_id
from dynastore.apps.devflow.models import SESSIONS_TABLE, DevSession, SessionStatus, expiry
from dynastore.models.schema import schema_for


def session(**over: object) -> DevSession:
    base: dict[str, object] = dict(user_id="u", repository_url="https://github.com/a/b", repository_owner="a",
                                   repository_name="b", branch_name="main", initial_prompt="go",
                                   github_installation_id=1)
    return DevSession(**{**base, **over})


def test_a_devflow_session_lives_24_hours() -> None:
    s = session()
    assert timedelta(hours=23, minutes=59) < s.ttl - datetime.now(timezone.utc) <= timedelta(hours=24)
    assert expiry(datetime(2030, 1, 1, tzinfo=timezone.utc)) == datetime(2030, 1, 2, tzinfo=timezone.utc)


def test_a_devflow_session_in_error_says_why() -> None:
    with pytest.raises(PydanticValidationError, match="error_message"):
        session(status=SessionStatus.ERROR)
    assert session(status="error", error_message="task failed").status is SessionStatus.ERROR


def test_devflow_sessions_use_the_seeds_table_as_it_is() -> None:
    s = schema_for(DevSession, SESSIONS_TABLE)
    item = s.dump(session(session_id="abc"))
    assert s.key(session(session_id="abc")) == {"session_id": "abc"}
    assert "type" not in item  # one entity per table: no type attribute
    assert type(item["ttl"]) is int


@given(st.lists(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                             timezones=st.just(timezone.utc)), min_size=2, max_size=20))
def test_time_ids_sort_by_time_and_never_collide(times: list[datetime]) -> None:
    ids = [time_id(t) for t in times]
    assert len(set(ids)) == len(ids)
    by_id = [t for _, t in sorted(zip(ids, times, strict=True))]
    assert by_id == sorted(times)


def test_blog_keys_refuse_the_separator() -> None:
    with pytest.raises(PydanticValidationError, match="user_id"):
        Activity(user_id="a#b", activity_type=ActivityType.VIEW)


def test_an_activity_without_a_post_is_not_in_the_post_index() -> None:
    s = schema_for(Activity, BLOG_TABLE)
    with_post = s.dump(Activity(user_id="u", activity_type="like", post_id="p"))
    without = s.dump(Activity(user_id="u", activity_type="view"))
    assert with_post["GSI2PK"] == "POST#p" and with_post["GSI1PK"] == "ACTIVITY#like"
    assert "GSI2PK" not in without and "GSI2SK" not in without


def test_posts_sort_by_publication_in_the_author_index() -> None:
    s = schema_for(Post, BLOG_TABLE)
    t = datetime(2030, 1, 1, tzinfo=timezone.utc)
    early, late = (s.dump(Post(post_id=p, author_id="a", title="t", published_at=when))
                   for p, when in (("1", t), ("2", t + timedelta(microseconds=1))))
    assert early["GSI1PK"] == late["GSI1PK"] == "USER#a" and early["GSI1SK"] < late["GSI1SK"]
