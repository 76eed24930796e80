"""Exceptions of the customers domain."""

from __future__ import annotations

from shop.common.errors import Conflict, NotFound


class CustomerNotFound(NotFound):
    def __init__(self, customer_id: int) -> None:
        super().__init__(f"no customer with id {customer_id}")
        self.customer_id = customer_id


class DuplicateEmail(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__(f"{email} is already registered")
        self.email = email
