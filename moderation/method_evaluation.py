"""Measuring safe messaging on a labelled set: how often method details are held (crisis), masked (other posts),
encouragement and pacts removed, and look-alikes left alone.

    rows = csv.DictReader(open("moderation/eval/method_details_m1.csv"))
    figures = evaluate(rows, toxicity, self_harm)      # the shipped classifiers, or any pair with .score(texts)

Columns: `id`, `text`, `method_details` (0/1), `context` (crisis | recovery | news | supportive | fiction |
lookalike | ordinary | encouragement | pact) and `expected` (held | masked | published | removed). Each text goes
the way a new forum post goes in `moderation.screen` (classifiers, the first pass, `policy.decide`,
`policy.crisis_first`, `policy.safe_messaging`), with the default thresholds and no watched words. Only aggregate
figures come out, never a text: the evaluation sets tune nothing.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from moderation import first_pass, policy
from moderation.classifiers import method_details
from moderation.classifiers.evaluation import _batched_scores

OUTCOMES = ("held", "masked", "published", "removed")


def outcome(text: str, tox, sh, t: policy.Thresholds, context: str = "forum_thread") -> str:
    """What would happen to `text` as a new forum post: held | masked | published | removed."""
    d = policy.decide(tox, sh, t)
    seen = first_pass.look(text)
    if seen.crisis:
        d = policy.crisis_first(d, seen.tier, seen.reasons)
    found = method_details.with_learned(method_details.look(text), text, sh.spans)
    d, masked = policy.safe_messaging(d, method_reasons=[r for r in found.reasons() if r.startswith("method_")],
                                      encouragement=bool(found.encouragement), pact=bool(found.pact), context=context,
                                      suspected=found.suspected())
    if d.status == policy.PUBLISHED:
        return "masked" if masked else "published"
    return d.status


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def evaluate(rows: Iterable[dict], toxicity, self_harm, thresholds: policy.Thresholds | None = None) -> dict:
    """{"n", "held_recall", "masked_recall", "removed_recall", "lookalikes_passed", "published_passed",
    "detector_recall", "detector_false", "confusion": {expected: {outcome: n}}, "by_context": {...}}."""
    rows = [r for r in rows if (r.get("text") or "").strip()]
    t = (thresholds or policy.Thresholds()).validated()
    tox, sh = _batched_scores([r["text"] for r in rows], toxicity, self_harm)
    confusion: dict[str, Counter] = {}
    by_context: dict[str, Counter] = {}
    detected = Counter()
    for row, a, b in zip(rows, tox, sh):
        got = outcome(row["text"], a, b, t)
        expected = (row.get("expected") or "").strip()
        confusion.setdefault(expected, Counter())[got] += 1
        ctx = (row.get("context") or "").strip()
        by_context.setdefault(ctx, Counter())["n"] += 1
        by_context[ctx]["as_expected"] += got == expected
        labelled = str(row.get("method_details", "")).strip() == "1"
        found = method_details.with_learned(method_details.look(row["text"]), row["text"], b.spans).found
        detected[("labelled" if labelled else "unlabelled", found)] += 1

    def recall(expected: str, contexts=None) -> float | None:
        if contexts is None:
            counts = confusion.get(expected, Counter())
            return _share(counts[expected], sum(counts.values()))
        hits = total = 0
        for row, a, b in zip(rows, tox, sh):
            if row.get("context") in contexts and row.get("expected") == expected:
                total += 1
                hits += outcome(row["text"], a, b, t) == expected
        return _share(hits, total)

    return {
        "n": len(rows),
        "held_recall": recall("held"),
        "masked_recall": recall("masked"),
        "removed_recall": recall("removed"),
        # Out of public view at once: removed, or held for a moderator (a learned suspicion of encouragement or a
        # pact is held, not removed).
        "hidden_recall": _share(sum(confusion.get("removed", Counter())[o] for o in ("removed", "held")),
                                sum(confusion.get("removed", Counter()).values())),
        # Posts that should have been published (or masked) that were removed: the costliest mistake for a writer.
        "wrongly_removed": _share(sum(confusion.get(e, Counter())["removed"] for e in ("published", "masked")),
                                  sum(sum(confusion.get(e, Counter()).values()) for e in ("published", "masked"))),
        "published_passed": recall("published"),
        "lookalikes_passed": recall("published", ("lookalike",)),
        "detector_recall": _share(detected[("labelled", True)],
                                  detected[("labelled", True)] + detected[("labelled", False)]),
        "detector_false": _share(detected[("unlabelled", True)],
                                 detected[("unlabelled", True)] + detected[("unlabelled", False)]),
        "confusion": {k: dict(v) for k, v in sorted(confusion.items())},
        "by_context": {k: {"n": v["n"], "as_expected": _share(v["as_expected"], v["n"])}
                       for k, v in sorted(by_context.items())},
    }


def format_figures(name: str, f: dict) -> str:
    """A plain-text table of the aggregate figures (no text from the set)."""
    lines = [f"{name}: {f['n']} posts",
             f"  crisis with method details held   {f['held_recall']}",
             f"  method details masked             {f['masked_recall']}",
             f"  encouragement / pacts removed     {f['removed_recall']} (removed or held: {f['hidden_recall']})",
             f"  published or masked posts removed {f['wrongly_removed']}",
             f"  look-alikes passed (published)    {f['lookalikes_passed']}",
             f"  all expected-published passed     {f['published_passed']}",
             f"  detector: labelled method posts found {f['detector_recall']}, unlabelled found {f['detector_false']}",
             "  expected -> outcome: " + "; ".join(
                 f"{e}: " + ", ".join(f"{o} {n}" for o, n in sorted(c.items())) for e, c in f["confusion"].items()),
             "  as expected by context: " + ", ".join(
                 f"{c} {v['as_expected']} (n={v['n']})" for c, v in f["by_context"].items())]
    return "\n".join(lines)
