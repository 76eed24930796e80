"""Manifests for running a build beyond one machine: ``compose.yaml`` and Kubernetes ``k8s/``.

Public API::

    write_compose(topology, out_path, *, calls_graph=None, image_prefix=None, tag="latest", pin_digest=False)
    write_k8s(topology, out_dir, calls_graph=None, *, image_prefix=None, tag="latest", pin_digest=False)

``calls_graph`` (``caller -> callees``) defaults to the topology's ``calls``; ``image_prefix`` defaults to
``localhost/<project>``, so images are ``localhost/<project>/<service>:latest``.
"""

from pathlib import Path

from cleave.formats.topology import Topology
from packager.deploy.compose import compose_document, write_compose
from packager.deploy.k8s import k8s_documents, write_k8s


def write_deployment(out: Path, topology: Topology, plan: object = None, *, image_prefix: str | None = None
                     ) -> list[Path]:
    """``out/compose.yaml`` and ``out/k8s/<service>.yaml`` for ``topology`` (what ``cleave build`` calls)."""
    del plan  # the topology already carries replicas, resources and calls
    compose = write_compose(topology, out / "compose.yaml", image_prefix=image_prefix)
    return [compose, *write_k8s(topology, out / "k8s", image_prefix=image_prefix)]


__all__ = ["compose_document", "k8s_documents", "write_compose", "write_deployment", "write_k8s"]
