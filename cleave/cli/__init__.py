"""The ``cleave`` command line (typer). One module per command group; :mod:`cleave.cli.app` assembles them."""
