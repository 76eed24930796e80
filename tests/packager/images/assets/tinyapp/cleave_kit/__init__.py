"""A stand-in for the service kit: just enough to answer the health check inside an image."""
