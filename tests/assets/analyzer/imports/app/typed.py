from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.orders import service


def use(s: "service.Thing") -> None:
    return None
