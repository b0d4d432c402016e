"""Help for people who are not signed in: the country inferred from Accept-Language, a picker at the top that works
without JavaScript (?region=XX), the choice remembered in a cookie that holds only it, and never an error page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import login


def tel_links(html: str) -> list[str]:
    return re.findall(r'href="(tel:[^"]*)"', html)


def test_anonymous_visitor_gets_their_countrys_numbers_from_accept_language(client):
    page = client.get("/help", headers={"Accept-Language": "en-GB,en;q=0.8"}).data.decode()
    assert tel_links(page)[:3] == ["tel:999", "tel:112", "tel:116123"]
    assert "Not in the UK? Choose your country" in page
    # The picker comes before the help itself, and is a plain GET form.
    assert page.index('id="region"') < page.index("tel:999")
    assert re.search(r'<form method="get" action="/help"', page)
    us = client.get("/help", headers={"Accept-Language": "en-US"}).data.decode()
    assert tel_links(us)[:2] == ["tel:911", "tel:988"] and "Not in the US?" in us
    au = client.get("/help", headers={"Accept-Language": "en-AU"}).data.decode()
    assert tel_links(au)[0] == "tel:000"


def test_no_country_known_shows_international_and_asks(client):
    page = client.get("/help", headers={"Accept-Language": "en"}).data.decode()
    assert tel_links(page) == [] or "tel:999" not in tel_links(page)
    assert "Choose your country to see phone numbers there" in page
    assert client.get("/help").status_code == 200


def test_choice_is_remembered_in_a_cookie_holding_only_the_code(client):
    r = client.get("/help?region=ie", headers={"Accept-Language": "en-GB"})
    assert tel_links(r.data.decode())[0] == "tel:112"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("help_region=IE;") and "Path=/help" in cookie and "HttpOnly" in cookie
    # Next visit, no parameter: the remembered choice beats the browser's language.
    again = client.get("/help", headers={"Accept-Language": "en-GB"}).data.decode()
    assert tel_links(again)[0] == "tel:112" and "Not in Ireland?" in again
    intl = client.get("/help?region=*", headers={"Accept-Language": "en-GB"})
    assert "help_region=*" in intl.headers["Set-Cookie"]
    assert "tel:999" not in client.get("/help", headers={"Accept-Language": "en-GB"}).data.decode()


def test_signed_in_member_sees_their_own_region(app, make_member):
    from community.extensions import db
    member = make_member(region="NZ")
    db.session.commit()
    client = app.test_client()
    login(client, member.handle)
    page = client.get("/help", headers={"Accept-Language": "en-GB"}).data.decode()
    assert tel_links(page)[0] == "tel:111"


FUZZ = ["", " ", "gb ", "GBR", "zz", "XX", "12", "é", "ÉÉ", "\x00", "G\x00", "%00", "*", "**", "../../etc",
        "<script>alert(1)</script>", "a" * 1000, "🙂🙂", "İi", "gb;DROP TABLE resources", "\ud7ff", "null", "US\n"]


@pytest.mark.parametrize("value", FUZZ, ids=[f"fuzz{i}" for i in range(len(FUZZ))])
def test_help_page_never_errors_for_any_region(any_app, value):
    client = any_app.test_client()
    r = client.get("/help", query_string={"region": value})
    assert r.status_code == 200
    assert b"<script>alert" not in r.data
    client.set_cookie("help_region", value.encode("utf-8", "surrogatepass").decode("latin-1", "replace")
                      .replace("\x00", "") or "x", path="/help")
    assert client.get("/help").status_code == 200
    assert client.get("/help", headers={"Accept-Language": value.encode("ascii", "replace").decode()
                                        .replace("\n", "") or "x"}).status_code == 200
    api = client.get("/api/v1/resources", query_string={"country": value})
    assert api.status_code == 200 and "resources" in api.get_json()


def test_resources_api_keeps_its_contract(client):
    body = client.get("/api/v1/resources").get_json()
    assert body["emergency"] is None and body["resources"] and body.get("hint")
    gb = client.get("/api/v1/resources?country=GB").get_json()
    assert gb["emergency"]["numbers"] == ["999", "112"]
