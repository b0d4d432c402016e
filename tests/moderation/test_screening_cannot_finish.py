"""When screening cannot finish, the author still gets help; a crisis the rules can read is a crisis even then.

- A classifier that raises, hangs past MODERATION_TIMEOUT or returns garbage holds the text "unscreened", and the
  author is shown the support panel at once: forum API (`support_message`, `resources`, `emergency`), the forum
  page (the held screen with the emergency number), and chat (the `crisis_resources` event, to the author alone).
- The deterministic first pass (moderation/first_pass.py) runs before the models: a crisis it reads is held for
  self-harm with resources, whether the models fail, time out, or (lexicon, a fake) see nothing.
- Its cost is bounded: the rules never read more than one window of text at once, however long the input.
"""
from __future__ import annotations

import math
import threading

import pytest

from community.extensions import socketio
from moderation import first_pass
from moderation.classifiers import rules
from moderation.classifiers.base import Scores
from tests.conftest import login
from tests.moderation.conftest import World

ORDINARY = "a perfectly ordinary post about my week"
CRISIS = "I took all my pills an hour ago and I don't want to be here"

_release = threading.Event()


def _hang():
    _release.wait(2.0)  # longer than the test's MODERATION_TIMEOUT; released at the end of each test
    return Scores(0.01, {})


@pytest.fixture(autouse=True)
def _release_hung_classifiers():
    _release.clear()
    yield
    _release.set()


def _break(world: World, how: str, needle: str = ""):
    """Make both classifiers fail `how` on every text containing `needle`."""
    if how == "timeout":
        world.app.config["MODERATION_TIMEOUT"] = 0.05
        failure = _hang
    elif how == "error":
        failure = RuntimeError("model crashed")
    else:
        failure = lambda: Scores(math.nan, {})  # noqa: E731
    world.scores.toxicity.rules[needle] = failure
    world.scores.self_harm.rules[needle] = failure


def _post(world, headers, body, status=201):
    r = world.client.post("/api/v1/boards/anxiety/threads", json={"title": "A title here", "body": body},
                          headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


@pytest.mark.parametrize("how", ["error", "timeout", "garbage"])
def test_unscreened_post_shows_support_in_the_same_response(aw, how):
    member, headers = aw.person(region="GB")
    _break(aw, how)
    data = _post(aw, headers, ORDINARY)
    assert data["post"]["status"] == "held" and data["hold_reason"] == "unscreened"
    assert "quick check" in data["support_message"] and "help is here" in data["support_message"]
    assert data["emergency"]["numbers"][0] == "999"
    assert any(r["phone"] == "116 123" for r in data["resources"])
    item = aw.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority, item.status) == ("unscreened", "high", "open")
    # Nobody else sees it.
    assert aw.client.get(f"/api/v1/posts/{data['post']['id']}").status_code == 404


def test_unscreened_post_on_the_page_lands_on_the_support_panel(w):
    from community.members.services import create_member
    member, _ = create_member("page-person", "a-good-password", region="US")
    _break(w, "error")
    client = w.app.test_client()
    login(client, "page-person")
    r = client.post("/b/anxiety/new", data={"title": "A title here", "body": ORDINARY})
    assert r.status_code == 302 and r.headers["Location"].endswith("/held"), r.headers.get("Location")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "waiting for a quick check" in page
    assert 'href="tel:911"' in page and "988" in page
    assert ORDINARY in page  # their words are still there


def test_unscreened_chat_message_sends_the_author_support(app, make_member, token_for):
    world = World(app)
    _break(world, "timeout")
    author, other = make_member("chat-author", region="GB"), make_member("chat-other")
    clients = []
    for m in (author, other):
        token = token_for(m)["Authorization"].split(" ", 1)[1]
        c = socketio.test_client(app, auth={"token": token})
        c.emit("join", {"room": "open-lounge"})
        c.get_received()
        clients.append(c)
    mine, theirs = clients
    mine.emit("send", {"room": "open-lounge", "body": "just saying hi to everyone"})
    got = mine.get_received()
    crisis = [e["args"][0] for e in got if e["name"] == "crisis_resources"]
    assert len(crisis) == 1, [e["name"] for e in got]
    assert "message is waiting for a quick check" in crisis[0]["message"]
    assert crisis[0]["emergency"]["numbers"][0] == "999"
    assert any(r["phone"] == "116 123" for r in crisis[0]["resources"])
    assert [e["name"] for e in got if e["name"] == "held"] == ["held"]
    assert theirs.get_received() == []
    for c in clients:
        c.disconnect()


