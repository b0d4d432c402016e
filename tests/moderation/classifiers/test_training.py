"""Training is deterministic (tiny synthetic data; the full training is far too slow for CI)."""
import csv
import json

import numpy as np

from moderation.classifiers.training import holdout_bucket, is_holdout, train, weights_hash


def _write(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _tiny(tmp_path):
    d = tmp_path / "data"
    nice = ["lovely weather today", "going for a walk later", "new phone who dis", "the game was fun",
            "made soup for dinner", "reading a good book", "cats are great", "monday again huh"]
    mean = ["you are a stupid idiot", "shut up you moron", "what a pathetic loser", "you ugly clown",
            "get lost freak", "nobody likes you idiot", "you dumb fool", "worst person ever you are"]
    _write(d / "davidson" / "train.csv", ["id", "text", "label"],
           [[f"dav{i}", t, "offensive" if i % 2 else "neither"] for i, t in enumerate(x for p in zip(nice, mean) for x in p)])
    _write(d / "olid" / "train.csv", ["id", "text", "label", "subtask_b", "subtask_c"],
           [[f"ol{i}", t + " @USER", "OFF" if i % 2 else "NOT", "TIN" if i % 2 else "NULL", "NULL"]
            for i, t in enumerate(x for p in zip(nice, mean) for x in p)])
    sad = ["i want to die tonight", "i can't go on living", "nobody would miss me if i died", "i want to end it"]
    _write(d / "suicide_detection" / "train.csv", ["id", "text", "label"],
           [[f"sd{i}", t, "suicide"] for i, t in enumerate(sad)] + [[f"sdn{i}", t, "non-suicide"] for i, t in enumerate(nice)])
    _write(d / "dreaddit" / "train.csv", ["id", "text", "label"],
           [[f"dr{i}", t, str(i % 2)] for i, t in enumerate(["so stressed about rent", "nice chill day"] * 3)])
    _write(d / "cssrs_reddit" / "train.csv", ["id", "text", "label", "posts_json"],
           [[f"user-{i}", " ".join(p), lab, json.dumps(p)] for i, (p, lab) in enumerate([
               (["i want to die", "everything hurts"], "Ideation"), (["hang in there friend"], "Supportive"),
               (["i took pills last year"], "Attempt"), (["feeling low lately"], "Indicator")])])
    own = tmp_path / "own.csv"
    _write(own, ["text", "tier", "toxic"], [["i wrote my note", "intent", 0], ["hi all", "none", 0],
                                            ["kys loser", "none", 1], ["i feel empty", "concern", 0],
                                            ["i don't want to be alive", "ideation", 0]])
    return d, own


def test_holdout_is_stable():
    assert holdout_bucket("dav1") == holdout_bucket("dav1")
    share = np.mean([is_holdout(f"id{i}") for i in range(5000)])
    assert 0.17 < share < 0.23


def test_training_is_deterministic(tmp_path, torch_encoder):
    enc = torch_encoder  # training's encoder: PyTorch (the tower is fine-tuned on its hidden states)
    data, own = _tiny(tmp_path)
    logs = []
    kw = dict(seed=0, log=logs.append, own_data=own, encoder=enc, date="2026-01-01")
    # Two fresh caches: both runs embed and fine-tune from scratch.
    m1 = train(data, tmp_path / "w1", cache_dir=tmp_path / "c1", **kw)
    m2 = train(data, tmp_path / "w2", cache_dir=tmp_path / "c2", **kw)
    a = np.load(tmp_path / "w1" / "heads.npz")
    b = np.load(tmp_path / "w2" / "heads.npz")
    assert sorted(a.files) == sorted(b.files)
    assert {"sh_ng_W", "sh_ng_b", "sh_ng_mix"} <= set(a.files)  # the self-harm n-gram head is fitted and shipped
    for k in a.files:
        assert np.array_equal(a[k], b[k]), k
    assert (tmp_path / "w1" / "manifest.json").read_text() == (tmp_path / "w2" / "manifest.json").read_text()
    # The version names the weights themselves, recomputable from the saved file (the health page shows it).
    version = json.loads((tmp_path / "w1" / "manifest.json").read_text())["version"]
    assert version.endswith("." + weights_hash({k: a[k] for k in a.files}))
    assert "heldout" in m1 and m1["heldout"] == m2["heldout"]
    assert any("held-out" in line for line in logs)

    from moderation.classifiers.embedded import load_embedded

    tox, sh = load_embedded(tmp_path / "w1", encoder=enc)
    out = sh.score(["i wrote my note", "hi all"])
    assert len(out) == 2 and tox.version.startswith("2026-01-01+")

    # The fine-tuned tower is stored in the cache folder and reused: a third run skips fine-tuning and still writes
    # byte-identical weights.
    assert list((tmp_path / "c1").glob("tower-*.npz"))
    logs.clear()
    train(data, tmp_path / "w3", cache_dir=tmp_path / "c1", **kw)
    assert any("reusing" in line for line in logs)
    c = np.load(tmp_path / "w3" / "heads.npz")
    assert sorted(c.files) == sorted(a.files) and all(np.array_equal(a[k], c[k]) for k in a.files)

    # --keep-tower: the tower of earlier weights is kept as it is; every other array is what a full run fits.
    kept = {k: a[k] for k in a.files if k.startswith("tower.")}
    train(data, tmp_path / "w4", cache_dir=tmp_path / "c1", keep_tower=kept, kept_from="earlier", **kw)
    c = np.load(tmp_path / "w4" / "heads.npz")
    assert sorted(c.files) == sorted(a.files) and all(np.array_equal(a[k], c[k]) for k in a.files)
    manifest = json.loads((tmp_path / "w4" / "manifest.json").read_text())
    assert manifest["toxicity_tower"]["kept_from"] == "earlier"
