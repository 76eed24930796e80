"""Stage 2: dependency graph -> plan (service boundaries, classified and scored)."""
