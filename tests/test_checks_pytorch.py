"""The 10_pytorch checks: the solutions pass all of them (hidden tests too), every bug in the
zoo is caught by a graded cell, and the checks name its misconception.

PyTorch is optional for learners, so the graded cells are proven in both worlds: with
PyTorch a wrong implementation loses the points; without it (simulated: `import torch`
made to fail) the same cells print a note and keep the points, and the whole notebook
runs with a note instead of errors."""

from __future__ import annotations

import importlib.abc
import subprocess
import sys
import warnings

import numpy as np
import pytest
from logitlab.checks import run
from logitlab.checks.pytorch import NO_TORCH_NOTE, TorchBroken, check_with_torch, have_torch, torch_problem
from logitlab.hints import tiers
from nbclient import NotebookClient
from support import skip_unless_ci

ASSIGNMENT = "10_pytorch"
FUNCTIONS = ("torch_cross_entropy", "autograd_logit_gradient")
SKIPPED = "This graded test is skipped and keeps its points."
pytestmark = pytest.mark.usefixtures("private_progress", "grading")


@pytest.fixture
def grading(monkeypatch):
    """Graded cells fail by raising only under grading (NBGRADER_EXECUTION set)."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")


@pytest.fixture(scope="module")
def torch_installed():
    if torch_problem() is not None:
        skip_unless_ci(f"PyTorch cannot be imported ({torch_problem()}); `make torch` installs it")


@pytest.fixture
def no_torch(monkeypatch):
    """`import torch` fails from here on, as where PyTorch is not installed."""
    monkeypatch.setitem(sys.modules, "torch", None)


def wrong(*args, **kwargs):
    return 0.0


# ---- with PyTorch ---------------------------------------------------------------------


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_solution_passes_every_check_and_hidden_test(nb, torch_installed, fn_name):
    fn = nb.solution(fn_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a correct solution is warning-free (nbgrader counts stderr)
        report = run(fn_name, fn)
        assert report.passed, report.summary()
        assert nb.failing(fn_name, fn) == []


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_with_torch_a_wrong_implementation_loses_the_points(nb, torch_installed, fn_name):
    assert nb.failing(fn_name, wrong) == [f"test_{fn_name}", f"test_{fn_name}_edge"]


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_the_hidden_tests_catch_what_the_public_edge_checks_let_through(nb, torch_installed, fn_name):
    # The float32 bugs pass every public edge case; the hidden battery still fails them.
    fn = nb.define(nb.bug(fn_name, "float32_tensor"), fn_name)
    assert run(fn_name, fn, part="edge").passed
    assert nb.failing(fn_name, fn) == [f"test_{fn_name}", f"test_{fn_name}_edge"]


def test_torch_error_messages_are_translated_into_the_misconception(torch_installed):
    import torch
    import torch.nn.functional as F

    def raw(logits, targets, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        return F.cross_entropy(torch.as_tensor(np.asarray(logits)), torch.from_numpy(np.asarray(targets)))

    text = " ".join(r.message for r in run("torch_cross_entropy", raw).misses)
    assert "returned a torch tensor" in text  # the reduced loss came back as a tensor
    assert "PyTorch wants class indices as int64" in text  # int32 targets via from_numpy

    def untracked(logits, target):
        z = torch.as_tensor(np.asarray(logits, dtype=float))
        F.cross_entropy(z, torch.as_tensor(np.asarray(target))).backward()
        return z.grad.numpy()

    misses = run("autograd_logit_gradient", untracked).misses
    assert misses and all("mark the logits tensor" in r.message for r in misses)


# ---- without PyTorch --------------------------------------------------------------------


def test_without_torch_the_graded_cells_skip_with_a_note_and_keep_their_points(nb, no_torch, capsys):
    for fn_name in FUNCTIONS:
        assert nb.failing(fn_name, wrong) == []  # even a wrong answer: nothing can be checked
    out = capsys.readouterr().out
    assert out.count(SKIPPED) == 4, out  # one note per graded cell
    assert "PyTorch cannot be imported here (ModuleNotFoundError: import of torch halted" in out


def test_without_torch_check_with_torch_prints_a_note_instead_of_a_report(no_torch, capsys):
    assert "import of torch halted" in torch_problem()
    assert check_with_torch("torch_cross_entropy", wrong) is None
    assert "cannot be checked here" in capsys.readouterr().out
    assert have_torch("Skipped.") is False
    assert capsys.readouterr().out.strip().endswith("Skipped.")


class _BrokenTorch(importlib.abc.MetaPathFinder):
    """PyTorch installed, but its import fails (as with a missing shared library)."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            raise OSError("libtorch_cpu.so: cannot open shared object file")
        return None


