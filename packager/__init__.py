"""Stage 3: plan + source -> build directory (per-service code, RPC stubs, OCI images, compose, k8s).

``build_services`` writes one source tree per service; the images, compose and Kubernetes steps
(``packager.oci``, ``packager.deploy``) read those trees.
"""
