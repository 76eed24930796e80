"""The network side of the Kubernetes manifests: NetworkPolicies, Ingress and a Gateway API HTTPRoute.

Policies: one default-deny for the namespace (ingress and egress), then per service an ingress rule admitting only
its callers (the entry service: anyone, it faces the Ingress) and an egress rule to the services it calls and to
the cluster DNS. The Ingress and the HTTPRoute route the plan's routes (an edge split's ``gateway_routes``) to their
services, everything else to the entry (fallback) service.
"""

from __future__ import annotations

from typing import Any, Final

from cleave.formats.topology import RouteRule, Topology
from packager.deploy.common import DeployOptions, dns_label
from packager.deploy.k8s_workloads import PORT_NAME, labels, metadata, selector_labels

DNS_PEER: Final = {"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
DNS_PORTS: Final = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
DATABASE_PORTS: Final = [{"port": 5432, "protocol": "TCP"}]


def entry_service(topology: Topology) -> str | None:
    """The service the outside world reaches first: an edge split's fallback, else the gateway."""
    return topology.fallback or topology.gateway


def default_deny(topology: Topology, options: DeployOptions) -> dict[str, Any]:
    """No pod of the namespace sends or receives anything unless a policy below allows it."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": options.namespace_for(topology),
                     "labels": {"app.kubernetes.io/part-of": topology.project[:63],
                                "app.kubernetes.io/managed-by": "cleave"}},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


def network_policy(topology: Topology, name: str, callers: list[str], callees: list[str],
                   options: DeployOptions) -> dict[str, Any]:
    """Ingress from the callers' pods on the service port (the entry service: from anywhere); egress to the
    callees' pods, to DNS, and to a database when the service needs one."""
    spec = topology.service(name)
    ports = [{"port": PORT_NAME, "protocol": "TCP"}]
    public = {n for n in (topology.gateway, topology.fallback) if n} | {r.service for r in topology.gateway_routes}
    if name in public:
        ingress: list[dict[str, Any]] = [{"ports": ports}]
    elif callers:
        ingress = [{"from": [{"podSelector": {"matchLabels": selector_labels(topology, caller)}}
                             for caller in callers], "ports": ports}]
    else:
        ingress = []  # nobody calls it: no ingress at all
    egress: list[dict[str, Any]] = [{"to": [DNS_PEER], "ports": DNS_PORTS}]
    if callees:
        egress.append({"to": [{"podSelector": {"matchLabels": selector_labels(topology, callee)}}
                              for callee in callees], "ports": ports})
    if "database" in spec.resources_needed:
        egress.append({"ports": DATABASE_PORTS})  # the database lives outside the namespace (plan `database:`)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": options.namespace_for(topology), "labels": labels(topology, spec)},
        "spec": {"podSelector": {"matchLabels": selector_labels(topology, name)},
                 "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress},
    }


def _segment_prefix(rule: RouteRule) -> str:
    """The route's literal prefix cut back to a whole path segment (Ingress ``Prefix`` matches by segment)."""
    prefix = rule.prefix or "/"
    return prefix if prefix.endswith("/") else prefix.rsplit("/", 1)[0] + "/"


def _backend(name: str, port: int) -> dict[str, Any]:
    return {"service": {"name": name, "port": {"number": port}}}


def ingress(topology: Topology, options: DeployOptions, port: int) -> dict[str, Any] | None:
    """An Ingress for the entry service, with a path per route prefix the plan sends to another service."""
    entry = entry_service(topology)
    if entry is None:
        return None
    paths: dict[str, str] = {}
    for rule in topology.gateway_routes:
        paths.setdefault(_segment_prefix(rule), rule.service)  # the routing table's order decides a tie
    paths.setdefault("/", entry)
    rule_body: dict[str, Any] = {"http": {"paths": [
        {"path": path, "pathType": "Prefix", "backend": _backend(service, port)}
        for path, service in sorted(paths.items(), key=lambda item: (-len(item[0]), item[0]))]}}
    if options.host:
        rule_body["host"] = options.host
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": metadata(topology, topology.service(entry), options, name=dns_label(topology.project)),
            "spec": {"rules": [rule_body]}}


MAX_RULES: Final = 16
"""The Gateway API's limit on rules per HTTPRoute; more routes are spread over several HTTPRoutes."""


def http_routes(topology: Topology, options: DeployOptions, port: int) -> list[dict[str, Any]]:
    """Gateway API HTTPRoutes: the plan's routes by method and path (regular expressions, as the routing table
    holds them), then everything else to the entry service. They attach to the Gateway ``options.gateway_name``."""
    entry = entry_service(topology)
    if entry is None:
        return []
    rules: list[dict[str, Any]] = []
    for rule in topology.gateway_routes:
        path = {"type": "RegularExpression", "value": rule.regex.removeprefix("^").removesuffix("$")}
        matches = [{"path": path, "method": method} for method in rule.methods] or [{"path": path}]
        rules.append({"matches": matches, "backendRefs": [{"name": rule.service, "port": port}]})
    rules.append({"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                  "backendRefs": [{"name": entry, "port": port}]})
    routes = []
    base = dns_label(topology.project)
    for number, start in enumerate(range(0, len(rules), MAX_RULES), start=1):
        spec: dict[str, Any] = {"parentRefs": [{"name": options.gateway_name}],
                                "rules": rules[start:start + MAX_RULES]}
        if options.host:
            spec["hostnames"] = [options.host]
        name = base if number == 1 else f"{base[:58]}-{number}"
        routes.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                       "metadata": metadata(topology, topology.service(entry), options, name=name), "spec": spec})
    return routes
