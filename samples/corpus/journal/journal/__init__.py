"""A group blog: authors, posts, comments and tags (WSGI: ``journal.wsgi:application``)."""
