"""The course map is whole: logitlab.course, the README's course map, solutions/ and
notebooks/ name the same twelve notebooks, and no link or mention in the README or in
any notebook points to a notebook that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from logitlab.course import COURSE, EXERCISE_ASSIGNMENT

from grader.tools.course import NOTEBOOKS, ROOT, SOLUTIONS, assignments

README = ROOT / "README.md"
ASSIGNMENT_ID = re.compile(r"(?<!\w)(\d\d_[a-z][a-z0-9_]*[a-z0-9])\b")
LINK = re.compile(r"\]\(([^)\s]+?\.ipynb)(?:#[^)]*)?\)")  # [text](path.ipynb#anchor)
PATH = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]+\.ipynb)\b")  # notebooks/x/x.ipynb in prose or code


def _notebook(assignment: str) -> Path:
    return NOTEBOOKS / assignment / f"{assignment}.ipynb"


def _documents() -> dict[str, tuple[Path, str]]:
    """{name: (folder links are relative to, text)} for the README and every notebook."""
    docs = {"README.md": (ROOT, README.read_text())}
    for path in sorted(NOTEBOOKS.glob("*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        docs[str(path.relative_to(ROOT))] = (path.parent, "\n".join(c.source for c in nb.cells))
    return docs


DOCS = _documents()


def _course_map_rows() -> list[list[str]]:
    """The cells of the README's course map table, one list per notebook row."""
    section = README.read_text().split("## Course map", 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| `")
    ]
    assert rows, "the README has no course map table"
    return rows


def test_the_course_has_twelve_notebooks_in_order():
    ids = [a.id for a in COURSE]
    assert len(ids) == 12 and [int(i[:2]) for i in ids] == list(range(12))
    assert len(EXERCISE_ASSIGNMENT) == sum(len(a.exercises) for a in COURSE), "an exercise is listed twice"


def test_every_notebook_of_the_course_exists_in_solutions_and_notebooks():
    ids = [a.id for a in COURSE]
    assert assignments() == ids, "solutions/ and logitlab.course list different notebooks"
    missing = [i for i in ids if not _notebook(i).is_file() or not (SOLUTIONS / i / f"{i}.py").is_file()]
    assert not missing, f"on the course map but not built: {missing}"
    assert sorted(p.name for p in NOTEBOOKS.iterdir() if p.is_dir()) == ids


def test_the_readme_course_map_is_logitlab_course():
    rows = _course_map_rows()
    assert [row[0].strip("`") for row in rows] == [a.id for a in COURSE]
    for row, assignment in zip(rows, COURSE):
        named = re.findall(r"`(\w+)`", row[-1])
        assert set(named) <= set(assignment.exercises), (
            f"the README says {assignment.id} grades {named}, logitlab.course says {assignment.exercises}"
        )


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_no_link_points_to_a_notebook_that_does_not_exist(doc):
    folder, text = DOCS[doc]
    broken = []
    outside = re.sub(r"https?://[^\s)\"'>]+", "", text)  # a path inside another site's address is theirs
    for target in set(LINK.findall(text)) | set(PATH.findall(outside)):
        if "<" in target or target.startswith(("http:", "https:")):
            continue  # a placeholder such as <assignment_id>.ipynb, or another site
        if not ((folder / target).is_file() or (ROOT / target).is_file() or _known_elsewhere(target)):
            broken.append(target)
    assert not broken, f"{doc} points to notebooks that do not exist: {sorted(broken)}"


def _known_elsewhere(target: str) -> bool:
    """A bare file name of a course notebook (`NN_topic.ipynb`), as in `upload NN_topic.ipynb`."""
    return "/" not in target and _notebook(Path(target).stem).is_file()


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_notebook_named_exists(doc):
    _, text = DOCS[doc]
    named = set(ASSIGNMENT_ID.findall(text))
    unknown = sorted(n for n in named if not _notebook(n).is_file())
    assert not unknown, f"{doc} names notebooks that do not exist: {unknown}"


def test_the_link_finders_see_what_they_must():
    text = (
        "see [the welcome](../00_welcome/00_welcome.ipynb#start), `notebooks/01_logits/01_logits.ipynb`, "
        "**08_attention** and upload `<assignment_id>.ipynb`; test_torch_parity_06_07 is no notebook"
    )
    assert LINK.findall(text) == ["../00_welcome/00_welcome.ipynb"]
    assert set(PATH.findall(text)) == {"../00_welcome/00_welcome.ipynb", "notebooks/01_logits/01_logits.ipynb"}
    assert set(ASSIGNMENT_ID.findall(text)) == {"00_welcome", "01_logits", "08_attention"}
    assert ASSIGNMENT_ID.findall("notebooks/12_missing/12_missing.ipynb, 3_no, 99_nothing") == [
        "12_missing",
        "12_missing",
        "99_nothing",
    ]
