"""What several test modules share that is not a fixture."""

from __future__ import annotations

import os

import pytest


def skip_unless_ci(reason: str, module: bool = False) -> None:
    """Skip with `reason`, except under CI=true, where everything must run: there the
    missing piece is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


def grader_cli(capsys, *args: str) -> tuple[int, str, str]:
    """`python -m grader ARGS`, run in this process: (exit code, stdout, stderr)."""
    from grader.__main__ import main

    code = main(list(args))
    got = capsys.readouterr()
    return code, got.out, got.err
