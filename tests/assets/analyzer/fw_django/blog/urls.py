from django.urls import include, path

from blog.views import PostDetail, post_list

app_name = "blog"
extra = [path("feed/", post_list, name="feed")]
urlpatterns = [
    path("posts/", post_list, name="posts"),
    path("posts/<int:pk>/", PostDetail.as_view(), name="post"),
    path("more/", include(extra)),
]
