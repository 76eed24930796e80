"""Stage 2: dependency graph -> plan (service boundaries, classified and scored). See :func:`splitter.split`.

The facade: ``split(code_graph, *, services, entry, previous, seed) -> Plan``; ``render_report(code_graph, plan)``
(the HTML page, plan may be None) and ``report_facts(code_graph, plan)`` (the same facts as JSON-able data);
``check(code_graph, plan) -> CheckResult`` (a committed plan against today's code, for CI) and the service graph
as ``service_graph_dot(plan, edges)`` / ``service_graph_mermaid(plan, edges)``.
"""

from splitter.api import split
from splitter.check import CheckResult, ServiceEdge, check
from splitter.check import to_dot as service_graph_dot
from splitter.check import to_mermaid as service_graph_mermaid
from splitter.errors import SplitterError
from splitter.report import facts as report_facts
from splitter.report import render as render_report

__all__ = ["CheckResult", "ServiceEdge", "SplitterError", "check", "render_report", "report_facts",
           "service_graph_dot", "service_graph_mermaid", "split"]
