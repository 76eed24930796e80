"""The site's URL map: one include() per app under /api/, the admin, a health check."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("api/accounts/", include("accounts.urls")),
    path("api/posts/", include("blog.urls")),
    path("api/comments/", include("comments.urls")),
    path("api/tags/", include("tags.urls")),
]

handler404 = "blogsite.views.not_found"
handler500 = "blogsite.views.server_error"
