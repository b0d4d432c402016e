"""Sign-up, sign-in, tokens, /me and recovery, through the API and through the pages."""
import re

import pytest

from community.errors import ServiceError
from community.members import services
from community.extensions import db
from community.members.models import ApiToken, Member
from tests.conftest import PASSWORD, login
from tests.support import assert_error

CODE_RE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


# --- API -----------------------------------------------------------------------------------------------------------

def test_api_signup_returns_member_recovery_code_and_working_token(any_app):
    client = any_app.test_client()
    response = client.post("/api/v1/members", json={"handle": "brave-heron", "password": PASSWORD, "region": "gb"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"member", "recovery_code", "token"}
    assert set(body["member"]) == {"id", "handle", "role", "region", "guidelines_version", "break_nudge"}
    assert body["member"]["handle"] == "brave-heron"
    assert body["member"]["role"] == "member"
    assert body["member"]["region"] == "GB"
    assert CODE_RE.fullmatch(body["recovery_code"])
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["member"] == body["member"]
    # Secrets are stored only as hashes.
    member = db.session.get(Member, body["member"]["id"])
    assert PASSWORD not in member.password_hash and body["recovery_code"] not in (member.recovery_code_hash or "")
    assert db.session.scalar(db.select(ApiToken.token_hash)) != body["token"]


def test_api_signup_region_defaults_from_accept_language(any_app):
    client = any_app.test_client()
    gb = client.post("/api/v1/members", json={"password": PASSWORD},
                     headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert gb.get_json()["member"]["region"] == "GB"
    # The language alone says nothing about where someone is.
    bare = client.post("/api/v1/members", json={"password": PASSWORD}, headers={"Accept-Language": "fr"})
    assert bare.get_json()["member"]["region"] is None
    # An explicit region wins over the header.
    explicit = client.post("/api/v1/members", json={"password": PASSWORD, "region": "US"},
                           headers={"Accept-Language": "de-AT"})
    assert explicit.get_json()["member"]["region"] == "US"


def test_api_signup_bad_password_and_region(app):
    client = app.test_client()
    assert_error(client.post("/api/v1/members", json={"password": "short"}), 400, "invalid_password")
    assert_error(client.post("/api/v1/members", json={"password": "x" * 257}), 400, "invalid_password")
    assert_error(client.post("/api/v1/members", json={"password": PASSWORD, "region": "ZZ"}), 400, "invalid_region")
    assert db.session.scalar(db.select(db.func.count(Member.id))) == 0


def test_api_token_login_and_logout(any_app, make_member):
    make_member("steady-fern")
    client = any_app.test_client()
    response = client.post("/api/v1/tokens", json={"handle": "STEADY-FERN", "password": PASSWORD})
    assert response.status_code == 201 and set(response.get_json()) == {"token"}
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["member"]["handle"] == "steady-fern"
    delete = client.delete("/api/v1/tokens/current", headers=headers)
    assert delete.status_code == 204 and delete.data == b""
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert_error(client.delete("/api/v1/tokens/current", headers=headers), 401)


def test_api_token_wrong_password_or_unknown_handle(any_app, make_member):
    make_member("steady-fern")
    client = any_app.test_client()
    wrong = assert_error(client.post("/api/v1/tokens", json={"handle": "steady-fern", "password": "nope-nope-no"}),
                         401, "invalid_credentials")
    unknown = assert_error(client.post("/api/v1/tokens", json={"handle": "nobody-here", "password": PASSWORD}),
                           401, "invalid_credentials")
    assert wrong["error"]["message"] == unknown["error"]["message"]  # no hint which handles exist


def test_logging_out_one_token_keeps_the_others(app, make_member, token_for):
    member = make_member()
    first, second = token_for(member), token_for(member)
    client = app.test_client()
    assert client.delete("/api/v1/tokens/current", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_patch_me_changes_handle_and_region(any_app, make_member, token_for):
    member = make_member("misty-owl", region="GB")
    headers = token_for(member)
    client = any_app.test_client()
    response = client.patch("/api/v1/me", json={"handle": "misty-owl-2", "region": "ie"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["member"] == {"id": member.id, "handle": "misty-owl-2", "role": "member",
                                             "region": "IE"}
    # Leaving a field out keeps it; null clears the region.
    kept = client.patch("/api/v1/me", json={"handle": "misty-owl-3"}, headers=headers).get_json()["member"]
    assert kept["region"] == "IE"
    cleared = client.patch("/api/v1/me", json={"region": None}, headers=headers).get_json()["member"]
    assert cleared["region"] is None and cleared["handle"] == "misty-owl-3"
    assert_error(client.patch("/api/v1/me", json={"handle": "admin"}, headers=headers), 400, "reserved_handle")
    assert_error(client.patch("/api/v1/me", json={"region": "XX"}, headers=headers), 400, "invalid_region")
    db.session.expire_all()
    assert db.session.get(Member, member.id).handle == "misty-owl-3"


def test_role_cannot_be_changed_through_patch_me(app, make_member, token_for):
    member = make_member()
    client = app.test_client()
    response = client.patch("/api/v1/me", json={"role": "admin"}, headers=token_for(member))
    assert response.status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(Member, member.id).role == "member"


# --- pages ---------------------------------------------------------------------------------------------------------

def test_signup_page_suggests_handle_and_region(app, client):
    page = client.get("/signup", headers={"Accept-Language": "en-US,en;q=0.5"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'name="handle"[^>]*value="[a-z]+-[a-z]+-\d+"', html) or \
        re.search(r'value="[a-z]+-[a-z]+-\d+"[^>]*name="handle"', html)
    assert re.search(r'<option[^>]*selected[^>]*value="US"|<option[^>]*value="US"[^>]*selected', html)


def test_signup_page_flow_shows_recovery_code_once(app, client):
    response = client.post("/signup", data={"handle": "hazel-finch", "password": PASSWORD, "confirm": PASSWORD,
                                            "region": "GB", "accept_guidelines": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/welcome")
    welcome = client.get("/welcome").get_data(as_text=True)
    codes = CODE_RE.findall(welcome)
    assert len(set(codes)) == 1
    assert CODE_RE.search(client.get("/welcome").get_data(as_text=True)) is None  # shown once only
    member = services.find_by_handle("hazel-finch")
    assert member.region == "GB" and member.role == "member"


def test_signup_page_mismatched_passwords_and_taken_handle(app, client, make_member):
    make_member("taken-one")
    page = client.post("/signup", data={"handle": "fresh-one", "password": PASSWORD, "confirm": PASSWORD + "x"})
    assert page.status_code == 200 and b"The passwords differ." in page.data
    page = client.post("/signup", data={"handle": "Taken-One", "password": PASSWORD, "confirm": PASSWORD,
                                        "accept_guidelines": "y"})
    assert page.status_code == 200 and b"That handle is taken" in page.data
    assert b'value="Taken-One"' in page.data  # what was typed is kept
    assert services.find_by_handle("fresh-one") is None


def test_login_page_right_and_wrong_password(app, client, make_member):
    make_member("gentle-tide")
    wrong = client.post("/login", data={"handle": "gentle-tide", "password": "wrong-password"})
    assert wrong.status_code == 200 and b"handle and password don&#39;t match" in wrong.data
    assert client.get("/settings").status_code == 302  # still signed out
    login(client, "gentle-tide")
    assert client.get("/settings").status_code == 200


def test_login_next_only_follows_local_paths(app, client, make_member):
    make_member("gentle-tide")
    response = client.post("/login?next=//evil.example/x", data={"handle": "gentle-tide", "password": PASSWORD})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_recovery_code_resets_password_and_is_single_use(app, make_member):
    client = app.test_client()
    signup = client.post("/api/v1/members", json={"handle": "patient-robin", "password": PASSWORD}).get_json()
    code = signup["recovery_code"]
    old_token = {"Authorization": f"Bearer {signup['token']}"}

    response = client.post("/recover", data={"handle": "patient-robin", "recovery_code": code.lower(),
                                             "password": "brand-new-secret"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/welcome")
    new_code = CODE_RE.search(client.get("/welcome").get_data(as_text=True)).group(0)
    assert new_code != code

    other = app.test_client()
    assert other.post("/api/v1/tokens", json={"handle": "patient-robin", "password": PASSWORD}).status_code == 401
    assert other.post("/api/v1/tokens", json={"handle": "patient-robin",
                                              "password": "brand-new-secret"}).status_code == 201
    assert other.get("/api/v1/me", headers=old_token).status_code == 401  # recovery revokes tokens

    # The old code is used up ...
    again = other.post("/recover", data={"handle": "patient-robin", "recovery_code": code,
                                         "password": "another-secret"})
    assert again.status_code == 200 and b"recovery code don" in again.data
    assert other.post("/api/v1/tokens", json={"handle": "patient-robin",
                                              "password": "another-secret"}).status_code == 401
    # ... and the new one works, once.
    assert other.post("/recover", data={"handle": "patient-robin", "recovery_code": new_code,
                                        "password": "third-secret"}).status_code == 302


def test_recovery_with_wrong_code_or_short_password_changes_nothing(app, client):
    signup = client.post("/api/v1/members", json={"handle": "wise-maple", "password": PASSWORD}).get_json()
    page = client.post("/recover", data={"handle": "wise-maple", "recovery_code": "AAAA-BBBB-CCCC-DDDD",
                                         "password": "brand-new-secret"})
    assert page.status_code == 200
    page = client.post("/recover", data={"handle": "wise-maple", "recovery_code": signup["recovery_code"],
                                         "password": "short"})
    assert page.status_code == 200
    assert client.post("/api/v1/tokens", json={"handle": "wise-maple", "password": PASSWORD}).status_code == 201
    # The code survived the failed attempts.
    assert client.post("/recover", data={"handle": "wise-maple", "recovery_code": signup["recovery_code"],
                                         "password": "brand-new-secret"}).status_code == 302


def test_recovery_service_on_both_databases(any_app):
    member, code = services.create_member("cosy-dune", PASSWORD)
    fresh = services.recover("cosy-dune", code, "brand-new-secret")
    assert services.authenticate("cosy-dune", "brand-new-secret").id == member.id
    with pytest.raises(ServiceError):
        services.recover("cosy-dune", code, "another-secret")
    services.recover("cosy-dune", fresh, "another-secret")
    assert services.authenticate("cosy-dune", "another-secret").id == member.id
