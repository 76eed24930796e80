from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Book:
    isbn: str
    title: str
    author: str
    copies: int
    lent: int

    @property
    def available(self) -> int:
        return self.copies - self.lent
