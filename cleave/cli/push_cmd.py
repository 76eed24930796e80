"""``cleave push [BUILD] REGISTRY[/prefix]``: push the build's images to an OCI registry (no daemon needed), then
point the build's compose.yaml and k8s/ at them by digest."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from cleave.cli import options, output
from cleave.errors import UsageError
from cleave.settings import Settings


def register(app: typer.Typer) -> None:
    """Add ``push`` to the app."""

    @app.command("push", **options.command_settings(
        "cleave push 127.0.0.1:5000/shop                  # the build in .cleave/build",
        "cleave push out/build registry.example.com/shop --tag v1",
        "CLEAVE_REGISTRY_USER=me CLEAVE_REGISTRY_PASSWORD=... cleave push registry.example.com/shop"))
    def push(  # noqa: PLR0917 (typer maps parameters to options)
        arguments: list[str] = typer.Argument(..., metavar="[BUILD] REGISTRY", show_default=False,
                                              help="BUILD: the build folder (default .cleave/build); REGISTRY: "
                                                   "HOST[:PORT][/PREFIX], each service goes to PREFIX/<service>."),
        tag: str = typer.Option("latest", "--tag", "-t", metavar="TAG", help="The tag every image gets."),
        plain_http: bool | None = typer.Option(None, "--plain-http/--tls", show_default=False,
                                               help="Force HTTP or HTTPS (default: HTTP for localhost only)."),
        tls_verify: bool = typer.Option(True, "--tls-verify/--no-tls-verify",
                                        help="Check the registry's TLS certificate (off: accept a self-signed one)."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
    ) -> None:
        """Push every image of the build, skipping blobs the registry already has; then rewrite the build's
        compose.yaml and k8s/ to pull REGISTRY/<service>@sha256:... (credentials: CLEAVE_REGISTRY_USER and
        CLEAVE_REGISTRY_PASSWORD)."""
        import packager

        options.enter_project(project)
        if len(arguments) > 2:
            raise UsageError(f"expected [BUILD] REGISTRY, got {len(arguments)} arguments",
                             hint="example: cleave push .cleave/build 127.0.0.1:5000/shop")
        build = Path(arguments[0]) if len(arguments) == 2 else Path(".cleave/build")
        registry = arguments[-1]
        packager.registry_reference(registry)  # a malformed registry is a usage error before anything is read
        if not as_json:
            output.stderr.print(f"pushing the images of {build} to {registry} ...", markup=False)
        results = packager.push(build, registry, tag=tag, plain_http=plain_http, tls_verify=tls_verify,
                                settings=Settings.from_env())
        if as_json:
            output.print_json({"images": [asdict(result) for result in results]})
            return
        for result in results:
            output.say(f"{result.reference}  {result.digest}  uploaded {result.uploaded}, "
                       f"mounted {result.mounted}, already there {result.skipped}")
