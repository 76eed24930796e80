from django.contrib.auth import get_user_model
from django.views.generic import DetailView

from blog.models import Comment, Post

User = get_user_model()


def home(request):
    return Post.objects.filter(parent=None).order_by("-created")


def post_list(request):
    Comment.objects.create(post=None)
    return User.objects.all()


def archive(request, year):
    Post.objects.filter(created__year=year).update(parent=None)


class PostDetail(DetailView):
    model = Post
