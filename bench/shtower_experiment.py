"""Experiment (not in the app): a self-harm tower, the encoder's top two layers fine-tuned for the three self-harm
outputs (P(>=concern), P(>=ideation), P(intent)), mixed with today's self-harm MLP on the frozen sentence embedding.

    nice -n 19 python bench/shtower_experiment.py prep     # one forward pass: embeddings + layer-4 hidden states
    nice -n 19 python bench/shtower_experiment.py folds    # writer-group folds: heads-only vs tower, same folds
    nice -n 19 python bench/shtower_experiment.py fit      # the tower on all ten writers (what would ship)
    SHTOWER_FINAL_FIT=1 nice -n 19 python bench/shtower_experiment.py final   # once: frozen sets + w5 + public
    nice -n 19 python bench/shtower_experiment.py final    # the same with the mean of the three fold towers

Everything is cached in $SHTOWER_DIR (default /tmp/shtower). Deterministic for a seed (seeded batch order, dropout
and init; one process, the same thread count).

What it trains on: the self-harm training rows of training.py (_sh_training_set) for the MLP, unchanged; the tower
reads the same sources except the C-SSRS rows (their per-post labels are the user's, at weight 0.1, and the user
rows are means of embeddings, which a tower cannot read), with the tweets subsampled by a stable hash to 2,000 at
four times the weight (the same total weight) to keep an epoch short on two shared cores. Own writers: the
moderation/data/short_posts*.csv files (ten when this ran, in the sixth session; fourteen since 2026-12-03); folds are
three groups of whole writers (writer k in group k % 3, in name order). moderation/eval/frozen_w*.csv are scored
once, by `final`, and tune nothing (so was w5 while it was not trained on; it is a training writer now, so it is
scored only when its file is still in moderation/data/not_yet_trained/).

Scoring here is the experimental scorer: the heads' logits through the rules (embedded.combine) and the policy
(policy.decide), without sentence scoring, toxicity from the shipped heads and toxicity tower; it is the same for
the baseline (today's self-harm MLP) and the tower variants, so the two are compared like for like.
"""
from __future__ import annotations

import csv
import json
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from moderation.classifiers import training as T  # noqa: E402
from moderation.classifiers import tower as tw  # noqa: E402
from moderation.classifiers.encoder import clean_text  # noqa: E402
from moderation.classifiers.features import chunks, ngrams  # noqa: E402
from moderation.classifiers.heads import sh_logits, tox_logits  # noqa: E402

OUT = Path(os.environ.get("SHTOWER_DIR", "/tmp/shtower"))
DATA = Path(os.environ.get("HAVEN_DATA", str(REPO.parent / "shared" / "data")))
WEIGHTS = REPO / "moderation" / "classifiers" / "weights" / "heads.npz"
EVAL_FILES = {"frozen_w1": REPO / "moderation/eval/frozen_w1.csv", "frozen_w2": REPO / "moderation/eval/frozen_w2.csv",
              "frozen_w3": REPO / "moderation/eval/frozen_w3.csv"}
if (REPO / "moderation/data/not_yet_trained/short_posts_w5.csv").exists():
    EVAL_FILES["w5"] = REPO / "moderation/data/not_yet_trained/short_posts_w5.csv"
START = 4  # the tower reads the hidden states entering layer 4 (the top two of six layers are fine-tuned)
N_FOLDS = 3
TWEETS_FOR_TOWER = 2000
DREADDIT_FOR_TOWER = int(os.environ.get("SHTOWER_DREADDIT", "1000"))  # of ~2,280 training posts, by a stable hash, at the weight of all of them
MAX_TOKENS = int(os.environ.get("SHTOWER_MAX_TOKENS", "128"))  # training chunks cut to their first word pieces (own posts are far shorter)
EPOCHS = int(os.environ.get("SHTOWER_EPOCHS", "2"))
SEED = 0
MIXES = (0.0, 0.5, 1.0)  # share of the tower in the self-harm logits (0: today's MLP alone)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def load_csv(path):
    csv.field_size_limit(2 ** 31 - 1)
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------------------------------------------
# prep: every text the experiment needs, one forward pass each


