"""The scaled-out deployment's periodic work runs in one RQ worker process on Redis (`flask --app wsgi jobs
worker`): a real worker, started here as its own process on the test database, screens again an item held as
unscreened, keeps doing so on its schedule (a second one, added later, is retried too) and clears an expired claim."""
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from community.extensions import db, utcnow
from community.forum.models import HELD, Board, Post, Thread
from community.members.models import Member
from moderation.models import QueueItem
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def _redis():
    try:
        import redis
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis")


def _unscreened(author, board, text) -> tuple[int, int]:
    now = utcnow()
    thread = Thread(board_id=board.id, author_id=author.id, title="Waiting", status=HELD, created_at=now,
                    last_activity_at=now)
    post = Post(thread=thread, author_id=author.id, is_opening=True, body=text, status=HELD, hold_reason="unscreened")
    db.session.add_all([thread, post])
    db.session.flush()
    item = QueueItem(content_type="post", content_id=post.id, author_id=author.id, kind="unscreened", priority="high",
                     rank=1, status="open", reasons=["unscreened"], version=1, report_count=0, created_at=now)
    db.session.add(item)
    db.session.commit()
    return post.id, item.id


def _wait(check, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if check():
            return True
        time.sleep(0.5)
    return False


def test_real_worker_retries_unscreened_items_and_expires_claims(app, tmp_path):
    redis_client = _redis()
    queue_name = f"haven-test-{uuid.uuid4().hex[:10]}"
    author = Member(handle="waiting-author", handle_key="waiting-author", password_hash="x", role="member",
                    trust_level="trusted", created_at=utcnow() - timedelta(days=30))
    moderator = Member(handle="claim-mod", handle_key="claim-mod", password_hash="x", role="moderator")
    db.session.add_all([author, moderator])
    db.session.commit()
    board = db.session.scalar(select(Board).order_by(Board.id))
    first_post, first_item = _unscreened(author, board, "I went for a calm walk by the river today.")
    claimed = db.session.get(QueueItem, first_item)
    other_post, other_item = _unscreened(author, board, "Writing this down helped a little.")
    other = db.session.get(QueueItem, other_item)
    other.kind = "toxicity"  # not unscreened: only its expired claim matters
    other.claimed_by_id, other.claimed_until = moderator.id, utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert claimed.status == "open"

    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
           "JOBS_BACKEND": "rq", "JOBS_QUEUE": queue_name, "UNSCREENED_RETRY_SECONDS": "1",
           "EXPIRE_CLAIMS_SECONDS": "1", "MODERATION_TOXICITY_BACKEND": "lexicon",
           "MODERATION_SELF_HARM_BACKEND": "lexicon", "SECRET_KEY": "test-secret", "PRIVACY_HMAC_KEY": "test-hmac",
           "SOCKETIO_CHANNEL": f"{queue_name}-socketio", "RATELIMIT_STORAGE_URI": "memory://",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        def first_published():
            post = db.session.get(Post, first_post)
            return post.status == "published" and db.session.get(QueueItem, first_item).status == "resolved"
        assert _wait(first_published), log.read_text()[-3000:]
        assert db.session.get(QueueItem, first_item).resolution == "rescreened"
        assert _wait(lambda: db.session.get(QueueItem, other_item).claimed_by_id is None), log.read_text()[-3000:]

        # The chain runs again on its schedule: an item held later is retried without restarting anything.
        later_post, later_item = _unscreened(author, board, "Small steps still count, thank you all.")
        assert _wait(lambda: db.session.get(Post, later_post).status == "published"), log.read_text()[-3000:]
        assert worker.poll() is None, log.read_text()[-3000:]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        for key in redis_client.scan_iter(f"*{queue_name}*"):
            redis_client.delete(key)


def test_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL" in result.output and "Traceback" not in result.output


def test_compose_runs_one_worker_and_the_app_processes_leave_periodic_work_to_it():
    import yaml
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["worker"]["command"] == ["flask", "--app", "wsgi", "jobs", "worker"]
    assert services["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("app1", "app2", "worker"):
        assert services[name]["environment"]["JOBS_BACKEND"] == "rq"
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
    readme = (ROOT / "README.md").read_text()
    assert "flask --app wsgi jobs worker" in readme and "JOBS_BACKEND" in readme
