"""The README's first command (`flask --app wsgi run`) must not write raw client addresses to its log."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_development_server_log_has_no_client_ip(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "HAVEN_BACKGROUND_JOBS": "0",
           "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
           "SECRET_KEY": "dev-log-test", "PYTHONPATH": str(ROOT)}
    env.pop("FLASK_RUN_PORT", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            served = 0
            while time.monotonic() < deadline and served < 3:
                try:
                    for path in ("/healthz", "/help", "/no-such-page"):
                        requests.get(f"http://127.0.0.1:{port}{path}", timeout=5)
                    served += 1
                except requests.RequestException:
                    time.sleep(0.3)
            assert served, log.read_text(errors="replace")[-2000:]
        finally:
            proc.terminate()
            proc.wait(10)
    text = log.read_text(errors="replace")
    request_lines = [line for line in text.splitlines() if '"GET /' in line]
    assert len(request_lines) >= 3, text[-2000:]
    assert not any("127.0.0.1" in line for line in request_lines), request_lines[:3]
