"""No raw IP address or user agent is stored anywhere: do everything a member can, then read every row."""
import os

from sqlalchemy import inspect, text

from community.extensions import db
from tests.conftest import PASSWORD, login
from tests.support import new_thread, reply

IP = "203.0.113.77"
AGENT = "HavenPrivacyProbe/7.3 (distinctive-agent-string)"


def _every_row_as_text() -> str:
    dumped = []
    names = inspect(db.engine).get_table_names()
    assert {"members", "posts", "threads", "reports", "api_tokens"} <= set(names)
    for name in names:
        for row in db.session.execute(text(f'SELECT * FROM "{name}"')):
            dumped.append(f"{name}: {tuple(row)!r}")
    return "\n".join(dumped)


def test_no_ip_or_user_agent_is_stored(any_app, ctl):
    environ = {"REMOTE_ADDR": IP, "HTTP_USER_AGENT": AGENT}
    ctl.toxic("HELDTEXT", 0.9)
    pages = any_app.test_client()
    pages.environ_base.update(environ)
    api = any_app.test_client()
    api.environ_base.update(environ)

    assert pages.post("/signup", data={"handle": "page-person", "password": PASSWORD, "confirm": PASSWORD,
                                       "region": "GB", "accept_guidelines": "y"}).status_code == 302
    assert pages.post("/login", data={"handle": "page-person", "password": "wrong-password"}).status_code == 200
    login(pages, "page-person")
    assert pages.post("/b/anxiety/new", data={"title": "From a page", "body": "page words"}).status_code == 302

    signup = api.post("/api/v1/members", json={"handle": "api-person", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {signup['token']}"}
    assert api.post("/api/v1/tokens", json={"handle": "api-person", "password": PASSWORD}).status_code == 201
    made = new_thread(api, headers, body="api words")
    post = reply(api, headers, made["thread"]["id"], body="HELDTEXT reply")
    assert post["status"] == "held"
    assert api.patch(f"/api/v1/posts/{made['post']['id']}", json={"body": "edited words"},
                     headers=headers).status_code == 200
    other = api.post("/api/v1/members", json={"password": PASSWORD}).get_json()
    other_headers = {"Authorization": f"Bearer {other['token']}"}
    assert api.post("/api/v1/reports", json={"post_id": made["post"]["id"], "reason": "spam", "note": "hm"},
                    headers=other_headers).status_code == 201
    assert api.patch("/api/v1/me", json={"region": "US"}, headers=headers).status_code == 200
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    assert api.delete(f"/api/v1/posts/{post['id']}", headers=headers).status_code == 204
    assert pages.post("/recover", data={"handle": "api-person", "recovery_code": signup["recovery_code"],
                                        "password": "brand-new-secret"}).status_code == 302
    assert api.delete("/api/v1/tokens/current", headers=other_headers).status_code == 204

    db.session.expire_all()
    dumped = _every_row_as_text()
    assert "page words" in dumped and "edited words" in dumped  # the dump really sees the data
    for secret in (IP, AGENT, "distinctive-agent-string"):
        assert secret not in dumped
    # Nor in any file the app wrote to its instance folder (SQLite lives elsewhere in tests).
    for root, _dirs, files in os.walk(any_app.instance_path):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                content = fh.read()
            assert IP.encode() not in content and AGENT.encode() not in content, name
