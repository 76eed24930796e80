from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass
class Post:
    id: int
    author: str
    title: str
    body: str
    published_on: datetime.date
    tags: list[str] = field(default_factory=list)
