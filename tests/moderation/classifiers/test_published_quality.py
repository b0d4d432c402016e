"""The classifiers' published quality figures for the transparency report: read from the model manifest, only for
the version that is running."""
from __future__ import annotations

import json

from moderation.classifiers.quality import WEIGHTS_DIR, published_figures


def test_embedded_figures_come_from_the_shipped_manifest():
    manifest = json.loads((WEIGHTS_DIR / "manifest.json").read_text())
    version = manifest["version"]
    tox = published_figures("toxicity", "haven-embedded-toxicity", version)
    assert {"label": "Toxicity ROC-AUC on held-out tweets labelled hate/offensive (Davidson et al. 2017)",
            "value": manifest["metrics"]["heldout"]["pipeline_toxicity_auc_davidson"]} in tox["figures"]
    assert "manifest.json" in tox["source"] and manifest["trained"] in tox["source"]
    sh = published_figures("self_harm", "haven-embedded-self-harm", version)
    values = {f["value"] for f in sh["figures"]}
    assert manifest["metrics"]["own_dev"]["false_holds"] in values
    assert manifest["metrics"]["heldout"]["pipeline_self_harm_auc_suicide_detection"] in values


def test_no_figures_for_another_version_or_an_unknown_backend(tmp_path):
    assert published_figures("toxicity", "haven-embedded-toxicity", "not-this-one")["figures"] == []
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "v2", "metrics": {"heldout": {}}}))
    assert published_figures("toxicity", "haven-embedded-toxicity", "v2", tmp_path)["figures"] == []
    unknown = published_figures("toxicity", "someone-elses-model", "3")
    assert unknown["figures"] == [] and "No figures" in unknown["source"]
    detox = published_figures("toxicity", "detoxify-original", "x")
    assert detox["figures"][0]["value"] == 0.9864 and "detoxify" in detox["source"]


def test_the_safe_messaging_heads_publish_their_unseen_writer_figures_for_their_own_version():
    manifest = json.loads((WEIGHTS_DIR / "manifest.json").read_text())
    report = json.loads((WEIGHTS_DIR / "safe_messaging.json").read_text())
    running = f"{manifest['version']}+sm.{report['version']}"
    labels = {f["label"]: f["value"] for f in published_figures("self_harm", "haven-embedded-self-harm", running)["figures"]}
    recalls = [w["recall"] for w in report["labels"]["method_details"]["leave_one_writer_out"].values()]
    found = [v for k, v in labels.items() if k.startswith("Method-details sentences found")]
    assert found == [round(sum(recalls) / len(recalls), 3)]
    other = published_figures("self_harm", "haven-embedded-self-harm", f"{manifest['version']}+sm.other")["figures"]
    assert other and not any(f["label"].startswith("Method-details") for f in other)  # the heads' figures stay
