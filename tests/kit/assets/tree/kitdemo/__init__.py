"""A small service used by the kit's tests (its functions are the interface in service.json)."""
