"""``cleave push BUILD REGISTRY[/prefix]``: push the build's images to an OCI registry (no daemon needed)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from cleave.cli import output


def register(app: typer.Typer) -> None:
    @app.command("push")
    def push(  # noqa: PLR0917 (typer maps parameters to options)
        build: Path = typer.Argument(..., help="The build directory (holds oci/)."),
        registry: str = typer.Argument(..., help="HOST[:PORT][/PREFIX]; each service goes to PREFIX/<service>."),
        tag: str = typer.Option("latest", "--tag", "-t", help="The tag every image gets."),
        plain_http: bool | None = typer.Option(None, "--plain-http/--tls",
                                               help="Force HTTP or HTTPS (default: HTTP for localhost only)."),
        tls_verify: bool = typer.Option(True, "--tls-verify/--no-tls-verify",
                                        help="Check the registry's TLS certificate (off: accept a self-signed one)."),
        json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    ) -> None:
        """Push every image of BUILD/oci, skipping blobs the registry already has.

        Example: cleave push .cleave/build 127.0.0.1:5000/shop
        """
        from packager.oci import PushError, push_layout

        layout = build / "oci"
        if not (layout / "index.json").exists():
            raise PushError("no OCI image layout here", path=layout, hint="run `cleave build SRC` first")
        with output.progress("push", enabled=not json_output):
            results = push_layout(layout, registry, tag=tag, plain_http=plain_http, tls_verify=tls_verify)
        if json_output:
            output.print_json({"images": [asdict(result) for result in results]})
            return
        for result in results:
            output.stdout.print(f"{result.reference}  {result.digest}  uploaded {result.uploaded}, "
                                f"mounted {result.mounted}, already there {result.skipped}", markup=False)
