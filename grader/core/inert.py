"""Inert stand-ins for display modules, in the judge and in the learner's process.

Both grade numbers, not displays: the setup cells import plotting, widget and quiz
modules for the learner's figures and sliders, and learners call `display(...)`.
Here every such module is a stand-in whose every attribute and call gives itself,
which saves their import time and keeps anything from drawing. Standard library only
(the learner's process imports it inside its sandbox).
"""

import importlib.abc
import importlib.machinery
import sys
import types

DISPLAY = (
    "matplotlib",
    "ipywidgets",
    "IPython",
    "logitlab.widgets",
    "logitlab.plots",
    "logitlab.quiz",
    "logitlab.hints",
)


class Inert:
    """Whatever a display module offers: calling it, or any attribute, gives itself."""

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter(())

    def __enter__(self):  # `with widgets.Output():`
        return self

    def __exit__(self, *exc):
        return False

    def __mro_entries__(self, bases):
        return (InertBase,)  # a class built on a display class (tqdm's notebook bar on a widget)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self


class InertBase:
    """The base of a class built on a stand-in: it takes any arguments, keeps the keyword
    ones as attributes (a widget's `children=[...]`), and any other attribute it does not
    define itself is a stand-in."""

    def __init__(self, *args, **kwargs):
        for name, value in kwargs.items():
            try:
                setattr(self, name, value)
            except Exception:  # a property of the subclass that refuses it
                pass

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Inert()


def _attribute(name: str):
    """A stand-in module's attribute: anything, except the dunder names (`__file__`,
    `__path__`...) that tools such as `inspect`, walking sys.modules, rely on."""
    if name.startswith("__"):
        raise AttributeError(name)
    return Inert()


class _StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if any(name == d or name.startswith(d + ".") for d in DISPLAY):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__getattr__ = _attribute
        return module

    def exec_module(self, module):
        pass


def install() -> None:
    """From now on, importing a display module gives its stand-in."""
    if not any(isinstance(f, _StandIns) for f in sys.meta_path):
        sys.meta_path.insert(0, _StandIns())
