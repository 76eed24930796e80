"""E-mail rendering with Jinja2."""
