"""A serving process gives its free malloc pages back (community/allocator.py): the production command (gunicorn's
gevent worker) and the preloading threaded command (deploy/gunicorn_preload.py, several workers) each run the
memory trimmer in every worker, as a real OS thread, and an operator can turn it off."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import ROOT

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'haven.db'}", "SECRET_KEY": "test-secret",
            "PRIVACY_HMAC_KEY": "test-hmac", "MODERATION_TOXICITY_BACKEND": "lexicon",
            "MODERATION_SELF_HARM_BACKEND": "lexicon", "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": "",
            "HAVEN_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONPATH": str(ROOT), **extra}


def _thread_names(pid: int) -> list[str]:
    names = []
    for comm in Path(f"/proc/{pid}/task").glob("*/comm"):
        try:
            names.append(comm.read_text().strip())
        except OSError:
            pass
    return names


def _serve(tmp_path, args, **extra):
    env = _env(tmp_path, **extra)
    if not (tmp_path / "haven.db").exists():  # one database for the three servers
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=120)
    port = _port()
    log = open(tmp_path / f"server-{port}.log", "wb")
    proc = subprocess.Popen([GUNICORN, *args, "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
        assert proc.poll() is None, (tmp_path / f"server-{port}.log").read_text()[-3000:]
    raise AssertionError((tmp_path / f"server-{port}.log").read_text()[-3000:])


def _workers(proc, n: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        if len(children) >= n:
            return [int(c) for c in children]
        time.sleep(0.2)
    raise AssertionError("workers did not start")


def _stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _eventually_named(pid: int, name: str) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if name in _thread_names(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads thread names from Linux's /proc")
def test_every_worker_runs_the_trimmer_and_it_can_be_turned_off(tmp_path):
    gevent = _serve(tmp_path, ["-k", "gevent", "-w", "1", "--worker-connections", "100"])
    try:
        (worker,) = _workers(gevent, 1)
        assert _eventually_named(worker, "memory-trim")
    finally:
        _stop(gevent)

    preload = _serve(tmp_path, ["-c", str(ROOT / "deploy" / "gunicorn_preload.py"), "-w", "2", "--threads", "4"])
    try:
        workers = _workers(preload, 2)
        assert all(_eventually_named(pid, "memory-trim") for pid in workers)  # fork() kept no thread: each has its own
    finally:
        _stop(preload)

    off = _serve(tmp_path, ["-k", "gevent", "-w", "1"], MEMORY_TRIM_SECONDS="0")
    try:
        (worker,) = _workers(off, 1)
        time.sleep(1)
        assert "memory-trim" not in _thread_names(worker)
    finally:
        _stop(off)
