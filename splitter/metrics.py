"""Quality metrics of a split, per plan and per service.

The unit is the module (Mono2Micro, Kalia et al., FSE 2021, counts classes). With ``K`` services, ``N_i``
modules in service ``i``, ``N`` modules in services (shared modules left out):

- **modularity Q** (Newman): ``Q = sum_i [ L_i / m - (d_i / 2m)^2 ]`` on the weighted module graph (tables count
  with the service that uses them most), where ``L_i``
  is the weight inside service ``i``, ``d_i`` the total degree of its modules, ``m`` the total weight. Higher is
  better.
- **SM**, structural modularity: ``SM = (1/K) sum_i mu_i / N_i^2 - (1 / (K(K-1)/2)) sum_{i<j} sigma_ij /
  (2 N_i N_j)``, with ``mu_i`` the structural edges (distinct module -> module dependencies) inside ``i`` and
  ``sigma_ij`` those between ``i`` and ``j``. Higher is better.
- **ICP**, inter-call percentage: ``ICP = sum_{i != j} c_ij / sum_{i, j} c_ij`` where ``c_ij`` counts calls
  (edge weights) from service ``i`` to service ``j``. Lower is better.
- **IFN**, interface number: ``IFN = (1/K) sum_i |I_i|``, ``I_i`` the functions and classes of service ``i``
  used from another service (what becomes its RPC interface). Lower is better.
- **NED**, non-extreme distribution: ``NED = 1 - sum_{i: 5 <= N_i <= 20} N_i / N``: the share of modules in
  services that are extremely small or large. Lower is better.
- **cross_edges**: dependencies (imports, calls, inheritance, reads, writes) between different services.
- **shared_tables**, **shared_globals**: tables used by, and written module globals touched by, two or more
  services: each one is a distributed-transaction or consistency problem.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from cleave.formats.graph import CodeGraph
from splitter.dependencies import DEPENDENCY_KINDS

NED_LOW, NED_HIGH = 5, 20


@dataclass
class _Tally:
    """What one pass over the code graph's edges counts, per service."""

    structural: set[tuple[str, str]] = field(default_factory=set)
    calls: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    interface: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    cross: int = 0
    tables: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    touched: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    written: set[str] = field(default_factory=set)

    def dependency(self, edge: tuple[str, str, str], data: Mapping[str, Any], ends: tuple[str | None, str | None],
                   services: tuple[str, str]) -> None:
        """One dependency edge ``u -> v`` of kind ``key``, between modules ``ends`` of ``services``."""
        _, v, key = edge
        (mu, mv), (su, sv) = ends, services
        if key in ("reads", "writes") and su:
            self.touched[v].add(su)
            if sv:
                self.touched[v].add(sv)
            if key == "writes":
                self.written.add(v)
        if not su or not sv or mu == mv:
            return
        self.structural.add((str(mu), str(mv)))
        if key == "calls":
            self.calls[(su, sv)] += float(data.get("weight", 1) or 1)
        if su != sv:
            self.cross += 1
            if key in ("calls", "inherits", "reads", "writes"):
                self.interface[sv].add(v)


def _tally(code_graph: CodeGraph, owner: Mapping[str, str], service_of: Mapping[str, str]) -> _Tally:
    tally = _Tally()
    for u, v, key, data in code_graph.graph.edges(keys=True, data=True):
        mu = owner.get(u)
        su = service_of.get(mu, "") if mu else ""
        if key == "uses_table":
            if su:
                tally.tables[v].add(su)
            continue
        if key not in DEPENDENCY_KINDS:
            continue
        mv = owner.get(v)
        sv = service_of.get(mv, "") if mv else ""
        tally.dependency((u, v, key), data, (mu, mv), (su, sv))
    return tally


