"""Stage 4: build directory -> running replicas in namespaces and cgroups, scaled, balanced and restarted."""
