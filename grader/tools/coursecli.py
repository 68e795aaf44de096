"""The course-side commands of `python -m grader`: register, publish, feedback, release-feedback, report.

They connect a grading run (OUT, see grader.tools.grade) to nbgrader's course: its gradebook
(what formgrader and `nbgrader export` read) and its exchange (what students fetch
from). Defaults come from the course configuration, nbgrader_config.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("register", "publish", "feedback", "release-feedback", "report")
GRADEBOOK_HELP = "the course gradebook's database URL (default: CourseDirectory.db_url of nbgrader_config.py)"


def add_commands(sub) -> None:
    """Add the course commands to the `python -m grader` subparsers."""
    r = sub.add_parser(
        "register",
        help="register assignments in the course gradebook (make release)",
        description="Register assignments in the course gradebook, as "
        "`nbgrader generate_assignment` does, so that formgrader, plain "
        "`nbgrader autograde` and `grade` find them. notebooks/ is not touched.",
    )
    r.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    r.add_argument("--gradebook", help=GRADEBOOK_HELP)
    p = sub.add_parser(
        "publish",
        help="put the scores of a grade run into the course gradebook",
        description="Put the scores that `grade` kept in OUT into the course gradebook "
        "(formgrader, nbgrader export). Grades an instructor entered are kept.",
    )
    p.add_argument("output", type=Path, help="the --output folder of a `grade` run")
    p.add_argument("--gradebook", help=GRADEBOOK_HELP)
    for name, text in (
        ("feedback", "write the feedback pages of a grade run in nbgrader's layout"),
        ("release-feedback", "write the feedback pages and release them to the students"),
    ):
        f = sub.add_parser(
            name,
            help=text,
            description=f"{text[0].upper()}{text[1:]}: OUT/feedback/<student_id>/"
            "<assignment>/<assignment>.html beside the submission's "
            "timestamp.txt, with the scores, manual grades and comments of "
            "the course gradebook. Hidden tests are never shown.",
        )
        f.add_argument("output", type=Path, help="the --output folder of a `grade` run")
        f.add_argument("--student", help="only this student")
        f.add_argument("--assignment", help="only this assignment")
        f.add_argument("--gradebook", help=GRADEBOOK_HELP)
        f.add_argument(
            "--submissions",
            type=Path,
            help="where the submissions were collected (default: CourseDirectory."
            "submitted_directory): their timestamp.txt and submission_secret.txt",
        )
    rep = sub.add_parser(
        "report",
        help="write the class report: scores, checks and misconceptions (OUT/report/index.html)",
        description="Write OUT/report/index.html and CSV files beside it: per assignment the "
        "score distribution, the share passing each check, the misconceptions ranked, and "
        "the submissions to look at. Students are pseudonymous unless --names is given; "
        "no hidden input or expected value is shown.",
    )
    rep.add_argument("output", type=Path, help="the --output folder of a `grade` run")
    rep.add_argument("--names", action="store_true", help="show student ids instead of pseudonyms")
    rep.add_argument("--gradebook", help=GRADEBOOK_HELP + "; its due dates tell which submissions are late")


def run(args: argparse.Namespace) -> int:
    from .coursebook import CoursebookError
    from .report import ReportError

    handlers = {"register": _register, "publish": _publish, "feedback": _feedback, "release-feedback": _feedback}
    try:
        return {**handlers, "report": _report}[args.command](args)
    except (CoursebookError, ReportError) as exc:
        print(f"python -m grader {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _config_defaults(args: argparse.Namespace) -> tuple[str, Path]:
    """(gradebook URL, submissions folder) from the arguments or the course configuration."""
    from .course import ROOT
    from .coursebook import course_config, course_db_url

    config = course_config()
    submitted = ROOT / config.CourseDirectory.get("submitted_directory", "submitted")
    return args.gradebook or course_db_url(config), getattr(args, "submissions", None) or submitted


def _register(args: argparse.Namespace) -> int:
    from .course import ROOT, assignments
    from .coursebook import CoursebookError, course_config, register

    known = assignments()
    unknown = [a for a in args.assignments if a not in known]
    if unknown:
        raise CoursebookError(f"unknown assignment '{unknown[0]}' (known: {', '.join(known)})")
    names = args.assignments or known
    db_url, _ = _config_defaults(args)
    report = register(names, db_url)
    exchange = Path(course_config().Exchange.get("root", ""))
    if ROOT in exchange.parents:  # the single-machine default, classroom/exchange
        exchange.mkdir(parents=True, exist_ok=True)
    print(
        f"registered {len(names)} assignments in {report.gradebook}"
        + (f" (backup: {report.backup})" if report.backup else "")
    )
    return 0


def _grading_results(args: argparse.Namespace) -> list:
    from .coursebook import CoursebookError
    from .feedback import records

    found = records(args.output)
    if not found:
        raise CoursebookError(
            f"{args.output} holds no grading results (run `python -m grader grade ... --output` first)"
        )
    return found


def _publish(args: argparse.Namespace) -> int:
    from .coursebook import publish

    found = _grading_results(args)
    db_url, _ = _config_defaults(args)
    for line in publish(db_url, found).lines():
        print(line)
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from .coursebook import CoursebookError
    from .feedback import exchange_hint, release, write_feedback

    _grading_results(args)
    db_url, submitted = _config_defaults(args)
    written = write_feedback(args.output, args.student, args.assignment, db_url=db_url, submissions=submitted)
    if not written:
        raise CoursebookError("no graded submission matches")
    print(f"{len(written)} feedback pages in {args.output / 'feedback'}")
    if args.command == "release-feedback":
        done = release(args.output, written)
        print(f"released {len(done.released)} to the students ({exchange_hint()})")
        if done.not_released:
            print(
                "not released (not submitted through the exchange: no submission_secret.txt): "
                + ", ".join(done.not_released),
                file=sys.stderr,
            )
    return 0


def _report(args: argparse.Namespace) -> int:
    from .coursebook import course_db_url
    from .report import write_report

    page = write_report(args.output, names=args.names, gradebook=args.gradebook or course_db_url())
    print(f"class report: {page}")
    return 0
