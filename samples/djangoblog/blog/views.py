"""/api/posts/: list and write posts (class-based), publish, a monthly archive in the site's time zone."""

from __future__ import annotations

from typing import Any

from blogsite.api import ApiError, api_view, json_body, moment, require_token, text
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from tags.models import Tag

from .models import Post


def _tags(body: dict[str, Any]) -> list[Tag]:
    names = body.get("tags", [])
    if not isinstance(names, list) or not all(isinstance(name, str) and slugify(name) for name in names):
        raise ApiError(400, "tags: must be a list of tag names")
    tags = []
    for slug in sorted({slugify(name) for name in names}):
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:  # authors may coin tags; staff curate them under /api/tags/
            tag = Tag.objects.create(name=slug, slug=slug)
        tags.append(tag)
    return tags


def _own_post(request: HttpRequest, pk: int) -> Post:
    user = require_token(request)
    post = get_object_or_404(Post, pk=pk)
    if post.author_id != user.pk and not user.is_staff:
        raise ApiError(403, "only the author or staff may change this post")
    return post


@method_decorator([csrf_exempt, api_view], name="dispatch")
class PostListView(View):
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest) -> JsonResponse:
        posts = Post.objects.filter(published_at__isnull=False).select_related("author")
        if author := request.GET.get("author"):
            posts = posts.filter(author__username=author)
        if tag := request.GET.get("tag"):
            posts = posts.filter(tags__slug=tag)
        page = request.GET.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            raise ApiError(400, "page: must be a positive integer")
        size = settings.BLOG_PAGE_SIZE
        start = (int(page) - 1) * size
        return JsonResponse({"page": int(page), "posts": [post.to_dict() for post in posts[start:start + size]]})

    def post(self, request: HttpRequest) -> JsonResponse:
        user = require_token(request)
        body = json_body(request)
        title = text(body, "title")
        slug = slugify(title)
        if not slug:
            raise ApiError(400, "title: must contain a letter or a digit")
        if Post.objects.filter(slug=slug).exists():
            raise ApiError(409, f"a post {slug!r} exists")
        tags = _tags(body)
        post = Post.objects.create(author=user, title=title, slug=slug, body=text(body, "body", max_length=10000))
        post.tags.set(tags)
        return JsonResponse(post.to_dict(body=True), status=201)


@method_decorator([csrf_exempt, api_view], name="dispatch")
class PostDetailView(View):
    http_method_names = ["get", "patch", "delete"]

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        post = get_object_or_404(Post, pk=pk)
        if post.published_at is None and (not request.user.is_authenticated or request.user.pk != post.author_id):
            raise ApiError(404, f"no post {pk}")  # drafts are their author's alone
        return JsonResponse(post.to_dict(body=True))

    def patch(self, request: HttpRequest, pk: int) -> JsonResponse:
        post = _own_post(request, pk)
        body = json_body(request)
        if "body" in body:
            post.body = text(body, "body", max_length=10000)
        if "title" in body:
            post.title = text(body, "title")
        post.save()
        if "tags" in body:
            post.tags.set(_tags(body))
        return JsonResponse(post.to_dict(body=True))

    def delete(self, request: HttpRequest, pk: int) -> HttpResponse:
        _own_post(request, pk).delete()
        return HttpResponse(status=204)


@csrf_exempt
@require_POST
@api_view
def publish(request: HttpRequest, pk: int) -> JsonResponse:
    post = _own_post(request, pk)
    if post.published_at is not None:
        raise ApiError(409, "already published")
    post.published_at = moment(json_body(request), "at")
    post.save(update_fields=["published_at"])
    return JsonResponse(post.to_dict())


@require_GET
@api_view
def archive(request: HttpRequest, year: int, month: int) -> JsonResponse:
    if not 1 <= month <= 12:
        raise ApiError(400, "month: must be 1 to 12")
    posts = Post.objects.filter(published_at__year=year, published_at__month=month).order_by("published_at", "id")
    return JsonResponse({"year": year, "month": month, "posts": [post.slug for post in posts]})
