"""HTTP handlers, one module per area of the API; each turns a Request into (status, value)."""
