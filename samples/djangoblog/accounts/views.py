"""/api/accounts/: register, log in and out, my account, public profiles."""

from __future__ import annotations

from typing import Any

from blog.models import Post
from blogsite.api import ApiError, api_view, json_body, require_token, text
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import User
from .tokens import issue_token


def account(user: User) -> dict[str, Any]:
    return {
        "id": user.pk, "username": user.username, "email": user.email, "is_staff": user.is_staff,
        "bio": user.profile.bio, "website": user.profile.website,
    }


@csrf_exempt
@require_POST
@api_view
def register(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    username, email, password = text(body, "username", max_length=40), text(body, "email"), text(body, "password")
    if "@" not in email:
        raise ApiError(400, "email: must contain '@'")
    try:
        validate_password(password)
    except ValidationError as error:
        raise ApiError(400, "password: " + " ".join(error.messages)) from None
    if User.objects.filter(Q(username__iexact=username) | Q(email__iexact=email)).exists():
        raise ApiError(409, "username or email already registered")
    user = User.objects.create_user(username=username, email=email, password=password)
    if User.objects.count() == 1:  # the site's first account runs it
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return JsonResponse(account(user), status=201)


@csrf_exempt
@require_POST
@api_view
def login(request: HttpRequest) -> JsonResponse:
    body = json_body(request)
    user = User.objects.filter(username=text(body, "username")).first()
    if user is None or not user.check_password(text(body, "password")):
        raise ApiError(401, "wrong username or password")
    return JsonResponse({"token": issue_token(user).key, "user": account(user)})


@csrf_exempt
@require_POST
@api_view
def logout(request: HttpRequest) -> HttpResponse:
    require_token(request)
    token = request.auth_token  # type: ignore[attr-defined]
    token.revoked = True
    token.save(update_fields=["revoked"])
    return HttpResponse(status=204)


@method_decorator([csrf_exempt, api_view], name="dispatch")
class MeView(View):
    http_method_names = ["get", "patch"]

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(account(require_token(request)))

    def patch(self, request: HttpRequest) -> JsonResponse:
        user = require_token(request)
        body = json_body(request)
        profile = user.profile
        if "bio" in body:
            profile.bio = text(body, "bio", max_length=500, required=False)
        if "website" in body:
            website = text(body, "website", required=False)
            if website and not website.startswith(("http://", "https://")):
                raise ApiError(400, "website: must start with http:// or https://")
            profile.website = website
        profile.save()
        return JsonResponse(account(user))


@api_view
def profile(request: HttpRequest, username: str) -> JsonResponse:
    if request.method != "GET":
        return JsonResponse({"error": "GET only"}, status=405)
    user = get_object_or_404(User, username=username)
    posts = Post.objects.filter(author=user, published_at__isnull=False).count()
    return JsonResponse({"username": user.username, "bio": user.profile.bio, "posts": posts})
