"""A newsletter service: subscribers (stdlib), campaigns written in YAML (PyYAML), e-mails rendered by Jinja2."""
