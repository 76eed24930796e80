"""``split``: the whole stage, from a code graph (and the user's edited plan, if any) to a new plan."""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Mapping, Sequence

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan, Resources, Rules, ServicePlan
from splitter import (
    boundaries,
    classes,
    edge_plan,
    grouping,
    metrics,
    naming,
    ownership,
    partition,
    patterns,
    units,
)
from splitter.errors import SplitterError
from splitter.gateway import find_entry


def _resolve(patterns_: Sequence[str], modules: Sequence[str], what: str, origin: str) -> frozenset[str]:
    found = {m for p in patterns_ for m in modules if m == p or fnmatch.fnmatchcase(m, p)}
    if not found:
        raise SplitterError(f"{what} {list(patterns_)} matches no module", path=origin,
                            hint="fix the rule's module names, then rerun")
    return frozenset(found)


def constraints_from(previous: Plan | None, modules: Sequence[str]) -> tuple[partition.Constraints, dict[str, str]]:
    """Pinned services and rules of an edited plan, as module sets; plus its module -> service map."""
    if previous is None:
        return partition.Constraints(), {}
    assigned = previous.assign(modules)
    pinned = pinned_modules(previous, modules)
    together = tuple(_resolve(group, modules, "keep_together group", previous.origin)
                     for group in previous.rules.keep_together)
    apart = tuple(tuple(_resolve((p,), modules, "keep_apart entry", previous.origin) for p in group)
                  for group in previous.rules.keep_apart)
    return partition.Constraints(pinned=pinned, keep_together=together, keep_apart=apart), assigned


def pinned_modules(plan: Plan, modules: Sequence[str]) -> dict[str, frozenset[str]]:
    """The modules of each pinned service, its patterns kept verbatim, globs included.

    Precedence: a pinned service's exact name beats a pinned glob, which beats anything the proposal (the unpinned
    services) says: ``orders: [shop.orders, shop.orders.*]`` pinned keeps ``shop.orders.models`` even when an
    unpinned service lists it by name. A module matched by the globs of two pinned services (and named exactly by
    neither) is an error naming the second one's line.
    """
    owner: dict[str, tuple[bool, str, str, int | None]] = {}
    for service in (s for s in plan.services if s.pinned):
        for pattern in service.modules:
            exact = not any(c in pattern for c in "*?[")
            for module in (m for m in modules if m == pattern or fnmatch.fnmatchcase(m, pattern)):
                before = owner.get(module)
                if before is None or (exact and not before[0]):
                    owner[module] = (exact, service.name, pattern, service.line)
                elif before[1] != service.name and exact == before[0]:
                    raise SplitterError(f"module {module!r} is pinned to two services: {before[1]!r} ({before[2]}) "
                                        f"and {service.name!r} ({pattern})", path=plan.origin, line=service.line,
                                        hint="name it exactly in the one it belongs to, or narrow a glob")
    pinned: dict[str, frozenset[str]] = {s.name: frozenset() for s in plan.services if s.pinned}
    for module, (_, name, _, _) in owner.items():
        pinned[name] |= {module}
    return pinned


def _wanted_names(groups: Sequence[frozenset[str]], assigned: Mapping[str, str], previous: Plan | None,
                  pinned: Mapping[str, frozenset[str]]) -> dict[int, str]:
    """Names of the previous plan's unpinned services, given to the new groups they overlap most."""
    if previous is None:
        return {}
    candidates = {s.name for s in previous.services if not s.pinned}
    overlap: list[tuple[int, int, str]] = []
    for index, group in enumerate(groups):
        counts = Counter(assigned.get(m) for m in group)
        overlap += [(-c, index, name) for name, c in counts.items() if name in candidates]
    wanted: dict[int, str] = {}
    used: set[str] = set(pinned)
    for _, index, name in sorted(overlap):
        if index not in wanted and name not in used:
            wanted[index] = name
            used.add(name)
    return wanted


INFRA = "<infrastructure>"
EDGE_WHY = "the web edge: the entry's package and the request handling only it uses (routing, parsing, handlers)"


def _why(modules: frozenset[str], root: tuple[str, ...], tables: list[str]) -> str:
    prefixes = naming.dominant_prefixes(sorted(modules), root, full=True)
    if prefixes:
        package = prefixes[0]
        count = sum(1 for m in modules if m == package or m.startswith(package + "."))
        text = f"{count} of {len(modules)} modules are in package {package}"
    else:
        text = f"{len(modules)} modules from several packages, tied by their dependencies"
    if tables:
        text += f"; owns tables {', '.join(tables[:5])}" + (" ..." if len(tables) > 5 else "")
    return text


def _advice(advice: Sequence[classes.Advice], names: Sequence[str]) -> str:
    """The classes of this service's large modules that are drawn to another service (plan text)."""
    notes = [f"class {a.cls} ({a.lines} lines) is tied more to service {names[a.group]}: split module "
             f"{a.module} to move it" for a in advice if a.group < len(names)]
    return "".join(f"; {note}" for note in notes)


