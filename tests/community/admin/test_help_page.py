"""The "Need help now?" page works with no JavaScript: plain HTML, the emergency number first as a `tel:` link,
then `tel:`/`sms:` links for each service, safe-messaging text and a region selector that is a plain GET form."""
import re
from html.parser import HTMLParser

import pytest

from community.extensions import db
from moderation.resources.models import Resource
from tests.conftest import login


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.inline_styles, self.links, self.forms, self.handlers = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if "style" in attrs:
            self.inline_styles.append(tag)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self.forms.append(attrs)


def _parse(html):
    page = Page()
    page.feed(html)
    return page


def test_help_page_needs_no_javascript_and_calls_with_tel_links(client):
    html = client.get("/help?region=GB").get_data(as_text=True)
    page = _parse(html)
    assert page.scripts == [] and page.inline_styles == [] and page.handlers == []
    tel = [h for h in page.links if h.startswith("tel:")]
    sms = [h for h in page.links if h.startswith("sms:")]
    assert tel[:2] == ["tel:999", "tel:112"]  # emergency first
    assert "tel:116123" in tel and "sms:85258?body=SHOUT" in sms
    # The emergency block comes before every service in the page.
    assert html.index("tel:999") < html.index("Samaritans") < html.index("Find A Helpline")
    # Region selector: a plain GET form back to the page itself, no script needed.
    assert any(f.get("method", "get").lower() == "get" and f.get("action") == "/help" for f in page.forms)
    assert 'name="region"' in html and '<option value="GB" selected>' in html
    assert re.search(r"don.t need the right words|deserve support", html)


@pytest.mark.parametrize("path", ["/", "/help", "/login"])
def test_every_page_header_links_to_help(client, path):
    assert "/help" in _parse(client.get(path).get_data(as_text=True)).links


def test_help_page_uses_the_members_region_and_hides_inactive(app, client, make_member):
    member = make_member(region="AU")
    login(client, member.handle)
    html = client.get("/help").get_data(as_text=True)
    assert "tel:000" in html and "tel:131114" in html
    Resource.query.filter_by(country="AU", kind="phone").one().active = False
    db.session.commit()
    html = client.get("/help").get_data(as_text=True)
    assert "tel:131114" not in html and "tel:000" in html


def test_help_page_without_region_shows_international_and_a_prompt(client):
    html = client.get("/help").get_data(as_text=True)
    assert "Find A Helpline" in html and "Set your region" in html
    assert "In immediate danger" not in html  # no guessed emergency number
    assert client.get("/help?region=ZZ").status_code == 200
