"""/api/tags/: the tags with their post counts; the posts of one tag (reads blog_post through blog_post_tags)."""

from __future__ import annotations

from blogsite.api import ApiError, api_view, json_body, require_token, text
from django.db.models import Count, Q
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .models import Tag


@method_decorator([csrf_exempt, api_view], name="dispatch")
class TagListView(View):
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> JsonResponse:
        tags = Tag.objects.annotate(
            published=Count("posts", filter=Q(posts__published_at__isnull=False))
        ).order_by("slug")
        return JsonResponse({"tags": [{"name": tag.name, "slug": tag.slug, "posts": tag.published} for tag in tags]})

    def post(self, request: HttpRequest) -> JsonResponse:
        user = require_token(request)
        if not user.is_staff:
            raise ApiError(403, "staff only")
        name = text(json_body(request), "name", max_length=40)
        slug = slugify(name)
        if not slug:
            raise ApiError(400, "name: must contain a letter or a digit")
        if Tag.objects.filter(slug=slug).exists():
            raise ApiError(409, f"tag {slug!r} exists")
        tag = Tag.objects.create(name=name, slug=slug)
        return JsonResponse({"name": tag.name, "slug": tag.slug, "posts": 0}, status=201)


@require_GET
def tag_detail(request: HttpRequest, slug: str) -> JsonResponse:
    tag = get_object_or_404(Tag, slug=slug)
    posts = tag.posts.filter(published_at__isnull=False).order_by("published_at", "id")
    return JsonResponse({"tag": tag.slug, "posts": [post.slug for post in posts]})
