"""topology.json for an edge split: routes, the shared database, volumes, the environment and the init."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from cleave.formats.plan import Plan
from cleave.formats.plan_edge import EnvValue, FromEnv, FromFile
from cleave.formats.topology import DatabaseSpec, InitSpec, Topology, Volume
from packager.edge import EdgeRouting

DATABASE_VOLUME: Final = "database"
SQLITE_FILE: Final = "app.sqlite3"
SOCKET_DIR: Final = "/run/cleave"
KIT_INIT: Final = ("python3", "-m", "cleave_kit", "init")
_AS_MODULE: Final = {"flask": "flask", "alembic": "alembic", "django-admin": "django"}
"""Console scripts the image may lack: run as ``python3 -m`` instead."""


def _split_env(env: Mapping[str, EnvValue], base: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(literal values, secret references ``env:NAME`` / ``file:/abs/path``)."""
    literal: dict[str, str] = {}
    secret: dict[str, str] = {}
    for name, value in env.items():
        if isinstance(value, FromEnv):
            secret[name] = f"env:{value.name}"
        elif isinstance(value, FromFile):
            secret[name] = f"file:{(base / value.path).resolve()}"
        else:
            literal[name] = value
    return literal, secret


def init_command(command: str) -> tuple[str, ...]:
    """The plan's ``init`` run through the kit (which points it at the database first); ``python`` is the image's
    ``python3``, and ``flask``/``alembic``/``django-admin`` run as modules."""
    argv = shlex.split(command)
    if argv and argv[0] in _AS_MODULE:
        argv[:1] = ["python3", "-m", _AS_MODULE[argv[0]]]
    elif argv and argv[0] == "python":
        argv[0] = "python3"
    return (*KIT_INIT, *argv)


def with_edge(topology: Topology, plan: Plan, routing: EdgeRouting, plan_dir: Path) -> Topology:
    """``topology`` with the edge split's fields filled in (CONTRACTS: topology.json additions)."""
    database = plan.database
    edge = {s.name for s in plan.services if s.is_edge}
    users = set(database.services or edge) & edge if database else set()
    provisioned = database is not None and database.url is None
    specs = []
    for spec in topology.services:
        planned = plan.service(spec.name)
        if spec.name not in edge:  # an interior service of a mixed plan (packager/edge_mixed.py): as built
            specs.append(spec)
            continue
        literal, secret = _split_env({**plan.env, **planned.env}, plan_dir)
        if database is not None and database.url is not None and spec.name in users:
            url_literal, url_secret = _split_env({"CLEAVE_DATABASE_URL": database.url}, plan_dir)
            literal.update(url_literal)
            secret.update(url_secret)
        uses = spec.name in users
        volumes = (Volume(DATABASE_VOLUME, spec.data_dir),) if uses and provisioned and database is not None \
            and database.engine == "sqlite" else ()
        specs.append(dataclasses.replace(
            spec, seam="edge", routes=routing.rules.get(spec.name, ()), env={**spec.env, **literal},
            secret_env=secret, volumes=volumes, resources_needed=("database",) if uses and provisioned else ()))
    database_spec = None
    if provisioned and database is not None:
        ordered = tuple(s.name for s in plan.services if s.name in users)
        database_spec = DatabaseSpec(engine=database.engine, services=ordered,
                                     volume=DATABASE_VOLUME if database.engine == "sqlite" else None,
                                     file=SQLITE_FILE if database.engine == "sqlite" else None,
                                     socket_dir=SOCKET_DIR if database.engine == "postgresql" else None)
    init = None
    if plan.init:
        owner = next((s.name for s in plan.services if s.name in users), routing.fallback)
        init = InitSpec(service=owner, command=init_command(plan.init))
    return dataclasses.replace(topology, services=tuple(specs), gateway_routes=routing.table,
                               fallback=routing.fallback, database=database_spec, init=init)
