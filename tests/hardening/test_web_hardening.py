"""Web hardening: CSRF on every state-changing page form, CSP, session cookie flags, no-store on private pages."""
from __future__ import annotations

from tests.hardening.conftest import build_world
from tests.hardening.matrix_support import build_url


def test_every_post_page_route_refuses_without_a_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        w = build_world(app)
        client = app.test_client()
        rows = [rule for rule in app.url_map.iter_rules()
                if "POST" in rule.methods and not rule.rule.startswith("/api/")]
        assert len(rows) > 20
        for rule in rows:
            r = client.post(build_url(w, rule), data={"body": "x", "handle": "hw-member", "password": "x"})
            assert r.status_code == 400, (rule.rule, r.status_code)
            assert b"This form had expired" in r.data, rule.rule


def test_csp_has_no_unsafe_inline_and_strict_script_sources(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "'unsafe-inline'" not in csp
    for name in ("script-src", "default-src"):
        for bad in ("*", "data:", "http:", "https:", "'unsafe-eval'"):
            assert bad not in directives.get(name, []), (name, bad)


def test_session_cookie_flags_and_no_store_on_private_pages(app):
    w = build_world(app)
    client = app.test_client()
    r = client.post("/login", data={"handle": "hw-admin", "password": "a-good-password"})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    https = app.test_client().post("/login", data={"handle": "hw-admin", "password": "a-good-password"},
                                   base_url="https://localhost")
    assert "Secure" in https.headers["Set-Cookie"]
    for url in ("/settings", "/messages", "/notices", "/safety-plan", "/moderation/queue", "/admin/people",
                f"/moderation/items/{w.ids['item_id']}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "no-store" in r.headers.get("Cache-Control", ""), url


def test_forwarded_for_is_ignored_unless_trust_proxy(app_factory):
    from community.privacy import client_fingerprint
    plain = app_factory()
    with plain.test_request_context("/", headers={"X-Forwarded-For": "203.0.113.9"},
                                    environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        forged = client_fingerprint()
    with plain.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        assert client_fingerprint() == forged


def _token_attempts_until_limited(app, forwarded_for: str, tries: int = 11) -> list[int]:
    client = app.test_client()
    return [client.post("/api/v1/tokens", json={"handle": f"nobody-{i}", "password": "wrong-password"},
                        headers={"X-Forwarded-For": forwarded_for},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code for i in range(tries)]


def test_forwarded_for_is_the_rate_limit_key_with_trust_proxy(app_factory):
    """Behind one trusted proxy (TRUST_PROXY=1) the client's address is the last X-Forwarded-For hop: it becomes
    the fingerprint and the rate-limit key, so two clients behind the proxy have separate budgets. Without
    TRUST_PROXY the header is ignored and everyone behind the proxy shares the proxy's budget."""
    from community.privacy import client_fingerprint, keyed_hash

    trusted = app_factory(TRUST_PROXY=1, RATELIMIT_ENABLED=True)

    @trusted.get("/_fingerprint")
    def _fingerprint():
        return client_fingerprint()

    with trusted.app_context():
        seen = trusted.test_client().get("/_fingerprint", headers={"X-Forwarded-For": "203.0.113.9"},
                                         environ_base={"REMOTE_ADDR": "10.0.0.2"}).get_data(as_text=True)
        with trusted.test_request_context("/"):
            assert seen == keyed_hash("203.0.113.9") != keyed_hash("10.0.0.2")

        assert _token_attempts_until_limited(trusted, "203.0.113.9")[-1] == 429
        assert _token_attempts_until_limited(trusted, "203.0.113.10", tries=1) == [401]

    plain = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with plain.app_context():
        assert _token_attempts_until_limited(plain, "203.0.113.9")[-1] == 429
        assert _token_attempts_until_limited(plain, "203.0.113.10", tries=1) == [429]
