"""The admin console pages: admins only; health names the screening backends; threshold edits are audited."""
import pytest

from moderation.models import AuditEntry
from moderation.settings import load_thresholds
from tests.conftest import login


@pytest.mark.parametrize("path", ["/admin/health", "/admin/thresholds", "/admin/audit"])
@pytest.mark.parametrize("role,expected", [("member", 403), ("moderator", 403), ("admin", 200)])
def test_admin_pages_for_admins_only(app, client, make_member, path, role, expected):
    member = make_member(role=role)
    login(client, member.handle)
    assert client.get(path).status_code == expected


def test_admin_pages_redirect_visitors_to_sign_in(client):
    response = client.get("/admin/health")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_health_page_names_backends_and_versions(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    page = client.get("/admin/health").get_data(as_text=True)
    assert "phrase-lexicon" in page and "Database" in page


def test_threshold_change_is_saved_and_audited(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    response = client.post("/admin/thresholds", data={"toxicity_hold": "0.7", "toxicity_remove": "0.99"})
    assert response.status_code == 302
    assert load_thresholds().toxicity_hold == 0.7
    entry = AuditEntry.query.filter_by(action="policy.thresholds").one()
    assert entry.before["toxicity_hold"] == 0.8 and entry.after["toxicity_hold"] == 0.7
    assert entry.actor_id == admin.id


def test_bad_threshold_is_refused_with_a_message(app, client, make_member):
    admin = make_member(role="admin")
    login(client, admin.handle)
    response = client.post("/admin/thresholds", data={"toxicity_hold": "7"}, follow_redirects=True)
    assert b"Not saved" in response.data
    assert load_thresholds().toxicity_hold == 0.8
