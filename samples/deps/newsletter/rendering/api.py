"""The rendering domain: turn a campaign's template and a subscriber into an e-mail body."""

from __future__ import annotations

import jinja2

LAYOUT = """Hello {{ name }},

{{ body }}
{% if links %}
Read more:
{% for link in links %}  - {{ link }}
{% endfor %}{% endif %}
-- The {{ topic | title }} newsletter. Unsubscribe: {{ unsubscribe }}
"""

_ENVIRONMENT = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


class RenderError(ValueError):
    """A template could not be rendered (a syntax error or a missing value)."""


def render(body_template: str, values: dict[str, str], links: tuple[str, ...], *, name: str, topic: str) -> str:
    """Render the campaign body with ``values``, then put it in the common layout."""
    try:
        body = _ENVIRONMENT.from_string(body_template).render(**values, name=name)
        return _ENVIRONMENT.from_string(LAYOUT).render(
            name=name, body=body.strip(), links=links, topic=topic,
            unsubscribe=f"https://news.example.com/unsubscribe/{topic}",
        )
    except jinja2.TemplateError as exc:
        raise RenderError(f"cannot render: {exc}") from None
