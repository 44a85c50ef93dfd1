"""Text from the data as HTML that the map's template engine cannot read as code.

folium builds a map with Jinja2 templates and wraps the rendered script of every layer in
a new template (``branca.element.MacroElement.render``): text in a popup, a tooltip or a
layer name is parsed by Jinja2 on the server.  A report description ``{{ 7*7 }}`` would
show ``49``, and ``{%`` would stop the map from drawing for everyone.  Every text that a
map shows goes through :func:`html_text`: HTML-escaped, and its braces written as the
character references the browser shows as ``{`` and ``}``.
"""

from __future__ import annotations

import html

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def html_text(value: object) -> str:
    """Return ``value`` as HTML text, inert for HTML and for Jinja2 templates.

    Parameters
    ----------
    value : object
        Any value; it is shown as ``str(value)``.

    Returns
    -------
    str
        ``&``, ``<``, ``>``, quotes, ``{`` and ``}`` as character references.

    Examples
    --------
    >>> html_text("<b>{{ 7*7 }}</b>")
    '&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt;'
    """
    return html.escape(str(value)).translate(_BRACES)
