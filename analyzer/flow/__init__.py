"""Value flow: what each name, attribute, parameter, return value and container element may point to.

A whole-program, flow-insensitive, field-based analysis on top of the name resolution of :mod:`analyzer.resolve`,
in the manner of an assignment graph (PyCG) solved as inclusion constraints (Andersen):

- :mod:`analyzer.flow.scopes` tells which names a function binds (Python's scoping rules); :mod:`analyzer.flow.slots`
  which slot a name is; :mod:`analyzer.flow.exprs` compiles expressions (:mod:`analyzer.flow.reading`: what it
  reads off libcst's nodes);
- :mod:`analyzer.flow.collect` turns one file's libcst tree (the one the walker read, with its line numbers, in the
  parallel phase) into flow facts;
- :mod:`analyzer.flow.solver` propagates abstract values through slots to a fixpoint;
- :mod:`analyzer.flow.rules` says what an attribute, an element and a call of each value are (MRO, ``super()``,
  bound methods, builtins that call what they are given);
- :mod:`analyzer.flow.emit` turns the solution into ``calls``, ``passes_callable`` and ``returns_callable`` edges.

Flow facts (:data:`Fact`), per file, are plain tuples (a file's facts travel and are cached as one ``marshal`` blob,
:func:`~analyzer.flow.collect.pack`); a *slot* is a string naming a variable of the program:
``"mod:qual:name"`` a local (``qual`` "" for module level: ``"mod::name"`` is a module global), ``"mod:#n"`` a
temporary, ``"<fid>:<ret>"`` / ``"<fid>:<yield>"`` what a function returns / yields, ``"A|cls|name"`` a class's (and
its instances') attribute. Facts:

    ("k", dst, value)                       dst may be value (a def, a class, a lambda, a container, super())
    ("m", dst, src)                         dst may be anything src is
    ("a", dst, base, name, source, line)    dst = base.name
    ("A", base, name, src)                  base.name = src
    ("e", dst, base, key)                   dst = base[key] (key: str | int literal, None: unknown/iteration)
    ("E", base, key, src)                   base[key] = src
    ("c", dst, func, args, kwargs, star, dstar, source, line, name, flags)
                                            dst = func(*args, **kwargs); ``source`` the qualified name of the
                                            scope making the call, ``name`` the callee as written (last segment)
    ("r", fid, src, line)                   fid returns src
    ("y", fid, src)                         fid yields src
    ("d", fid, params, flags, cls)          a function or lambda: params (positional slots, positional names,
                                            vararg slot, kwonly (name, slot), kwarg slot), flags, its class id
    ("x", dst, dotted)                      dst = the absolute dotted name (an import inside a function)
    ("g", module, name)                     the module global ``name`` is read (seeded from name resolution)
    ("S", dst, cls, self_slot)              dst = super() inside a method of cls whose first parameter is self_slot
    ("i", dst, src)                         dst = an instance of each class src may be (an ``except`` target)
    ("n", cls, names)                       the names a class body binds
"""

from analyzer.flow.collect import collect, pack, unpack

__all__ = ["collect", "pack", "unpack"]
