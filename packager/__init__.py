"""Stage 3: plan + source -> build directory (per-service code, RPC stubs, OCI images, compose, k8s)."""