def _structure(tally: _Tally, service_of: Mapping[str, str], members: Mapping[str, set[str]]
               ) -> tuple[dict[str, float], dict[tuple[str, str], int], float]:
    """Cohesion per service, structural edges between pairs of services, and SM."""
    mu_in: dict[str, int] = defaultdict(int)
    sigma: dict[tuple[str, str], int] = defaultdict(int)
    for a, b in tally.structural:
        sa, sb = service_of[a], service_of[b]
        if sa == sb:
            mu_in[sa] += 1
        else:
            sigma[(min(sa, sb), max(sa, sb))] += 1
    k = len(members)
    cohesion = {s: mu_in[s] / len(m) ** 2 if m else 0.0 for s, m in members.items()}
    coupling = sum(w / (2 * len(members[a]) * len(members[b])) for (a, b), w in sigma.items())
    sm = (sum(cohesion.values()) / k if k else 0.0) - (coupling / (k * (k - 1) / 2) if k > 1 else 0.0)
    return cohesion, sigma, sm


def _modularity(module_graph: nx.Graph, service_of: Mapping[str, str]) -> float:
    """Newman's Q of the services on the module graph; a table counts with the service that uses it most."""
    side = {m: s for m, s in service_of.items() if s}
    for node in module_graph.nodes:
        if node not in side and str(node).startswith("table:"):
            votes: dict[str, float] = defaultdict(float)
            for _, other, d in module_graph.edges(node, data=True):
                if other in side:
                    votes[side[other]] += float(d.get("weight", 1.0))
            if votes:
                side[node] = max(votes, key=lambda x: (votes[x], x))
    sub = module_graph.subgraph(side)
    if sub.size(weight="weight") <= 0:
        return 0.0
    blocks: dict[str, set[str]] = defaultdict(set)
    for node, s in side.items():
        blocks[s].add(node)
    return float(nx.community.modularity(sub, list(blocks.values()), weight="weight"))


def compute(code_graph: CodeGraph, module_graph: nx.Graph, owner: Mapping[str, str],
            service_of: Mapping[str, str]) -> dict[str, Any]:
    """Plan metrics plus ``services: {name: {...}}`` for the assignment (module -> service, ``""`` = shared)."""
    services = sorted({s for s in service_of.values() if s})
    members: dict[str, set[str]] = {s: set() for s in services}
    for module, service in service_of.items():
        if service:
            members[service].add(module)
    k = len(services)
    n = sum(len(m) for m in members.values())
    tally = _tally(code_graph, owner, service_of)
    cohesion, sigma, sm = _structure(tally, service_of, members)
    calls = tally.calls
    total_calls = sum(calls.values())
    icp = sum(w for (a, b), w in calls.items() if a != b) / total_calls if total_calls else 0.0
    ifn = sum(len(tally.interface[s]) for s in services) / k if k else 0.0
    ned = 1.0 - sum(len(m) for m in members.values() if NED_LOW <= len(m) <= NED_HIGH) / n if n else 0.0
    q = _modularity(module_graph, service_of)
    shared_tables = sorted(t for t, s in tally.tables.items() if len(s) > 1)
    shared_globals = sorted(v for v, s in tally.touched.items() if len(s) > 1 and v in tally.written)
    per_service: dict[str, dict[str, Any]] = {}
    for s in services:
        out_calls = sum(w for (a, _), w in calls.items() if a == s)
        per_service[s] = {
            "modules": len(members[s]),
            "cohesion": round(cohesion[s], 4),
            "icp": round(sum(w for (a, b), w in calls.items() if a == s and b != s) / out_calls, 4)
            if out_calls else 0.0,
            "ifn": len(tally.interface[s]),
            "cross_edges": sum(w for (a, b), w in sigma.items() if s in (a, b)),
            "tables": sorted(t.removeprefix("table:") for t, users in tally.tables.items() if s in users),
        }
    return {
        "modularity": round(q, 4), "sm": round(sm, 4), "icp": round(icp, 4), "ifn": round(ifn, 3),
        "ned": round(ned, 4), "cross_edges": tally.cross, "services": len(services),
        "shared_tables": [t.removeprefix("table:") for t in shared_tables], "shared_globals": shared_globals,
        "per_service": per_service,
    }
