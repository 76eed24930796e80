"""A small web shop backend: one package, one process, one WSGI application (``shop.web:application``).

Domains live in subpackages (catalog, customers, cart, pricing, inventory, orders, payments, shipping,
notifications, reports); each owns its tables in its own SQLite file under ``$DATA_DIR`` and exposes a module-level
function facade (``<domain>.api``). Helpers that every domain uses are in :mod:`shop.common`.
"""

__version__ = "1.4.2"
