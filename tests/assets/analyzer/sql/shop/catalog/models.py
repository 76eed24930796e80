from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=10)


class Tag(models.Model):
    class Meta:
        db_table = "shop_tags"


class Stamped(models.Model):
    class Meta:
        abstract = True


class Note(Stamped):
    text = models.TextField()
