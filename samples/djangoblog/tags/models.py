"""Tags (table tags_tag); posts point at them through blog_post_tags."""

from django.db import models


class Tag(models.Model):
    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.name