# --- the first pass ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["error", "timeout", "garbage"])
def test_crisis_is_held_for_self_harm_when_the_models_cannot_answer(aw, how):
    _member, headers = aw.person(region="GB")
    _break(aw, how)
    data = _post(aw, headers, CRISIS)
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm"
    assert data["support_message"].startswith("Thank you for telling us")
    assert data["emergency"]["numbers"][0] == "999"
    item = aw.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority, item.status) == ("self_harm", "urgent", "open")
    assert any(r.startswith("first_pass:") for r in item.reasons)
    assert any(r.startswith("unscreened:") for r in item.reasons)  # moderators see the models did not answer


def test_crisis_is_held_even_when_the_models_see_nothing(aw):
    # The fake classifiers score everything as harmless: the first pass alone holds the crisis.
    _member, headers = aw.person(region="US")
    data = _post(aw, headers, "i have a plan and i'm going to kill myself tonight")
    assert data["hold_reason"] == "self_harm" and data["emergency"]["numbers"][0] == "911"
    assert aw.item_for_post(data["post"]["id"]).priority == "urgent"
    ordinary = _post(aw, headers, ORDINARY)
    assert ordinary["post"]["status"] == "published" and "resources" not in ordinary


def test_first_pass_runs_with_the_lexicon_backend(app):
    # No fakes: the app's own configured backends (lexicon in tests). A crisis the lexicon misses is still held.
    from moderation.screen import screen
    from moderation.classifiers.registry import backends
    from moderation.classifiers.lexicon import LexiconSelfHarm
    from moderation.policy import Thresholds, self_harm_tier
    lexicon = backends(app).self_harm
    assert isinstance(lexicon, LexiconSelfHarm)
    text = "by the time anyone reads this i will be gone"
    assert self_harm_tier(lexicon.score([text])[0], Thresholds()) == "none"  # the lexicon alone misses it
    verdict = screen(text, context="forum_reply")
    assert (verdict.status, verdict.hold_reason, verdict.tier) == ("held", "self_harm", "intent")


@pytest.mark.parametrize("text", [
    "my friend said she wants to die and I don't know how to help",
    "two years ago i tried to end my life. i'm ok now and it gets better",
    "this song is killing me",
    "I bought a new knife for cooking",
    "if you are thinking about suicide please call 988",
    "kill yourself",
])
def test_first_pass_leaves_what_is_not_the_authors_crisis_alone(text):
    assert first_pass.look(text).tier == "none"


@pytest.mark.parametrize("text,tier", [
    ("i want to die", "ideation"),
    ("I'm going to kill myself tonight", "intent"),
    ("wrote my note. goodbye everyone", "intent"),
])
def test_first_pass_sees_the_authors_crisis(text, tier):
    assert first_pass.look(text).tier == tier


ADVERSARIAL = [
    "i will kill myself " * 600,
    "i want to kill myself and " * 500,
    "i am on the " * 900,
    "a" * 12_000,
    " x" * 6_000,
    '"' * 12_000,
    "going to " * 1_500,
    ("tonight " * 500 + ". ") * 3,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:12]))
def test_first_pass_reads_long_text_in_bounded_windows(text, monkeypatch):
    seen = []
    real = rules.analyse

    def spy(piece):
        seen.append(len(piece))
        return real(piece)

    monkeypatch.setattr(rules, "analyse", spy)
    first_pass.look(text)
    assert seen and max(seen) <= first_pass.WINDOW
    step = first_pass.WINDOW - first_pass.OVERLAP
    assert len(seen) <= len(text) // step + 2  # linear: each window advances by at least WINDOW - OVERLAP


def test_a_crisis_at_the_end_of_a_long_text_is_still_seen():
    text = "the weather was grey and i walked the dog " * 230 + "and tonight i'm going to kill myself"
    assert len(text) > 9_000
    assert first_pass.look(text).tier == "intent"
    words = "blah " * 2_500 + "i want to die"  # one sentence far longer than a window
    assert first_pass.look(words).tier == "ideation"


def test_text_beyond_the_cap_is_not_read():
    assert first_pass.look("a" * first_pass.MAX_CHARS + " i want to die").tier == "none"
    step = first_pass.WINDOW - first_pass.OVERLAP
    assert len(first_pass.windows("word " * 50_000)) <= first_pass.MAX_CHARS // step + 2
