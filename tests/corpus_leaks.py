"""Near misses that try to reach the hidden answers: none may earn more than the plain
near miss.

NEAR_MISS is a softmax that passes every public check of 02_softmax but fails one
hidden case (a 3-D batch along axis=1). Each leak wraps it: when the near miss would
be wrong, the function hunts for the hidden test's reference implementation or for
the expected values, and returns what it finds, or patches the comparison. Under
plain nbgrader several of them win; graded by the judge, none may.
"""

from __future__ import annotations

NEAR_MISS = '''import numpy as np


def _near_miss(z, axis=-1):
    z = np.asarray(z)
    z = z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)
    if z.ndim == 3:  # the miss: 3-D batches are always normalised along the last axis
        axis = -1
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
'''


def _leak(hunt: str, prelude: str = "") -> str:
    """The near miss, plus `hunt`: code that sets `found` to a reference function."""
    body = "\n".join("        " + line for line in hunt.strip().splitlines())
    return f'''{NEAR_MISS}
{prelude}

def softmax(z, axis=-1):
    found = None
    try:
{body}
    except Exception:
        found = None
    if callable(found):  # the reference works in float64: give float32 back as float32
        z = np.asarray(z)
        out = found(z, axis=axis)
        return out.astype(z.dtype) if np.issubdtype(z.dtype, np.floating) else out
    return _near_miss(z, axis)
'''


FRAMES = _leak('''
import sys
frame = sys._getframe(1)
while frame is not None and found is None:
    for scope in (frame.f_locals, frame.f_globals):
        for name, x in list(scope.items()):
            if name.startswith("_reference") and callable(x):
                found = x
    frame = frame.f_back
''')

TRACEBACK = _leak('''
import inspect
for info in inspect.stack():
    for name, x in list(info.frame.f_globals.items()) + list(info.frame.f_locals.items()):
        if name.startswith("_reference") and callable(x):
            found = x
''')

GC = _leak('''
import gc
for x in gc.get_objects():
    if callable(x) and getattr(x, "__name__", "").startswith("_reference"):
        found = x
''')

SYS_MODULES = _leak('''
import sys
for module in list(sys.modules.values()):
    for name, x in list(getattr(module, "__dict__", {}).items()):
        if name.startswith("_reference") and callable(x):
            found = x
''')

CELL_SOURCE = _leak('''
import sys
history = []
main = sys.modules.get("__main__")
history += list(getattr(main, "_ih", []) or []) + list(getattr(main, "In", []) or [])
try:
    history += list(get_ipython().user_ns.get("_ih", []))
except NameError:
    pass
for source in history:
    if "def _reference_softmax" in source:
        start = source.index("def _reference_softmax")
        scope = {}
        exec(source[start:source.index("\\n\\n\\n", start)], {"np": __import__("numpy")}, scope)
        found = scope["_reference_softmax"]
''')

READ_FILES = _leak('''
import glob, os
places = ["/work", "/tmp", "/root", "/home", os.getcwd(), os.path.expanduser("~")]
paths = [p for top in places for p in glob.glob(top + "/**/02_softmax*", recursive=True)]
for path in [p for p in paths if p.endswith((".py", ".ipynb")) and "graded" not in p][:50]:
    text = open(path).read()
    if "_reference_softmax" in text and "def softmax" in text:
        start = text.index("def _reference_softmax")
        scope = {}
        exec(text[start:text.index("\\n\\n\\n", start)].replace("\\\\n", "\\n"),
             {"np": __import__("numpy")}, scope)
        found = scope["_reference_softmax"]
        break
''')

PATCH_COMPARISON = _leak(
    "found = None",
    prelude='''
import numpy as np
import logitlab.testing
import logitlab.checks._core
_yes = lambda *a, **k: True
np.allclose = np.array_equal = _yes
logitlab.testing.close = logitlab.checks._core.close = _yes
logitlab.testing.expect_close = lambda *a, **k: None
logitlab.testing.battery = lambda *a, **k: None
''',
)

LYING_RESULT = (
    NEAR_MISS
    + '''

class _Agreeable(np.ndarray):
    """An array that claims to equal anything it is compared with."""

    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(other))

    __rsub__ = __sub__


def softmax(z, axis=-1):
    return _near_miss(z, axis).view(_Agreeable)
'''
)

LEAKS = {
    "frames": FRAMES,
    "traceback-inspect": TRACEBACK,
    "gc": GC,
    "sys-modules": SYS_MODULES,
    "cell-source": CELL_SOURCE,
    "read-files": READ_FILES,
    "patch-comparison": PATCH_COMPARISON,
    "lying-result": LYING_RESULT,
}
NEAR_MISS_SOFTMAX = NEAR_MISS + "\n\nsoftmax = _near_miss\n"
