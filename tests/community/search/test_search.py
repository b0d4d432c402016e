"""Search (README "Search"): what a member may find, on SQLite (FTS5) and PostgreSQL (full-text search)."""
from __future__ import annotations

import pytest

from community.extensions import db
from community.members import blocks
from tests.conftest import login
from tests.support import assert_error, new_thread, reply


@pytest.fixture
def people(any_app, ctl, make_member, token_for):
    ana, ben, cat, mod = (make_member("ana"), make_member("ben"), make_member("cat"),
                          make_member("mod", role="moderator"))
    db.session.commit()
    return {name: (m, token_for(m)) for name, m in (("ana", ana), ("ben", ben), ("cat", cat), ("mod", mod))}


def _search(client, q, headers=None, **params):
    response = client.get("/api/v1/search", query_string={"q": q, **params}, headers=headers or {})
    assert response.status_code == 200, response.data[:400]
    return response.get_json()


def test_finds_titles_and_bodies_with_safe_highlighted_snippets(any_app, people):
    client = any_app.test_client()
    _ana, ana_h = people["ana"]
    made = new_thread(client, ana_h, title="Gardening keeps me calm", body="Planting tomatoes & <b>every</b> spring")
    reply(client, people["ben"][1], made["thread"]["id"], body="I find walking by the river helps with sleep")
    found = _search(client, "tomatoes")
    assert found["total"] == 1
    result = found["results"][0]
    assert "<mark>tomatoes</mark>" in result["snippet_html"]
    # Escaped, only <mark> added (PostgreSQL's ts_headline drops tag-like text from the snippet; SQLite keeps it).
    assert "<b>" not in result["snippet_html"] and "&amp;" in result["snippet_html"]
    assert result["title"] == "Gardening keeps me calm"
    assert result["url"].startswith(f"/t/{made['thread']['id']}")
    title_hit = _search(client, "gardening")["results"][0]
    assert "<mark>Gardening</mark>" in title_hit["title_html"]
    assert _search(client, "river")["results"][0]["author"] == "ben"
    assert _search(client, "walk")["total"] == 1  # stemmed: "walk" finds "walking"


def test_phrase_search_needs_the_words_in_order(any_app, people):
    client = any_app.test_client()
    h = people["ana"][1]
    new_thread(client, h, title="One", body="the quiet morning light")
    new_thread(client, h, title="Two", body="light in the morning, quiet")
    assert _search(client, "morning light")["total"] == 2
    phrase = _search(client, '"morning light"')
    assert phrase["total"] == 1 and "quiet morning light" in phrase["results"][0]["snippet"]


def test_never_others_held_posts_but_staff_see_them_marked(any_app, people, ctl):
    client = any_app.test_client()
    ctl.toxic("nasty-marker", 0.9)  # held for toxicity (not removed)
    made = new_thread(client, people["ana"][1], title="Held one", body="zebra nasty-marker words")
    assert made["post"]["status"] == "held"
    new_thread(client, people["ana"][1], title="Fine one", body="zebra friendly words")
    assert _search(client, "zebra")["total"] == 1  # signed out
    assert _search(client, "zebra", people["ben"][1])["total"] == 1
    own = _search(client, "zebra", people["ana"][1])
    assert own["total"] == 2 and any(r["held"] for r in own["results"])
    staff = _search(client, "zebra", people["mod"][1])
    assert staff["total"] == 2 and [r["held"] for r in staff["results"]].count(True) == 1


def test_removed_and_deleted_posts_are_never_found(any_app, people):
    client = any_app.test_client()
    made = new_thread(client, people["ana"][1], title="Walrus", body="walrus facts")
    post = reply(client, people["ben"][1], made["thread"]["id"], body="walrus and me")
    assert client.delete(f"/api/v1/posts/{post['id']}", headers=people["ben"][1]).status_code == 204
    assert _search(client, "walrus")["total"] == 1


def test_blocks_hide_in_both_directions(any_app, people):
    client = any_app.test_client()
    ana, ana_h = people["ana"]
    ben, ben_h = people["ben"]
    made = new_thread(client, ana_h, title="Otters", body="otters hold hands")
    reply(client, ben_h, made["thread"]["id"], body="otters are lovely")
    blocks.block(ana, "ben")
    assert {r["author"] for r in _search(client, "otters", ana_h)["results"]} == {"ana"}  # ana blocked ben
    assert {r["author"] for r in _search(client, "otters", ben_h)["results"]} == {"ben"}  # ben is blocked by ana
    assert _search(client, "otters", people["cat"][1])["total"] == 2


def test_muted_words_fold_a_result_away(any_app, people):
    client = any_app.test_client()
    cat, cat_h = people["cat"]
    new_thread(client, people["ana"][1], title="Badgers", body="badgers and spiders")
    blocks.set_muted_words(cat, ["spiders"])
    result = _search(client, "badgers", cat_h)["results"][0]
    assert result["filtered"] is True and result["snippet"] is None and result["snippet_html"] is None


