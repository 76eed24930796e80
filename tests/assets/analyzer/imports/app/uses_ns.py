import importlib

import nspkg.sub.mod


def call():
    nspkg.sub.mod.f()


def dynamic(name):
    importlib.import_module("app.util")
    return importlib.import_module(name)
