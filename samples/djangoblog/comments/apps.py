"""The comments app: ready() wires the signals that keep blog_post.comment_count current."""

from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects its receivers)
