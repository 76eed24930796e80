"""Manifests for running a build beyond one machine: ``compose.yaml`` and Kubernetes ``k8s/``.

Public API::

    write_compose(topology, out_path, *, calls_graph=None, options=DeployOptions())
    write_k8s(topology, out_dir, calls_graph=None, *, options=DeployOptions())

``calls_graph`` (``caller -> callees``) defaults to the topology's ``calls``; :class:`DeployOptions` names the
images (default ``localhost/<project>/<service>:latest``).
"""

from packager.deploy.common import DeployOptions
from packager.deploy.compose import compose_document, write_compose
from packager.deploy.k8s import k8s_documents, write_k8s

__all__ = ["DeployOptions", "compose_document", "k8s_documents", "write_compose", "write_k8s"]
