"""Handle rules: shape, case-insensitive uniqueness, staff-impersonation refused, friendly suggestions."""
import re

import pytest

from community.errors import ServiceError
from community.members import services
from tests.conftest import PASSWORD
from tests.support import assert_error


@pytest.mark.parametrize("handle", ["abc", "a" * 24, "Sky_walker-7", "123", "__-"])
def test_valid_handles_are_accepted(app, handle):
    assert services.validate_handle(handle) == handle
    member, _ = services.create_member(handle, PASSWORD)
    assert member.handle == handle


@pytest.mark.parametrize("handle", ["ab", "a" * 25, "has space", "dot.ted", "émile", "semi;colon", "", "a\nb",
                                   "<script>", 12345, None, ["abc"]])
def test_invalid_handles_are_refused(app, handle):
    with pytest.raises(ServiceError) as caught:
        services.validate_handle(handle)
    assert caught.value.code == "invalid_handle"
    assert "3 to 24" in caught.value.message


@pytest.mark.parametrize("handle", ["admin", "Admin", "ADMIN", "moderator", "mod_x", "mod-sarah", "staff",
                                   "support", "haven_support", "the-admin-team", "xadminx", "Moderator99",
                                   "staff_1", "official"])
def test_staff_impersonating_handles_are_refused(app, handle):
    with pytest.raises(ServiceError) as caught:
        services.validate_handle(handle)
    assert caught.value.code == "reserved_handle"
    assert "mistaken for staff" in caught.value.message


@pytest.mark.parametrize("handle", ["modest", "stuffy", "supporter-of-cats", "model_train", "gentle-otter-12"])
def test_ordinary_words_that_merely_start_like_reserved_ones_are_fine(app, handle):
    assert services.validate_handle(handle) == handle


def test_reserved_handle_through_the_api_gives_a_clear_message(app):
    client = app.test_client()
    body = assert_error(client.post("/api/v1/members", json={"handle": "mod_x", "password": PASSWORD}), 400,
                        "reserved_handle")
    assert "staff" in body["error"]["message"]


def test_reserved_handle_on_the_signup_page_is_shown_beside_the_form(app, client):
    page = client.post("/signup", data={"handle": "support", "password": PASSWORD, "confirm": PASSWORD,
                                        "accept_guidelines": "y"})
    assert page.status_code == 200
    assert b"mistaken for staff" in page.data
    assert services.find_by_handle("support") is None


def test_handles_are_unique_case_insensitively(any_app):
    client = any_app.test_client()
    assert client.post("/api/v1/members", json={"handle": "RiverSong", "password": PASSWORD}).status_code == 201
    for other in ("riversong", "RIVERSONG", "riverSong"):
        assert_error(client.post("/api/v1/members", json={"handle": other, "password": PASSWORD}), 409,
                     "handle_taken")
    # Lookup is case-insensitive too, and the member keeps the capitalisation they chose.
    assert services.find_by_handle("RIVERSONG").handle == "RiverSong"


def test_renaming_to_someone_elses_handle_in_other_case_is_refused(any_app, make_member, token_for):
    make_member("quiet-fox")
    me = make_member("loud-fox")
    client = any_app.test_client()
    assert_error(client.patch("/api/v1/me", json={"handle": "Quiet-Fox"}, headers=token_for(me)), 409,
                 "handle_taken")
    # Changing only your own capitalisation is allowed.
    response = client.patch("/api/v1/me", json={"handle": "Loud-Fox"}, headers=token_for(me))
    assert response.status_code == 200 and response.get_json()["member"]["handle"] == "Loud-Fox"


def test_suggested_handle_is_adjective_noun_number_and_free(app, client):
    seen = set()
    for _ in range(10):
        handle = services.suggest_handle()
        match = re.fullmatch(r"([a-z]+)-([a-z]+)-(\d+)", handle)
        assert match, handle
        assert match.group(1) in services.ADJECTIVES and match.group(2) in services.NOUNS
        services.validate_handle(handle)  # a suggestion always passes the rules
        seen.add(handle)
    assert len(seen) > 1  # random, not a constant
    api = client.get("/api/v1/members/suggest-handle")
    assert api.status_code == 200 and re.fullmatch(r"[a-z]+-[a-z]+-\d+", api.get_json()["handle"])


def test_suggestion_skips_taken_handles(app, monkeypatch):
    services.create_member("amber-otter-42", PASSWORD)
    monkeypatch.setattr(services.secrets, "choice", lambda seq: seq[0])  # always "amber" and "otter"
    numbers = iter([32, 50])  # 32 + 10 = 42 is taken, 50 + 10 = 60 is free
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: next(numbers))
    assert services.suggest_handle() == "amber-otter-60"


def test_signup_without_handle_gets_a_suggested_one(any_app):
    client = any_app.test_client()
    response = client.post("/api/v1/members", json={"password": PASSWORD})
    assert response.status_code == 201
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d+", response.get_json()["member"]["handle"])
