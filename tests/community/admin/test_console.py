"""The admin console: every page and API refused for members and moderators, visitors sent to sign in; resources
edited, deactivated and verified with an audit trail; the unverified/stale banner; people and the audit filters."""
from datetime import date, timedelta

import pytest

from community.extensions import db, utcnow
from moderation.models import AuditEntry
from moderation.resources.models import Resource
from tests.conftest import login

SAMPLE_ID = 1  # the seeded directory always has resource 1
PAGES = [("get", "/admin/"), ("get", "/admin/health"), ("get", "/admin/thresholds"), ("get", "/admin/audit"),
         ("get", "/admin/resources"), ("get", "/admin/resources/new"), ("get", f"/admin/resources/{SAMPLE_ID}/edit"),
         ("post", f"/admin/resources/{SAMPLE_ID}/verify"), ("post", f"/admin/resources/{SAMPLE_ID}/active"),
         ("get", "/admin/resources/export.csv"), ("get", "/admin/resources/export.json"),
         ("get", "/admin/resources/import"), ("post", "/admin/resources/import"), ("get", "/admin/people"),
         ("post", "/admin/people/1/role"), ("post", "/admin/people/1/unsuspend")]
API = [("get", "/api/v1/admin/resources", None), ("post", "/api/v1/admin/resources", {"name": "x"}),
       ("get", f"/api/v1/admin/resources/{SAMPLE_ID}", None),
       ("patch", f"/api/v1/admin/resources/{SAMPLE_ID}", {"name": "x"}),
       ("delete", f"/api/v1/admin/resources/{SAMPLE_ID}", None)]
NEW = {"name": "Test Line", "kind": "phone", "country": "GB", "phone": "0800 000 000", "languages": "en",
       "audiences": "everyone", "description": "d", "active": "y"}


def _verify_all(today=None):
    for r in Resource.query.all():
        r.last_verified = today or date.today()
    db.session.commit()


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_every_admin_page_refused_for_members_and_moderators(app, client, make_member, role):
    person = make_member(role=role)
    login(client, person.handle)
    before = [(r.id, r.active, r.last_verified) for r in Resource.query.order_by(Resource.id)]
    for method, path in PAGES:
        assert getattr(client, method)(path).status_code == 403, (method, path)
    assert [(r.id, r.active, r.last_verified) for r in Resource.query.order_by(Resource.id)] == before
    assert db.session.get(type(person), person.id).role == role


def test_every_admin_page_sends_visitors_to_sign_in(client):
    for method, path in PAGES:
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, path)


@pytest.mark.parametrize("role,status", [("member", 403), ("moderator", 403), (None, 401)])
def test_every_admin_api_refused_with_the_error_shape(app, client, make_member, token_for, role, status):
    headers = token_for(make_member(role=role)) if role else {}
    for method, path, body in API:
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code == status, (method, path)
        error = response.get_json()["error"]
        assert set(error) >= {"code", "message"}
    assert Resource.query.filter_by(name="x").count() == 0


