"""Shared by every service in the plan, but it holds state written at run time."""

HITS: list[str] = []


def hit(name: str) -> None:
    HITS.append(name)
