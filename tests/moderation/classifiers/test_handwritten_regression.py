"""Regression floors on the hand-written set (never trained on). Floors sit a little below the figures measured for
the shipped weights and rules, so a bad retrain or a broken rule fails here. (Some rule gaps were found by reading
this set's failure categories, so its figures are somewhat optimistic; see bench/RESULTS.md.)"""
import csv

import pytest

from moderation.classifiers.evaluation import roc_auc, score_lines
from moderation.policy import Thresholds
from tests.support import ROOT

EVAL = ROOT / "moderation" / "eval" / "handwritten.csv"

FLOORS = {  # measured for the 2026-12-06 weights (twenty-two own writers, the self-harm n-gram head); in brackets 2026-12-04
    "held_for_self_harm": 0.97,  # measured 0.989 (0.989)
    "false_holds_max": 0.11,  # measured 0.090 (0.040)
    "intent_ranked_intent": 0.88,  # measured 0.907 (0.930)
    "abuse_as_crisis_max": 0.07,  # measured 0.028 (0.056)
    "toxicity_auc": 0.99,  # measured 0.999 (0.998)
}


@pytest.mark.skipif(not EVAL.exists(), reason="hand-written evaluation set not present")
def test_handwritten_floors(models):
    toxicity, self_harm, _ = models
    rows = list(csv.DictReader(open(EVAL, encoding="utf-8")))
    out = score_lines([r["text"] for r in rows], toxicity, self_harm, Thresholds())
    pairs = list(zip(rows, out))
    risk = [o for r, o in pairs if r["tier"] in ("ideation", "intent")]
    held = sum(o["decision"]["status"] == "held" and o["self_harm"]["tier"] in ("ideation", "intent") for o in risk)
    ordinary = [o for r, o in pairs if r["tier"] == "none" and str(r["toxic"]) == "0"]
    false_holds = sum(o["decision"]["status"] != "published" for o in ordinary)
    intent = [o for r, o in pairs if r["tier"] == "intent"]
    abuse = [o for r, o in pairs if str(r["toxic"]) == "1"]
    figures = {
        "held_for_self_harm": held / len(risk),
        "false_holds": false_holds / len(ordinary),
        "intent_ranked_intent": sum(o["self_harm"]["tier"] == "intent" for o in intent) / len(intent),
        "abuse_as_crisis": sum(o["self_harm"]["tier"] in ("ideation", "intent") for o in abuse) / len(abuse),
        "toxicity_auc": roc_auc([int(r["toxic"]) for r in rows], [o["toxicity"] for o in out]),
    }
    removed_risk = sum(1 for r, o in pairs if r["tier"] != "none" and o["decision"]["status"] == "removed")
    print(figures)
    assert removed_risk == 0
    assert figures["held_for_self_harm"] >= FLOORS["held_for_self_harm"], figures
    assert figures["false_holds"] <= FLOORS["false_holds_max"], figures
    assert figures["intent_ranked_intent"] >= FLOORS["intent_ranked_intent"], figures
    assert figures["abuse_as_crisis"] <= FLOORS["abuse_as_crisis_max"], figures
    assert figures["toxicity_auc"] >= FLOORS["toxicity_auc"], figures