def split(code_graph: CodeGraph, *, services: int | None = None, entry: str | None = None,
          previous: Plan | None = None, seed: int = 42, weights: units.Weights | None = None,
          options: partition.Options | None = None, granularity: classes.Granularity | None = None,
          seam: str | None = None) -> Plan:
    """Propose services for ``code_graph``.

    ``services``: exactly that many services (pinned ones included). ``previous``: the user's plan; its pinned
    services are kept as written, its service names are given to the groups that overlap them most, its rules
    (keep_together / keep_apart) and accepted blockers hold. Deterministic for a given ``seed``.
    ``granularity``: when a large module is detected as class units (splitter/classes.py); a class drawn to another
    service than its module's is reported in that service's ``why``.
    ``seam``: ``edge`` (URL routes to services, splitter/edge_plan.py; the default for framework apps with routes)
    or ``interior`` (modules to services, calls over RPC).
    """
    if edge_plan.wants_edge(code_graph, previous, seam):
        return edge_plan.split_edge(code_graph, services=services, entry=entry, previous=previous, seed=seed)
    modules = code_graph.nodes_of_kind("module")
    if not modules:
        raise SplitterError("the graph has no modules", path=code_graph.source,
                            hint="run `cleave analyze SRC` on the folder that holds the top-level package")
    if services is not None and services < 1:
        raise SplitterError(f"--services must be at least 1, not {services}")
    if services is not None and services > len(modules):
        raise SplitterError(f"--services {services} is more than the {len(modules)} modules of the graph",
                            hint="ask for fewer services")
    entry_ref = find_entry(code_graph, entry if entry is not None else (previous.entry if previous else None))
    constraints, assigned = constraints_from(previous, modules)
    grouped = grouping.group(code_graph, modules, grouping.Request(
        services=services, entry_ref=entry_ref, previous=previous, constraints=constraints, seed=seed,
        weights=weights, options=options, granularity=granularity))
    proposal, advice, infra, module_graph = grouped.proposal, grouped.advice, grouped.infra, grouped.module_graph
    entry_module = entry_ref.partition(":")[0] if entry_ref else None
    names = naming.name_groups(proposal.groups, all_modules=modules, taken=proposal.pinned,
                               entry_module=entry_module,
                               wanted=_wanted_names(proposal.groups, assigned, previous, proposal.pinned))
    service_of: dict[str, str] = dict.fromkeys(proposal.shared | infra.modules, "")
    for name, group in zip(names, proposal.groups, strict=True):
        service_of.update(dict.fromkeys(group, name))
    for name, group in proposal.pinned.items():
        service_of.update(dict.fromkeys(group, name))

    owner = units.module_owners(code_graph)
    found = boundaries.classify(code_graph, owner, service_of, previous.boundaries if previous else (),
                                infrastructure=frozenset(infra.modules))
    scores = metrics.compute(code_graph, module_graph.graph, owner, service_of)
    root = naming.common_root(modules)
    previous_services = {s.name: s for s in previous.services} if previous else {}
    plans: list[ServicePlan] = []
    for name, group in zip(names, proposal.groups, strict=True):
        before = previous_services.get(name)
        tables = scores["per_service"].get(name, {}).get("tables", [])
        plans.append(ServicePlan(
            name=name, modules=tuple(patterns.compress(group, service_of, name)),
            replicas=before.replicas if before else 1,
            resources=before.resources if before else Resources(),
            requirements=before.requirements if before else (),
            why=(EDGE_WHY if entry_module in group else _why(group, root, tables))
            + _advice([a for a in advice if service_of.get(a.module) == name], names)))
    plans += [previous_services[name] for name in proposal.pinned]
    order = {s.name: i for i, s in enumerate(previous.services)} if previous else {}
    plans.sort(key=lambda s: (order.get(s.name, len(order)), -len(s.modules)))
    if entry_module is not None:
        gateway = service_of.get(entry_module)
        plans.sort(key=lambda s: s.name != gateway)
    return Plan(
        services=tuple(plans),
        source=code_graph.source,
        entry=entry_ref,
        seed=seed,
        shared=tuple(patterns.compress(proposal.shared, {**service_of, **dict.fromkeys(infra.modules, INFRA)}, "")),
        infrastructure=tuple(patterns.compress(infra.modules, {**service_of, **dict.fromkeys(infra.modules, INFRA)},
                                               INFRA)),
        rules=previous.rules if previous else Rules(),
        boundaries=found,
        metrics={**scores, **ownership.table_ownership(code_graph, service_of),
                 "env": ownership.env_needs(code_graph, service_of)},
        origin=previous.origin if previous else "<plan>",
    )

