"""The published quality figures of the classifiers in use, for the public transparency report.

Haven's own (embedded) models carry their figures in the model manifest (moderation/classifiers/weights/
manifest.json, written by training): they are read from there, and only when the manifest's version is the version
running, so a figure never describes another model. Backends without a manifest get the short table below, which
names where each figure comes from; a backend in neither has no published figures, and the report says so.
"""
from __future__ import annotations

import json
from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

# (section of manifest["metrics"], key, what it measures) per slot; a figure missing from a manifest is left out.
MANIFEST_FIGURES = {
    "toxicity": (
        ("heldout", "pipeline_toxicity_auc_davidson",
         "Toxicity ROC-AUC on held-out tweets labelled hate/offensive (Davidson et al. 2017)"),
        ("heldout", "pipeline_toxicity_auc_olid", "Toxicity ROC-AUC on held-out OLID tweets (Zampieri et al. 2019)"),
        ("own_dev", "toxicity_auc", "Toxicity ROC-AUC on Haven's hand-labelled short posts (development split)"),
    ),
    "self_harm": (
        ("heldout", "pipeline_self_harm_auc_suicide_detection",
         "Self-harm risk ROC-AUC on held-out Reddit posts (Suicide_Detection)"),
        ("heldout", "self_harm_auc_cssrs_users_mean",
         "Self-harm risk ROC-AUC on held-out Reddit users labelled with the C-SSRS scale"),
        ("own_dev", "held_for_self_harm",
         "Share of posts expressing suicidal thoughts or intent held for a human (hand-labelled short posts)"),
        ("own_dev", "false_holds", "Share of ordinary posts held by mistake (hand-labelled short posts)"),
        ("own_dev", "intent_ranked_intent", "Share of posts stating intent ranked as intent (hand-labelled short posts)"),
    ),
}

# Backends that ship no manifest: what is published about them, and where it comes from.
MAINTAINED = {
    "phrase-lexicon": {"figures": [], "source": "Haven's phrase rules (moderation/classifiers/lexicon.py): "
                                                "no measured figures are published for them."},
    "detoxify-original": {"figures": [{"label": "Mean ROC-AUC, Jigsaw Toxic Comment Classification test set",
                                       "value": 0.9864}],
                          "source": "Detoxify's published results (github.com/unitaryai/detoxify, README)"},
    "detoxify-unbiased": {"figures": [{"label": "Final score, Jigsaw Unintended Bias in Toxicity test set",
                                       "value": 0.9374}],
                          "source": "Detoxify's published results (github.com/unitaryai/detoxify, README)"},
    "detoxify-multilingual": {"figures": [{"label": "Mean ROC-AUC, Jigsaw Multilingual Toxic Comment test set",
                                           "value": 0.9211}],
                              "source": "Detoxify's published results (github.com/unitaryai/detoxify, README)"},
}


def _manifest(weights_dir) -> dict | None:
    try:
        return json.loads((Path(weights_dir) if weights_dir else WEIGHTS_DIR).joinpath("manifest.json").read_text())
    except (OSError, ValueError):
        return None


SAFE_MESSAGING_FIGURES = (
    ("method_details", "recall", "Method-details sentences found, writers the head never read (mean)"),
    ("method_details", "false", "Sentences without method details taken for them, writers the head never read (mean)"),
    ("encouragement", "recall", "Encouragement to self-harm found, writers the head never read (mean)"),
    ("encouragement", "false", "Posts without encouragement taken for it, writers the head never read (mean)"),
    ("pact", "recall", "Suicide pacts found, writers the head never read (mean)"),
)


def _safe_messaging_figures(weights_dir, version: str) -> list[dict]:
    """The safe-messaging heads' leave-one-writer-out figures (safe_messaging.json), when they are that version."""
    try:
        report = json.loads((Path(weights_dir) if weights_dir else WEIGHTS_DIR).joinpath("safe_messaging.json")
                            .read_text())
    except (OSError, ValueError):
        return []
    if report.get("version") != version:
        return []
    out = []
    for label, key, text in SAFE_MESSAGING_FIGURES:
        writers = ((report.get("labels") or {}).get(label) or {}).get("leave_one_writer_out") or {}
        values = [w[key] for w in writers.values() if isinstance(w.get(key), (int, float))]
        if values:
            out.append({"label": text, "value": round(sum(values) / len(values), 3)})
    return out


def published_figures(slot: str, name: str, version: str, weights_dir=None) -> dict:
    """{"figures": [{"label", "value"}], "source"} for the classifier `name`@`version` in `slot`."""
    if name.startswith("haven-embedded"):
        manifest = _manifest(weights_dir)
        base, _, safe_version = str(version).partition("+sm.")  # "<heads>+sm.<safe-messaging heads>"
        if manifest is None or str(manifest.get("version")) != base:
            return {"figures": [], "source": "No figures are published for this model version."}
        metrics = manifest.get("metrics") or {}
        figures = [{"label": label, "value": metrics[section][key]}
                   for section, key, label in MANIFEST_FIGURES.get(slot, ())
                   if isinstance(metrics.get(section), dict) and isinstance(metrics[section].get(key), (int, float))]
        if safe_version and slot == "self_harm":
            figures += _safe_messaging_figures(weights_dir, safe_version)
        n = (metrics.get("own_dev") or {}).get("n")
        source = ("Haven's model manifest (moderation/classifiers/weights/manifest.json), trained "
                  f"{manifest.get('trained', 'on an unrecorded date')}; held-out splits of public data sets"
                  + (f" and {n} hand-labelled short posts" if n else ""))
        return {"figures": figures, "source": source}
    known = MAINTAINED.get(name)
    if known is not None:
        return {"figures": list(known["figures"]), "source": known["source"]}
    return {"figures": [], "source": "No figures are published for this classifier."}