class Corpus:
    """Texts (cleaned) by group; each text's chunks index into one table of unique chunks."""

    def __init__(self):
        self.groups: dict[str, dict] = {}
        self.chunk_index: dict[str, int] = {}
        self.chunk_texts: list[str] = []
        self.need_states: set[int] = set()

    def add(self, name, texts, states: bool, **cols):
        owners = []
        for t in texts:
            ids = []
            for c in chunks(t):
                if c not in self.chunk_index:
                    self.chunk_index[c] = len(self.chunk_texts)
                    self.chunk_texts.append(c)
                ids.append(self.chunk_index[c])
                if states:
                    self.need_states.add(self.chunk_index[c])
            owners.append(ids)
        self.groups[name] = dict(texts=texts, chunks=owners, **{k: np.asarray(v) for k, v in cols.items()})


def build_corpus() -> Corpus:
    c = Corpus()
    for name, mapping in (("suicide_detection", {"suicide": 2, "non-suicide": 0}), ("dreaddit", {"1": 1, "0": 0})):
        rows = [r for r in load_csv(DATA / name / "train.csv") if r["label"] in mapping]
        c.add(name, [clean_text(r["text"]) for r in rows], True, tier=[mapping[r["label"]] for r in rows],
              hold=[T.is_holdout(r["id"]) for r in rows], known=[name == "dreaddit"] * len(rows))
    users = [r for r in load_csv(DATA / "cssrs_reddit" / "train.csv") if r["label"] in T.CSSRS_TIER]
    texts, uidx, tiers, holds = [], [], [], []
    for ui, r in enumerate(users):
        for p in T.cssrs_posts(r):
            texts.append(clean_text(p)); uidx.append(ui); tiers.append(T.CSSRS_TIER[r["label"]])
            holds.append(T.is_holdout(r["id"]))
    c.add("cssrs", texts, False, tier=tiers, hold=holds, user=uidx, known=[True] * len(texts),
          user_tier=[T.CSSRS_TIER[r["label"]] for r in users], user_hold=[T.is_holdout(r["id"]) for r in users])
    # held-out C-SSRS users' posts get hidden states too (the tower's held-out figure)
    for ids, h in zip(c.groups["cssrs"]["chunks"], holds):
        if h:
            c.need_states.update(ids)
    for name, pos in (("davidson", ("hate", "offensive")), ("olid", ("OFF",))):
        rows = load_csv(DATA / name / "train.csv")
        texts = [clean_text(r["text"]) for r in rows]
        hold = np.array([T.is_holdout(r["id"]) for r in rows])
        m = ~hold & np.array([T.holdout_bucket("sh-sample:" + t) < 4000.0 / max(1, len(texts)) for t in texts])
        sel = [t for t, k in zip(texts, m) if k]
        tower_pick = [T.holdout_bucket("sh-tower:" + t) < TWEETS_FOR_TOWER / 2 / max(1, len(sel)) for t in sel]
        c.add(name, sel, False, tower=tower_pick)
        for ids, k in zip(c.groups[name]["chunks"], tower_pick):
            if k:
                c.need_states.update(ids)
    own_rows = [dict(r, writer=f.stem) for f in T.own_files(T.OWN_DATA) for r in load_csv(f)]
    c.add("own", [clean_text(r["text"]) for r in own_rows], True, raw=[r["text"] for r in own_rows],
          writer=[r["writer"] for r in own_rows], tier=[T.TIER_INDEX[r["tier"].strip()] for r in own_rows],
          toxic=[int(r["toxic"]) for r in own_rows])
    for name, f in EVAL_FILES.items():
        rows = load_csv(f)
        c.add(name, [clean_text(r["text"]) for r in rows], True, raw=[r["text"] for r in rows],
              tier=[T.TIER_INDEX[r["tier"].strip()] for r in rows], toxic=[int(r["toxic"]) for r in rows])
    return c


