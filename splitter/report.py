"""``cleave report``: one self-contained HTML page (inline SVG and a few lines of inline JS, nothing fetched).

Sections: the blockers, the service graph (an arrow per direction with its count, blockers red; a click lists the
crossings behind it), a sortable and filterable boundary table, the metrics in words, who owns which table, the
services with their modules, and the module graph. Before a plan exists it shows the modules by package.

The module graph is drawn with a grouped circular layout: each service gets a sector of a large circle and its modules
sit on a small circle (a sunflower spiral when large) around the service's centre. It is deterministic and
readable without a physics simulation; edges between services are drawn in red.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from splitter import report_data, units
from splitter.check import service_edges

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


def _groups(code_graph: CodeGraph, plan: Plan | None, service_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Modules per service (shared under ``SHARED_KEY``); before a plan, per package below the top level."""
    modules = code_graph.nodes_of_kind("module")
    groups: dict[str, list[str]] = defaultdict(list)
    if plan is None:
        for module in modules:
            parts = module.split(".")
            groups[".".join(parts[:2]) if len(parts) > 1 else parts[0]].append(module)
        return dict(sorted(groups.items()))
    groups.update({s.name: [] for s in plan.services})
    for module in modules:
        service = service_of.get(module)
        if service is not None:
            groups[service or SHARED_KEY].append(module)
    return {k: v for k, v in groups.items() if v}


def _planned(plan: Plan) -> bool:
    """Whether the plan carries the splitter's table ownership (``metrics.tables``, with file:line per use)."""
    tables = plan.metrics.get("tables")
    return isinstance(tables, dict) and bool(tables)


def context(code_graph: CodeGraph, plan: Plan | None) -> dict[str, Any]:
    """Everything the template shows (``plan`` None: the module graph, tables and diagnostics only)."""
    the_plan = plan or Plan(services=())
    service_of, service = report_data.services_of(the_plan, code_graph)
    groups = _groups(code_graph, plan, service_of)
    names = [s.name for s in the_plan.services] if plan is not None else list(groups)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    where = layout(groups)
    labels = []
    for name, members in groups.items():
        xs = [where[m][0] for m in members]
        ys = [where[m][1] for m in members]
        labels.append({"name": name, "x": round(sum(xs) / len(xs), 1), "y": round(min(ys) - 12, 1)})
    member_of = {m: name for name, members in groups.items() for m in members}
    nodes = [Node(m, *where[m], service=s, colour=colours.get(s, SHARED_COLOUR))
             for s, members in groups.items() for m in sorted(members)]
    module_graph = units.build(code_graph, units.Weights(package_prior=0.0))
    drawn = sorted(((float(d.get("weight", 1.0)), u, v) for u, v, d in module_graph.graph.edges(data=True)
                    if u in where and v in where), reverse=True)[:MAX_EDGES]
    edges = [Edge(*where[u], *where[v], cross=member_of[u] != member_of[v] and SHARED_KEY not in
                  (member_of[u], member_of[v]), width=round(min(4.0, 0.5 + math.log2(1 + w) / 2), 2))
             for w, u, v in drawn]
    crossings = service_edges(the_plan.boundaries, service)
    boxes, arrows = report_data.service_graph(the_plan, crossings, colours,
                                              {name: len(groups.get(name, [])) for name in names})
    rows = report_data.boundary_rows(the_plan.boundaries, service)
    blockers = [row for row in rows if row["how"] == "blocker"]
    return {
        "plan": plan, "nodes": nodes, "labels": labels, "edges": edges, "size": SIZE, "colours": colours,
        "shared_colour": SHARED_COLOUR, "shared_key": SHARED_KEY, "groups": groups,
        "metric_rows": report_data.metric_rows(the_plan.metrics),
        "per_service": the_plan.metrics.get("per_service", {}),
        "boxes": boxes, "arrows": arrows, "graph_size": report_data.GRAPH_SIZE, "box_height": report_data.BOX_HEIGHT,
        "crossings": crossings, "rows": rows, "blockers": blockers,
        "open_blockers": sum(1 for row in blockers if not row["accepted"]),
        "tables": report_data.planned_ownership(the_plan.metrics["tables"])
        if _planned(the_plan) else
        report_data.data_ownership(code_graph, service_of if plan is not None else member_of, module_graph.owner),
        "planned_tables": _planned(the_plan),
        "diagnostics": code_graph.diagnostics, "modules": len(code_graph.nodes_of_kind("module")),
    }


def facts(code_graph: CodeGraph, plan: Plan | None) -> dict[str, Any]:
    """What the page shows, as JSON-able data (``cleave report --json``)."""
    page = context(code_graph, plan)
    return {
        "services": {name: {"modules": sorted(members)} for name, members in page["groups"].items()}
        if plan is not None else {},
        "service_graph": [{"from": e.source, "to": e.target, "count": e.count, "blockers": e.blockers,
                           "crossings": [list(item) for item in e.modules]} for e in page["crossings"]],
        "boundaries": page["rows"],
        "blockers": page["blockers"],
        "open_blockers": page["open_blockers"],
        "metrics": page["metric_rows"],
        "tables": page["tables"],
        "modules": page["modules"],
        "diagnostics": [d.render() for d in code_graph.diagnostics],
    }


def _wbr(text: str) -> Markup:
    """A dotted or slashed name that may break after each dot or slash, never inside a word."""
    escaped = html.escape(str(text))
    return Markup(escaped.replace(".", ".<wbr>").replace("/", "/<wbr>").replace(":", ":<wbr>"))


def _wbr_path(text: str) -> Markup:
    """A ``file:line`` that may break after a slash only."""
    return Markup(html.escape(str(text)).replace("/", "/<wbr>"))


def render(code_graph: CodeGraph, plan: Plan | None) -> str:
    """The report page for ``plan`` over ``code_graph`` (``None``: before a plan exists)."""
    template_text = resources.files("splitter").joinpath("report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["esc"] = html.escape
    env.filters["wbr"] = _wbr
    env.filters["wbr_path"] = _wbr_path
    return env.from_string(template_text).render(**context(code_graph, plan))
