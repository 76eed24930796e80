from journal.authors.registry import Author, get_author, sign_up

__all__ = ["Author", "get_author", "sign_up"]
