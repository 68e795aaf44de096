"""The misconception behind an exception raised by the learner's function.

A raw "operands could not be broadcast together with shapes (2,3) (2,)" tells a learner
what numpy saw, not what they did: a sum taken without keepdims. `explain` turns the
usual exceptions into that sentence, then adds the raw error and the learner's line
for reference. Spec modules add exercise-specific readings with `@explains(...)`.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Frames in these folders are library code: a line number points into the learner's cell.
_LIBRARIES = tuple(f"{os.sep}{name}{os.sep}" for name in ("numpy", "torch", "site-packages", "dist-packages"))

Reader = Callable[[BaseException], "str | None"]
_SPECIFIC: dict[str, list[Reader]] = {}


def explains(*exercises: str):
    """Register the decorated reader (exception -> message or None) for `exercises`."""

    def register(reader: Reader) -> Reader:
        for ex in exercises:
            _SPECIFIC.setdefault(ex, []).append(reader)
        return reader

    return register


def shapes_in(text: str) -> list[tuple[int, ...]]:
    return [tuple(int(n) for n in s.split(",") if n.strip()) for s in re.findall(r"\(([\d,\s]*)\)", text)]


def _broadcast(text: str) -> str | None:
    shapes = shapes_in(text)
    if len(shapes) < 2:
        return None
    a, b = sorted(shapes[:2], key=len, reverse=True)
    dropped = [i for i in range(len(a)) if a[:i] + a[i + 1 :] == b]
    if dropped:
        kept = a[: dropped[-1]] + (1,) + a[dropped[-1] + 1 :]
        return (
            f"keepdims forgotten: one value per row (a sum or max along the axis, or [..., i]) has shape "
            f"{b} and does not line up with the {a} array; keep the axis (keepdims=True, or "
            f"[..., i:i + 1]) to get shape {kept}"
        )
    if len(a) == len(b) >= 2 and b[:-1] == a[:-1] and b[-1] == b[-2] != a[-1]:
        return (
            f"keepdims forgotten: the {b} array is what a kept axis ({b[-2]}, 1) and a reduced one "
            f"({b[-2]},) give when combined, and it then met the {a} array; pass keepdims=True to "
            "every reduction (sum, max) whose result is combined with the full array"
        )
    return (
        f"arrays of shapes {a} and {b} met in one operation and do not line up (numpy pairs axes "
        "from the right, and each pair must be equal or 1): check the shape of each array on that line"
    )


def _matmul(text: str) -> str:
    sizes = re.search(r"size (\d+) is different from (\d+)", text)
    found = f" (here {sizes[1]} and {sizes[2]})" if sizes else ""
    return (
        f"a matrix product A @ B whose inner sizes differ{found}: A's last axis must have B's "
        "second-to-last size; check which operand needs a transpose, and write each array's shape "
        "next to the line"
    )


_GENERIC: list[tuple[type, str, str | Callable[[str], str | None]]] = [
    # (exception type, words in its message, the misconception or a function of the message)
    (ValueError, "could not be broadcast", _broadcast),
    (ValueError, "matmul: Input operand", _matmul),
    (
        TypeError,
        "as a data type",
        "np.ones(T, T) or np.zeros(T, T) reads its second argument as a dtype: pass the shape as ONE "
        "tuple, np.ones((T, T))",
    ),
    (
        ValueError,
        "truth value of an array",
        "an `if`, `and`, `or` or max() met an array of several entries: with a batch a comparison gives "
        "one bool per entry; use np.where to choose entry by entry, or .all()/.any() for one answer",
    ),
    (
        IndexError,
        "too many indices",
        "your code indexes a batch (2-D), but a single row is 1-D: index the last axis with [..., i] or "
        "reduce with axis=-1, so one row and a batch both work",
    ),
    (
        IndexError,
        "out of bounds for axis",
        "an index ran past the end of an axis: positions go from 0 to n - 1 (an off-by-one, or indexing "
        "the wrong axis)",
    ),
    (
        IndexError,
        "list index out of range",
        "an index ran past the end of a list: positions go from 0 to n - 1, so a loop over range(len(x)) "
        "never needs a + 1",
    ),
    (
        IndexError,
        "valid indices",
        "an index is a float (targets or token ids stored as floats, or a division result): indices must "
        "be integers, e.g. np.asarray(target, dtype=int) or // instead of /",
    ),
    (
        IndexError,
        "must be of integer",
        "an index array holds floats: indices must be integers, e.g. np.asarray(target, dtype=int)",
    ),
    (
        ValueError,
        "out of bounds for array of dimension",
        "a fixed axis number that does not exist for this input: use the `axis` argument (default -1, the"
        " last axis), never a hard-coded 1",
    ),
    (
        TypeError,
        "'list'",
        "the input was a Python list, and lists do not do arithmetic: convert it first with {arg} = np.asarray({arg})",
    ),
    (
        TypeError,
        "'tuple'",
        "the input was a tuple, and tuples do not do arithmetic: convert it first with np.asarray(...)",
    ),
    (
        TypeError,
        "list indices must be",
        "the input was a Python list, which takes one index at a time: convert it with np.asarray(...) to"
        " index rows and columns together",
    ),
    (
        TypeError,
        "can only concatenate list",
        "the input was a Python list: + joins lists instead of adding numbers; convert it first with np.asarray(...)",
    ),
    (
        AttributeError,
        "'list' object has no attribute",
        "the input was a Python list, which has no .max(), .sum() or .shape: convert it first with np.asarray(...)",
    ),
    (
        IndexError,
        "shape mismatch",
        "indexing with np.arange(N) and the targets assumes one row per target, but the shapes do not "
        "line up: for any leading shape pick the target entries with np.take_along_axis(x, target[..., "
        "None], axis=-1)",
    ),
    (
        TypeError,
        "slice indices must be integers",
        "a slice such as [:n] needs one int, but n is an array: with one length per row, compare "
        "positions instead (np.arange(T) < lengths[..., None]) or loop over rows",
    ),
    (
        TypeError,
        "only integer scalar arrays",
        "a slice such as [:n] needs one int, but n is an array: with one length per row, compare "
        "positions instead (np.arange(T) < lengths[..., None]) or loop over rows",
    ),
    (
        AttributeError,
        "object has no attribute 'index'",
        "numpy arrays have no .index() (a list method): np.argmax gives the position of the largest entry",
    ),
    (
        OverflowError,
        "cannot convert float infinity to integer",
        "an integer array cannot hold -inf or inf: convert the logits to float first (np.asarray(z, "
        "dtype=float) for integer input)",
    ),
    (
        ValueError,
        "probabilities",
        "rng.choice needs a probability distribution (entries >= 0, summing to 1, no nan): pass it "
        "softmax of the logits, computed stably, not the logits or unnormalised exps",
    ),
    (
        TypeError,
        "has no len()",
        "len() of a single number: a single row comes with one int target and a batch with an array of "
        "them; make both work (e.g. np.atleast_1d)",
    ),
    (
        TypeError,
        "arrays can be converted to Python scalars",
        "math.exp, math.log and float() take ONE number: use np.exp / np.log on arrays, and call float() "
        "only on the final single result",
    ),
    (
        TypeError,
        "must be real number",
        "math.exp, math.log and float() take ONE number: use np.exp / np.log, which work on lists and arrays",
    ),
    (
        OverflowError,
        "math range error",
        "math.exp overflowed (it cannot return inf): use np.exp, and subtract the max first when logits are large",
    ),
    (
        TypeError,
        "Cannot cast ufunc",
        "an in-place operation (such as z -= m or np.exp(z, out=z)) on an integer array: the float result"
        " cannot be stored back, and in-place edits change the caller's array anyway; write z = z - m",
    ),
    (
        TypeError,
        "unexpected keyword argument",
        "the function does not accept an argument the exercise specifies: keep the signature given, with "
        "every argument and its default",
    ),
    (
        TypeError,
        "positional argument",
        "the function takes a different number of arguments than the exercise specifies: keep the "
        "signature given, with every argument and its default",
    ),
    (
        TypeError,
        "'NoneType'",
        "a value is None: a helper of yours has no `return`, or a method that works in place "
        "(list.sort(), random.shuffle) was used as if it returned its result",
    ),
    (
        TypeError,
        "object is not subscriptable",
        "a single number was indexed like an array: an argument may be one int (one length for one "
        "sequence, one target for one row); turn it into an array first (np.atleast_1d, or "
        "np.broadcast_to to one value per row) or handle that case",
    ),
    (
        TypeError,
        "cannot be interpreted as an integer",
        "range() and positions need integers, and a float came in: use len(x) or x.shape[-1], or int(...)",
    ),
    (
        TypeError,
        "object is not iterable",
        "a loop or sum() over a single number: iterate over an array or a list, not one value",
    ),
    (
        UnboundLocalError,
        "",
        "a variable is used before it gets a value on some path: give it a value before the `if` or the "
        "loop that sets it",
    ),
    (
        NameError,
        "",
        "a name that is defined nowhere your function can see: a typo, a missing import, or a variable "
        "from a cell that has not run; a function should use only its arguments and imports",
    ),
    (
        RecursionError,
        "",
        "your function calls itself without end: did a helper get the exercise's name, or does the "
        "exercise call itself inside its own body?",
    ),
    (
        ZeroDivisionError,
        "",
        "a division by zero with plain Python numbers: check what you divide by (a count that can be 0, a"
        " sum over nothing)",
    ),
]


def target_index_error(exc: BaseException) -> str | None:
    """For exercises indexed by targets: an IndexError usually means the wrong axis, or a
    one-hot table np.eye(n) with one row per example instead of one per class."""
    if isinstance(exc, IndexError) and "out of bounds for axis" in str(exc):
        if "eye" in (learner_names(exc) or ()):
            return (
                "a one-hot table np.eye(n)[target] needs n = the number of classes (x.shape[-1]), "
                "not the number of rows: a target larger than n - 1 has no row in it"
            )
        return (
            "the targets indexed the wrong axis: x[target] picks whole ROWS by number; pick one entry "
            "per row with x[np.arange(N), target], or np.take_along_axis(x, target[..., None], axis=-1) "
            "for any leading shape"
        )
    return None


def _generic(exc: BaseException) -> str | None:
    text = str(exc)
    for kind, pattern, reading in _GENERIC:
        if isinstance(exc, kind) and pattern.lower() in text.lower():
            return reading(text) if callable(reading) else reading.replace("{arg}", _first_argument(exc))
    return None


def _first_argument(exc: BaseException) -> str:
    """The name of the first argument of the learner's innermost function, or 'x'."""
    tb, name = exc.__traceback__, "x"
    while tb is not None:
        code = tb.tb_frame.f_code
        # A comprehension's hidden argument is named ".0": not a name the learner wrote.
        if _learners(code.co_filename) and code.co_argcount and code.co_varnames[0].isidentifier():
            name = code.co_varnames[0]
        tb = tb.tb_next
    return name


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(",;:") + "…"


