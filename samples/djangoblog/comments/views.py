"""/api/comments/: read a post's comments, comment on a published post, delete a comment."""

from __future__ import annotations

from blog.models import Post
from blogsite.api import ApiError, api_view, json_body, require_token, text
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .models import Comment


@csrf_exempt
@require_http_methods(["GET", "POST"])
@api_view
def comments(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        post_id = request.GET.get("post", "")
        if not post_id.isdigit():
            raise ApiError(400, "post: give the post's id, as ?post=ID")
        post = get_object_or_404(Post, pk=int(post_id), published_at__isnull=False)
        found = post.comments.select_related("author").order_by("id")
        return JsonResponse({"post": post.pk, "comments": [comment.to_dict() for comment in found]})
    user = require_token(request)
    body = json_body(request)
    post_id = body.get("post")
    if not isinstance(post_id, int):
        raise ApiError(400, "post: must be a post id")
    post = Post.objects.filter(pk=post_id, published_at__isnull=False).first()
    if post is None:
        raise ApiError(404, f"no published post {post_id}")
    reply_to = None
    if body.get("reply_to") is not None:
        reply_to = Comment.objects.filter(pk=body["reply_to"], post=post).first()
        if reply_to is None:
            raise ApiError(400, "reply_to: no such comment on this post")
    comment = Comment.objects.create(post=post, author=user, body=text(body, "body", max_length=2000),
                                     reply_to=reply_to)
    return JsonResponse(comment.to_dict(), status=201)


@csrf_exempt
@require_http_methods(["DELETE"])
@api_view
def delete_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = require_token(request)
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    if user.pk not in (comment.author_id, comment.post.author_id) and not user.is_staff:
        raise ApiError(403, "only the comment's author, the post's author or staff may delete it")
    comment.delete()
    return HttpResponse(status=204)
