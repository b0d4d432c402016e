"""Find executable markup in an HTML document (html.parser, the standard library's tokenizer)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcdoc",
             "dynsrc", "lowsrc", "code"}
BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.I)


def _clean_url(value: str) -> str:
    return re.sub(r"[\x00-\x20]", "", value or "")


class Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[tuple[str, tuple]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(attrs, key=lambda kv: kv[0]))))
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name.lower() in URL_ATTRS and BAD_SCHEME.match(_clean_url(value or "")):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name.lower() == "style" and re.search(r"expression|javascript:|url\(", value or "", re.I):
                self.problems.append(f"<{tag} style={value!r}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
            self._in_script = True
        elif tag in ("iframe", "object", "embed", "svg", "math", "style", "frame", "frameset", "applet", "base",
                     "portal", "meta", "link") and tag not in ("meta", "link"):
            self.problems.append(f"<{tag}>")
        elif tag in ("meta", "link"):
            lowered = {k.lower(): (v or "") for k, v in attrs}
            if "refresh" in lowered.get("http-equiv", "").lower() or (tag == "link" and not lowered.get(
                    "href", "").startswith("/static/")):
                self.problems.append(f"<{tag} {lowered}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def problems_in(html: str) -> list[str]:
    finder = Finder()
    finder.feed(html)
    finder.close()
    return finder.problems


def tags_in(html: str) -> set[str]:
    finder = Finder()
    finder.feed(html)
    finder.close()
    return {tag for tag, _ in finder.tags}