def prep():
    from moderation.classifiers.torch_encoder import TorchEncoder

    OUT.mkdir(parents=True, exist_ok=True)
    c = build_corpus()
    enc = TorchEncoder()
    n = len(c.chunk_texts)
    log(f"{n} unique chunks, {len(c.need_states)} with hidden states")
    E = np.zeros((n, 384), np.float32)
    states: list = [None] * n
    t0 = time.time()
    done = 0
    with torch.inference_mode():
        for idx, ids, attention in enc._batches(c.chunk_texts):
            hs = enc.model.forward(ids, attention)
            hidden = hs[-1]
            mask = attention.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            E[idx] = torch.nn.functional.normalize(pooled, dim=1).numpy()
            h4 = hs[START].numpy()
            for j, (i, length) in enumerate(zip(idx, attention.sum(1).tolist())):
                if i in c.need_states:
                    states[i] = h4[j, :length].astype(np.float16)
            done += len(idx)
            if done // 2048 != (done - len(idx)) // 2048:
                log(f"  {done}/{n} ({time.time() - t0:.0f}s)")
    with open(OUT / "corpus.pkl", "wb") as fh:
        pickle.dump({"groups": c.groups, "chunk_texts": c.chunk_texts, "E": E, "states": states}, fh, protocol=5)
    log(f"prep done in {time.time() - t0:.0f}s")


# ----------------------------------------------------------------------------------------------------------------
# the self-harm tower


class ShTower(tw.Tower):
    """tower.Tower with three outputs (the ordinal self-harm logits) instead of one."""

    def __init__(self, base, start: int):
        super().__init__(base, start)
        self.head = torch.nn.Linear(base.hidden, 3)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, hidden, mask):
        return self.head(self.pooled(hidden, mask))


def fine_tune_sh(states, Y, W, base, seed=SEED, epochs=EPOCHS):
    """tower.fine_tune's recipe (tower.train: AdamW, warm-up then linear decay, length-bucketed seeded batches, BERT
    dropout) with three outputs and a per-output weight (0 = unknown)."""
    torch.manual_seed(seed)
    return tw.train(ShTower(base, START), states, Y, W, seed, epochs, tw.TOWER_LR, tw.TOWER_BATCH, log,
                    "self-harm tower")


def tower_logits(model, states, ids_per_text):
    """(n, 3) logits per text: the highest chunk's per output."""
    uniq = sorted({i for ids in ids_per_text for i in ids})
    pos = {i: k for k, i in enumerate(uniq)}
    out = np.zeros((len(uniq), 3))
    order = sorted(range(len(uniq)), key=lambda k: len(states[uniq[k]]))
    with torch.inference_mode():
        for s in range(0, len(order), 128):
            b = order[s:s + 128]
            hidden, mask = tw._pad([states[uniq[k]] for k in b])
            out[b] = model(hidden, mask).double().numpy()
    return np.array([out[[pos[i] for i in ids]].max(0) for ids in ids_per_text])


def tox_tower_logits(model, states, ids_per_text):
    uniq = sorted({i for ids in ids_per_text for i in ids})
    got = dict(zip(uniq, tw.logits(model, [states[i] for i in uniq])))
    return np.array([max(got[i] for i in ids) for ids in ids_per_text])


def text_embeddings(E, ids_per_text):
    """A text's embedding: its chunk (or the renormalised mean of its chunks), as features.embed_texts."""
    out = np.array([E[ids].mean(0) if len(ids) > 1 else E[ids[0]] for ids in ids_per_text], np.float32)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


# ----------------------------------------------------------------------------------------------------------------
# training sets


def mlp_training_set(g, own_mask):
    """training._sh_training_set's rows: public non-held-out + C-SSRS users + tweet sample + own rows in own_mask."""
    Es, tiers, ws, known = [], [], [], []
    for name in ("suicide_detection", "dreaddit", "cssrs"):
        d = g[name]
        m = ~d["hold"]
        Es.append(d["E"][m]); tiers.append(d["tier"][m]); known.append(d["known"][m])
        ws.append(np.full(m.sum(), {"cssrs": T.W_CSSRS_POST, "suicide_detection": T.W_SD}.get(name, 1.0)))
        if name == "cssrs":
            ue, ut = T.user_embeddings(d, train=True)
            Es.append(ue); tiers.append(ut); known.append(np.ones(len(ut), bool)); ws.append(np.full(len(ut), T.W_CSSRS_USER))
    for name in ("davidson", "olid"):
        d = g[name]
        Es.append(d["E"]); tiers.append(np.zeros(len(d["E"]), int)); known.append(np.ones(len(d["E"]), bool))
        ws.append(np.full(len(d["E"]), T.W_TWEET_SH))
    o = g["own"]
    Es.append(o["E"][own_mask]); tiers.append(o["tier"][own_mask]); known.append(np.ones(own_mask.sum(), bool))
    ws.append(np.full(own_mask.sum(), T.W_OWN))
    return np.vstack(Es), np.concatenate(tiers), np.concatenate(ws), np.concatenate(known)


