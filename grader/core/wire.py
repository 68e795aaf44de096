"""The wire between the judge and the learner's process: plain values, never pickle.

Both sides import this file: the judge (trusted, grader/core/judge.py) and the runner
(untrusted, grader/core/runner.py, which sees it read-only in its sandbox). A message is one
JSON object behind an 8-byte length. Values travel as JSON with a few tagged forms:

  {"t": "nd", "dtype": "<f8", "shape": [2, 3], "b64": ...}   numeric or bool array
  {"t": "np", "dtype": "<f8", "b64": ...}                     numpy scalar
  {"t": "tuple" | "iter", "items": [...]}, {"t": "dict", "items": [[k, v], ...]}
  {"t": "rng", "state": ...}      a numpy Generator: its bit generator's state
  {"t": "fn", "id": n}            a callable of the judge: called back over the wire
  {"t": "own", "name": f}         the learner's own function f, in the learner's process
  {"t": "arg", "index": i}        the result IS the caller's i-th argument
  {"t": "foreign", "type": name}  anything else a learner returned

`decode` builds nothing but these plain values, so whatever the learner's process
sends, the judge only ever holds numbers, strings and arrays it can compare.
"""

from __future__ import annotations

import base64
import json
import os
import select
import time

import numpy as np

HEADER = 8
MAX_MESSAGE = 512 * 2**20  # a hidden case never needs more; a flood is refused
MAX_DEPTH = 32
# Arrays travel as base64 text, so a real message holds few JSON items; millions of tiny
# ones ("[]," ...) would cost the reader ~100 bytes of Python objects per byte sent.
MAX_ITEMS = 1_000_000
NUMERIC_KINDS = "biufcU"  # numbers, booleans and fixed-width text (labels)


class WireError(Exception):
    """A message that breaks the protocol (malformed, too big, too deep)."""


class Closed(WireError):
    """The other side ended (its process died or closed the pipe)."""


class TimedOut(WireError):
    """Nothing arrived before the deadline."""


# ---- values -------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode(value, hooks=None, depth: int = 0):
    """`value` as JSON-able data. `hooks(value)` may return a tag for values this module
    does not know (callables, aliases, foreign objects) or None to go on."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if hooks is not None:
        tag = hooks(value)
        if tag is not None:
            return tag
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC_KINDS:
        return {"t": "nd", "dtype": value.dtype.str, "shape": list(value.shape), "b64": _b64(value.tobytes(order="C"))}
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        return {"t": "np", "dtype": value.dtype.str, "b64": _b64(value.tobytes())}
    if isinstance(value, np.random.Generator):
        return {"t": "rng", "id": id(value), "state": _plain(value.bit_generator.state)}
    if isinstance(value, list):
        return [encode(v, hooks, depth + 1) for v in value]
    if isinstance(value, tuple):  # a named tuple arrives as a plain one
        return {"t": "tuple", "items": [encode(v, hooks, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {
            "t": "dict",
            "items": [[encode(k, hooks, depth + 1), encode(v, hooks, depth + 1)] for k, v in value.items()],
        }
    raise WireError(f"cannot send a {type(value).__module__}.{type(value).__qualname__}")


def _plain(state, depth: int = 0):
    """A bit generator's state, checked to be plain JSON (PCG64, Philox... hold only
    names and integers; MT19937's array state is refused)."""
    if depth > 4:
        raise WireError("generator state nested too deeply")
    if type(state) is dict:
        return {str(k): _plain(v, depth + 1) for k, v in state.items()}
    if type(state) in (int, str):
        return state
    raise WireError("only generators with a plain state (such as PCG64) can be sent")


_GENERATORS: dict[int, np.random.Generator] = {}  # one per generator of the sender: reused


def generator(data: dict) -> np.random.Generator:
    """The generator a "rng" tag stands for, in the state it was sent in."""
    state = _plain(data["state"])
    key = int(data.get("id", 0))
    gen = _GENERATORS.get(key)
    if gen is None or gen.bit_generator.state["bit_generator"] != state.get("bit_generator"):
        bit = getattr(np.random, str(state.get("bit_generator")), None)
        if not (isinstance(bit, type) and issubclass(bit, np.random.BitGenerator)):
            raise WireError("unknown bit generator")
        gen = _GENERATORS[key] = np.random.Generator(bit())
    gen.bit_generator.state = state
    return gen


def _dtype(text) -> np.dtype:
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise WireError(f"bad dtype {text!r}") from None
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
        raise WireError(f"dtype {text!r} is not numeric")
    return dtype


def _bytes(data, size: int) -> bytes:
    raw = base64.b64decode(str(data), validate=True)
    if len(raw) != size:
        raise WireError("array data of the wrong size")
    return raw


def decode(data, hooks=None, depth: int = 0):
    """The plain value `data` stands for; `hooks(tag)` resolves the tags "fn", "own",
    "arg" and "foreign" (None: refused)."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode(v, hooks, depth + 1) for v in data]
    if type(data) is not dict:
        raise WireError(f"unexpected {type(data).__name__}")
    tag = data.get("t")
    try:
        if tag == "nd":
            dtype, shape = _dtype(data["dtype"]), tuple(int(n) for n in data["shape"])
            if any(n < 0 for n in shape):
                raise WireError("negative array size")
            raw = _bytes(data["b64"], int(np.prod(shape, dtype=np.int64)) * dtype.itemsize)
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if tag == "np":
            dtype = _dtype(data["dtype"])
            return np.frombuffer(_bytes(data["b64"], dtype.itemsize), dtype=dtype)[0]
        if tag in ("tuple", "iter"):
            items = [decode(v, hooks, depth + 1) for v in data["items"]]
            return tuple(items) if tag == "tuple" else iter(items)
        if tag == "dict":
            return {decode(k, hooks, depth + 1): decode(v, hooks, depth + 1) for k, v in data["items"]}
        if tag == "rng":
            return generator(data)
        if tag in ("fn", "own", "arg", "foreign") and hooks is not None:
            return hooks(data)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise WireError(f"malformed {tag!r} value: {type(exc).__name__}") from None
    raise WireError(f"unknown value tag {tag!r}")


# ---- messages -----------------------------------------------------------------------


def send(fd: int, message: dict) -> None:
    body = json.dumps(message, allow_nan=True).encode()
    data = len(body).to_bytes(HEADER, "big") + body
    while data:
        data = data[os.write(fd, data) :]


def _read(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimedOut("no answer before the deadline")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise Closed("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, deadline: float | None = None) -> dict:
    """The next message; TimedOut after `deadline` (time.monotonic()), Closed at EOF."""
    size = int.from_bytes(_read(fd, HEADER, deadline), "big")
    if size > MAX_MESSAGE:
        raise WireError(f"a message of {size} bytes is over the limit")
    data = _read(fd, size, deadline)
    if data.count(b",") + data.count(b"[") + data.count(b"{") > MAX_ITEMS:
        raise WireError(f"a message of over {MAX_ITEMS} items")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        raise WireError("a message that is not JSON") from None
    if type(message) is not dict or type(message.get("op")) is not str:
        raise WireError("a message without an op")
    return message