def test_a_broken_torch_is_an_error_never_a_skip_with_full_marks(nb, monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenTorch(), *sys.meta_path])
    with pytest.raises(TorchBroken, match="installed but cannot be imported .OSError: libtorch"):
        have_torch()
    for grade_id in ("test_torch_cross_entropy", "test_autograd_logit_gradient_edge"):
        with pytest.raises(TorchBroken):
            exec(nb.tests[grade_id], {"have_torch": have_torch, "assert_check": None})
    assert SKIPPED not in capsys.readouterr().out


def test_torch_imports_beside_the_graders_display_stand_ins():
    # The judge and the learner's process replace display modules (ipywidgets, logitlab.quiz,
    # logitlab.hints, ...) by stand-ins; importing PyTorch after the setup cell must still work,
    # or every graded cell of 10 would fail with TorchBroken.
    code = (
        "import sys; sys.path.insert(0, '.')\n"
        "from grader.core import inert; inert.install()\n"
        "from grader.tools.build import source_notebook\n"
        "nb = source_notebook('10_pytorch')\n"
        "exec(next(c.source for c in nb.cells if c.id == 'setup'), {})\n"
        "from logitlab.checks.pytorch import torch_problem\n"
        "assert torch_problem() is None\n"
    )
    from grader.tools.course import ROOT

    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-1500:]


def test_with_torch_have_torch_is_silent(torch_installed, capsys):
    assert have_torch() is True and torch_problem() is None
    assert capsys.readouterr().out == ""


def test_logitlab_imports_and_loads_every_check_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import logitlab, logitlab.widgets.pytorch, logitlab.checks.pytorch as m\n"
        "from logitlab.checks import exercises\n"
        "assert {'torch_cross_entropy', 'autograd_logit_gradient'} <= set(exercises())\n"
        "assert 'import of torch halted' in m.torch_problem()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    lazy = (
        "import sys\nimport logitlab.widgets.pytorch\nfrom logitlab.checks import exercises\n"
        "exercises()\nassert 'torch' not in sys.modules, 'logitlab imported torch eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", lazy], check=True, timeout=120)


@pytest.mark.slow
def test_the_student_notebook_runs_without_torch_and_says_so(course, tmp_path, monkeypatch):
    shadow = tmp_path / "no_torch" / "torch"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))  # found before the real torch
    monkeypatch.delenv("NBGRADER_EXECUTION")  # the learner's view: widgets and checks as shown
    nb = course.student(ASSIGNMENT)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    out = client.execute()
    outputs = [o for c in out.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert NO_TORCH_NOTE in text  # the setup cell says what its absence means
    assert "No module named 'torch'" in text and text.count(SKIPPED) == 4
    assert "cannot be checked here" in text  # the check cells
    graded = [c for c in out.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(graded) == 4 and all(SKIPPED in "".join(o.get("text", "") for o in c.outputs) for c in graded)


# ---- the spec itself -------------------------------------------------------------------


@pytest.mark.parametrize("fn_name", FUNCTIONS)
def test_hints_come_in_tiers_and_hold_no_line_of_the_solution(nb, fn_name):
    hints = tiers(fn_name)
    assert 2 <= len(hints) <= 3
    solution = [
        line.strip()
        for line in nb.solutions[fn_name].splitlines()
        if len(line.strip()) > 12 and not line.strip().startswith(("#", '"""', "import"))
    ]
    assert solution
    assert not [line for line in solution if any(line in h for h in hints)]


def test_the_checks_import_torch_lazily():
    from logitlab.checks import pytorch

    text = open(pytorch.__file__).read()
    imports = [line for line in text.splitlines() if line.strip().startswith(("import torch", "from torch"))]
    assert len(imports) == 1 and imports[0].startswith("        ")  # tried lazily, in a function
