"""Stage 3: plan + source -> build directory (per-service code, RPC stubs, OCI images, compose, k8s).

The facade (what the CLI and other callers use; everything else is internal)::

    package(src, plan, out, code_graph, *, images=True, settings=None, deploy=None, progress=None) -> BuildOutcome
    check_blockers(plan)                        # raises BlockedPlanError before anything is analyzed or written
    push(build, registry, *, tag, plain_http, tls_verify, settings=None) -> list[PushResult]
    registry_reference(registry) -> str         # validated HOST[:PORT][/PREFIX]; RegistryReferenceError (exit 2)

:mod:`packager.build` writes the service trees, :mod:`packager.importcheck` imports each in a clean interpreter,
:mod:`packager.oci` writes the images, :mod:`packager.deploy` compose and Kubernetes, :mod:`packager.topology`
topology.json; :mod:`packager.orchestrate` runs them in order, aside, and swaps the finished build in whole.
"""

from packager.build import BuildResult, check_blockers
from packager.deploy import DeployOptions
from packager.errors import BlockedPlanError, ImportCheckError, PackagerError, StubError
from packager.oci.errors import PushError, RegistryReferenceError
from packager.orchestrate import BuildOutcome, package
from packager.publish import PushResult, push, registry_reference
from packager.service_tree import ServiceBuild

__all__ = ["BlockedPlanError", "BuildOutcome", "BuildResult", "DeployOptions", "ImportCheckError", "PackagerError",
           "PushError", "PushResult", "RegistryReferenceError", "ServiceBuild", "StubError", "check_blockers",
           "package", "push", "registry_reference"]
