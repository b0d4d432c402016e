"""Markdown cannot be used to burn CPU: the work to render any post of the maximum length stays within a small
factor of an ordinary, Markdown-rich post of the same length. Work is counted in Python function calls (cProfile),
which is deterministic, rather than timed."""
from __future__ import annotations

import cProfile
import pstats

import pytest

from community.forum.services import BODY_MAX
from community.rendering import render_markdown

ORDINARY = ("**Things that helped** this week, in *no* particular order:\n\n- a walk by the "
            "[river](https://example.org/a)\n- tea with `honey`\n- ~~doom scrolling~~ reading instead\n\n"
            "> Small steps still count.\n\n")

HOSTILE = {
    "open brackets": "[",
    "unclosed links": "[a](",
    "unclosed angle links": "[a](<",
    "images": "![",
    "emphasis": "*a",
    "underscores": "_a",
    "strikethrough": "~~a",
    "links": "[x](y) ",
    "brackets and parens": "[](",
    "angle brackets": "<",
    "entities": "&amp;",
    "backslashes": "\\",
    "backticks": "`a",
    "references": "[a]: b\n",
}


def _calls(text: str) -> int:
    profile = cProfile.Profile()
    profile.enable()
    render_markdown(text)
    profile.disable()
    return pstats.Stats(profile).total_calls


def _fill(unit: str) -> str:
    return (unit * (BODY_MAX // len(unit) + 1))[:BODY_MAX]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_no_post_costs_much_more_to_render_than_an_ordinary_one(name):
    baseline = _calls(_fill(ORDINARY))
    cost = _calls(_fill(HOSTILE[name]))
    assert cost <= 3 * baseline, f"{name}: {cost} calls against {baseline} for an ordinary post of the same length"


def test_the_bound_keeps_ordinary_markdown_intact():
    html = str(render_markdown("**bold** and [a link](https://example.org) and `code` " * 5))
    assert html.count("<strong>") == 5 and html.count("<a ") == 5 and html.count("<code>") == 5
    # Past the bound the characters stay as plain text, never lost or turned into markup.
    many = str(render_markdown("[" * 500 + " <b>x</b>"))
    assert many.count("[") == 500 and "&lt;b&gt;" in many and "<b>" not in many
