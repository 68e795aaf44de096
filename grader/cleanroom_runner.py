"""Runs inside the clean room (`python -I`, empty folder). Not imported by the grader.

Order matters: numpy and logitlab are imported, and the instructor's setup cells run,
before any learner code, so the references the tests use are captured first.

The clean room grades numbers, not displays: plotting and widget modules (imported by
setup cells for the learner's figures and sliders) are inert stand-ins here, which
keeps them from costing the import time that a figure-free run would pay for nothing.
"""
import importlib.abc
import importlib.machinery
import json
import sys
import types

import numpy  # noqa: F401  (imported before learner code on purpose)

import logitlab.checks  # noqa: F401
import logitlab.testing  # noqa: F401


DISPLAY = ("matplotlib", "ipywidgets", "IPython", "logitlab.widgets", "logitlab.plots",
           "logitlab.quiz")


class _Inert:
    """Whatever a display module offers: calling it, or any attribute, gives itself."""

    def __call__(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self


class _DisplayStandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if any(name == d or name.startswith(d + ".") for d in DISPLAY):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = lambda name: _Inert()
        return module

    def exec_module(self, module):
        pass


def _strip_magics(source):
    return "\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!")))


def main(payload_path, result_path):
    with open(payload_path) as f:
        payload = json.load(f)
    sys.meta_path.insert(0, _DisplayStandIns())
    ns = {"__name__": "__main__"}
    for source in payload["setup"]:
        exec(compile(_strip_magics(source), "<setup>", "exec"), ns)
    for grade_id, source in payload["solutions"]:
        try:
            exec(compile(source, f"<{grade_id}>", "exec"), ns)
        except BaseException:  # a broken cell only costs its own tests
            pass
    passed = {}
    for grade_id, source in payload["tests"]:
        try:
            exec(compile(_strip_magics(source), f"<{grade_id}>", "exec"), dict(ns))
            passed[grade_id] = True
        except BaseException:
            passed[grade_id] = False
    with open(result_path, "w") as f:
        json.dump(passed, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
