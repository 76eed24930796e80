"""Node attributes the crossing rule (cleave/crossing) reads, from the facts of analyzer/shapes.py.

- class ``value_kind``: what an instance is on the wire, through the class's bases and decorators (MRO order).
- function ``returns_kind``: what it may return that cannot cross (from its return annotation, what its ``return``
  statements resolve to, a ``yield``); ``param_kinds``: ``{parameter: kind}`` for annotated parameters that take
  something that cannot cross; ``annotations``: ``{parameter or "return": [qualified names]}``.
- variable ``value_kind`` (``constant``, ``container``, ``alias``, ``class``, ``value``, ``instance``,
  ``resource``, ``callable``, ``other``) and ``value_type`` (the qualified callee or class of its value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from analyzer import facts as F
from analyzer.resolve import Index, Target
from cleave.crossing import kinds as K

_CALL_KINDS: Final = ((K.IMMUTABLE_CALLS, "constant"), (K.CONTAINER_CALLS, "container"),
                      (frozenset(K.CLASS_FACTORIES), "class"))
_WORST: Final = ("connection", "cursor", "session", "socket", "file", "lock", "thread", "context", "generator",
                 "iterator", "callable", "orm", "instance")


def worst(found: set[str]) -> str | None:
    """The kind that matters most among ``found`` (a connection before an unknown object), or ``None``."""
    return next((kind for kind in _WORST if kind in found), None)


class Kinds:
    """Computes the attributes for the nodes of ``nodes`` (the builder's node table, changed in place)."""

    def __init__(self, index: Index, files: Mapping[str, F.FileFacts], nodes: dict[str, dict[str, Any]],
                 returned: Mapping[str, list[Target | None]]) -> None:
        self.index = index
        self.files = files
        self.nodes = nodes
        self.returned = returned
        self.written_bases = {f"{m}.{d.qual}": (m, d.bases) for m, f in files.items() for d in f.defs
                              if d.kind == "class"}
        self.written_decorators = {f"{m}.{d.qual}": d.decorators for m, f in files.items() for d in f.defs
                                   if d.kind == "class" and d.decorators}
        self._class: dict[str, K.ValueKind] = {}
        self.decorators: dict[str, list[str]] = {}

    def apply(self, modules: list[str], decorators: Mapping[str, list[str]]) -> None:
        """Set the attributes of every class, function and variable of ``modules``."""
        self.decorators = dict(decorators)
        for module in modules:
            file = self.files[module]
            for definition in file.defs:
                node = f"{module}.{definition.qual}"
                if node not in self.nodes:
                    continue
                if definition.kind == "class":
                    self.nodes[node]["value_kind"] = self.class_kind(node)
            self._functions(module, file)
            for value in file.var_values:
                node = f"{module}.{value.name}"
                if self.nodes.get(node, {}).get("kind") == "variable":
                    kind, type_name = self.variable_kind(module, value, 0)
                    self.nodes[node]["value_kind"] = kind
                    if type_name:
                        self.nodes[node]["value_type"] = type_name

    # -- classes -----------------------------------------------------------------------------------------------
    def class_kind(self, cls: str) -> K.ValueKind:
        """The value kind of a project class, through its MRO (first evidence wins)."""
        known = self._class.get(cls)
        if known is not None:
            return known
        self._class[cls] = "plain"
        kind = self._class_kind(cls)
        self._class[cls] = kind
        return kind

    def _class_kind(self, cls: str) -> K.ValueKind:
        for klass in self.index.mro(cls):
            if self.nodes.get(klass, {}).get("orm"):
                return "orm"
            names = [*self.decorators.get(klass, ()), *self.written_decorators.get(klass, ())]
            if any(str(n).rsplit(".", 1)[-1] == "dataclass" for n in names):
                return "dataclass"
            module, written = self.written_bases.get(klass, ("", ()))
            external = [*self.index.bases(klass)[1], *(w for w in written if "." not in w
                                                       and w not in self.index.ns.get(module, {}))]
            for base in external:
                kind = K.base_kind(base)
                if kind is not None:
                    return kind
        return "plain"

    # -- functions ---------------------------------------------------------------------------------------------
    def _functions(self, module: str, file: F.FileFacts) -> None:
        annotations: dict[str, dict[str, list[str]]] = {}
        kinds: dict[str, dict[str, str]] = {}
        for qual, name, exprs in file.annotations:
            names = [self.qualified(module, expr) for expr in exprs]
            annotations.setdefault(qual, {})[name] = names
            kind = worst({k for n in names if (k := self.type_kind(n)) is not None})
            if kind is not None:
                kinds.setdefault(qual, {})[name] = kind
        shapes: dict[str, set[str]] = {}
        for qual, shape in file.return_shapes:
            shapes.setdefault(qual, set()).add(shape)
        for definition in file.defs:
            node = f"{module}.{definition.qual}"
            if definition.kind != "function" or node not in self.nodes:
                continue
            found = set(shapes.get(definition.qual, ()))
            signature = kinds.get(definition.qual, {})
            if "return" in signature:
                found.add(signature["return"])
            if definition.flags & F.IS_GENERATOR:
                found.add("generator")
            found.update(k for t in self.returned.get(node, ()) if (k := self.target_kind(t)) is not None)
            attrs = self.nodes[node]
            if definition.qual in annotations:
                attrs["annotations"] = annotations[definition.qual]
            params = {p: k for p, k in signature.items() if p != "return"}
            if params:
                attrs["param_kinds"] = params
            kind = worst(found)
            if kind is not None:
                attrs["returns_kind"] = kind

    def qualified(self, module: str, expr: F.Expr) -> str:
        """The qualified name an annotation's expression stands for (as written when it is a builtin)."""
        target, _ = self.index.resolve(module, expr)
        if target is not None and target[0] in ("class", "function", "var", "module", "ext"):
            return target[1]
        kind, head, rest = expr
        return head + rest if kind in ("n", "a") else f"{module}.{head}{rest}"

    def type_kind(self, name: str) -> str | None:
        """The kind an annotation's type gives (a project class by its value kind)."""
        if name in self.index.defs and self.index.defs[name].kind == "class":
            kind = self.class_kind(name)
            return None if kind in K.VALUE_KINDS else ("orm" if kind == "orm" else "instance")
        if name in self.nodes and self.nodes[name].get("kind") in ("variable", "function"):
            return None  # a type alias or a NewType: unknown here, not evidence of an object
        return K.type_kind(name)

    def target_kind(self, target: Target | None) -> str | None:
        """The kind of what a ``return`` gives back, when the analyzer can tell."""
        if target is None:
            return None
        kind = target[0]
        if kind in ("function", "class"):
            return "callable"
        if kind == "instance":
            value = self.class_kind(target[1])
            return None if value in K.VALUE_KINDS else ("orm" if value == "orm" else "instance")
        if kind == "ext" and target[1].endswith("()"):
            return K.call_kind(target[1][:-2])
        if kind == "through":
            return self._state_kind(target[1])
        return None

    def _state_kind(self, variable: str) -> str | None:
        """``context`` when a returned value comes out of per-thread or per-context state (an attribute of a
        ``threading.local()``, ``ContextVar.get()``): a connection or a session kept for this thread, never data."""
        module, _, name = variable.rpartition(".")
        facts = self.files.get(module)
        value = next((v for v in facts.var_values if v.name == name), None) if facts else None
        if value is None:
            return None
        kind, type_name = self.variable_kind(module, value, 0)
        return "context" if kind == "resource" and type_name.rsplit(".", 1)[-1] in K.CONTEXT_TYPES else None

    # -- variables ---------------------------------------------------------------------------------------------
    def variable_kind(self, module: str, value: F.VarValue, depth: int) -> tuple[str, str]:
        """(value kind, qualified type or callee) of a module-level binding."""
        if value.shape in ("constant", "container", "other"):
            return value.shape, ""
        if value.shape == "lambda":
            return "callable", ""
        if value.expr is None:
            return "other", ""
        target, _ = self.index.resolve(module, value.expr)
        if value.shape == "ref":
            return self._alias(target, depth)
        if target is None and value.expr[0] == "n":  # a builtin: frozenset(...), open(...)
            target = ("ext", value.expr[1] + value.expr[2])
        return self._call(target)

    def _alias(self, target: Target | None, depth: int) -> tuple[str, str]:
        if target is None:
            return "other", ""
        if target[0] == "var" and depth < 8:
            module, _, name = target[1].rpartition(".")
            facts = self.files.get(module)
            inner = next((v for v in facts.var_values if v.name == name), None) if facts else None
            return self.variable_kind(module, inner, depth + 1) if inner else ("other", target[1])
        if target[0] == "function":
            return "callable", target[1]
        return "alias", target[1]

    def _call(self, target: Target | None) -> tuple[str, str]:
        """What calling ``target`` gives: an instance of a project class, or of an external callee's result."""
        if target is None or target[0] not in ("class", "ext"):
            return "other", "" if target is None else target[1]
        kind, callee = target[0], target[1]
        if kind == "class":
            value = self.class_kind(callee)
            return ("value" if value in K.VALUE_KINDS else "resource" if value == "resource" else "instance"), callee
        for names, value_kind in _CALL_KINDS:
            if callee in names:
                return value_kind, callee
        if K.call_kind(callee) is not None or K.base_kind(callee) == "resource":
            return "resource", callee
        return "instance", callee
