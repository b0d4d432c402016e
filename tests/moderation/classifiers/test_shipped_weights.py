"""The shipped weights are the ones `moderation train` writes for today's data: every own writer's file was trained
on and scored leave-one-writer-out, the self-harm calibration (Platt temperatures + operating shifts) in heads.npz
is the one the manifest reports, and the manifest's version names these exact arrays. No model is loaded."""
import json

import numpy as np
import pytest

from moderation.classifiers.training import (FOREIGN_DAMPS, OWN_DATA, SCALE_MAX, SCALE_MIN, data_hash, own_files,
                                             weights_hash)
from tests.support import ROOT

WEIGHTS = ROOT / "moderation" / "classifiers" / "weights"
SHARED = ROOT.parent / "shared" / "data"


def _load():
    manifest = json.loads((WEIGHTS / "manifest.json").read_text())
    with np.load(WEIGHTS / "heads.npz") as z:
        heads = {k: z[k] for k in z.files}
    return manifest, heads


def test_every_own_writer_is_in_the_leave_one_writer_out_figures():
    manifest, _ = _load()
    lowo = manifest["metrics"]["leave_one_writer_out"]
    assert sorted(lowo) == sorted(f.stem for f in own_files(OWN_DATA))
    for writer, figures in lowo.items():
        assert 0.0 <= figures["held_for_self_harm"] <= 1.0 and 0.0 <= figures["false_holds"] <= 1.0, writer


def test_calibration_map_ships_with_the_weights():
    manifest, heads = _load()
    cal = manifest["calibration"]
    assert np.allclose(heads["sh_scale"], cal["self_harm_temperature"], atol=1e-4)
    assert np.allclose(heads["sh_shift"], cal["self_harm_shift"], atol=1e-4)
    assert SCALE_MIN <= heads["sh_scale"].min() and heads["sh_scale"].max() <= SCALE_MAX
    assert cal["out_of_fold_own"]["ece"] < 0.15
    # the es/fr/de/pt damp was chosen with the shifts, and serving reads the one the weights carry
    assert float(heads["sh_foreign_damp"]) == pytest.approx(cal["foreign_damp"]) and cal["foreign_damp"] in FOREIGN_DAMPS
    # the self-harm n-gram head: one column per ordinal output over the same hashed features as the toxicity head
    assert heads["sh_ng_W"].shape == (heads["tox_w_ngram"].shape[0], 3) and 0.0 < float(heads["sh_ng_mix"]) < 1.0
    # someone-else heads were fitted (the newer writers label other_risk)
    assert heads["other_W"].shape == (384, 2)


def test_version_names_these_weights_and_this_data():
    manifest, heads = _load()
    assert manifest["version"].endswith("." + weights_hash(heads))
    if SHARED.is_dir():
        assert manifest["data_hash"] == data_hash(SHARED, OWN_DATA)