def tower_training_set(g, own_mask):
    """(chunk ids, Y (n, 3), W (n, 3)) for the tower: every chunk of a training text takes the text's label."""
    ids, tiers, ws, known = [], [], [], []

    def add(chunk_lists, tier, w, kn):
        for cl, t, k in zip(chunk_lists, tier, kn):
            for i in cl:
                ids.append(i); tiers.append(t); ws.append(w); known.append(k)

    for name in ("suicide_detection", "dreaddit"):
        d = g[name]
        m = ~d["hold"]
        w = T.W_SD
        if name == "dreaddit":
            pick = np.array([T.holdout_bucket("sh-tower:" + t) < DREADDIT_FOR_TOWER / max(1, m.sum()) for t in d["texts"]])
            w = m.sum() / max(1, (m & pick).sum())
            m = m & pick
        add([c for c, k in zip(d["chunks"], m) if k], d["tier"][m], w, d["known"][m])
    for name in ("davidson", "olid"):
        d = g[name]
        sel = [c for c, k in zip(d["chunks"], d["tower"]) if k]
        scale = len(d["texts"]) / max(1, len(sel))  # the same total weight as the MLP's sample
        add(sel, [0] * len(sel), T.W_TWEET_SH * scale, [True] * len(sel))
    o = g["own"]
    add([c for c, k in zip(o["chunks"], own_mask) if k], o["tier"][own_mask], T.W_OWN, [True] * int(own_mask.sum()))
    tiers, known = np.array(tiers), np.array(known)
    Y = np.stack([tiers >= 1, tiers >= 2, tiers >= 3], 1).astype(np.float32)
    W = np.repeat(np.array(ws, np.float32)[:, None], 3, 1)
    W[:, 2] *= (known | (tiers < 2))
    return ids, Y, W


def load():
    with open(OUT / "corpus.pkl", "rb") as fh:
        c = pickle.load(fh)
    for d in c["groups"].values():
        d["E"] = text_embeddings(c["E"], d["chunks"])
    return c


def shipped():
    with np.load(WEIGHTS) as z:
        h = {k: z[k] for k in z.files}
    return {k: (v.astype(np.float32) if v.dtype == np.float16 else v) for k, v in h.items()}


def tox_for(g, heads, states, base, names):
    """Toxicity logits of the shipped heads + shipped toxicity tower, per group."""
    model = tw.from_arrays(heads, base)
    out = {}
    for name in names:
        d = g[name]
        Tl = tox_tower_logits(model, states, d["chunks"])
        out[name] = np.asarray(tox_logits(heads, d["E"], ngrams(d["texts"]), Tl)).ravel()
    return out


def calibrate_on(oof_raw, g, tox_logit, heads):
    """training.calibrate's Platt temperatures and operating shifts, fitted on these out-of-fold raw logits."""
    h = dict(heads)
    h["sh_shift"] = np.zeros(3, np.float32)
    o = g["own"]
    ds = type("DS", (), {})()
    ds.own = {"texts": o["texts"], "raw": list(o["raw"]), "tier": o["tier"], "toxic": o["toxic"], "E": o["E"]}
    orig_oof, orig_head = T._oof_sh_logits, T.head_logits
    T._oof_sh_logits = lambda ds_, seed: oof_raw.copy()
    T.head_logits = lambda heads_, E, texts, Tl=None: {"tox": tox_logit, "sh": None}
    try:
        T.calibrate(ds, h, lambda *a: None, SEED)
    finally:
        T._oof_sh_logits, T.head_logits = orig_oof, orig_head
    return h["sh_scale"].astype(np.float64), h["sh_shift"].astype(np.float64), h["_calibration"]


