"""The crisis panel as HTML outside a page: what the chat `crisis_resources` event (and anything else that cannot
include a template) sends, rendered by the same macro the pages use (templates/_crisis_panel.html).

Pages call the macro directly: `{% from "_crisis_panel.html" import crisis_panel %}`. Code calls `panel_html`.
The result is passed through nh3 with an allow-list that keeps only the panel's own tags, classes and link schemes
(http(s), tel:, sms:), so what the browser puts into the page with innerHTML cannot carry a script even if a
directory entry were ever edited into something strange.
"""
from __future__ import annotations

import nh3
from flask import get_template_attribute

PLACES = ("post", "chat", "messages", "help")
ABOUT = ("self", "someone_else")

_TAGS = {"section", "h2", "h3", "p", "strong", "a", "ul", "li", "div", "span"}
_ATTRIBUTES = {
    "section": {"class", "aria-labelledby", "data-place", "data-about"},
    "h2": {"id"}, "ul": {"class", "aria-labelledby"}, "li": {"class"}, "p": {"class"}, "div": {"class"},
    "span": {"class"}, "a": {"class", "href", "rel", "target"}, "*": set(),
}
_SCHEMES = {"http", "https", "tel", "sms"}


def found_from_support(support: dict) -> dict:
    """support_for_verdict's answer -> the `found` shape the macro reads (emergency, resources, hint)."""
    return {"emergency": support.get("emergency"), "resources": support.get("resources") or [],
            "hint": support.get("hint"), "country": support.get("country")}


def panel_html(found: dict, place: str = "post", safety_plan: dict | None = None, about: str = "self") -> str:
    """The panel as sanitised HTML. `found` is for_region()'s shape (or found_from_support(support))."""
    macro = get_template_attribute("_crisis_panel.html", "crisis_panel")
    html = str(macro(found, place=place if place in PLACES else "post", safety_plan=safety_plan,
                     about=about if about in ABOUT else "self"))
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES, link_rel=None,
                     strip_comments=True)


def with_panel(support: dict, place: str) -> dict:
    """support_for_verdict's answer plus "html": the panel for `place`, for an event or a JSON answer."""
    return {**support, "html": panel_html(found_from_support(support), place, support.get("safety_plan"),
                                          support.get("about", "self"))}
