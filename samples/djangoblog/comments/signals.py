"""Keep each post's comment count (a column of the blog app's table) in step with its comments."""

from __future__ import annotations

from typing import Any

from blog.models import Post
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Comment


@receiver(post_save, sender=Comment, dispatch_uid="comments.count_on_save")
@receiver(post_delete, sender=Comment, dispatch_uid="comments.count_on_delete")
def recount(sender: Any, instance: Comment, **kwargs: Any) -> None:
    Post.objects.filter(pk=instance.post_id).update(
        comment_count=Comment.objects.filter(post_id=instance.post_id).count()
    )
