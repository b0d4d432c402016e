"""Screening under the production server model: gevent monkey-patches the process (gunicorn -k gevent), yet
classifier inference still runs in a real OS thread, so MODERATION_TIMEOUT still holds a hung, CPU-bound model's
item as unscreened and the other connections of the process keep being served while it computes.

Runs in a subprocess, because monkey-patching cannot be undone in the test process.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT

SCRIPT = r"""
from gevent import monkey
monkey.patch_all()

import json, sys, threading, time
import gevent

from community import create_app
from community.extensions import socketio
from moderation import screen
from moderation.classifiers import registry
from moderation.classifiers.base import Scores

state = {"started": False, "finished": False, "native": None}


class Spinning:
    # A CPU-bound model that does not give up the CPU for seconds (no sleep, no I/O: nothing gevent could switch on).
    name, version = "spinning", "1"

    def score(self, texts):
        state["started"] = True
        state["native"] = threading.current_thread().__class__.__module__
        end = time.perf_counter() + 4
        total = 0
        while time.perf_counter() < end:
            total += sum(range(2000))
        state["finished"] = True
        return [Scores(0.0, {}) for _ in texts]


class Calm:
    name, version = "calm", "1"

    def score(self, texts):
        return [Scores(0.0, {}) for _ in texts]


app = create_app({"DATABASE_URL": sys.argv[1], "MODERATION_TIMEOUT": 0.5, "SECRET_KEY": "t", "TESTING": True,
                  "PRIVACY_HMAC_KEY": "t", "REDIS_URL": None, "RATELIMIT_ENABLED": False,
                  "RATELIMIT_STORAGE_URI": "memory://"}, instance_path=sys.argv[2])
ticks = {"during": 0}


def other_connection():
    # Stands for every other greenlet of the process: it must keep running while the model computes.
    while not state["finished"]:
        if state["started"]:
            ticks["during"] += 1
        gevent.sleep(0.01)


with app.app_context():
    registry.set_backends(app, toxicity=Spinning(), self_harm=Calm())
    other = gevent.spawn(other_connection)
    verdict = screen.screen("an ordinary message")
    finished_when_answered = state["finished"]
    ticks_when_answered = ticks["during"]
    other.kill()
print(json.dumps({"async_mode": socketio.server.eio.async_mode, "status": verdict.status,
                  "hold_reason": verdict.hold_reason, "started": state["started"],
                  "finished_when_answered": finished_when_answered, "ticks_while_computing": ticks_when_answered}))
"""


def test_timeout_and_other_connections_survive_cpu_bound_inference_under_gevent(app, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": "", "SITE_URL": ""}
    done = subprocess.run([sys.executable, "-c", SCRIPT, app.config["SQLALCHEMY_DATABASE_URI"],
                           str(tmp_path / "instance")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["async_mode"] == "gevent"
    # Fail closed on the time limit: held as unscreened while the model was still computing.
    assert result["started"] and not result["finished_when_answered"], result
    assert (result["status"], result["hold_reason"]) == ("held", "unscreened"), result
    # The rest of the process kept running during the inference (it would be 0 if it ran in a greenlet).
    assert result["ticks_while_computing"] > 5, result
