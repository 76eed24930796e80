"""The one rule for what may cross between services, shared by ``cleave split`` and ``cleave build``.

Both stages import this package (it sits below them and above :mod:`cleave.formats` in the import-linter layers),
so a plan gets the same verdicts whoever wrote it::

    classify(code_graph, service_of, previous=()) -> tuple[Boundary, ...]   # rpc / shared / blocker, blockers first
    variable_problem(view, node), call_problem(view, node)                 # why one name cannot cross, or None
    render(boundary) -> str                                                # one line: file:line: what: why

:mod:`cleave.crossing.kinds` holds the type tables the analyzer uses to record the facts the rule reads (a class's
``value_kind``, a function's ``returns_kind``/``param_kinds``, a global's ``value_kind``).
"""

from cleave.crossing.render import render
from cleave.crossing.rule import call_problem, classify, variable_problem
from cleave.crossing.view import View, module_owners

__all__ = ["View", "call_problem", "classify", "module_owners", "render", "variable_problem"]
