"""The repository's promises: setup files agree, the README opens with the two commands."""

from __future__ import annotations

import re
import subprocess

import tomllib
import yaml

from grader.tools.course import ROOT


def _name_spec(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_runtime_dependencies_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # The runtime, the course, the hub and the cluster extras: the environment is also a
    # hub's single-user image, and the image of a grading cluster's workers.
    extras = project["optional-dependencies"]
    needed = project["dependencies"] + extras["course"] + extras["hub"] + extras["cluster"]
    wanted = dict(_name_spec(r) for r in needed)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = dict(_name_spec(d) for d in conda if not d.startswith(("python", "pip")))
    assert listed == wanted, "environment.yml and pyproject.toml (runtime, course, hub, cluster) differ"
    assert "-e ." in pip, "environment.yml must install the course package (logitlab) with pip"
    assert "conda-forge" in env["channels"]


def test_readme_opens_with_make_lab_and_make_test():
    text = (ROOT / "README.md").read_text()
    head = text[: text.index("\n## ", text.index("make test"))]
    first_cmds = re.findall(r"^\s*(make \w+)", head, flags=re.M)
    assert first_cmds[:2] == ["make lab", "make test"]


def test_make_knows_every_documented_target():
    for target in ["lab", "test", "release", "site", "bench", "grade", "feedback", "hub", "hub-deps"]:
        dry = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        assert dry.returncode == 0, f"make {target}: {dry.stderr}"


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", script, flags=re.M)
