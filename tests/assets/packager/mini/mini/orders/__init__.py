"""Orders: re-exports the facade."""

from .service import OrderError, place_order

__all__ = ["OrderError", "place_order"]
