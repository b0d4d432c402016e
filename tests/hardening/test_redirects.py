"""After sign-in, `next` may only lead to a path on this site, whatever control characters or slashes it hides."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

HOSTILE = ["//evil.example", "/\t/evil.example", "/%09/evil.example", "/%0d%0a/evil.example", "/%5cevil.example", "/\n/evil.example", "/\r/evil.example",
           "/\\evil.example", "\\\\evil.example", "https://evil.example/", "/\x00/evil.example", " //evil.example",
           "javascript:alert(1)", "/\u0085/evil.example", "evil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_never_redirects_off_site(app, make_member, target):
    make_member("going-places")
    # Percent-encoded entries go into the URL as they are (the server decodes %09 to a tab).
    url, query = (f"/login?next={target}", None) if "%" in target else ("/login", {"next": target})
    r = app.test_client().post(url, query_string=query, data={"handle": "going-places", "password": PASSWORD})
    if "\x00" in target:
        assert r.status_code == 400  # NUL in any address is refused outright (never followed anywhere)
        return
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location in ("/", "http://localhost/"), f"{target!r} -> {location!r}"


def test_sign_in_keeps_a_same_site_path(app, make_member):
    make_member("going-home")
    r = app.test_client().post("/login", query_string={"next": "/forum/anxiety?page=2"},
                               data={"handle": "going-home", "password": PASSWORD})
    assert r.headers["Location"].endswith("/forum/anxiety?page=2")
