"""Markdown to safe HTML, for posts and chat messages.

Forum posts are rendered and sanitised once, when written or edited, and the result is stored on the row with
RENDERER_VERSION (`render_stored`); pages only read it. `flask --app wsgi forum rerender` renders the rows whose
version differs after the policy or the renderer changes. The text is sanitised with nh3's allow-list. We use
nh3, the maintained Rust-backed sanitiser, not bleach: bleach is deprecated and its maintainers stopped security
releases. Raw HTML in Markdown is not interpreted at all; images are not allowed; every link gets
rel="nofollow noopener ugc" and only http(s)/mailto links survive.
"""
from __future__ import annotations

import hashlib
import re

import markdown_it
import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4", "h5", "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# html=False: HTML typed into a post is shown as text, not parsed.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("strikethrough")


def _image_as_text(self, tokens, idx, options, env):
    # Images are not allowed in posts (tracking pixels, shock images): show the alt text instead.
    return escape_html(tokens[idx].content)


def _demote_headings(state):
    # A post cannot shout over the page's own headings: # and ## become h3.
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag in ("h1", "h2"):
            token.tag = "h3"


# @mentions: "@handle" in ordinary text (never in code or inside a link) becomes a link to /u/<handle> when the
# handle belongs to a member (the caller passes which ones do). The rule marks a mention with two private-use
# characters; render_markdown turns the marks into the link after the plain-text variant dropped member links, so
# a mention is a link for new accounts too (it points inside Haven, never outside).
MENTION_RE = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_-]{3,24})(?![\w-])")
_MENTION_OPEN, _MENTION_CLOSE = "\ue200", "\ue201"
_MENTION_MARK = re.compile(_MENTION_OPEN + r"([A-Za-z0-9_-]{3,24})" + _MENTION_CLOSE)


def mentioned_handles(text: str) -> list[str]:
    """The handles written as @handle in a text, lower-cased, in order, once each."""
    return list(dict.fromkeys(m.group(1).lower() for m in MENTION_RE.finditer(text or "")))


def _mark_mentions(state):
    known = state.env.get("mentions") if isinstance(state.env, dict) else None
    if not known:
        return
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        depth = 0
        for child in token.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0 and "@" in child.content:
                child.content = MENTION_RE.sub(
                    lambda m: f"{_MENTION_OPEN}{m.group(1)}{_MENTION_CLOSE}" if m.group(1).lower() in known
                    else m.group(0), child.content)


def _link_mentions(html: str) -> str:
    return _MENTION_MARK.sub(lambda m: f'<a href="/u/{m.group(1)}">@{m.group(1)}</a>', html)


_md.add_render_rule("image", _image_as_text)
_md.core.ruler.push("demote_headings", _demote_headings)
_md.core.ruler.push("mentions", _mark_mentions)


def sanitise(html: str) -> str:
    # "*": set() - otherwise nh3 adds its default generic attributes (title, lang) to every tag.
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={**ALLOWED_ATTRIBUTES, "*": set()}, url_schemes=URL_SCHEMES,
                     link_rel="nofollow noopener ugc", strip_comments=True)


# Bound the parser's work per construct. Unclosed brackets, emphasis runs and the like make the Markdown parser try
# and retry openers (thousands of "[" cost seconds of CPU), so past the first MARKUP_LIMIT of any of these characters
# in one text the rest stand in as inert private-use characters while parsing and come back as plain (escaped) text.
# Ordinary posts never get near the limit, and the work stays linear in the length of the text.
MARKUP_CHARS = "[]*_<>!`~&()\\"
MARKUP_LIMIT = 40
_PLACEHOLDER = {ch: chr(0xE000 + n) for n, ch in enumerate(MARKUP_CHARS)}
_RESTORE = {ph: escape_html(ch) for ch, ph in _PLACEHOLDER.items()}
_OWN_PLACEHOLDERS = str.maketrans({ph: "\ufffd" for ph in _PLACEHOLDER.values()})


LONGEST_RUN = 1000  # a link destination is scanned to the next space: no unbroken run longer than this
_LONG_RUN = re.compile(r"\S{%d,}" % (LONGEST_RUN + 1))


def _break_long_runs(text: str) -> str:
    return _LONG_RUN.sub(lambda m: " ".join(m.group(0)[i:i + LONGEST_RUN]
                                            for i in range(0, len(m.group(0)), LONGEST_RUN)), text)


def bound_markup(text: str) -> tuple[str, bool]:
    """(text to parse, whether placeholders were used)."""
    text = _break_long_runs(text)
    if all(text.count(ch) <= MARKUP_LIMIT for ch in MARKUP_CHARS):
        return text, False
    text = text.translate(_OWN_PLACEHOLDERS)
    seen = dict.fromkeys(MARKUP_CHARS, 0)
    out = []
    for ch in text:
        if ch in seen:
            seen[ch] += 1
            if seen[ch] > MARKUP_LIMIT:
                out.append(_PLACEHOLDER[ch])
                continue
        out.append(ch)
    return "".join(out), True


def render_markdown(text: str, *, links: bool = True, mentions=None) -> Markup:
    """Member Markdown -> sanitised HTML. `links=False` renders links as their plain text. `mentions`: the
    lower-cased handles of members, whose @mentions become links to their profile (in both variants)."""
    text = (text or "").replace(_MENTION_OPEN, "").replace(_MENTION_CLOSE, "")
    bounded, placeheld = bound_markup(text)
    html = _md.render(bounded, {"mentions": set(mentions or ())})
    if placeheld:
        html = "".join(_RESTORE.get(ch, ch) for ch in html)
    if not links:
        html = nh3.clean(html, tags=ALLOWED_TAGS - {"a"}, attributes={"*": set()}, strip_comments=True)
    if mentions:
        html = _link_mentions(html)
    return Markup(sanitise(html))


def _fingerprint() -> str:
    # Anything that changes what render_markdown produces: the allow-list, the Markdown options and rules, and the
    # versions of both libraries. Stored HTML whose version differs is re-rendered by `forum rerender`.
    policy = repr((sorted(ALLOWED_TAGS), sorted((k, sorted(v)) for k, v in ALLOWED_ATTRIBUTES.items()),
                   sorted(URL_SCHEMES), sorted(_md.options.items()), _md.get_active_rules(),
                   markdown_it.__version__, getattr(nh3, "__version__", "")))
    return hashlib.sha256(policy.encode()).hexdigest()[:12]


# Bump RENDERER_REVISION when the rendering code changes in a way the fingerprint cannot see.
RENDERER_REVISION = 3  # 2: the bound on Markdown-active characters; 3: @mentions link to profiles
RENDERER_VERSION = f"{RENDERER_REVISION}-{_fingerprint()}"


def render_stored(text: str, mentions=None) -> tuple[str, str]:
    """(html, html_without_links) for storing with a post: links stay links for trusted authors, and show as their
    plain text for new accounts (community/members/trust.py decides which one a page shows). @mentions of the
    handles in `mentions` link to the member's profile in both."""
    return (str(render_markdown(text, links=True, mentions=mentions)),
            str(render_markdown(text, links=False, mentions=mentions)))
