"""Text from the data is inert in the map's HTML and in folium's templates."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buitengebied.presentation.markup import html_text


@given(st.text())
def test_the_browser_shows_the_text_as_it_was(text: str) -> None:
    assert html.unescape(html_text(text)) == text


@given(st.text())
def test_no_template_or_tag_character_survives(text: str) -> None:
    assert not set(html_text(text)) & set("{}<>\"'")


@pytest.mark.parametrize("text", ["{{ 7*7 }}", "{% if %}", "{# x", "<script>alert(1)</script>"])
def test_jinja_renders_the_text_unchanged(text: str) -> None:
    import jinja2

    rendered = jinja2.Template(f"<p>{html_text(text)}</p>").render()
    assert html.unescape(rendered) == f"<p>{text}</p>"