def figures(d, shl, tox_logit, heads):
    return T._policy_figures(list(d["raw"]), d["tier"], d["toxic"], tox_logit, shl, np.zeros(3), heads)


def folds():
    from moderation.classifiers.torch_encoder import TorchEncoder

    c = load()
    g, states = c["groups"], c["states"]
    base = TorchEncoder().model
    heads = shipped()
    o = g["own"]
    writers = sorted(set(o["writer"].tolist()))
    group = {w: k % N_FOLDS for k, w in enumerate(writers)}
    fold = np.array([group[w] for w in o["writer"]])
    log("folds:", {k: [w for w in writers if group[w] == k] for k in range(N_FOLDS)})
    oof_mlp, oof_tower = np.zeros((len(fold), 3)), np.zeros((len(fold), 3))
    for k in range(N_FOLDS):
        test = fold == k
        path = OUT / f"fold{k}.npz"
        if path.exists():
            z = np.load(path)
            oof_mlp[test], oof_tower[test] = z["mlp"], z["tower"]
            log(f"fold {k}: cached")
            continue
        t0 = time.time()
        h = T._fit_sh_mlp(*mlp_training_set(g, ~test), SEED)
        h["sh_shift"] = np.zeros(3, np.float32)
        mlp = sh_logits(h, o["E"][test])
        ids, Y, W = tower_training_set(g, ~test)
        log(f"fold {k}: MLP in {time.time() - t0:.0f}s; tower on {len(ids)} chunks")
        model = fine_tune_sh([states[i][:MAX_TOKENS] for i in ids], Y, W, base)
        torch.save(model.state_dict(), OUT / f"fold{k}_tower.pt")
        tl = tower_logits(model, states, [ch for ch, t in zip(o["chunks"], test) if t])
        np.savez(path, mlp=mlp, tower=tl)
        oof_mlp[test], oof_tower[test] = mlp, tl
        log(f"fold {k} done in {time.time() - t0:.0f}s")
    tox = tox_for(g, heads, states, base, ["own"])["own"]
    res = {}
    for a in MIXES:
        raw = (1 - a) * oof_mlp + a * oof_tower
        scale, shift, cal = calibrate_on(raw, g, tox, heads)
        shl = raw * scale + shift
        f = figures(o, shl, tox, heads)
        per = {}
        for w in writers:
            m = o["writer"] == w
            per[w] = {k: round(v, 3) for k, v in figures({kk: (vv[m] if isinstance(vv, np.ndarray) else
                                                               [x for x, mm in zip(vv, m) if mm])
                                                          for kk, vv in o.items() if kk in ("raw", "tier", "toxic")},
                                                         shl[m], tox[m], heads).items()}
        # the same at a common +0.5 / +1.0 ideation shift (the admin's trade-off)
        extra = {}
        for s in (0.5, 1.0):
            extra[f"+{s}"] = {k: round(v, 3) for k, v in figures(o, shl + np.array([s, s, 0]), tox, heads).items()}
        res[str(a)] = {"scale": scale.round(4).tolist(), "shift": shift.round(3).tolist(),
                       "pooled": {k: round(v, 4) for k, v in f.items()}, "per_writer": per, "shifted": extra}
        log(f"mix {a}: pooled {res[str(a)]['pooled']} scale {res[str(a)]['scale']} shift {res[str(a)]['shift']}")
    (OUT / "folds.json").write_text(json.dumps(res, indent=2))


def fit(c=None, base=None):
    """The tower on every own writer (what would ship), saved as final_tower.pt."""
    path = OUT / "final_tower.pt"
    if not path.exists():
        from moderation.classifiers.torch_encoder import TorchEncoder

        c = c or load()
        base = base or TorchEncoder().model
        g, states = c["groups"], c["states"]
        ids, Y, W = tower_training_set(g, np.ones(len(g["own"]["texts"]), bool))
        log(f"final tower on {len(ids)} chunks")
        torch.save(fine_tune_sh([states[i][:MAX_TOKENS] for i in ids], Y, W, base).state_dict(), path)
    return path


