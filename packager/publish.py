"""``push``: a build's images to an OCI registry, then its compose and Kubernetes files pointed at them.

After a push the manifests name ``HOST[:PORT]/PREFIX/<service>@sha256:...`` (digest-pinned, what a cluster pulls),
so ``kubectl apply -k BUILD/k8s`` works without editing anything.
"""

from __future__ import annotations

from pathlib import Path

from cleave.formats.topology import load_topology
from cleave.settings import Settings
from packager.deploy import DeployOptions, write_compose, write_k8s
from packager.oci.errors import PushError
from packager.oci.push import PushResult, Target, push_layout


def registry_reference(registry: str) -> str:
    """``HOST[:PORT][/PREFIX]`` without a scheme (what image references start with); raises
    :class:`~packager.oci.errors.RegistryReferenceError` (a usage error) for anything else."""
    target = Target.parse(registry)
    return f"{target.netloc}/{target.prefix}" if target.prefix else target.netloc


def push(build: Path, registry: str, *, tag: str = "latest", plain_http: bool | None = None,
         tls_verify: bool = True, settings: Settings | None = None) -> list[PushResult]:
    """Push every image of ``build/oci`` to ``registry``, then rewrite ``build``'s compose.yaml and k8s/ to pull
    them from there by digest. The registry string is checked before anything is read or sent."""
    prefix = registry_reference(registry)
    layout = build / "oci"
    if not (layout / "index.json").exists():
        raise PushError("no OCI image layout here", path=layout, hint="run `cleave build` first")
    credentials = (settings or Settings.from_env()).registry_credentials
    results = push_layout(layout, registry, tag=tag, plain_http=plain_http, tls_verify=tls_verify,
                          credentials=credentials)
    topology_path = build / "topology.json"
    if topology_path.exists():
        topology = load_topology(topology_path)
        options = DeployOptions(image_prefix=prefix, tag=tag, pin_digest=True)
        if (build / "compose.yaml").exists():
            write_compose(topology, build / "compose.yaml", options=options)
        if (build / "k8s").is_dir():
            write_k8s(topology, build / "k8s", options=options)
    return results


__all__ = ["PushResult", "push", "registry_reference"]
