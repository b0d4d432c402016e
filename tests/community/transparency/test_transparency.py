"""The public transparency report over HTTP, from known rows with set timestamps, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from community.transparency import services
from tests.community.transparency.seed import EXPECTED, SECRET_TEXT, seed
from tests.support import assert_error


def test_march_report_matches_the_rows(any_app):
    ctx = seed()
    response = any_app.test_client().get("/api/v1/transparency?month=2025-03")
    assert response.status_code == 200, response.data[:400]
    report = response.get_json()
    assert report["month"] == "2025-03" and report["complete"] is True and report["note"] is None
    assert report["period"] == {"start": "2025-03-01T00:00:00Z", "end": "2025-04-01T00:00:00Z"}
    for key in ("screened", "held_for_review", "removed", "published_with_support", "reached_out_privately",
                "appeals"):
        assert report[key] == EXPECTED[key], (key, report[key])
    times = report["response_times"]
    assert times["normal"] == EXPECTED["normal"]
    assert {k: times["urgent"][k] for k in EXPECTED["urgent"]} == EXPECTED["urgent"]
    assert times["high"]["items"] == 0 and times["low"]["items"] == 0
    # Nothing that names a person: no handle, no text anyone wrote.
    text = json.dumps(report)
    assert SECRET_TEXT not in text
    for handle in ctx["handles"]:
        assert handle not in text


def test_classifiers_in_use_are_listed_with_their_source(any_app):
    report = any_app.test_client().get("/api/v1/transparency?month=2025-03").get_json()
    slots = {row["slot"]: row for row in report["classifiers"]}
    assert set(slots) == {"toxicity", "self_harm"}
    # The tests screen with the phrase lexicon: named, versioned, and honest that it has no measured figures.
    assert slots["toxicity"]["name"] == "phrase-lexicon" and slots["toxicity"]["version"] == "1"
    assert slots["toxicity"]["figures"] == [] and "no measured figures" in slots["toxicity"]["source"]


def test_an_empty_month_is_all_zeros(any_app):
    seed()
    report = any_app.test_client().get("/api/v1/transparency?month=2024-06").get_json()
    assert report["screened"] == {"posts": 0, "chat_messages": 0, "messages_to_moderators": 0}
    assert report["held_for_review"] == {} and report["appeals"]["received"] == 0
    assert report["response_times"]["normal"]["median_minutes"] is None


def test_default_is_the_last_complete_month(app):
    today = datetime.now(timezone.utc)
    expected = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    report = app.test_client().get("/api/v1/transparency").get_json()
    assert report["month"] == expected and report["complete"] is True


def test_this_month_is_marked_as_not_over(app):
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    report = app.test_client().get(f"/api/v1/transparency?month={month}").get_json()
    assert report["complete"] is False and "not over" in report["note"]


def test_bad_and_future_months_are_clear_errors(app):
    client = app.test_client()
    for bad in ("2025-13", "2025-3", "March", "2025-03-01", "1999-12", "2025-00"):
        body = assert_error(client.get(f"/api/v1/transparency?month={bad}"), 400, "invalid_month")
        assert "YYYY-MM" in body["error"]["message"]
    next_year = datetime.now(timezone.utc).year + 1
    body = assert_error(client.get(f"/api/v1/transparency?month={next_year}-01"), 400, "month_in_future")
    assert f"{next_year}-01" in body["error"]["message"]


def test_the_page_shows_the_figures_and_the_footer_links_to_it(app):
    seed()
    client = app.test_client()
    assert b'href="/transparency"' in client.get("/").data
    page = client.get("/transparency?month=2025-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "March 2025" in html and "fewer than 5" in html
    assert "15.0 min" in html and "40.0 min" in html  # normal priority: median and 90th percentile
    assert "Santa Clara Principles" in html and "Samaritans" in html
    assert SECRET_TEXT not in html and "seed-author" not in html and "seed-moderator" not in html
    bad = client.get("/transparency?month=nope")
    assert bad.status_code == 400 and "YYYY-MM" in bad.get_data(as_text=True)


def test_a_finished_month_is_kept_for_a_while_and_this_month_is_not(app):
    client = app.test_client()
    assert client.get("/api/v1/transparency?month=2025-03").get_json()["screened"]["posts"] == 0
    seed()
    assert client.get("/api/v1/transparency?month=2025-03").get_json()["screened"]["posts"] == 0  # kept
    app.extensions["transparency_reports"]["2025-03"] = (0, None)  # its time is up
    assert client.get("/api/v1/transparency?month=2025-03").get_json()["screened"]["posts"] == 13
    assert "2025-03" in app.extensions["transparency_reports"] and services.KEEP_SECONDS > 0
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    client.get(f"/api/v1/transparency?month={month}")
    assert month not in app.extensions["transparency_reports"]
