"""Posts (table blog_post), tagged through the many-to-many table blog_post_tags."""

from __future__ import annotations

from typing import Any

from blogsite.api import shown
from django.conf import settings
from django.db import models


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField()
    tags = models.ManyToManyField("tags.Tag", related_name="posts", blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "id"]

    def to_dict(self, *, body: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.pk, "title": self.title, "slug": self.slug, "author": self.author.username,
            "tags": sorted(tag.slug for tag in self.tags.all()), "published_at": shown(self.published_at),
            "comments": self.comment_count,
        }
        if body:
            data["body"] = self.body
        return data
