"""A box office: shows, bookings, payments, e-mail notifications and loyalty points (WSGI: ``boxoffice.app:app``).

Domains talk through an in-process event bus (``boxoffice.bus``): bookings publish, the others subscribe.
"""
