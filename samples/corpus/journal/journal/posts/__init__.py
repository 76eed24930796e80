from journal.posts.model import Post
from journal.posts.store import get_post, page, publish

__all__ = ["Post", "get_post", "page", "publish"]
