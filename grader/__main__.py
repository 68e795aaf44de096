"""`python -m grader`: build the course, grade submissions, write feedback and reports."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild notebooks/ from solutions/")
    b.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args(argv)
    if args.command == "build":
        from .build import release
        for path in release(args.assignments or None):
            print(path.relative_to(path.parents[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