def test_admin_api_create_patch_delete(app, client, make_member, token_for):
    admin = make_member(role="admin")
    headers = token_for(admin)
    assert len(client.get("/api/v1/admin/resources", headers=headers).get_json()["resources"]) > 10
    bad = client.post("/api/v1/admin/resources", json={**NEW, "phone": "ring ring"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_resource"
    created = client.post("/api/v1/admin/resources", json={**NEW, "active": True}, headers=headers)
    assert created.status_code == 201
    rid = created.get_json()["resource"]["id"]
    patched = client.patch(f"/api/v1/admin/resources/{rid}", json={"hours": "24/7", "always_open": True},
                           headers=headers)
    assert patched.get_json()["resource"]["always_open"] is True
    assert client.patch(f"/api/v1/admin/resources/{rid}", json={"country": "XX"}, headers=headers).status_code == 422
    deleted = client.delete(f"/api/v1/admin/resources/{rid}", headers=headers)
    assert deleted.status_code == 200 and deleted.get_json()["resource"]["active"] is False
    assert client.get("/api/v1/admin/resources/99999", headers=headers).get_json()["error"]["code"] \
        == "resource_not_found"
    actions = [e.action for e in AuditEntry.query.filter_by(target=f"resource:{rid}").order_by(AuditEntry.id)]
    assert actions == ["resource.create", "resource.update", "resource.deactivate"]


def test_create_edit_deactivate_verify_through_the_pages(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    refused = client.post("/admin/resources/new", data={**NEW, "country": "XX", "phone": "abc"})
    assert refused.status_code == 200 and "not an ISO 3166 country code" in refused.get_data(as_text=True)
    assert Resource.query.filter_by(name="Test Line").count() == 0
    assert client.post("/admin/resources/new", data=NEW).status_code == 302
    r = Resource.query.filter_by(name="Test Line").one()
    assert r.last_verified is None and r.active

    assert client.post(f"/admin/resources/{r.id}/edit", data={**NEW, "hours": "evenings"}).status_code == 302
    assert r.hours == "evenings"
    assert client.post(f"/admin/resources/{r.id}/verify").status_code == 302
    db.session.refresh(r)
    assert r.last_verified == date.today() and r.verified_by_id == admin.id
    # Changing the number makes it unverified again: someone must check the new one.
    client.post(f"/admin/resources/{r.id}/edit", data={**NEW, "phone": "0800 999 999"})
    db.session.refresh(r)
    assert r.phone == "0800 999 999" and r.last_verified is None

    assert client.post(f"/admin/resources/{r.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(r)
    assert not r.active
    assert "<h3>Test Line" not in client.get("/help?region=GB").get_data(as_text=True)

    entries = AuditEntry.query.filter_by(target=f"resource:{r.id}").order_by(AuditEntry.id).all()
    assert [e.action for e in entries] == ["resource.create", "resource.update", "resource.verify",
                                           "resource.update", "resource.deactivate"]
    assert entries[1].before["hours"] is None and entries[1].after["hours"] == "evenings"
    assert entries[2].after["verified_by"] == admin.handle
    assert entries[4].before["active"] is True and entries[4].after["active"] is False
    assert all(e.actor_id == admin.id for e in entries)


def test_banner_while_unverified_or_stale_and_gone_after_verifying(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    for path in ("/admin/health", "/admin/resources", "/admin/people", "/admin/audit", "/admin/thresholds"):
        assert 'id="directory-banner"' in client.get(path).get_data(as_text=True), path  # seeded = unverified

    _verify_all()
    assert 'id="directory-banner"' not in client.get("/admin/health").get_data(as_text=True)

    stale = Resource.query.filter_by(country="NZ", kind="phone").one()
    stale.last_verified = date.today() - timedelta(days=181)
    db.session.commit()
    page = client.get("/admin/health").get_data(as_text=True)
    assert 'id="directory-banner"' in page and "1 active\n  resource is" in page
    stale.last_verified = date.today() - timedelta(days=180)  # exactly 180 days is still fine
    db.session.commit()
    assert 'id="directory-banner"' not in client.get("/admin/health").get_data(as_text=True)

    # An inactive resource never verified doesn't nag; verifying through the page clears a real one.
    new = Resource(name="Off", kind="web", country="*", url="https://off.example.org", active=False)
    db.session.add(new)
    stale.last_verified = date.today() - timedelta(days=400)
    db.session.commit()
    assert 'id="directory-banner"' in client.get("/admin/health").get_data(as_text=True)
    client.post(f"/admin/resources/{stale.id}/verify")
    assert 'id="directory-banner"' not in client.get("/admin/health").get_data(as_text=True)


def test_people_search_role_change_and_lifting_a_suspension(app, client, make_member):
    admin = make_member("boss-admin", role="admin")
    sky = make_member("sky-walker")
    make_member("river")
    sky.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    epoch = sky.session_epoch
    login(client, admin.handle)

    page = client.get("/admin/people?q=SKY").get_data(as_text=True)
    assert "sky-walker" in page and "river" not in page.split("Suspended now")[0] and "Lift suspension" in page
    assert "river" in client.get("/admin/people").get_data(as_text=True)

    assert client.post(f"/admin/people/{sky.id}/role", data={"role": "moderator"}).status_code == 302
    db.session.refresh(sky)
    assert sky.role == "moderator" and sky.session_epoch == epoch + 1
    entry = AuditEntry.query.filter_by(action="member.role").one()
    assert entry.before == {"role": "member"} and entry.after == {"role": "moderator"}
    client.post(f"/admin/people/{sky.id}/role", data={"role": "overlord"})
    db.session.refresh(sky)
    assert sky.role == "moderator"
    client.post(f"/admin/people/{admin.id}/role", data={"role": "member"})  # can't demote yourself
    db.session.refresh(admin)
    assert admin.role == "admin"

    assert client.post(f"/admin/people/{sky.id}/unsuspend").status_code == 302
    db.session.refresh(sky)
    assert sky.suspended_until is None and not sky.is_suspended
    lifted = AuditEntry.query.filter_by(action="member.unsuspend").one()
    assert lifted.target == f"member:{sky.id}" and lifted.after == {"suspended_until": None}
    assert "No one is suspended" in client.get("/admin/people").get_data(as_text=True)


def test_audit_log_filters_by_action_actor_and_target(app, client, make_member):
    admin = make_member("audit-admin", role="admin")
    other = make_member("other-admin", role="admin")
    from moderation import audit
    audit.record(admin, "resource.verify", target="resource:1")
    audit.record(other, "member.role", target="member:7")
    audit.record(None, "queue.rescreen", target="post:3")
    db.session.commit()
    login(client, admin.handle)

    def rows(**params):
        page = client.get("/admin/audit", query_string=params).get_data(as_text=True)
        return {a for a in ("resource.verify", "member.role", "queue.rescreen") if f"<td>{a}</td>" in page}

    assert rows() == {"resource.verify", "member.role", "queue.rescreen"}
    assert rows(action="member") == {"member.role"}
    assert rows(actor="AUDIT-admin") == {"resource.verify"}
    assert rows(actor="system") == {"queue.rescreen"}
    assert rows(target="post:") == {"queue.rescreen"}
    assert rows(actor="other-admin", target="resource") == set()


def test_console_forms_carry_csrf_tokens_and_work_with_csrf_on(app_factory, make_member):
    import re as _re
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    with csrf_app.app_context():
        admin = make_member(role="admin")
        client = csrf_app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = _re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"handle": admin.handle, "password": "a-good-password", "csrf_token": token})
        listing = client.get("/admin/resources").get_data(as_text=True)
        # No inline style or script (the CSP forbids them); the staff badges' script is a file (static/js/staff.js).
        assert "style=" not in listing and not _re.search(r"<script(?![^>]*\bsrc=)", listing)
        assert _re.findall(r'<script src="([^"]+)"', listing) == ["/static/js/theme.js", "/static/js/socket.io.min.js",
                                                                  "/static/js/staff.js", "/static/js/notifications.js",
                                                                  "/static/js/break-nudge.js", "/static/js/drafts.js"]
        token = _re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', listing).group(1)
        assert client.post(f"/admin/resources/{SAMPLE_ID}/verify").status_code == 400  # no token: refused
        assert db.session.get(Resource, SAMPLE_ID).last_verified is None
        assert client.post(f"/admin/resources/{SAMPLE_ID}/verify", data={"csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert db.session.get(Resource, SAMPLE_ID).last_verified == date.today()
        for path in ("/admin/resources/new", f"/admin/resources/{SAMPLE_ID}/edit", "/admin/resources/import",
                     "/admin/people"):
            assert 'name="csrf_token"' in client.get(path).get_data(as_text=True), path


def test_the_last_international_resource_cannot_be_switched_off(app, client, make_member, token_for):
    admin = make_member(role="admin")
    login(client, admin.handle)
    international = Resource.query.filter_by(country="*").order_by(Resource.id).all()
    for r in international[:-1]:
        assert client.post(f"/admin/resources/{r.id}/active", data={"active": "0"}).status_code == 302
    last = international[-1]
    page = client.post(f"/admin/resources/{last.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "At least one international resource must stay active" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Resource, last.id).active
    response = client.delete(f"/api/v1/admin/resources/{last.id}", headers=token_for(admin))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "last_international"
    db.session.expire_all()
    assert db.session.get(Resource, last.id).active
    assert AuditEntry.query.filter_by(target=f"resource:{last.id}").count() == 0
    from moderation.resources import for_region
    assert [r["name"] for r in for_region(None)["resources"]] == [last.name]
