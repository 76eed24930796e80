"""A help desk: customers open tickets, agents are assigned, SLAs set deadlines (WSGI: ``helpdesk.web:app``).

Layered, as many real apps are: ``repositories`` (SQL), ``services`` (rules), ``web`` (HTTP).
"""
