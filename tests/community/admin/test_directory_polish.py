"""The admin console's crisis directory and settings pages: country picked by name, "Mark verified" keeps the
filter, thresholds errors in words with the typed value kept, readable health times, CSV charset named once."""
from __future__ import annotations

import re

from moderation.resources.models import Resource
from moderation.settings import load_thresholds
from tests.conftest import login


def _admin(client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    return admin


def test_country_is_picked_by_name(app, client, make_member):
    _admin(client, make_member)
    form = client.get("/admin/resources/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="country"', form)
    assert '<option value="NZ">New Zealand (NZ)</option>' in form and '<option value="*">International' in form
    listing = client.get("/admin/resources?country=GB").get_data(as_text=True)
    assert '<option value="GB" selected>United Kingdom (GB)</option>' in listing


def test_mark_verified_keeps_the_country_filter(app, client, make_member):
    _admin(client, make_member)
    gb = Resource.query.filter_by(country="GB").first()
    page = client.get("/admin/resources?country=GB").get_data(as_text=True)
    assert f'name="next" value="/admin/resources?country=GB#resource-{gb.id}"' in page
    response = client.post(f"/admin/resources/{gb.id}/verify",
                           data={"next": f"/admin/resources?country=GB#resource-{gb.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"?country=GB#resource-{gb.id}")
    response = client.post(f"/admin/resources/{gb.id}/active", data={"active": "1", "next": "/admin/resources?country=GB"})
    assert response.headers["Location"].endswith("/admin/resources?country=GB")
    assert client.post(f"/admin/resources/{gb.id}/verify", data={"next": "https://evil.example/"}) \
        .headers["Location"].endswith("/admin/resources")


def test_threshold_errors_in_words_keep_the_typed_value(app, client, make_member):
    _admin(client, make_member)
    response = client.post("/admin/thresholds", data={"toxicity_hold": "abc", "toxicity_remove": "0.9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Toxicity hold must be a number from 0 to 1" in page and "toxicity_hold must" not in page
    assert 'name="toxicity_hold" type="number"' in page and 'value="abc"' in page and 'value="0.9"' in page
    response = client.post("/admin/thresholds", data={"toxicity_hold": "0.95", "toxicity_remove": "0.9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Toxicity remove must not be lower than toxicity hold" in page
    assert 'value="0.95"' in page
    assert load_thresholds().toxicity_hold == 0.8


def test_health_page_times_are_readable(app, client, make_member, scores):
    _admin(client, make_member)
    scores.self_harm_tier("cannot go on", "intent")
    from tests.support import new_thread
    from community.members.services import issue_token
    member = make_member()
    new_thread(app.test_client(), {"Authorization": f"Bearer {issue_token(member)}"}, body="I cannot go on tonight")
    page = client.get("/admin/health").get_data(as_text=True)
    assert "oldest urgent item waiting since" in page
    shown = page.split("oldest urgent item waiting since")[1].split("</time>")[0]
    text = shown.split(">")[1]
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC \(just now\)", text), text


def test_csv_export_names_the_charset_once(app, client, make_member):
    _admin(client, make_member)
    response = client.get("/admin/resources/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Type"].count("charset") == 1
