from django.urls import path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.PostListView.as_view(), name="list"),
    path("<int:pk>/", views.PostDetailView.as_view(), name="detail"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("archive/<int:year>/<int:month>/", views.archive, name="archive"),
]
