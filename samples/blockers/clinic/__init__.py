"""A small clinic backend: patients, scheduling, billing and medical records in one package and one database."""
