from shop.catalog.models import Product


def listing():
    return Product.objects.filter(name="x")


def add():
    Product.objects.create(name="y")


def rename():
    item = Product()
    item.save()
