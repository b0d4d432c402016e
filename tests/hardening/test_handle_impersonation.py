"""Handles cannot pass as staff or as someone who just left: look-alike spellings of admin/moderator and of staff
handles are refused, the toxicity classifier screens handles too, and a handle given up by a rename or a deletion
stays reserved for a while (its old owner may take it back)."""
from __future__ import annotations

import pytest

from community.members import account, services
from tests.conftest import PASSWORD


def _code(app, body):
    r = app.test_client().post("/api/v1/members", json=body)
    return r.status_code, (r.get_json().get("error") or {}).get("code")


@pytest.mark.parametrize("handle", ["adm1n", "4dmin", "m0derator", "rnoderator", "the-m0d", "m0d", "Adm1n-team",
                                    "supp0rt", "5taff"])
def test_look_alike_staff_words_are_refused(app, handle):
    assert _code(app, {"handle": handle, "password": PASSWORD}) == (400, "reserved_handle")


def test_handles_confusable_with_a_staff_handle_are_refused(app, make_member):
    make_member("calm-lighthouse", role="moderator")
    for copy in ("calm_lighthouse", "CaIm-Lighthouse", "ca1m-l1ghthouse", "calmlighthouse"):
        status, code = _code(app, {"handle": copy, "password": PASSWORD})
        assert (status, code) in ((400, "reserved_handle"), (409, "handle_taken")), (copy, status, code)
    # An ordinary member's look-alike is no impersonation risk of staff: allowed.
    make_member("quiet-otter-34")
    assert _code(app, {"handle": "quiet_otter_34", "password": PASSWORD})[0] == 201


def test_toxic_handles_are_refused_by_the_classifier(app, scores):
    scores.toxic("nastyword", 0.95)
    assert _code(app, {"handle": "nastyword-99", "password": PASSWORD}) == (422, "offensive_handle")
    assert _code(app, {"handle": "kind-otter-99", "password": PASSWORD})[0] == 201


def test_a_released_handle_stays_reserved(app, make_member, token_for):
    leaver = make_member("old-name-1")
    services.update_settings(leaver, handle="new-name-1")
    assert _code(app, {"handle": "old-name-1", "password": PASSWORD}) == (409, "handle_taken")
    # The one who gave it up may take it back.
    services.update_settings(leaver, handle="old-name-1")
    assert leaver.handle == "old-name-1"
    # A deleted account's handle is reserved too.
    gone = make_member("gone-name-1")
    account.delete_account(gone, PASSWORD)
    assert _code(app, {"handle": "gone-name-1", "password": PASSWORD}) == (409, "handle_taken")
