"""What the report shows beyond the module drawing: the service graph, the boundary rows, the metrics in words and
who owns which table. Plain data for the template and for ``cleave report --json``."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, Plan
from splitter.check import DATA, SHARED, ServiceEdge

GRAPH_SIZE: Final = 760
BOX_HEIGHT: Final = 34

METRICS: Final = {
    "modularity": ("Modularity Q", "higher is better",
                   "How much more the modules depend on modules of their own service than chance would give "
                   "(Newman). Above 0.3 the services are clearly separated."),
    "sm": ("Structural modularity", "higher is better",
           "Dependencies inside services per module pair, minus dependencies between services."),
    "icp": ("Calls across services", "lower is better",
            "The share of all calls that go from one service to another: each becomes a network round trip."),
    "ifn": ("Interface size", "lower is better",
            "Functions and classes per service that other services use: what each service's RPC interface holds."),
    "ned": ("Odd-sized services", "lower is better",
            "The share of modules in services that are very small (under 5 modules) or very large (over 20)."),
    "cross_edges": ("Crossing dependencies", "lower is better",
                    "Imports, calls, inheritance, reads and writes from one service into another."),
    "services": ("Services", "", "How many services the plan has."),
    "shared_tables": ("Tables used by several services", "fewer is better",
                      "Each is a consistency problem: two services writing one table need a shared database or an "
                      "owner that serves the others."),
    "shared_globals": ("Module globals written across services", "fewer is better",
                       "State that each service would hold its own copy of once split."),
    "cross_service_writes": ("Writes into another service's tables", "fewer is better",
                             "Each must become a call to the owner before the owner can have a database of its own."),
    "cross_service_fks": ("Foreign keys across services", "fewer is better",
                          "References between tables of different owners: joins and constraints a split database "
                          "cannot keep."),
}
NOT_METRICS: Final = frozenset({"per_service", "tables"})


@dataclass(frozen=True)
class ServiceBox:
    """A service on the service graph: its box, colour and size."""

    name: str
    x: float
    y: float
    width: float
    colour: str
    modules: int


@dataclass(frozen=True)
class Arrow:
    """A service-graph edge: a curved path, its label's position, and what it stands for."""

    source: str
    target: str
    path: str
    label_x: float
    label_y: float
    count: int
    blockers: int
    curve: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] = ((0, 0), (0, 0), (0, 0))
    """Start, control and end point of the quadratic curve (where a label may slide along it)."""


def services_of(plan: Plan, code_graph: CodeGraph) -> tuple[dict[str, str], Callable[[str], str]]:
    """``module -> service`` for the graph's modules, and a function naming the service of any boundary end."""
    modules = code_graph.nodes_of_kind("module")
    assigned = plan.assign(modules)
    ordered = sorted(assigned, key=len, reverse=True)

    def service(node: str) -> str:
        if node in assigned:
            return assigned[node] or SHARED
        if node.startswith("table:"):
            return DATA
        for module in ordered:  # a function or class id starts with its module's dotted name
            if node.startswith(module + "."):
                return assigned[module] or SHARED
        return SHARED

    return assigned, service


def service_graph(plan: Plan, edges: Sequence[ServiceEdge], colours: Mapping[str, str],
                  sizes: Mapping[str, int]) -> tuple[list[ServiceBox], list[Arrow]]:
    """Services on a circle, an arrow per direction with its count; two opposite arrows bend apart."""
    names = [s.name for s in plan.services]
    names += sorted({n for e in edges for n in (e.source, e.target)} - set(names))
    centre, radius = GRAPH_SIZE / 2, GRAPH_SIZE * 0.36 if len(names) > 1 else 0.0
    boxes: dict[str, ServiceBox] = {}
    for index, name in enumerate(names):
        angle = 2 * math.pi * index / max(1, len(names)) - math.pi / 2
        boxes[name] = ServiceBox(name, round(centre + radius * math.cos(angle), 1),
                                 round(centre + radius * math.sin(angle), 1), 16 + 8.5 * len(name),
                                 colours.get(name, "#888888"), sizes.get(name, 0))
    arrows = []
    pairs = {(e.source, e.target) for e in edges}
    for edge in edges:
        a, b = boxes[edge.source], boxes[edge.target]
        bend = 0.18 if (edge.target, edge.source) in pairs else 0.07  # a slight bend keeps crossing labels apart
        arrows.append(_arrow(edge, a, b, bend))
    return list(boxes.values()), _place_labels(arrows, list(boxes.values()))


Rect = tuple[float, float, float, float]


def _label_rect(arrow: Arrow, x: float, y: float) -> Rect:
    width = 9.0 * len(f"{arrow.count}" + (f" ({arrow.blockers}!)" if arrow.blockers else "")) + 6
    return x - width / 2, y - 10, x + width / 2, y + 10


def _hits(rect: Rect, others: Sequence[Rect]) -> bool:
    return any(rect[0] < o[2] and o[0] < rect[2] and rect[1] < o[3] and o[1] < rect[3] for o in others)


