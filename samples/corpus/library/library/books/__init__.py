"""Books: the catalogue and how many copies are out."""
