"""The blog app's own tests: run with ``python manage.py test``."""

from __future__ import annotations

import json

from accounts.models import User
from accounts.tokens import issue_token
from comments.models import Comment
from django.test import TestCase

from .models import Post


class BlogTests(TestCase):
    def setUp(self) -> None:
        self.author = User.objects.create_user("ann", "ann@example.org", "ann-pass-word")
        self.token = issue_token(self.author).key

    def post_json(self, path: str, body: object) -> dict:
        response = self.client.post(path, json.dumps(body), content_type="application/json",
                                    headers={"Authorization": f"Token {self.token}"})
        return {"status": response.status_code, **response.json()}

    def test_publishing_stores_utc_and_shows_the_site_time_zone(self) -> None:
        self.post_json("/api/posts/", {"title": "Hello", "body": "World", "tags": ["Tea"]})
        answer = self.post_json("/api/posts/1/publish/", {"at": "2024-07-01T10:00:00Z"})
        self.assertEqual(answer["published_at"], "2024-07-01T12:00:00+02:00")
        self.assertEqual(Post.objects.get().published_at.utcoffset().total_seconds(), 0)

    def test_comments_keep_the_post_count_current(self) -> None:
        self.post_json("/api/posts/", {"title": "Hello", "body": "World"})
        self.post_json("/api/posts/1/publish/", {"at": "2024-07-01T10:00:00Z"})
        self.post_json("/api/comments/", {"post": 1, "body": "First"})
        self.assertEqual(Post.objects.get().comment_count, 1)
        Comment.objects.get().delete()
        self.assertEqual(Post.objects.get().comment_count, 0)

    def test_unknown_paths_answer_json_404(self) -> None:
        response = self.client.get("/nowhere/")
        self.assertEqual((response.status_code, response.json()), (404, {"error": "no page at /nowhere/"}))
