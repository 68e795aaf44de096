"""The course as a static website: `make site` (python -m grader site) -> build/site/.

Each page is a student notebook exactly as learners get it (exercise cells end in
`raise NotImplementedError()`; no answers, no hidden tests), executed untouched so the
worked examples show their printed numbers and the figures, then converted to HTML by
nbconvert. Widgets cannot run in a static page: each is replaced by a note pointing to
Binder and Colab, which every page links to. MathJax is served from the site itself
(jupyter-server-mathjax), so the pages need no network.

The executed notebooks are kept in build/site-run/ with a manifest of what they were
built from, so the tests reuse this one execution while it is current.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import hosting
from .course import BUILD, NOTEBOOKS, ROOT, assignments

SITE = BUILD / "site"
RUNS = BUILD / "site-run"
TEMPLATES = Path(__file__).resolve().parent / "site_templates"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
EXECUTION_TIMEOUT = 300  # seconds per cell


@dataclass(frozen=True)
class Page:
    assignment: str
    title: str
    html: Path  # the page, in the site
    executed: Path  # the executed student notebook
    error_cells: tuple[str, ...]  # ids of cells whose execution raised (none expected)


def _course_titles() -> dict[str, str]:
    from logitlab.course import COURSE

    return {a.id: a.title for a in COURSE}


def _fingerprint(names: list[str]) -> dict[str, str]:
    """What the executed notebooks depend on: the notebooks and the logitlab sources."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "helpers" / "logitlab").rglob("*.py"), *TEMPLATES.iterdir()]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    prints = {n: hashlib.sha256((NOTEBOOKS / n / f"{n}.ipynb").read_bytes()).hexdigest() for n in names}
    return prints | {"logitlab": digest.hexdigest(), "site.py": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}


def _execute(name: str) -> str:
    """The student notebook `name` run top to bottom as a learner who wrote nothing would
    (in an empty folder, with a throwaway progress store); returns it as JSON."""
    from nbclient import NotebookClient

    nb = nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4)
    with tempfile.TemporaryDirectory() as work:
        os.environ["LOGITLAB_HOME"] = work
        os.environ.pop("NBGRADER_EXECUTION", None)
        client = NotebookClient(
            nb,
            timeout=EXECUTION_TIMEOUT,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": work}},
        )
        client.execute()
    return nbformat.writes(nb)


def _error_cells(nb) -> tuple[str, ...]:
    return tuple(
        c.get("id", "?") for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    )


def _without_widgets(nb, assignment: str) -> None:
    """Each live widget becomes a short note: a static page cannot run Python."""
    note = (
        '<p class="ll-widget-note">An interactive widget runs here in the notebook: '
        f'<a href="{html.escape(hosting.binder_url(assignment))}">run it on Binder</a> or '
        f'<a href="{html.escape(hosting.colab_url(assignment))}">on Colab</a>.</p>'
    )
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/html": note}


NOTEBOOK_LINK = re.compile(r'href="(?:\.\./)?(\d\d_[a-z0-9_]+)/\1\.ipynb(#[^"]*)?"')


def _site_links(body: str) -> str:
    """A link between notebooks (`../01_logits/01_logits.ipynb`) leads to that page of the site."""
    return NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)])
    exporter.template_file = "course.html.j2"
    exporter.mathjax_url = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"  # what the package ships
    return exporter


def _nav(names: list[str], titles: dict[str, str], index: int) -> dict:
    name = names[index]

    def link(i: int) -> dict:
        return {"href": f"{names[i]}.html", "title": f"{names[i][:2]} · {titles[names[i]]}"}

    return {
        "previous": link(index - 1) if index > 0 else None,
        "next": link(index + 1) if index + 1 < len(names) else None,
        "binder": hosting.binder_url(name),
        "colab": hosting.colab_url(name),
    }


def _index_page(pages: list[Page]) -> str:
    rows = "\n".join(
        f'<li><a href="{p.html.name}">{html.escape(p.assignment[:2])} · {html.escape(p.title)}</a> '
        f'<span class="ll-run">(run it: <a href="{html.escape(hosting.binder_url(p.assignment))}">Binder</a>, '
        f'<a href="{html.escape(hosting.colab_url(p.assignment))}">Colab</a>)</span></li>'
        for p in pages
    )
    css = (TEMPLATES / "course.css").read_text()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Logits to Loss</title>
<style>{css}</style>
</head>
<body class="ll-index">
<main>
<h1>Logits to Loss</h1>
<p>A hands-on course that follows a language model's output from the raw scores it produces to
the number that trains it. Each page below is a notebook as a learner gets it, run once so that
its worked examples and figures show; the exercises are left for you. To work through one, open
it on Binder or Colab, or clone the repository and run <code>make lab</code>.</p>
<ol class="ll-course">
{rows}
</ol>
</main>
</body>
</html>
"""


def is_current(site: Path = SITE, runs: Path = RUNS) -> bool:
    """Whether `site` was built from the notebooks and logitlab as they are now."""
    manifest = runs / "manifest.json"
    if not manifest.is_file() or not (site / "index.html").is_file():
        return False
    recorded = json.loads(manifest.read_text())
    return recorded.get("fingerprint") == _fingerprint(assignments())


def pages(site: Path = SITE, runs: Path = RUNS) -> list[Page]:
    """The pages of a built site, from its manifest."""
    recorded = json.loads((runs / "manifest.json").read_text())
    return [
        Page(p["assignment"], p["title"], site / p["html"], runs / p["executed"], tuple(p["error_cells"]))
        for p in recorded["pages"]
    ]


def build(site: Path = SITE, runs: Path = RUNS, jobs: int = 2) -> list[Page]:
    """Execute every student notebook and write the site; returns its pages."""
    names = assignments()
    titles = _course_titles()
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        executed = dict(zip(names, pool.map(_execute, names)))
    for folder in (site, runs):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    import jupyter_server_mathjax

    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", site / "mathjax")
    exporter = _exporter()
    built = []
    for index, name in enumerate(names):
        nb = nbformat.reads(executed[name], as_version=4)
        (runs / f"{name}.ipynb").write_text(executed[name])
        _without_widgets(nb, name)
        resources = {"metadata": {"name": f"{name[:2]} · {titles[name]}"}, "course": _nav(names, titles, index)}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        (site / f"{name}.html").write_text(_site_links(body))
        built.append(Page(name, titles[name], site / f"{name}.html", runs / f"{name}.ipynb", _error_cells(nb)))
    (site / "index.html").write_text(_index_page(built))
    manifest = {
        "fingerprint": _fingerprint(names),
        "pages": [
            {
                "assignment": p.assignment,
                "title": p.title,
                "html": p.html.name,
                "executed": p.executed.name,
                "error_cells": list(p.error_cells),
            }
            for p in built
        ],
    }
    (runs / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return built


def main(jobs: int = 2) -> int:
    built = build(jobs=jobs)
    broken = [f"{p.assignment}: cells {', '.join(p.error_cells)}" for p in built if p.error_cells]
    for p in built:
        print(p.html.relative_to(ROOT))
    if broken:
        print("error outputs in the executed student notebooks: " + "; ".join(broken), file=sys.stderr)
        return 1
    print(f"open {(SITE / 'index.html').relative_to(ROOT)} in a browser")
    return 0
