"""The graded notebook, assembled in nbgrader's layout from one run and the judge.

nbgrader's `autograde` would run the notebook again, in a kernel, with the hidden tests.
Here the notebook that formgrader shows and feedback pages are made from is put
together from what is already known: the submitted cells (locked ones as released),
the outputs of the single sandboxed run, and each test cell as released with the
judge's outcome (PASS, or its one-line reason). The hidden tests never appear.

Everything the learner controls is made inert for whoever opens the page (an
instructor in formgrader, a student in feedback): outputs are text only (rich and
HTML output never travels back from the sandbox), markdown and raw cells the learner
wrote go through nh3, links keep only safe schemes, attachments only bitmap images,
and cell and notebook metadata other than nbgrader's are dropped.
"""

from __future__ import annotations

import re

import nbformat
import nh3

from . import cells
from .judge import Judgement

SAFE_SCHEMES = {"http", "https", "mailto"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif"}
MAX_OUTPUT = 20_000  # characters per output
MAX_OUTPUTS = 20  # outputs per cell
TAG = re.compile(r"<\s*[A-Za-z!/?]")
# A markdown link or reference whose target names a scheme: [text](scheme:...) or [id]: scheme:...
LINK = re.compile(r"(\]\(\s*<?|^\s*\[[^\]]*\]:\s*<?)\s*([A-Za-z][A-Za-z0-9+.-]*):", re.M)


def markdown(text: str) -> str:
    """Learner-written markdown, rendered harmless: HTML cleaned by nh3, and every link
    whose scheme is not http, https or mailto pointed nowhere."""
    if TAG.search(text):
        text = nh3.clean(text, url_schemes=SAFE_SCHEMES, link_rel="noopener noreferrer nofollow")

    def link(match: re.Match) -> str:
        return match.group(0) if match.group(2).lower() in SAFE_SCHEMES else match.group(1) + "#blocked-"

    return LINK.sub(link, text)


def _text(value, limit: int = MAX_OUTPUT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def outputs(found) -> list:
    """The run's outputs of one cell as nbformat outputs: text only, whatever was sent."""
    made = []
    for o in found if isinstance(found, list) else []:
        kind = o.get("output_type") if isinstance(o, dict) else None
        if kind == "stream" and o.get("name") in ("stdout", "stderr"):
            made.append(nbformat.v4.new_output("stream", name=o["name"], text=_text(o.get("text"))))
        elif kind == "execute_result" and isinstance(o.get("data"), dict):
            data = {"text/plain": _text(o["data"].get("text/plain"))}
            made.append(nbformat.v4.new_output("execute_result", data=data, execution_count=None))
        elif kind == "error":
            ename, evalue = _text(o.get("ename"), 100) or "Error", _text(o.get("evalue"), 2000)
            made.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
    return made[:MAX_OUTPUTS]


def _verdict(passed: bool, why: str) -> list:
    if passed:
        return [nbformat.v4.new_output("stream", name="stdout", text="PASS\n")]
    return [nbformat.v4.new_output("error", ename="AssertionError", evalue=why, traceback=[f"AssertionError: {why}"])]


def _attachments(cell) -> dict:
    kept = {}
    for name, bundle in (cell.get("attachments") or {}).items():
        if isinstance(bundle, dict):
            images = {k: v for k, v in bundle.items() if k in IMAGE_TYPES and isinstance(v, str)}
            if images:
                kept[str(name)[:100]] = images
    return kept


def assemble(
    submitted: nbformat.NotebookNode,
    release: nbformat.NotebookNode,
    judged: Judgement,
    verdicts: dict[str, tuple[bool, str]],
) -> nbformat.NotebookNode:
    """The graded notebook: `submitted` (already repaired against `release`), with the
    run's outputs from `judged` and each test cell's verdict from `verdicts`."""
    released = {c.get("id"): c for c in release.cells}
    by_grade = {cells.grade_id(c): c for c in release.cells if cells.grade_id(c)}
    release_ids = set(released)
    nb = nbformat.v4.new_notebook(metadata=dict(release.metadata))
    count = 0
    for index, cell in enumerate(submitted.cells):
        kind, gid = cells.kind(cell, release_ids), cells.grade_id(cell)
        meta = {"nbgrader": dict(cells.meta(cell))} if cells.meta(cell) else {}
        source = cell.get("source", "") if isinstance(cell.get("source"), str) else ""
        if cell.cell_type == "code":
            if kind == cells.TEST or cells.meta(cell).get("locked"):
                source = by_grade[gid].source if gid in by_grade else source
            made = nbformat.v4.new_code_cell(source, metadata=meta, id=cell.get("id"))
            if kind == cells.TEST:
                made.outputs = _verdict(*verdicts.get(gid, (False, "not judged")))
            elif str(index) in judged.outputs:
                count += 1
                made.execution_count = count
                made.outputs = outputs(judged.outputs[str(index)])
        elif cell.cell_type == "markdown":
            same = released.get(cell.get("id"))
            if same is None or same.get("source") != source:
                source = markdown(source)
            made = nbformat.v4.new_markdown_cell(source, metadata=meta, id=cell.get("id"))
            if _attachments(cell):
                made.attachments = _attachments(cell)
        else:  # raw cells are pasted into HTML pages as they are: cleaned like HTML
            made = nbformat.v4.new_raw_cell(nh3.clean(source), metadata=meta, id=cell.get("id"))
        nb.cells.append(made)
    nbformat.validate(nb)
    return nb