def _learners(filename: str) -> bool:
    """A frame of the learner's code: not logitlab, numpy, PyTorch or any installed library."""
    return not (filename.startswith(_PACKAGE) or any(part in filename for part in _LIBRARIES))


def where(exc: BaseException) -> str:
    """The learner's line that raised, as ' at line N: `code`', or '' if it cannot be found."""
    remote = getattr(exc, "learner_line", None)  # set by the grader's judge: the code ran elsewhere
    if remote is not None:
        return f", at line {remote[0]}: `{clip(remote[1], 80)}`" if remote[1] else ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _learners(f.filename)]
    if not frames or not frames[-1].line:
        return ""
    return f", at line {frames[-1].lineno}: `{clip(frames[-1].line, 80)}`"


def learner_names(exc: BaseException) -> set[str] | None:
    """The names (attributes, globals) the learner's innermost frame uses, from its code
    object; None when no frame of theirs is in the traceback (e.g. it ran elsewhere)."""
    tb, names = exc.__traceback__, None
    while tb is not None:
        if _learners(tb.tb_frame.f_code.co_filename):
            names = set(tb.tb_frame.f_code.co_names)
        tb = tb.tb_next
    return names


def reading(exc: BaseException, exercise: str | None = None) -> str | None:
    """The misconception behind `exc`, or None when it is not a usual one."""
    for reader in _SPECIFIC.get(exercise or "", []):
        found = reader(exc)
        if found:
            return found
    return _generic(exc)


def explain(exc: BaseException, name: str, exercise: str | None = None) -> str:
    """The misconception first, then the raw exception and the learner's line."""
    found = reading(exc, exercise)
    raw = f"{name} raised {type(exc).__name__}: {clip(str(exc), 120)}{where(exc)}"
    return f"{found} ({raw})" if found else raw


def cause(exc: BaseException, exercise: str | None = None) -> str:
    """A short key naming the cause, so that reports fold failures with one cause together."""
    found = reading(exc, exercise)
    return found.split(":")[0] if found else f"{type(exc).__name__}: {exc}"