def test_board_filter_and_paging(any_app, people):
    client = any_app.test_client()
    h = people["ana"][1]
    for i in range(23):
        new_thread(client, h, title=f"Heron {i}", body="heron sighting", board="anxiety")
    new_thread(client, h, title="Heron elsewhere", body="heron", board="depression")
    everything = _search(client, "heron")
    assert everything["total"] == 24 and everything["pages"] == 2 and len(everything["results"]) == 20
    second = _search(client, "heron", page=2)
    assert len(second["results"]) == 4
    assert not {r["post_id"] for r in second["results"]} & {r["post_id"] for r in everything["results"]}
    only = _search(client, "heron", board="depression")
    assert only["total"] == 1 and only["results"][0]["board"] == "depression"


def test_clear_400s(any_app):
    client = any_app.test_client()
    assert_error(client.get("/api/v1/search"), 400, "missing_query")
    assert_error(client.get("/api/v1/search?q=%20%20"), 400, "missing_query")
    assert_error(client.get("/api/v1/search", query_string={"q": "x" * 201}), 400, "query_too_long")
    assert_error(client.get("/api/v1/search?q=hi&page=0"), 400, "invalid_page")
    assert_error(client.get("/api/v1/search?q=hi&page=abc"), 400, "invalid_page")
    assert_error(client.get("/api/v1/search?q=hi&board=nope"), 400, "invalid_board")
    # Query syntax never reaches the database: these are words, not operators.
    for q in ('NEAR(a b)', 'a OR b', '"unclosed', 'title:x', '* - ^', "it's"):
        response = client.get("/api/v1/search", query_string={"q": q})
        assert response.status_code in (200, 400), (q, response.data[:300])


def test_search_page_is_linked_keeps_the_query_and_escapes(any_app, people):
    client = any_app.test_client()
    new_thread(client, people["ana"][1], title="Kestrels <script>", body="kestrel <img src=x onerror=alert(1)>")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/search"' in home
    page = client.get("/search?q=kestrel").get_data(as_text=True)
    assert "<mark>kestrel</mark>" in page and "<img src=x" not in page and "<script>" not in page.split("</head>")[1]
    bad = client.get("/search", query_string={"q": "y" * 300})
    assert bad.status_code == 400 and "at most 200 characters" in bad.get_data(as_text=True)
    assert "y" * 300 in bad.get_data(as_text=True)  # the typed value is kept


@pytest.mark.parametrize("q", ["how to kill myself", "i want to die"])
def test_a_crisis_query_leads_with_the_crisis_panel(any_app, make_member, token_for, q):
    member = make_member("gb-member", region="GB")
    db.session.commit()
    client = any_app.test_client()
    login(client, "gb-member")
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    main = page.split('<main id="main">')[1]
    assert main.index("crisis-panel") < main.index('class="search-form"')  # the panel leads the page
    assert main.index("tel:999") < main.index("116123")  # the region's emergency number first
    api = any_app.test_client().get("/api/v1/search", query_string={"q": q}, headers=token_for(member))
    assert api.status_code == 200 and api.get_json()["crisis"]["emergency"]["numbers"][0] == "999"
    calm = client.get("/search?q=gardening").get_data(as_text=True)
    assert "crisis-panel" not in calm


def test_a_visitors_crisis_query_uses_the_help_pages_region(any_app):
    client = any_app.test_client()
    page = client.get("/search?q=want+to+die", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    main = page.split('<main id="main">')[1]
    assert "crisis-panel" in main and main.index("tel:999") < main.index('class="search-form"')


def test_marked_escapes_everything_and_only_balances_its_own_marks():
    from community.search.services import CLOSE, OPEN, marked
    assert str(marked(f"a <b>&{OPEN}x{CLOSE}")) == "a &lt;b&gt;&amp;<mark>x</mark>"
    # Markers a member typed can at most open or close a highlight: never unbalanced, never markup of their own.
    assert str(marked(f"{CLOSE}{OPEN}{OPEN}y")) == "<mark>y</mark>"
    assert str(marked('"><script>alert(1)</script>')) == "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_reply_in_a_blocked_members_thread_is_found_without_their_title(any_app, people):
    client = any_app.test_client()
    ana, ana_h = people["ana"]
    made = new_thread(client, ana_h, title="Ana's private title words", body="opening")
    reply(client, people["ben"][1], made["thread"]["id"], body="ben writes about puffins")
    blocks.block(people["ben"][0], "ana")
    result = _search(client, "puffins", people["ben"][1])["results"][0]
    assert result["author"] == "ben" and "Ana" not in result["title"] and "blocked" in result["title"]
    profile = client.get("/api/v1/members/ben", headers=people["cat"][1]).get_json()["posts"]
    assert profile[0]["thread_title"] == "Ana's private title words"  # someone who blocked nobody sees it
    own = client.get("/api/v1/members/ben", headers=people["ben"][1]).get_json()["posts"]
    assert "Ana" not in own[0]["thread_title"]
