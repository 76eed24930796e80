"""The corpus of small monoliths under samples/corpus/ (samples/corpus/README.md): where each is, its WSGI app, and
the domains its authors declare (DOMAINS.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CORPUS_DIR = Path(__file__).resolve().parents[2] / "samples" / "corpus"


@dataclass(frozen=True)
class Sample:
    """One monolith of the corpus."""

    name: str
    app: str

    @property
    def folder(self) -> Path:
        return CORPUS_DIR / self.name

    @property
    def package(self) -> str:
        return self.app.split(".", 1)[0].split(":", 1)[0]

    def spec(self) -> dict[str, Any]:
        """The YAML block of DOMAINS.md."""
        text = (self.folder / "DOMAINS.md").read_text(encoding="utf-8")
        loaded = yaml.safe_load(text.split("```yaml", 1)[1].split("```", 1)[0])
        assert isinstance(loaded, dict)
        return loaded

    def domains(self) -> dict[str, str]:
        """module -> domain, for the modules the authors put in a domain (the web edge is a domain too)."""
        return {m: domain for domain, modules in self.spec()["domains"].items() for m in modules}

    def business_domains(self) -> list[str]:
        """The domains other than the web edge."""
        return [d for d in self.spec()["domains"] if d != "web"]


CORPUS: tuple[Sample, ...] = (
    Sample("library", "library.web:application"),
    Sample("helpdesk", "helpdesk.web:app"),
    Sample("boxoffice", "boxoffice.app:app"),
    Sample("journal", "journal.wsgi:application"),
)
