"""Comments (table comments_comment): on a blog post, by a user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Comment(models.Model):
    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.pk, "post": self.post_id, "author": self.author.username, "body": self.body,
            "reply_to": self.reply_to_id,
        }
