from django.urls import include, path, re_path

from blog import views as blog_views

urlpatterns = [
    path("", blog_views.home, name="home"),
    path("blog/", include("blog.urls")),
    re_path(r"^archive/(?P<year>[0-9]{4})/$", blog_views.archive, name="archive"),
]
