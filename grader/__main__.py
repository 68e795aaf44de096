"""`python -m grader`: build the course, grade submissions, write feedback and reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .tools.coursecli import COMMANDS


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, without the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from .tools.coursecli import add_commands
    from .tools.gradebook import DEFAULT_TIMEOUT

    parser = _Parser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild notebooks/ from solutions/")
    b.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    site = sub.add_parser("site", help="build the course website in build/site (make site)")
    site.add_argument("--jobs", "-j", type=int, default=2, help="notebooks executed at once (default: %(default)s)")
    m = sub.add_parser("bench", help="print performance figures (make bench)")
    m.add_argument(
        "sections", nargs="*", help="numerics, widgets, notebooks, cells, grading, cluster, report (default: all)"
    )
    g = sub.add_parser(
        "grade",
        help="autograde submissions in parallel",
        description="Autograde <student_id>/<assignment_id>/<assignment_id>.ipynb "
        "submissions; SUBMISSIONS is never written to.",
    )
    g.add_argument("submissions", type=Path, help="folder of <student_id>/<assignment_id>/")
    g.add_argument(
        "--output", "-o", type=Path, required=True, help="folder for grades.csv, summary.csv and graded notebooks"
    )
    g.add_argument("--jobs", "-j", default=None, help="parallel workers (default: all cores)")
    g.add_argument("--student", help="grade only this student")
    g.add_argument("--assignment", help="grade only this assignment")
    g.add_argument("--force", action="store_true", help="regrade what is already graded")
    g.add_argument(
        "--timeout", default=str(DEFAULT_TIMEOUT), help="wall-clock seconds per notebook (default: %(default)s)"
    )
    book = g.add_mutually_exclusive_group()
    book.add_argument(
        "--gradebook",
        metavar="URL",
        help="the course gradebook to put the scores in (default: the course "
        "configuration's CourseDirectory.db_url, if that gradebook exists)",
    )
    book.add_argument("--no-gradebook", action="store_true", help="write only the CSV files and graded notebooks")
    g.add_argument("--report", action="store_true", help="then write the class report, OUT/report/index.html")
    g.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="grade on a Dask cluster: a scheduler's tcp://host:port (or tls://), or local:N for N local workers",
    )
    add_commands(sub)  # register, publish, feedback, release-feedback, report (grader/tools/coursecli.py)
    return parser


def _grade(args: argparse.Namespace) -> int:
    from .core import forks

    # nbgrader, warmed for generate_assignment (grader/tools/warm.py), is imported there
    # while this process imports the rest.
    forks.start_server("nbgrader.apps.nbgraderapp", "nbgrader.api", "grader.tools.warm")
    from .tools import cluster, coursebook, grade

    try:
        opts = grade.Options(
            submissions=args.submissions,
            output=args.output,
            jobs=grade.default_jobs() if args.jobs is None else grade.positive_int(args.jobs),
            student=args.student,
            assignment=args.assignment,
            force=args.force,
            timeout=grade.positive_seconds(args.timeout),
            gradebook=None if args.no_gradebook else args.gradebook or coursebook.course_db_url(),
            gradebook_given=args.gradebook is not None,
            cluster=None if args.cluster is None else cluster.check_address(args.cluster),
        )
        status = grade.main(opts)
    except (grade.UsageError, coursebook.CoursebookError, cluster.ClusterError) as exc:
        print(f"python -m grader grade: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished submissions are saved; run again to grade the rest", file=sys.stderr)
        return 130
    return (_report_after_grading(args.output, opts.gradebook) if args.report else 0) or status


def _report_after_grading(out: Path, gradebook: str | None) -> int:
    """`grade --report`: the class report of everything graded in OUT so far."""
    from .tools.report import ReportError, write_report

    try:
        print(f"class report: {write_report(out, gradebook=gradebook)}")
    except ReportError as exc:
        print(f"python -m grader grade: error: no report: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        from .tools.build import release

        for path in release(args.assignments or None):
            print(path.relative_to(path.parents[2]))
        return 0
    if args.command == "site":
        from .tools.site import main as site

        return site(args.jobs)
    if args.command == "bench":
        from .tools.bench import main as bench

        bench(args.sections or None)
        return 0
    if args.command in COMMANDS:
        from .tools.coursecli import run

        return run(args)
    return _grade(args)


if __name__ == "__main__":
    sys.exit(main())
