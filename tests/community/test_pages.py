"""Health check, security headers, cookies, CSRF on page forms, and the public resources endpoint."""
import re

from tests.conftest import PASSWORD, login


def test_healthz(any_app):
    response = any_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_security_headers_on_pages_api_and_errors(app, client):
    for url in ("/", "/login", "/api/v1/boards", "/no-such-page", "/api/v1/no-such", "/healthz"):
        response = client.get(url)
        csp = response.headers.get("Content-Security-Policy", "")
        directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, url
        assert directives.get("frame-ancestors") == "frame-ancestors 'none'", url
        assert directives.get("script-src") == "script-src 'self'", url
        assert "default-src" in directives
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("Referrer-Policy") == "same-origin", url


def test_pages_have_no_inline_scripts_or_styles(app, client, make_member):
    """With no 'unsafe-inline' in the CSP, inline script/style would break; they must not be there."""
    make_member("page-reader")
    login(client, "page-reader")
    for url in ("/", "/boards", "/b/anxiety", "/help", "/settings", "/signup"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and not re.search(r"\sstyle=\"", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def _session_cookie(response):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return [p.strip().lower() for p in cookies[-1].split(";")]


def test_session_cookie_httponly_lax_not_secure_over_http(app, client, make_member):
    make_member("cookie-member")
    parts = _session_cookie(login(client, "cookie-member"))
    assert "httponly" in parts and "samesite=lax" in parts
    assert "secure" not in parts


def test_session_cookie_secure_over_https(app, make_member):
    make_member("cookie-member")
    client = app.test_client()
    response = client.post("/login", data={"handle": "cookie-member", "password": PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    parts = _session_cookie(response)
    assert "secure" in parts and "httponly" in parts and "samesite=lax" in parts


def test_signed_in_pages_are_not_cached(app, client, make_member):
    make_member("cache-member")
    login(client, "cache-member")
    assert client.get("/settings").headers.get("Cache-Control") == "no-store"


def test_csrf_rejects_page_forms_without_token(app_factory, make_member):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_member("csrf-member")
    client = app.test_client()
    for url, data in (("/login", {"handle": "csrf-member", "password": PASSWORD}),
                      ("/signup", {"handle": "csrf-new", "password": PASSWORD, "confirm": PASSWORD,
                                   "accept_guidelines": "y"}),
                      ("/login", {"handle": "csrf-member", "password": PASSWORD, "csrf_token": "forged"})):
        response = client.post(url, data=data)
        assert response.status_code == 400 and response.mimetype == "text/html"
        assert b"This form had expired" in response.data  # the friendly page, not a bare error
    assert client.get("/settings").status_code == 302  # not signed in


def test_csrf_token_from_the_form_works(app_factory, make_member):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_member("csrf-member")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"handle": "csrf-member", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/settings").status_code == 200
    # A signed-in form (sign out) also needs its token.
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/settings").status_code == 200


def test_csrf_does_not_apply_to_the_token_api(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.post("/api/v1/members", json={"password": PASSWORD}).status_code == 201


def test_resources_without_country_are_international(any_app):
    response = any_app.test_client().get("/api/v1/resources")
    assert response.status_code == 200
    body = response.get_json()
    assert body["emergency"] is None and body["country"] is None
    assert body["resources"] and all(r["country"] == "*" for r in body["resources"])
    assert "hint" in body


def test_resources_for_a_country(any_app):
    client = any_app.test_client()
    us = client.get("/api/v1/resources?country=us").get_json()
    assert us["country"] == "US" and us["emergency"]["numbers"] == ["911"]
    assert any(r["phone"] == "988" for r in us["resources"])
    gb = client.get("/api/v1/resources?country=GB").get_json()
    assert "999" in gb["emergency"]["numbers"] and any(r["phone"] == "116 123" for r in gb["resources"])
    # Local services come before international ones.
    countries = [r["country"] for r in gb["resources"]]
    assert countries == sorted(countries, key=lambda c: c == "*")
    unknown = client.get("/api/v1/resources?country=ZZ").get_json()
    assert unknown["emergency"] is None and unknown["resources"]
