"""A flood of long edits cannot starve a crisis reply: through a real server process, many members hammer
`PATCH /api/v1/posts/<id>` with 10,000-character edits while another member posts a crisis reply; the reply is
screened in time and comes back with help (resources for their region) in the same response, not `unscreened`.

The server screens with the phrase lexicon behind a deliberate delay proportional to the text's length (long edits
are slow to screen, as with the real models on a busy machine), so the flood is heavier than the pool of screening
workers can keep up with. Rate limits are off here, so what is tested is the screening queue itself (new words ahead
of edits, a bound per member); `bench/edit_flood.py` runs the production server with the real models and limits on.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import requests

from community.extensions import db
from tests.support import ROOT, free_port, wait_ready

SLOW_SERVER = """
import sys, time
from community import create_app
from community.extensions import socketio
from moderation.classifiers import lexicon
from moderation.classifiers.registry import set_backends

class Slow:
    def __init__(self, inner):
        self.inner, self.kind, self.name, self.version = inner, inner.kind, inner.name, inner.version
    def score(self, texts):
        time.sleep(sum(len(t) for t in texts) / 10000 * 1.2)  # 1.2 s per 10,000 characters
        return self.inner.score(texts)

app = create_app(instance_path=sys.argv[2])
set_backends(app, Slow(lexicon.LexiconToxicity()), Slow(lexicon.LexiconSelfHarm()))
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, use_reloader=False)
"""

FLOODERS, LOOPS_EACH, CRISIS_REPLIES = 8, 3, 4


def test_crisis_reply_gets_help_during_an_edit_flood(app, make_member, token_for, tmp_path):
    from moderation.classifiers import lexicon
    assert lexicon.LexiconSelfHarm and lexicon.LexiconToxicity  # the server script uses them
    flooders = [make_member(f"flooder-{n}") for n in range(FLOODERS)]
    crisis = make_member("needs-help", region="GB")
    db.session.commit()
    flood_auth = [token_for(m) for m in flooders]
    crisis_auth = token_for(crisis)

    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": "false",
           "SECRET_KEY": "edit-flood-test", "MODERATION_TOXICITY_BACKEND": "lexicon",
           "MODERATION_SELF_HARM_BACKEND": "lexicon", "MODERATION_TIMEOUT": "4.0", "SITE_URL": "",
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SERVER, str(port), str(tmp_path / "inst")], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(port, proc, time.monotonic() + 90)
        posts = []
        for auth in flood_auth:
            r = requests.post(f"{base}/api/v1/boards/anxiety/threads", headers=auth, timeout=30,
                              json={"title": "Long thoughts", "body": "a quiet first version"})
            assert r.status_code == 201, r.text
            posts.append(r.json()["post"]["id"])
        r = requests.post(f"{base}/api/v1/boards/anxiety/threads", headers=crisis_auth, timeout=30,
                          json={"title": "Evening", "body": "just checking in"})
        thread_id = r.json()["thread"]["id"]

        stop = threading.Event()
        statuses: list[int] = []

        def flood(auth, post_id, n):
            body = ("this is a very long edit that keeps going " * 300)[:10_000]
            while not stop.is_set():
                try:
                    statuses.append(requests.patch(f"{base}/api/v1/posts/{post_id}", headers=auth, timeout=30,
                                                   json={"body": body[:-4] + f"{n:04d}"}).status_code)
                except requests.RequestException:
                    statuses.append(0)
                n += 1

        threads = [threading.Thread(target=flood, args=(auth, post_id, i * 1000), daemon=True)
                   for auth, post_id in zip(flood_auth, posts) for i in range(LOOPS_EACH)]
        for t in threads:
            t.start()
        time.sleep(3)  # let the flood build up
        replies = []
        for n in range(CRISIS_REPLIES):
            r = requests.post(f"{base}/api/v1/threads/{thread_id}/posts", headers=crisis_auth, timeout=30,
                              json={"body": f"I want to end my life tonight ({n})"})
            replies.append(r)
            time.sleep(1)
        stop.set()
        for t in threads:
            t.join(40)
    finally:
        proc.kill()
        proc.wait(10)

    assert len(statuses) > 20, "the flood did not run"
    assert 500 not in statuses
    for r in replies:
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["hold_reason"] == "self_harm", f"crisis reply came back {body['hold_reason']!r} under the flood"
        assert body["resources"] and body["emergency"], "no help in the same response"


def test_crisis_reply_over_its_rate_limit_during_an_edit_flood_still_gets_help(app, make_member, token_for,
                                                                               tmp_path):
    """Rate limits on (production): a new member's crisis replies past their reply budget are refused with 429,
    and each refusal still carries the crisis resources for their region; the flooder's edits are refused too.
    Counted, not timed: every crisis reply response, accepted or refused, has help in it."""
    flooder, crisis = make_member("edit-flooder"), make_member("over-budget", region="GB")
    db.session.commit()
    flood_auth, crisis_auth = token_for(flooder), token_for(crisis)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": "memory://", "NEW_ACCOUNT_REPLY_LIMIT": "2 per hour",
           "SECRET_KEY": "edit-flood-test", "MODERATION_TOXICITY_BACKEND": "lexicon",
           "MODERATION_SELF_HARM_BACKEND": "lexicon", "MODERATION_TIMEOUT": "4.0", "SITE_URL": "",
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SERVER, str(port), str(tmp_path / "inst")], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(port, proc, time.monotonic() + 90)
        post_id = requests.post(f"{base}/api/v1/boards/anxiety/threads", headers=flood_auth, timeout=30,
                                json={"title": "Drafts", "body": "a first version"}).json()["post"]["id"]
        thread_id = requests.post(f"{base}/api/v1/boards/anxiety/threads", headers=crisis_auth, timeout=30,
                                  json={"title": "Evening", "body": "just checking in"}).json()["thread"]["id"]
        edits: list[int] = []

        def flood(first: int) -> None:  # 3 loops x 4 edits: more than the 10 per minute an edit budget allows
            for n in range(first, first + 4):
                edits.append(requests.patch(f"{base}/api/v1/posts/{post_id}", headers=flood_auth, timeout=30,
                                            json={"body": ("a long edit " * 900)[:9_990] + f"{n:04d}"}).status_code)

        loops = [threading.Thread(target=flood, args=(n * 100,), daemon=True) for n in range(3)]
        for t in loops:
            t.start()
        replies = [requests.post(f"{base}/api/v1/threads/{thread_id}/posts", headers=crisis_auth, timeout=30,
                                 json={"body": f"I can't do this anymore. I want to end my life tonight ({n})"})
                   for n in range(4)]
        for t in loops:
            t.join(60)
        ordinary = requests.post(f"{base}/api/v1/threads/{thread_id}/posts", headers=crisis_auth, timeout=30,
                                 json={"body": "thanks everyone, a calmer day"})
    finally:
        proc.kill()
        proc.wait(10)

    assert len(edits) == 12 and 429 in edits and 500 not in edits, edits
    statuses = [r.status_code for r in replies]
    assert statuses.count(201) == 2 and statuses.count(429) == 2, statuses
    for r in replies:
        body = r.json()
        assert body["resources"] and body["emergency"], f"{r.status_code} crisis reply without help: {body}"
        if r.status_code == 429:
            assert body["error"]["code"] == "rate_limited" and body["support_message"]
            assert body["emergency"]["phone"] == "999", "the member's region (GB) chooses the lines"
    assert ordinary.status_code == 429 and "resources" not in ordinary.json(), "only words that read as a crisis"
