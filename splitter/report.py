"""``cleave report``: one self-contained HTML page (inline SVG and a few lines of inline JS, nothing fetched).

The graph is drawn with a grouped circular layout: each service gets a sector of a large circle and its modules
sit on a small circle (a sunflower spiral when large) around the service's centre. It is deterministic and
readable without a physics simulation; edges between services are drawn in red.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from splitter import units

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#17becf")
SHARED_COLOUR = "#888888"
SHARED_KEY = "(shared)"  # not a valid service name, so it never collides with one
MAX_EDGES = 4000
SIZE = 900


@dataclass(frozen=True)
class Node:
    id: str
    x: float
    y: float
    service: str
    colour: str


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    cross: bool
    width: float


def _sunflower(count: int, radius: float) -> list[tuple[float, float]]:
    if count == 1:
        return [(0.0, 0.0)]
    golden = math.pi * (3 - math.sqrt(5))
    return [(radius * math.sqrt((i + 0.5) / count) * math.cos(i * golden),
             radius * math.sqrt((i + 0.5) / count) * math.sin(i * golden)) for i in range(count)]


def layout(groups: Mapping[str, list[str]]) -> dict[str, tuple[float, float]]:
    """Positions in a ``SIZE`` x ``SIZE`` box: services on a large circle, modules around their centres."""
    names = list(groups)
    total = sum(len(v) for v in groups.values()) or 1
    centre = SIZE / 2
    big = SIZE * 0.32 if len(names) > 1 else 0.0
    out: dict[str, tuple[float, float]] = {}
    for i, name in enumerate(names):
        angle = 2 * math.pi * i / max(1, len(names)) - math.pi / 2
        cx, cy = centre + big * math.cos(angle), centre + big * math.sin(angle)
        share = len(groups[name]) / total
        room = big * math.sin(math.pi / len(names)) * 0.9 if len(names) > 1 else SIZE * 0.4
        radius = max(18.0, min(SIZE * 0.16, room, SIZE * 0.42 * math.sqrt(share)))
        for module, (dx, dy) in zip(sorted(groups[name]), _sunflower(len(groups[name]), radius), strict=True):
            out[module] = (round(cx + dx, 1), round(cy + dy, 1))
    return out


def context(code_graph: CodeGraph, plan: Plan) -> dict[str, Any]:
    """Everything the template shows."""
    modules = code_graph.nodes_of_kind("module")
    service_of = plan.assign(modules)
    colours = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(plan.services)}
    groups: dict[str, list[str]] = {s.name: [] for s in plan.services}
    groups[SHARED_KEY] = []
    for module in modules:
        service = service_of.get(module)
        if service is None:
            continue
        groups[service or SHARED_KEY].append(module)
    groups = {k: v for k, v in groups.items() if v}
    where = layout(groups)
    labels = []
    for name, members in groups.items():
        xs = [where[m][0] for m in members]
        ys = [where[m][1] for m in members]
        labels.append({"name": name, "x": round(sum(xs) / len(xs), 1), "y": round(min(ys) - 12, 1)})
    nodes = [Node(m, *where[m], service=s, colour=colours.get(s, SHARED_COLOUR))
             for s, members in groups.items() for m in sorted(members)]
    module_graph = units.build(code_graph, units.Weights(package_prior=0.0))
    drawn = sorted(((float(d.get("weight", 1.0)), u, v) for u, v, d in module_graph.graph.edges(data=True)
                    if u in where and v in where), reverse=True)[:MAX_EDGES]
    edges = [Edge(*where[u], *where[v], cross=bool(service_of.get(u)) and bool(service_of.get(v))
                  and service_of.get(u) != service_of.get(v),
                  width=round(min(4.0, 0.5 + math.log2(1 + w) / 2), 2)) for w, u, v in drawn]
    metrics = dict(plan.metrics)
    per_service = metrics.pop("per_service", {})
    blockers = [b for b in plan.boundaries if b.how == "blocker"]
    others = [b for b in plan.boundaries if b.how != "blocker"]
    return {
        "plan": plan, "nodes": nodes, "labels": labels, "edges": edges, "size": SIZE, "colours": colours,
        "shared_colour": SHARED_COLOUR, "shared_key": SHARED_KEY, "groups": groups, "metrics": metrics,
        "per_service": per_service,
        "blockers": blockers, "others": others,
        "open_blockers": sum(1 for b in blockers if not b.accepted),
        "diagnostics": code_graph.diagnostics,
    }


def facts(code_graph: CodeGraph, plan: Plan | None) -> dict[str, Any]:
    """What the page shows, as JSON-able data (``cleave report --json``)."""
    the_plan = plan or Plan(services=())
    blockers = the_plan.blockers()
    return {
        "services": {s.name: {"modules": list(s.modules), "replicas": s.replicas} for s in the_plan.services},
        "boundaries": [b.to_dict() for b in the_plan.boundaries],
        "blockers": [b.to_dict() for b in blockers],
        "open_blockers": sum(1 for b in blockers if not b.accepted),
        "metrics": dict(the_plan.metrics),
        "modules": len(code_graph.nodes_of_kind("module")),
        "diagnostics": [d.render() for d in code_graph.diagnostics],
    }


def render(code_graph: CodeGraph, plan: Plan | None) -> str:
    """The report page for ``plan`` over ``code_graph`` (``None``: before a plan exists)."""
    plan = plan or Plan(services=())
    template_text = resources.files("splitter").joinpath("report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["esc"] = html.escape
    return env.from_string(template_text).render(**context(code_graph, plan))
