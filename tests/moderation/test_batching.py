"""Screening calls waiting at the same moment share one classifier call (moderation/batching.py): each caller gets
exactly its own texts' scores, a lone call is scored at once, a failing merged call fails nobody else, and posts
screened concurrently through the real screen get the verdicts they get one at a time."""
import threading
import time

import pytest

from moderation import batching
from moderation import screen as screening


class _Slow:
    """fn(texts) -> (upper, lengths), slow enough that callers pile up behind the first call."""

    def __init__(self, delay=0.05, fail_on=None):
        self.delay, self.fail_on, self.sizes = delay, fail_on, []
        self.lock = threading.Lock()

    def __call__(self, texts):
        with self.lock:
            self.sizes.append(len(texts))
        time.sleep(self.delay)
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("this text breaks the model")
        return [t.upper() for t in texts], [len(t) for t in texts]


def _concurrently(coalescer, jobs):
    results, errors = {}, {}
    start = threading.Barrier(len(jobs))

    def go(name, texts):
        start.wait()
        try:
            results[name] = coalescer.run(texts)
        except Exception as exc:  # noqa: BLE001
            errors[name] = exc
    threads = [threading.Thread(target=go, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results, errors


def test_concurrent_calls_are_merged_and_each_gets_its_own_scores():
    fn = _Slow()
    coalescer = batching.Coalescer(fn, max_texts=16)
    jobs = [(f"c{i}", [f"text {i}a", f"text {i}bb"]) for i in range(6)]
    results, errors = _concurrently(coalescer, jobs)
    assert not errors
    for name, texts in jobs:
        assert results[name] == ([t.upper() for t in texts], [len(t) for t in texts])
    assert sum(fn.sizes) == 12
    assert len(fn.sizes) < 6 and max(fn.sizes) > 2  # fewer calls than callers: some were merged


def test_a_lone_call_and_the_limit():
    fn = _Slow(delay=0)
    coalescer = batching.Coalescer(fn, max_texts=3)
    assert coalescer.run(["one"]) == (["ONE"], [3])
    assert fn.sizes == [1]
    fn = _Slow()
    coalescer = batching.Coalescer(fn, max_texts=3)
    results, errors = _concurrently(coalescer, [(f"c{i}", [f"t{i}"]) for i in range(8)])
    assert not errors and len(results) == 8 and max(fn.sizes) <= 3
    off = batching.Coalescer(_Slow(), max_texts=1)
    results, errors = _concurrently(off, [(f"c{i}", [f"t{i}"]) for i in range(4)])
    assert not errors and off.fn.sizes == [1, 1, 1, 1]


def test_a_failing_merged_call_fails_only_its_own_caller():
    fn = _Slow(fail_on="poison")
    coalescer = batching.Coalescer(fn, max_texts=16)
    jobs = [("bad", ["poison"])] + [(f"ok{i}", [f"fine {i}"]) for i in range(5)]
    results, errors = _concurrently(coalescer, jobs)
    assert set(errors) == {"bad"} and isinstance(errors["bad"], RuntimeError)
    assert all(results[f"ok{i}"] == ([f"FINE {i}"], [len(f"fine {i}")]) for i in range(5))


@pytest.mark.parametrize("max_texts", [1, 16])
def test_screening_concurrently_gives_the_verdicts_of_screening_alone(app, scores, max_texts):
    app.config["MODERATION_BATCH_TEXTS"] = max_texts
    screening._coalescers.clear()
    scores.toxic("nasty words", 0.97)
    scores.toxic("rude bit", 0.85)
    scores.self_harm_tier("end it all tonight", "intent")
    texts = ["a kind reply", "nasty words here", "i want to end it all tonight", "a rude bit", "hello all",
             "thanks everyone", "sleep well", "same here"] * 2
    alone = [screening.screen(t, context="forum_reply") for t in texts]
    together = [None] * len(texts)

    def go(i):
        with app.app_context():
            together[i] = screening.screen(texts[i], context="forum_reply")
    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    key = [(v.status, v.tier, v.hold_reason, v.scores) for v in alone]
    assert [(v.status, v.tier, v.hold_reason, v.scores) for v in together] == key
    assert {v.status for v in alone} >= {"published", "held", "removed"}
    screening._coalescers.clear()


def test_a_hung_call_does_not_stop_every_other_screening():
    release = threading.Event()

    def fn(texts):
        if "hangs" in texts:
            release.wait(10)
        return list(texts), list(texts)
    coalescer = batching.Coalescer(fn, max_texts=4, stall_seconds=0.05)
    stuck = threading.Thread(target=coalescer.run, args=(["hangs"],))
    stuck.start()
    time.sleep(0.05)
    try:
        done = []
        others = [threading.Thread(target=lambda i=i: done.append(coalescer.run([f"fine {i}"]))) for i in range(3)]
        for t in others:
            t.start()
        for t in others:
            t.join(5)
        # Served beside the stuck call once it counted as stalled, not after it.
        assert sorted(text for r in done for text in r[0]) == ["fine 0", "fine 1", "fine 2"]
        assert stuck.is_alive()
    finally:
        release.set()
        stuck.join(5)


def test_posts_waiting_behind_a_call_are_scored_together_up_to_the_limit(app, monkeypatch):
    """While one merged call runs, MODERATION_BATCH_TEXTS more screenings can wait for the next (the screening
    workers are twice the limit): with 4 workers, one running and three waiting, no call held more than 3-4."""
    app.config["MODERATION_BATCH_TEXTS"] = 4
    screening._coalescers.clear()
    monkeypatch.setattr(screening, "_pool", None)
    sizes, real = [], screening._score_both

    def slow(backends, texts):
        sizes.append(len(texts))
        time.sleep(0.1)
        return real(backends, texts)
    monkeypatch.setattr(screening, "_score_both", slow)
    verdicts = []

    def go(i):
        with app.app_context():
            verdicts.append(screening.screen(f"a kind reply number {i}", context="forum_reply"))
    threads = [threading.Thread(target=go, args=(i,)) for i in range(13)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(verdicts) == 13 and {v.status for v in verdicts} == {"published"}
    assert sum(sizes) == 13 and max(sizes) == 4 and sizes.count(4) >= 2, sizes
    screening._coalescers.clear()
