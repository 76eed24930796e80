"""A lending library: books, members, loans and fines over one SQLite database (WSGI: ``library.web:application``)."""