def _place_labels(arrows: list[Arrow], boxes: Sequence[ServiceBox]) -> list[Arrow]:
    """Slide each count label along its curve until it covers no box and no label placed before it."""
    taken: list[Rect] = [(b.x - b.width / 2 - 2, b.y - BOX_HEIGHT / 2 - 2, b.x + b.width / 2 + 2,
                          b.y + BOX_HEIGHT / 2 + 2) for b in boxes]
    placed = []
    for arrow in sorted(arrows, key=lambda a: -a.count):
        (x0, y0), (cx, cy), (x1, y1) = arrow.curve
        best = (arrow.label_x, arrow.label_y)
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.35, 0.65, 0.15, 0.85):
            x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1
            y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1
            if not _hits(_label_rect(arrow, x, y), taken):
                best = (round(x, 1), round(y, 1))
                break
        taken.append(_label_rect(arrow, *best))
        placed.append(replace(arrow, label_x=best[0], label_y=best[1]))
    return placed


def _arrow(edge: ServiceEdge, a: ServiceBox, b: ServiceBox, bend: float) -> Arrow:
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    start = _border(a, ux, uy)
    end = _border(b, -ux, -uy)
    mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    nx, ny = -uy, ux  # the left normal: the two directions of a pair bend to opposite sides
    cx, cy = mx + nx * bend * length, my + ny * bend * length
    path = f"M{start[0]:.1f},{start[1]:.1f} Q{cx:.1f},{cy:.1f} {end[0]:.1f},{end[1]:.1f}"
    lx, ly = (mx + cx) / 2 + nx * 12, (my + cy) / 2 + ny * 12
    return Arrow(edge.source, edge.target, path, round(lx, 1), round(ly, 1), edge.count, edge.blockers,
                 (start, (cx, cy), end))


def _border(box: ServiceBox, ux: float, uy: float) -> tuple[float, float]:
    """Where a ray from the box's centre in direction (ux, uy) leaves the box (plus a gap for the arrowhead)."""
    half_w, half_h = box.width / 2 + 6, BOX_HEIGHT / 2 + 6
    scale = min(half_w / abs(ux) if ux else math.inf, half_h / abs(uy) if uy else math.inf)
    return box.x + ux * scale, box.y + uy * scale


def boundary_rows(found: Sequence[Boundary], service: Callable[[str], str]) -> list[dict[str, Any]]:
    """One row per boundary, blockers first, with the services on both sides."""
    order = {"blocker": 0, "rpc": 1, "shared": 2}
    rows = [{"how": b.how, "from_service": service(b.source), "source": b.source, "to_service": service(b.target),
             "target": b.target, "why": b.why or "", "where": b.where or "", "accepted": b.accepted}
            for b in found]
    return sorted(rows, key=lambda r: (order.get(str(r["how"]), 3), bool(r["accepted"]), str(r["from_service"]),
                                       str(r["source"])))


def metric_rows(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each plan metric with its name in words, what it means and which way is better."""
    rows = []
    for key, value in metrics.items():
        if key in NOT_METRICS:
            continue
        title, direction, meaning = METRICS.get(key, (key, "", ""))
        shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
        rows.append({"key": key, "title": title, "value": "none" if shown == "" else shown,
                     "direction": direction, "meaning": meaning})
    return rows


def _where(uses: Mapping[str, Sequence[str]]) -> list[str]:
    return [f"{service} ({', '.join(places[:3])}{' ...' if len(places) > 3 else ''})"
            for service, places in sorted(uses.items())]


def planned_ownership(tables: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The plan's ``metrics.tables`` (the splitter's ownership: owner, reads/writes from other services with
    file:line, foreign keys to other owners) as report rows, tables used across services first."""
    rows = []
    for table, entry in tables.items():
        foreign_keys = [f"{target} (owner {info.get('owner')})" for target, info
                        in sorted(entry.get("foreign_keys_to", {}).items())]
        rows.append({"table": table, "owner": entry.get("owner"), "writers": _where(entry.get("writes_from", {})),
                     "readers": _where(entry.get("reads_from", {})), "foreign_keys": foreign_keys,
                     "shared": bool(entry.get("writes_from") or entry.get("reads_from") or foreign_keys)})
    return sorted(rows, key=lambda r: (not r["shared"], r["table"]))


def data_ownership(code_graph: CodeGraph, service_of: Mapping[str, str], owner: Mapping[str, str]
                   ) -> list[dict[str, Any]]:
    """Per table, from the graph alone: which services (or packages) read it, which write it, whether one owns it."""
    readers: dict[str, set[str]] = defaultdict(set)
    writers: dict[str, set[str]] = defaultdict(set)
    for user, table, data in code_graph.edges_of_kind("uses_table"):
        module = owner.get(user, user)
        service = service_of.get(module)
        if service is None:
            continue
        name = service or SHARED
        access = set(data.get("access") or [])
        ops = set(data.get("ops") or [])
        if "write" in access or ops & {"insert", "update", "delete", "create", "declare", "write"}:
            writers[table].add(name)
        if "read" in access or ops & {"select", "read"} or not (access or ops):
            readers[table].add(name)
    rows = []
    for table in sorted(set(readers) | set(writers)):
        users = readers[table] | writers[table]
        owned = len(writers[table]) == 1 and users == writers[table]
        rows.append({"table": table.removeprefix("table:"), "writers": sorted(writers[table]),
                     "readers": sorted(readers[table] - writers[table]),
                     "owner": next(iter(writers[table])) if owned else None, "shared": len(users) > 1,
                     "foreign_keys": []})
    return sorted(rows, key=lambda r: (not r["shared"], r["table"]))