def final():
    """Once, at the end: every mix of folds.json (its fold-fitted temperatures and shifts) on the frozen sets, w5 and
    the public hold-outs, next to today's shipped self-harm heads through the same scorer."""
    from moderation.classifiers.embedded import combine
    from moderation.classifiers.torch_encoder import TorchEncoder

    c = load()
    g, states = c["groups"], c["states"]
    base = TorchEncoder().model
    heads = shipped()
    cals = json.loads((OUT / "folds.json").read_text())
    o = g["own"]
    fit_final = bool(os.environ.get("SHTOWER_FINAL_FIT"))
    if fit_final:  # one tower on every own writer (what would ship)
        path = fit(c, base)
        paths = [path]
    else:  # the fold towers' mean logits (each read two thirds of the own writers; none read a scored writer)
        paths = [OUT / f"fold{k}_tower.pt" for k in range(N_FOLDS)]
    models = []
    for p in paths:
        m_ = ShTower(base, START)
        m_.load_state_dict(torch.load(p))
        models.append(m_.eval())

    def model(hidden, mask):
        return sum(m_(hidden, mask) for m_ in models) / len(models)

    mlp_heads = {k: v for k, v in heads.items() if k != "sh_scale"}
    mlp_heads["sh_shift"] = np.zeros(3, np.float32)
    names = list(EVAL_FILES)
    tox = tox_for(g, heads, states, base, names)
    sd, cs = g["suicide_detection"], g["cssrs"]
    sdm, csm = sd["hold"], cs["hold"]
    sets = {n: (g[n]["E"], g[n]["chunks"]) for n in names}
    sets["sd"] = (sd["E"][sdm], [ch for ch, k in zip(sd["chunks"], sdm) if k])
    sets["cssrs"] = (cs["E"][csm], [ch for ch, k in zip(cs["chunks"], csm) if k])
    raw = {n: (sh_logits(mlp_heads, E), tower_logits(model, states, ch)) for n, (E, ch) in sets.items()}
    sd_texts = [t for t, k in zip(sd["texts"], sdm) if k]
    sd_tox = np.asarray(tox_logits(heads, sets["sd"][0], ngrams(sd_texts), None)).ravel()
    y_sd = sd["tier"][sdm] >= 2
    users = cs["user"][csm]
    uniq = np.unique(users)
    yu = cs["user_tier"][uniq] >= 2

    def public(lg):
        rules = [combine(t, float(a), b, heads)[1].score for t, a, b in zip(sd_texts, sd_tox, lg["sd"])]
        p = T._sigmoid(lg["cssrs"][:, 1])
        return {"sd_auc_head": T._auc(y_sd, lg["sd"][:, 1]), "sd_auc_rules": T._auc(y_sd, rules),
                "cssrs_users_auc_max": T._auc(yu, [p[users == u].max() for u in uniq]),
                "cssrs_users_auc_mean": T._auc(yu, [p[users == u].mean() for u in uniq])}

    res = {"tower": "one tower on all own writers" if fit_final else "mean of the three fold towers",
           "n": {"sd_holdout": int(sdm.sum()), "cssrs_users": int(len(uniq))}}
    variants = {"today": {n: sh_logits(heads, sets[n][0]) for n in sets}}
    for a, cal in cals.items():
        scale, shift = np.array(cal["scale"]), np.array(cal["shift"])
        variants[f"mix {a}"] = {n: ((1 - float(a)) * m + float(a) * t) * scale + shift for n, (m, t) in raw.items()}
    for label, lg in variants.items():
        res[label] = {n: {k: round(v, 3) for k, v in figures(g[n], lg[n], tox[n], heads).items()} for n in names}
        res[label]["public"] = {k: round(v, 4) for k, v in public(lg).items()}
        log(label, json.dumps(res[label]))
    (OUT / ("final_fit.json" if fit_final else "final_ensemble.json")).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("SHTOWER_THREADS", "2")))
    stage = sys.argv[1]
    if stage == "prep":
        prep()
    elif stage == "folds":
        folds()
    elif stage == "fit":
        fit()
    elif stage == "final":
        final()
