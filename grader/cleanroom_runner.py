"""Runs inside the clean room (`python -I`, empty folder). Not imported by the grader.

Order matters: numpy and logitlab are imported, and the instructor's setup cells run,
before any learner code, so the references the tests use are captured first.
"""
import json
import sys

import numpy  # noqa: F401  (imported before learner code on purpose)

import logitlab.checks  # noqa: F401
import logitlab.testing  # noqa: F401


def _strip_magics(source):
    return "\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!")))


def main(payload_path, result_path):
    with open(payload_path) as f:
        payload = json.load(f)
    ns = {"__name__": "__main__"}
    for source in payload["setup"]:
        exec(compile(_strip_magics(source), "<setup>", "exec"), ns)
    for grade_id, source in payload["solutions"]:
        try:
            exec(compile(source, f"<{grade_id}>", "exec"), ns)
        except BaseException:  # a broken cell only costs its own tests
            pass
    passed = {}
    for grade_id, source in payload["tests"]:
        try:
            exec(compile(_strip_magics(source), f"<{grade_id}>", "exec"), dict(ns))
            passed[grade_id] = True
        except BaseException:
            passed[grade_id] = False
    with open(result_path, "w") as f:
        json.dump(passed, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
