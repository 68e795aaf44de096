"""Widget of 11_llm_scale: the memory the loss needs, naive against chunked.

Four controls (tokens, vocabulary, dtype, chunk size) drive a table of the bytes of
every N x V array the loss and its gradient need: the logits, the probabilities and
the gradient of the logits, held whole by the naive loss and one block of chunk-size
columns at a time by the chunked one. Below it, the learner's own
`chunked_cross_entropy` runs on a small problem whose blocks are the same fraction of
its vocabulary, and its peak memory is measured with tracemalloc.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
import numpy as np

from ..checks.llm_scale import peak_bytes
from ..errors import LogitlabInputError, require_callable, unknown_name
from ..plots import ACCENT, MAIN
from ._base import NUM, bar_html, call_learner, fn_name, placeholder, problem_html, table_html, under_grading

DTYPES = {"float32": 4, "bfloat16": 2, "float16": 2, "float64": 8}  # bytes per entry
# The numpy dtype the learner's function is measured in; numpy has no bfloat16.
MEASURED_DTYPES = {"float32": np.float32, "bfloat16": np.float32, "float16": np.float16, "float64": np.float64}
VOCABS = {32_000: "Llama 2", 50_257: "GPT-2", 128_000: "this course", 128_256: "Llama 3", 256_000: "Gemma"}
TOKENS = tuple(2**k for k in range(9, 18))  # 512 .. 131,072 tokens in a batch
CHUNKS = tuple(2**k for k in range(6, 19))  # 64 .. 262,144 columns per block
ARRAYS = ("logits", "probabilities", "gradient of the logits")
SMALL = dict(tokens=256, dim=4, vocab=16_384)  # the problem measured with the learner's function


def human(nbytes: float) -> str:
    """Bytes in decimal units, as memory is usually quoted: 4194304000 -> '4.2 GB'."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{int(nbytes)} B"


def loss_memory(tokens: int, vocab: int, bytes_per_entry: int, chunk_size: int) -> dict[str, tuple[int, int]]:
    """{array: (naive bytes, chunked bytes)} for the loss of `tokens` positions over `vocab` tokens.

    Each of the three N x V arrays is held whole by the naive loss and one block of
    min(chunk_size, vocab) columns at a time by the chunked one; both keep two numbers
    per row (the running or final max and sum of exps).
    """
    cols = min(chunk_size, vocab)
    out = {name: (tokens * vocab * bytes_per_entry, tokens * cols * bytes_per_entry) for name in ARRAYS}
    out["row statistics (max, sum)"] = (2 * tokens * bytes_per_entry,) * 2
    return out


