"""``check``: a committed plan against today's code, for CI (``cleave check``), and the service graph it implies.

The plan's services are taken as written (no new proposal): every crossing the current code makes between them is
classified as ``split`` would, and compared with the boundaries the plan records. A crossing the plan does not
record, or a blocker nobody accepted, is a finding, with the file and line that makes it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from cleave.formats import FormatError
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, Plan
from cleave.formats.plan_edge import assign_routes
from splitter import boundaries, routes, units

DATA = "(data)"
"""The pseudo-service of a table nobody's module owns (a crossing into shared data)."""
SHARED = "(shared)"


@dataclass(frozen=True)
class ServiceEdge:
    """Uses from one service of another: how many, how many are blockers, and the module pairs behind them."""

    source: str
    target: str
    count: int
    blockers: int
    modules: tuple[tuple[str, str, str], ...]
    """``(from module, to symbol, how)`` for each crossing (the drill-down)."""


@dataclass(frozen=True)
class CheckResult:
    """What the current code does across the plan's services, and what the plan does not know about."""

    boundaries: tuple[Boundary, ...]
    new: tuple[Boundary, ...]
    """Crossings (rpc or blocker) the plan does not record."""
    open_blockers: tuple[Boundary, ...]
    """Blockers not marked ``accepted: true`` (new or already in the plan)."""
    unplaced: tuple[str, ...]
    """Modules of the code that no service and no shared pattern of the plan matches (none when the plan has edge
    services: they hold the whole tree)."""
    edges: tuple[ServiceEdge, ...]
    service_of: Mapping[str, str]
    route_errors: tuple[str, ...] = ()
    """Edge services' route claims ``build`` would refuse (a pattern matching no route of today's code, a route two
    services claim alike), each ``plan:line: what (what to do)``."""
    fallback_routes: tuple[str, ...] = ()
    """Today's routes no claim names (``METHODS path``): the fallback service answers them, as ``build`` routes."""

    @property
    def failed(self) -> bool:
        """Whether CI should fail: a new crossing, an open blocker or a route claim ``build`` would refuse."""
        return bool(self.new or self.open_blockers or self.route_errors)


def check(code_graph: CodeGraph, plan: Plan) -> CheckResult:
    """Classify today's crossings between ``plan``'s services and compare them with the plan's boundaries."""
    modules = code_graph.nodes_of_kind("module")
    service_of = plan.assign(modules)
    module_graph = units.build(code_graph, None)
    found = boundaries.classify(code_graph, module_graph.owner, service_of, plan.boundaries,
                                infrastructure=plan.infrastructure_modules(modules))
    known = {(b.source, b.target, b.how) for b in plan.boundaries}
    new = tuple(b for b in found if b.how != "shared" and (b.source, b.target, b.how) not in known)
    open_blockers = tuple(b for b in found if b.how == "blocker" and not b.accepted)
    edge = [s for s in plan.services if s.is_edge]
    unplaced = () if edge else tuple(sorted(set(modules) - set(service_of)))
    owner = dict(module_graph.owner)
    edges = service_edges(found, lambda node: _service(node, owner, service_of))
    route_errors, fallback_routes = _route_claims(code_graph, plan) if edge else ((), ())
    return CheckResult(found, new, open_blockers, unplaced, edges, service_of, route_errors, fallback_routes)


def _route_claims(code_graph: CodeGraph, plan: Plan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The edge services' claims against today's routes, as ``build`` assigns them: (the claims it would refuse,
    the routes no claim names). Each claim is tried alone first, so every stale pattern is named, not only the
    first; then all together, for two services claiming one route alike."""
    claims = [s.route_claims for s in plan.services if s.is_edge]
    today = routes.routes_of(code_graph)
    refs = [route.ref for route in today]
    errors: list[str] = []
    for name, texts, line in claims:
        for text in texts:
            try:
                assign_routes([(name, [text], line)], refs, plan.origin)
            except FormatError as error:
                errors.append(error.render())
    owners: dict[str, str] = {}
    if not errors:
        try:
            owners = assign_routes(claims, refs, plan.origin)
        except FormatError as error:
            errors.append(error.render())
    unclaimed = tuple(f"{','.join(r.methods) or 'ANY'} {r.path}" for r in today if r.id not in owners)
    return tuple(errors), () if errors else unclaimed


def _service(node: str, owner: Mapping[str, str], service_of: Mapping[str, str]) -> str:
    module = node if node in service_of else owner.get(node, "")
    if module in service_of:
        return service_of[module] or SHARED
    return DATA if node.startswith("table:") else SHARED


def service_edges(found: Iterable[Boundary], service: Callable[[str], str]) -> tuple[ServiceEdge, ...]:
    """Crossings grouped by (from service, to service), largest first; ``service(node) -> name``."""
    pairs: dict[tuple[str, str], list[Boundary]] = defaultdict(list)
    for boundary in found:
        if boundary.how == "shared":
            continue
        source, target = service(boundary.source), service(boundary.target)
        if source != target:
            pairs[(source, target)].append(boundary)
    edges = [ServiceEdge(source, target, len(items), sum(1 for b in items if b.how == "blocker"),
                         tuple(sorted((b.source, b.target, b.how) for b in items)))
             for (source, target), items in pairs.items()]
    return tuple(sorted(edges, key=lambda e: (-e.count, e.source, e.target)))


def to_dot(plan: Plan, edges: Iterable[ServiceEdge]) -> str:
    """The service graph in Graphviz DOT: a box per service, an edge per direction labelled with its count;
    edges with blockers red and bold."""
    lines = ["digraph services {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans-serif"];']
    sizes = Counter({s.name: len(s.modules) for s in plan.services})
    lines += [f'  "{name}" [label="{name}\\n{count} module pattern(s)"];' for name, count in sizes.items()]
    for edge in edges:
        style = ', color="#c0392b", penwidth=2, fontcolor="#c0392b"' if edge.blockers else ""
        label = f"{edge.count}" + (f" ({edge.blockers} blockers)" if edge.blockers else "")
        lines.append(f'  "{edge.source}" -> "{edge.target}" [label="{label}"{style}];')
    return "\n".join([*lines, "}"]) + "\n"


def to_mermaid(plan: Plan, edges: Iterable[ServiceEdge]) -> str:
    """The service graph as a Mermaid flowchart (renders in GitHub and GitLab markdown)."""
    ids = {name: f"s{number}" for number, name in enumerate([*(s.name for s in plan.services), SHARED, DATA])}
    lines = ["flowchart LR"] + [f'  {ids[s.name]}["{s.name}"]' for s in plan.services]
    blocked = []
    for number, edge in enumerate(edges):
        for name in (edge.source, edge.target):
            if name not in {s.name for s in plan.services} and f'  {ids[name]}["{name}"]' not in lines:
                lines.append(f'  {ids[name]}["{name}"]')
        label = f"{edge.count}" + (f" incl. {edge.blockers} blockers" if edge.blockers else "")
        lines.append(f'  {ids[edge.source]} -->|"{label}"| {ids[edge.target]}')
        if edge.blockers:
            blocked.append(str(number))
    if blocked:
        lines.append(f"  linkStyle {','.join(blocked)} stroke:#c0392b,stroke-width:3px")
    return "\n".join(lines) + "\n"
