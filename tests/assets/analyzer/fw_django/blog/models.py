from django.conf import settings
from django.db import models


class Stamped(models.Model):
    created = models.DateTimeField()

    class Meta:
        abstract = True


class Tag(Stamped):
    name = models.CharField(max_length=20)


class Post(Stamped):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag)
    parent = models.ForeignKey("self", null=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "blog_entries"


class Comment(models.Model):
    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE)