def _positive_int(arg: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise LogitlabInputError(f"{arg} must be a whole number of at least 1, got {value!r:.60}")
    return int(value)


def _with(options: tuple[int, ...], value: int) -> tuple[int, ...]:
    return tuple(sorted(set(options) | {value}))


class MemoryCalculator(w.VBox):
    """`.tokens`, `.vocab`, `.dtype`, `.chunk` (controls); `.table`, `.measured` (HTML);
    `.footprint` (what loss_memory gives for the controls), `.measured_peak` (bytes or None),
    `.measured_loss` (the learner's loss on the small problem, or None)."""

    def __init__(self, chunked_fn: Callable, tokens: int, vocab: int, dtype: str, chunk_size: int):
        self.chunked_fn = chunked_fn
        style = {"description_width": "7em"}
        self.tokens = w.SelectionSlider(
            options=[(f"{n:,}", n) for n in _with(TOKENS, tokens)],
            value=tokens,
            description="tokens N",
            style=style,
            continuous_update=False,
        )
        self.vocab = w.Dropdown(
            options=[(f"{v:,} ({VOCABS[v]})" if v in VOCABS else f"{v:,}", v) for v in _with(tuple(VOCABS), vocab)],
            value=vocab,
            description="vocabulary V",
            style=style,
        )
        self.dtype = w.ToggleButtons(options=list(DTYPES), value=dtype, description="dtype", style=style)
        self.chunk = w.SelectionSlider(
            options=[(f"{c:,}", c) for c in _with(CHUNKS, chunk_size)],
            value=chunk_size,
            description="chunk size",
            style=style,
            continuous_update=False,
        )
        self.table, self.measured = w.HTML(), w.HTML()
        self._cache: dict[tuple[int, str], tuple[int | None, float | None, str | None]] = {}
        for control in (self.tokens, self.vocab, self.dtype, self.chunk):
            control.observe(self._refresh, names="value")
        super().__init__([w.HBox([self.tokens, self.vocab]), self.dtype, self.chunk, self.table, self.measured])
        self._refresh()

    def _refresh(self, _change=None) -> None:
        n, v, c = self.tokens.value, self.vocab.value, self.chunk.value
        self.footprint = loss_memory(n, v, DTYPES[self.dtype.value], c)
        self.table.value = self._table(n, v, min(c, v))
        self._measure(max(1, min(SMALL["vocab"], round(c / v * SMALL["vocab"]))))

    def _table(self, n: int, v: int, cols: int) -> str:
        naive = sum(a for a, _ in self.footprint.values())
        chunked = sum(b for _, b in self.footprint.values())
        rows = (
            "<tr><th></th><th>naive: all V columns</th><th></th>"
            f"<th>chunked: {cols:,} columns at a time</th><th></th></tr>"
        )
        for name, (a, b) in self.footprint.items():
            rows += (
                f"<tr><td>{html.escape(name)}</td>"
                f"<td{NUM}>{human(a)}</td><td>{bar_html(a / naive, MAIN)}</td>"
                f"<td{NUM}>{human(b)}</td><td>{bar_html(b / naive, ACCENT)}</td></tr>"
            )
        rows += (
            f'<tr><td><b>total</b></td><td{NUM}><b class="ll-naive">{human(naive)}</b></td><td></td>'
            f'<td{NUM}><b class="ll-chunked">{human(chunked)}</b></td><td></td></tr>'
        )
        return (
            f"<p>{n:,} tokens x {v:,} vocabulary entries = {n * v:,} logits, "
            f"{DTYPES[self.dtype.value]} bytes each ({html.escape(self.dtype.value)}). Chunked holds "
            f'<b class="ll-ratio">{naive / chunked:,.1f}</b> times less.</p>' + table_html("ll-memory", rows)
        )

    def _measure(self, chunk: int) -> None:
        dtype = np.dtype(MEASURED_DTYPES[self.dtype.value])
        if (chunk, dtype.name) not in self._cache:
            self._cache[chunk, dtype.name] = self._run(chunk, dtype)
        self.measured_peak, self.measured_loss, problem = self._cache[chunk, dtype.name]
        n, v = SMALL["tokens"], SMALL["vocab"]
        note = " (numpy has no bfloat16)" if dtype.name != self.dtype.value else ""
        head = (
            f"<p>Measured with <b>your</b> {html.escape(fn_name(self.chunked_fn))} on {n} tokens x {v:,} "
            f'entries (<span class="ll-dtype">{dtype.name}</span>{note}) in blocks of {chunk:,} columns, '
            "the same share of the vocabulary:</p>"
        )
        if problem:
            self.measured.value = head + problem_html(problem, "measure its memory")
            return
        full = n * v * dtype.itemsize
        self.measured.value = head + (
            f'<p>peak memory <b class="ll-peak">{human(self.measured_peak)}</b>, where all the logits '
            f"alone would take {human(full)} ({self.measured_peak / full:.2f} of that); "
            f'mean loss <b class="ll-loss">{self.measured_loss:.4f}</b>.</p>'
        )

    def _run(self, chunk: int, dtype: np.dtype) -> tuple[int | None, float | None, str | None]:
        n, d, v = SMALL["tokens"], SMALL["dim"], SMALL["vocab"]
        rng = np.random.default_rng(11)
        hidden, weight = rng.normal(size=(n, d)).astype(dtype), (rng.normal(size=(v, d)) / 4).astype(dtype)
        targets = rng.integers(0, v, size=n)
        answer: list = []
        peak = peak_bytes(
            lambda: answer.append(call_learner(self.chunked_fn, hidden, weight, targets, chunk, shape=()))
        )
        loss, problem = answer[0]
        if problem is None and not np.isfinite(loss):
            problem = f"{fn_name(self.chunked_fn)} returned {loss} for moderate random logits"
        return (None, None, problem) if problem else (peak, loss, None)


def memory_calculator(
    chunked_fn: Callable, tokens: int = 8_192, vocab: int = 128_000, dtype: str = "float32", chunk_size: int = 4_096
):
    """Bytes of the logits, probabilities and gradient for `tokens` x `vocab` in `dtype`, naive
    against chunks of `chunk_size` columns; and the peak memory of YOUR `chunked_fn`
    (chunked_cross_entropy) measured on a small problem.

    Returns the widget (a placeholder under grading).
    """
    if under_grading():
        return placeholder("memory calculator")
    require_callable("chunked_fn", chunked_fn)
    if dtype not in DTYPES:
        raise unknown_name("dtype", dtype, DTYPES)
    return MemoryCalculator(
        chunked_fn,
        _positive_int("tokens", tokens),
        _positive_int("vocab", vocab),
        dtype,
        _positive_int("chunk_size", chunk_size),
    )
