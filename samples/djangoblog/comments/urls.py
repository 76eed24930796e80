from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("", views.comments, name="list"),
    path("<int:pk>/", views.delete_comment, name="delete"),
]
