"""Shows and their seats."""

from boxoffice.shows.catalog import add_show, get_show, hold_seats, list_shows, release_seats
from boxoffice.shows.model import Show

__all__ = ["Show", "add_show", "get_show", "hold_seats", "list_shows", "release_seats"]
