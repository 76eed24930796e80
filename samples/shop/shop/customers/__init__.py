"""Customers: accounts, addresses and loyalty tiers."""

from .api import find_by_email, get_customer, register
from .errors import CustomerNotFound, DuplicateEmail
from .models import Address, Customer, Tier

__all__ = ["Address", "Customer", "CustomerNotFound", "DuplicateEmail", "Tier", "find_by_email", "get_customer",
           "register"]
