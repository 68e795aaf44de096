"""The course-side commands of `python -m grader`: register, publish, scores, feedback,
release-feedback, report, students and extend.

They connect a grading run (OUT, see grader.tools.grade) to nbgrader's course: its gradebook
(what formgrader and `nbgrader export` read) and its exchange (what students fetch
from). Defaults come from the course configuration, nbgrader_config.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS = ("register", "publish", "scores", "feedback", "release-feedback", "report", "students", "extend")
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
    s = sub.add_parser(
        "scores",
        help="rewrite OUT's grades.csv and summary.csv from the course gradebook",
        description="Rewrite OUT/grades.csv and OUT/summary.csv from the course gradebook, so they "
        "show what `nbgrader export` shows (manual grades, overrides, late penalty); "
        "publish, feedback and release-feedback do it too.",
    )
    s.add_argument("output", type=Path, help="the --output folder of a `grade` run")
    s.add_argument("--gradebook", help=GRADEBOOK_HELP)
    _roster_commands(sub)
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
        if name == "release-feedback":
            f.add_argument(
                "--partial",
                action="store_true",
                help="also release submissions whose written answers are not graded yet",
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


def _roster_commands(sub) -> None:
    st = sub.add_parser(
        "students",
        help="the class list in the course gradebook: add, list, import",
        description="The students of the course gradebook (formgrader's Manage Students, nbgrader export).",
    )
    book = argparse.ArgumentParser(add_help=False)
    book.add_argument("--gradebook", help=GRADEBOOK_HELP)
    verbs = st.add_subparsers(dest="verb", required=True)
    a = verbs.add_parser("add", parents=[book], help="add a student (or update their details)")
    a.add_argument("id", help="the student id (on a hub: their user name)")
    a.add_argument("--first-name", default="")
    a.add_argument("--last-name", default="")
    a.add_argument("--email", default="")
    verbs.add_parser("list", parents=[book], help="list the students: id,first_name,last_name,email")
    i = verbs.add_parser("import", parents=[book], help="add the students of a CSV file: id,first_name,last_name,email")
    i.add_argument("csv", type=Path)
    e = sub.add_parser(
        "extend",
        help="give a student more days for an assignment",
        description="Set nbgrader's per-student extension: the student's due date is the "
        "assignment's plus DAYS (0 removes it). The late policy, nbgrader export and "
        "the feedback pages use it.",
    )
    e.add_argument("student")
    e.add_argument("assignment")
    e.add_argument("--days", type=float, required=True, help="days added to the due date (0: none)")
    e.add_argument("--gradebook", help=GRADEBOOK_HELP)


def run(args: argparse.Namespace) -> int:
    from .coursebook import CoursebookError
    from .report import ReportError

    handlers = {"register": _register, "publish": _publish, "feedback": _feedback, "release-feedback": _feedback}
    try:
        return {
            **handlers,
            "scores": _scores,
            "report": _report,
            "students": _students,
            "extend": _extend,
        }[args.command](args)
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
    from .scores import refresh

    found = _grading_results(args)
    db_url, _ = _config_defaults(args)
    for line in publish(db_url, found, out=args.output).lines():
        print(line)
    refresh(args.output, db_url)
    return 0


def _scores(args: argparse.Namespace) -> int:
    from .scores import existing, refresh

    _grading_results(args)
    db_url, _ = _config_defaults(args)
    found = refresh(args.output, db_url)
    source = "the course gradebook" if existing(db_url) else "the grading run (no course gradebook)"
    print(f"{args.output / 'grades.csv'}, {args.output / 'summary.csv'}: {len(found)} submissions, from {source}")
    return 0


def _students(args: argparse.Namespace) -> int:
    from . import roster

    db_url, _ = _config_defaults(args)
    if args.verb == "list":
        for s in roster.listing(db_url):
            print(",".join([s.id, s.first_name, s.last_name, s.email]))
        return 0
    given = (
        roster.read_csv(args.csv)
        if args.verb == "import"
        else [roster.Student(args.id, args.first_name, args.last_name, args.email)]
    )
    added, updated = roster.add(db_url, given)
    print(f"added {len(added)} students" + (f": {', '.join(added)}" if added else ""))
    if updated:
        print(f"updated {len(updated)}: {', '.join(updated)}")
    return 0


def _extend(args: argparse.Namespace) -> int:
    from . import roster

    db_url, _ = _config_defaults(args)
    print(roster.extend(db_url, args.student, args.assignment, args.days))
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from .coursebook import CoursebookError
    from .feedback import exchange_hint, release, waiting, write_feedback
    from .scores import refresh

    _grading_results(args)
    db_url, submitted = _config_defaults(args)
    refresh(args.output, db_url)
    written = write_feedback(args.output, args.student, args.assignment, db_url=db_url, submissions=submitted)
    if not written:
        raise CoursebookError("no graded submission matches")
    print(f"{len(written)} feedback pages in {args.output / 'feedback'}")
    if args.command == "release-feedback":
        held = {} if args.partial else waiting(args.output, written, db_url)
        done = release(args.output, [p for p in written if p not in held])
        print(f"released {len(done.released)} to the students ({exchange_hint()})")
        if held:
            names = [f"{p.parent.parent.name}/{p.parent.name} ({', '.join(cells)})" for p, cells in held.items()]
            print(
                "held back, written answers not graded yet (grade them in formgrader's Manual Grading, "
                f"then run release-feedback again; --partial releases them as they are): {', '.join(names)}",
                file=sys.stderr,
            )
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
