"""Screening reads the thresholds, the safety settings and the watched words once between changes
(moderation/config_cache.py): a change committed through any session shows at the next screening, in this process
and (with Redis) in every other one, and a cache off, or Redis down, reads the database as before."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from community.extensions import db
from moderation import config_cache, watched
from moderation.models import ModerationSetting
from moderation.screen import WatchedWordBlocked, current_thresholds, screen
from moderation.settings import save_thresholds
from tests.performance.test_query_budget import counted

REDIS_URL = "redis://127.0.0.1:6379/15"


def _config_reads(statements) -> int:
    return sum(1 for s in statements if "moderation_settings" in s or "watched_words" in s)


def test_a_second_screening_reads_no_settings_and_every_change_shows_at_once(app, make_member, scores):
    author = make_member("writer")
    screen("a first text", author=author, context="forum_reply")
    with counted() as statements:
        screen("a second text", author=author, context="forum_reply")
    assert _config_reads(statements) == 0, statements
    # Saved through the ORM (the admin pages' path): the next screening uses it.
    before = current_thresholds()
    save_thresholds({"toxicity_hold": 0.42})
    db.session.commit()
    assert current_thresholds().toxicity_hold == 0.42 != before.toxicity_hold
    # A bulk statement on the table.
    db.session.execute(update(ModerationSetting).where(ModerationSetting.key == "thresholds")
                       .values(value={**current_thresholds().as_dict(), "toxicity_hold": 0.43}))
    db.session.commit()
    assert current_thresholds().toxicity_hold == 0.43
    # A new watched word refuses the very next text.
    moderator = make_member("admin-ww", role="admin")
    watched.add(moderator, "bluewhale", "block", False)
    db.session.commit()
    with pytest.raises(WatchedWordBlocked):
        screen("the bluewhale thing", author=author, context="forum_reply")


def test_cache_off_reads_every_time(app_factory, make_member):
    app = app_factory(MODERATION_CONFIG_CACHE_SECONDS=0)
    with app.app_context():
        author = make_member("writer")
        screen("a first text", author=author, context="forum_reply")
        with counted() as statements:
            screen("a second text", author=author, context="forum_reply")
        assert _config_reads(statements) >= 2
        db.session.remove()


def test_with_redis_a_change_in_another_process_shows_at_the_next_screening(app_factory):
    try:
        import redis
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis")
    here, there = app_factory(REDIS_URL=REDIS_URL), app_factory(REDIS_URL=REDIS_URL)  # one database, one Redis
    try:
        with here.app_context():
            first = current_thresholds().toxicity_hold
            assert current_thresholds().toxicity_hold == first  # kept
            db.session.remove()
        with there.app_context():  # another process: its own memory, the same Redis and database
            save_thresholds({"toxicity_hold": 0.37})
            db.session.commit()
            db.session.remove()
        with here.app_context():
            assert current_thresholds().toxicity_hold == 0.37 != first
            db.session.remove()
    finally:
        with here.app_context():
            client.delete(config_cache._state(here)["generations"].key)


def test_redis_down_reads_the_database(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    with app.app_context():
        assert current_thresholds() is not None
        save_thresholds({"toxicity_hold": 0.41})
        db.session.commit()  # telling Redis fails, quietly
        assert current_thresholds().toxicity_hold == 0.41
        db.session.remove()


def test_one_screening_reads_the_generation_once(app, make_member, monkeypatch, scores):
    """Thresholds, watched words (and safety settings) in one screening: one reading of the generation (with Redis,
    one round trip instead of one per value); outside a screening each value reads it again."""
    author = make_member("writer")
    screen("a first text", author=author, context="forum_reply")
    generations = config_cache._state(app)["generations"]
    reads = []
    real = generations.current
    monkeypatch.setattr(generations, "current", lambda: reads.append(1) or real())
    screen("a second text", author=author, context="forum_reply")
    assert len(reads) == 1
    current_thresholds()
    current_thresholds()
    assert len(reads) == 3
    # A change committed after one screening shows at the next one.
    save_thresholds({"toxicity_hold": 0.44})
    db.session.commit()
    with config_cache.one_reading():
        assert current_thresholds().toxicity_hold == 0.44
