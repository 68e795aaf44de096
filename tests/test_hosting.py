"""Binder and Colab: the notebooks run where nothing of the course is installed.

- the setup lines the build puts in every notebook do nothing where logitlab is
  installed, turn on Colab's widget manager on Colab only, and, in a fresh virtual
  environment with only the runtime packages, install logitlab and let a notebook run;
- repo2docker (Binder's builder) reads the repository as intended: the conda
  environment, the repository copied in before `pip install -e .`, and `start`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import types

import nbformat
import pytest
from nbclient import NotebookClient

from grader.core import cells
from grader.tools import hosting
from grader.tools.course import NOTEBOOKS, ROOT, assignments

ASSIGNMENTS = assignments()


def _run_setup_lines(monkeypatch, source: str) -> None:
    """Run the setup lines with pip replaced by a call that fails the test."""

    def no_install(*args, **kwargs):
        raise AssertionError(f"the setup lines ran {args[0]!r}")

    monkeypatch.setattr(subprocess, "run", no_install)
    monkeypatch.setenv(hosting.SOURCE_VARIABLE, "/nonexistent")
    exec(compile(source, "<setup>", "exec"), {"__name__": "__main__"})


def test_setup_lines_do_nothing_where_logitlab_is_installed(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    _run_setup_lines(monkeypatch, hosting.SETUP_LINES)  # no pip, no Colab import


def test_setup_lines_turn_on_colab_widgets_on_colab(monkeypatch):
    calls = []
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: calls.append("enabled")
    colab = types.ModuleType("google.colab")
    colab.output = output
    google = types.ModuleType("google")
    google.colab = colab
    for name, module in {"google": google, "google.colab": colab, "google.colab.output": output}.items():
        monkeypatch.setitem(sys.modules, name, module)
    _run_setup_lines(monkeypatch, hosting.SETUP_LINES)
    assert calls == ["enabled"]


def test_the_repository_address_is_written_in_one_place():
    """hosting.py sets it; the README's badge line is checked against hosting.badges()."""
    hand_written = [ROOT / "Makefile", ROOT / "start", ROOT / "environment.yml"]
    hand_written += [*ROOT.glob("solutions/*/*.py"), *ROOT.glob("helpers/**/*.py"), *ROOT.glob("grader/**/*.py")]
    holding = [p.relative_to(ROOT).as_posix() for p in hand_written if hosting.REPOSITORY in p.read_text()]
    assert holding == ["grader/tools/hosting.py"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_notebook_opens_with_badges_and_the_setup_lines(name):
    nb = nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(hosting.badges(name) + "\n")
    assert f"/notebooks/{name}/{name}.ipynb" in hosting.colab_url(name)
    (setup,) = cells.of_kind(nb, cells.SETUP)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert setup is first_code and setup.source.startswith(hosting.SETUP_LINES)


def test_readme_has_the_badges_of_the_first_notebook():
    readme = (ROOT / "README.md").read_text()
    assert hosting.badges() in readme.splitlines()[:5], "the README's badge line is not hosting.badges()"
    assert "<you>" not in readme, "no URL for the learner to edit"


# --- Colab: a fresh environment with only the runtime packages ------------------------------

RUNTIME = ["numpy", "matplotlib", "ipywidgets", "ipykernel"]  # what Colab's kernel already has


def _checkout_copy(dest):
    """What `pip install git+<repository>` reads: the package, its metadata and README."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "helpers", dest / "helpers", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return dest


@pytest.mark.slow
def test_setup_cell_installs_logitlab_in_a_fresh_environment_and_the_notebook_runs(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *RUNTIME], check=True, timeout=600)
    missing = subprocess.run([str(python), "-c", "import logitlab"], capture_output=True, text=True)
    assert "No module named 'logitlab'" in missing.stderr, "the fresh environment must start without logitlab"

    kernels = tmp_path / "share" / "jupyter" / "kernels" / "fresh"
    kernels.mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"], "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec | {"display_name": "fresh"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setenv(hosting.SOURCE_VARIABLE, str(_checkout_copy(tmp_path / "checkout")))
    monkeypatch.setenv("LOGITLAB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)

    name = "02_softmax"
    nb = nbformat.read(str(NOTEBOOKS / name / f"{name}.ipynb"), as_version=4)
    work = tmp_path / "work"
    work.mkdir()
    NotebookClient(nb, timeout=600, kernel_name="fresh", resources={"metadata": {"path": str(work)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{errors[0].ename}: {errors[0].evalue}" if errors else ""
    where = subprocess.run(
        [str(python), "-c", "import logitlab; print(logitlab.__file__)"], capture_output=True, text=True, check=True
    )
    assert where.stdout.startswith(str(venv)), "logitlab must be installed into the kernel's own environment"


# --- Binder: what repo2docker makes of the repository ---------------------------------------


@pytest.fixture
def repo2docker(monkeypatch):
    """repo2docker's choice of build pack for this repository, and the Dockerfile it writes
    (rendered without Docker)."""
    from repo2docker import app

    monkeypatch.chdir(ROOT)  # repo2docker reads the repository from the working folder
    base = app.Repo2Docker().base_image
    chosen = next(bp(base_image=base) for bp in app.Repo2Docker().buildpacks if bp(base_image=base).detect())
    chosen.platform = "linux/amd64"
    return chosen, chosen.render()


def test_binder_builds_the_conda_environment_with_the_repository_in_place(repo2docker):
    pack, dockerfile = repo2docker
    assert type(pack).__name__ == "CondaBuildPack", "environment.yml must be what repo2docker builds from"
    assert pack.python_version == "3.11"
    lines = dockerfile.splitlines()
    copy = next(i for i, line in enumerate(lines) if line.startswith("COPY") and "src/ ${REPO_DIR}/" in line)
    install = next(i for i, line in enumerate(lines) if "env update" in line and "environment.yml" in line)
    assert copy < install, "`pip install -e .` needs the whole repository copied in before the environment"


def test_binder_starts_the_learners_lab(repo2docker, tmp_path):
    _, dockerfile = repo2docker
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/start"' in dockerfile
    start = ROOT / "start"
    assert start.stat().st_mode & stat.S_IXUSR
    assert start.read_text().rstrip().splitlines()[-1] == 'exec "$@"', "repo2docker: start must end with exec"
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"} | {"REPO_DIR": str(ROOT)}
    shown = subprocess.run([str(start), "printenv", "JUPYTER_CONFIG_PATH"], env=env, capture_output=True, text=True)
    assert shown.stdout.strip() == str(ROOT / "lab" / "jupyter")
    assert (ROOT / "lab" / "jupyter" / "jupyter_server_config.json").is_file()


def test_binder_link_opens_the_welcome_notebook_in_jupyterlab():
    url = hosting.binder_url()
    assert url.startswith(f"https://mybinder.org/v2/gh/{hosting.REPOSITORY}/{hosting.BRANCH}?urlpath=lab/tree/")
    path = url.split("urlpath=lab/tree/", 1)[1]
    assert path == "notebooks/00_welcome/00_welcome.ipynb" and (ROOT / path).is_file()
