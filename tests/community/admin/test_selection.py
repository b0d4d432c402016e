"""The ONE selection function: local services (24/7 first, then by kind), international appended, inactive never
shown, and an unknown region gets the international directory, no emergency number and a hint."""
import pytest

from community.extensions import db
from moderation.resources import for_region
from moderation.resources.models import Resource
from moderation.resources.services import NO_REGION_HINT


def _add(**fields):
    r = Resource(**{"languages": "en", "audiences": "everyone", "description": "", **fields})
    db.session.add(r)
    db.session.commit()
    return r


def test_region_with_local_resources_orders_24_7_first_then_kind_then_international(any_app):
    _add(name="Daytime Phone", kind="phone", country="GB", phone="0800 111", always_open=False)
    _add(name="Night Chat", kind="chat", country="GB", url="https://chat.example.org", always_open=True)
    found = for_region("gb")
    assert found["country"] == "GB"
    assert found["emergency"]["numbers"] == ["999", "112"]
    names = [r["name"] for r in found["resources"]]
    local = [r for r in found["resources"] if r["country"] == "GB"]
    international = [r for r in found["resources"] if r["country"] == "*"]
    assert names == [r["name"] for r in local + international]  # international appended after local
    assert {r["name"] for r in international} >= {"Find A Helpline", "Befrienders Worldwide"}
    # 24/7 first; within 24/7, phone < text < chat; the daytime line comes after every 24/7 one.
    assert [r["name"] for r in local] == ["Samaritans", "Shout", "Night Chat", "Daytime Phone"]
    assert "hint" not in found


def test_region_without_local_resources_gets_emergency_and_international(any_app):
    found = for_region("FR")  # only an emergency number is seeded for France
    assert found["country"] == "FR"
    assert found["emergency"]["phone"] == "112"
    assert found["resources"] and all(r["country"] == "*" for r in found["resources"])


@pytest.mark.parametrize("region", [None, "", "ZZ", "not-a-country", 42])
def test_unknown_region_gets_international_emergency_null_and_hint(any_app, region):
    found = for_region(region)
    assert found["country"] is None and found["emergency"] is None
    assert found["hint"] == NO_REGION_HINT
    assert found["resources"] and all(r["country"] == "*" for r in found["resources"])


def test_inactive_resources_are_never_shown(any_app):
    samaritans = Resource.query.filter_by(country="GB", name="Samaritans").one()
    samaritans.active = False
    Resource.query.filter_by(country="GB", kind="emergency").one().active = False
    Resource.query.filter_by(country="*", name="Find A Helpline").one().active = False
    db.session.commit()
    found = for_region("GB")
    names = [r["name"] for r in found["resources"]]
    assert "Samaritans" not in names and "Find A Helpline" not in names
    assert "Shout" in names
    assert found["emergency"] is None


def test_public_api_uses_the_same_selection(any_app):
    client = any_app.test_client()
    body = client.get("/api/v1/resources?country=GB").get_json()
    assert body == for_region("GB")
    unknown = client.get("/api/v1/resources?country=QQ")
    assert unknown.status_code == 200 and unknown.get_json()["emergency"] is None
