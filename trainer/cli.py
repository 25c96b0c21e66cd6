"""Command line: python -m trainer COMMAND ...   (python -m trainer --help lists them)"""

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import IO, Iterator, List, Optional

from trainer.content_loader import DEFAULT_CONTENT_DIR
from trainer.settings import CACHE_DIR, content_dir
from trainer.settings import GRADED_ANSWERS as DEFAULT_EXAMPLES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer", description="IHL training assistant: trainer tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check the training content")
    validate.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=DEFAULT_CONTENT_DIR,
        help="content folder, or one scenario file (checked against its folder's rules)",
    )
    validate.set_defaults(handler=_validate)

    grade = commands.add_parser(
        "grade",
        help="grade typed answers given as JSON lines",
        description='Reads JSON lines {"scenario", "step", "text", "lang"} and writes one JSON '
        'line per input: {"grade", "concepts", "missed", "red_flags", "cautions"} or {"error"}.',
    )
    grade.add_argument("--input", type=Path, help="file to read (default: standard input)")
    _grader_options(grade)
    grade.set_defaults(handler=_grade)

    fit = commands.add_parser(
        "fit",
        help="fit the grader now and keep it in var/cache, so that the action server starts in seconds",
        description="Fitting takes a few minutes and is done again only when the content, the graded "
        "examples or the grader's code change; scripts/run.sh, the Docker image and the tests run it "
        "before starting the action server.",
    )
    _grader_options(
        fit, content_default=None, content_help="content folder (default: the action server's, CONTENT_DIR)"
    )
    fit.set_defaults(handler=_fit)

    calibrate = commands.add_parser(
        "calibrate",
        help="compare the engine's grades with yours",
        description='Reads JSON lines like grade\'s input with "expected" (0-3, or null for an '
        "answer that says nothing gradable) and prints agreement figures.",
    )
    calibrate.add_argument("file", type=Path)
    _grader_options(calibrate)
    calibrate.add_argument(
        "--cross-validate",
        action="store_true",
        help="grade each writer's answers with a grader that learned from the other writers' answers in FILE",
    )
    calibrate.add_argument("--disagreements", action="store_true", help="list each disagreement")
    calibrate.add_argument("--json", action="store_true", help="print the figures as JSON")
    calibrate.add_argument("--min-kappa", type=float, help="exit 1 when kappa is below this")
    calibrate.set_defaults(handler=_calibrate)

    trainee = _actions(commands, "trainee", "a trainee's personal data")
    export = trainee.add_parser("export", help="print everything held about a trainee (JSON)")
    export.add_argument("trainee_id", type=int, metavar="ID")
    export.set_defaults(handler=_trainee_export)
    erase = trainee.add_parser("erase", help="delete a trainee, their answers and their conversations")
    erase.add_argument("trainee_id", type=int, metavar="ID")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(handler=_trainee_erase)
    listing = trainee.add_parser("list", help="list trainees with their channels")
    listing.set_defaults(handler=_trainee_list)

    cohort = _actions(commands, "cohort", "cohorts of trainees")
    create = cohort.add_parser("create", help="create a cohort and print its enrolment code")
    create.add_argument("name")
    create.add_argument("--owner", metavar="TRAINER", help="the trainer account that will see it")
    create.add_argument("--expires-days", type=int, metavar="DAYS", help="the code stops working after DAYS days")
    create.set_defaults(handler=_cohort_create)
    new_code = cohort.add_parser("new-code", help="replace a cohort's enrolment code (the old one stops working)")
    new_code.add_argument("name")
    new_code.add_argument("--expires-days", type=int, metavar="DAYS", help="the code stops working after DAYS days")
    new_code.set_defaults(handler=_cohort_new_code)
    after_test = cohort.add_parser(
        "open-after-test", help="let a cohort take the after-test now, before finishing every scenario"
    )
    after_test.add_argument("name")
    after_test.set_defaults(handler=_cohort_open_after_test)

    trainer = _actions(commands, "trainer", "trainer accounts of the dashboard")
    create = trainer.add_parser(
        "create",
        help="create a trainer account",
        description="The password is asked twice on a terminal, or read from the first line of standard input.",
    )
    create.add_argument("name")
    create.add_argument("--admin", action="store_true", help="sees every cohort")
    create.set_defaults(handler=_trainer_create)
    for action, summary in (
        ("disable", "turn an account off and end its sessions"),
        ("enable", "turn an account back on"),
        ("revoke-sessions", "sign an account out everywhere"),
        ("reset-password", "set a new password (read like create's) and end every session"),
    ):
        command = trainer.add_parser(action, help=summary)
        command.add_argument("name")
        command.set_defaults(handler=_trainer_change, change=action)

    report = commands.add_parser(
        "report",
        help="export a cohort's records (CSV or xAPI JSON)",
        description="CSV: one row per answer (--rows answers), per attempt (--rows attempts) or per "
        "trainee and principle with the knowledge checks' gains (--rows learning). "
        "JSON: xAPI statements; --send posts them to the LRS named by LRS_URL, LRS_USERNAME, LRS_PASSWORD.",
    )
    report.add_argument("--cohort", required=True, metavar="NAME")
    report.add_argument("--format", choices=("csv", "json"), default="csv")
    report.add_argument(
        "--rows",
        choices=("answers", "attempts", "learning"),
        default="answers",
        help="learning: before- and after-test scores and gains per trainee, principle and group",
    )
    report.add_argument("--send", action="store_true", help="send the xAPI statements to the LRS")
    report.set_defaults(handler=_report)

    certificate = _actions(commands, "certificate", "trainees' certificates")
    revoke = certificate.add_parser("revoke", help="revoke a certificate: /verify/CODE then says it is not valid")
    revoke.add_argument("code")
    revoke.set_defaults(handler=_certificate_revoke)
    pdf = certificate.add_parser("pdf", help="write a certificate's PDF (as trainees download it)")
    pdf.add_argument("code")
    pdf.add_argument("--output", type=Path, required=True, metavar="FILE")
    pdf.set_defaults(handler=_certificate_pdf)

    review = _actions(commands, "review", "trainers' reviews of typed answers")
    examples = review.add_parser(
        "export",
        help="print reviewed typed answers as graded examples (JSON lines, as calibrate reads them)",
        description="Add the lines to content/graded_answers.jsonl and the grader learns from them at its next start.",
    )
    examples.add_argument("--cohort", metavar="NAME", help="only this cohort's answers")
    examples.set_defaults(handler=_review_export)

    reminders = commands.add_parser(
        "reminders",
        help="send Telegram reminders of due reviews, every REMINDER_INTERVAL_SECONDS (make run starts it)",
    )
    reminders.add_argument("--once", action="store_true", help="one round, then exit")
    reminders.set_defaults(handler=_reminders)

    web = commands.add_parser("web", help="serve the trainee page (and dashboard)")
    web.add_argument("--host", default="0.0.0.0")
    web.add_argument("--port", type=int, default=8080)
    web.set_defaults(handler=_web)
    return parser


def _actions(commands, name: str, summary: str):
    """A command whose actions are sub-commands: `python -m trainer NAME ACTION`."""
    return commands.add_parser(name, help=summary).add_subparsers(dest="action", required=True, metavar="ACTION")


def _validate(args: argparse.Namespace) -> int:
    from trainer.validate import check_content

    path: Path = args.path
    if path.is_file():
        root = path.parent.parent if path.parent.name == "scenarios" else DEFAULT_CONTENT_DIR
        report = check_content(root, scenario_files=[path])
    else:
        report = check_content(path)
    for error in report.errors:
        print(error, file=sys.stderr)
    if report.errors:
        print(f"validate: {len(report.errors)} problem(s) found", file=sys.stderr)
        return 1
    print(f"validate: {len(report.scenarios)} scenario(s) and {report.files_checked} file(s) OK")
    for voice, missing in report.missing_recordings.items():
        # Not a problem: espeak-ng speaks these in the trainee's reading language meanwhile.
        print(f"audio {voice}: {len(missing)} recording(s) missing (spoken by espeak-ng until recorded)")
        for name in missing:
            print(f"  {voice}/{name}")
    return 0


def _load_grader(content_dir: Path, examples: Path):
    from trainer.content_loader import ContentInvalid, load_content
    from trainer.grader import load_grader

    try:
        content = load_content(content_dir)
    except ContentInvalid as invalid:
        print(invalid, file=sys.stderr)
        sys.exit(f"the content under {content_dir} has problems; run: python -m trainer validate")
    return load_grader(content, examples)


class BadLine(ValueError):
    pass


def _parse_answer(line: str, need_expected: bool = False) -> dict:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadLine(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(item, dict):
        raise BadLine("expected a JSON object")
    for key in ("scenario", "step", "text"):
        if not isinstance(item.get(key), str):
            raise BadLine(f'"{key}" must be a string')
    if item.get("lang") not in (None, "en", "fr"):
        raise BadLine('"lang" must be "en" or "fr"')
    if need_expected and item.get("expected", "missing") not in (None, 0, 1, 2, 3):
        raise BadLine('"expected" must be 0, 1, 2, 3 or null')
    return item


def _lines(stream: IO[str]) -> Iterator[str]:
    for line in stream:
        if line.strip():
            yield line


def _grader_options(
    parser: argparse.ArgumentParser,
    content_default: Optional[Path] = DEFAULT_CONTENT_DIR,
    content_help: Optional[str] = None,
) -> None:
    """The content and the graded examples a command's grader is built from."""
    parser.add_argument("--content", type=Path, default=content_default, help=content_help)
    parser.add_argument("--examples", type=Path, default=DEFAULT_EXAMPLES, help="graded answers the grader learns from")


def _fit(args: argparse.Namespace) -> int:
    grader = _load_grader(args.content or content_dir(), args.examples)
    print(f"grader fitted on {len(grader.examples)} graded answers, kept in {CACHE_DIR}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    scorer = _load_grader(args.content, args.examples)
    stream = open(args.input, encoding="utf-8") if args.input else sys.stdin
    with stream:
        for line in _lines(stream):
            try:
                item = _parse_answer(line)
                output = scorer.grade(item["scenario"], item["step"], item["text"]).as_dict()
            except (BadLine, KeyError) as error:
                output = {"error": error.args[0]}
            print(json.dumps(output, ensure_ascii=False), flush=True)
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from trainer.calibration import agreement, cross_validate, grade_all, summary
    from trainer.grader import GradedExample

    items, problems = [], []
    with open(args.file, encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                try:
                    items.append((number, _parse_answer(line, need_expected=True)))
                except BadLine as error:
                    problems.append(f"{args.file}:{number}: {error.args[0]}")
    for problem in problems:
        print(problem, file=sys.stderr)
    examples = [
        GradedExample(i["scenario"], i["step"], i["text"], i["expected"], i.get("writer", "team"), i.get("lang", ""))
        for _, i in items
    ]
    if args.cross_validate:
        from trainer.content_loader import load_content

        graded = cross_validate(load_content(args.content), examples)
    else:
        if args.file.resolve() == args.examples.resolve():
            print(
                "calibrate: these answers taught the grader, so the figures flatter it; "
                "add --cross-validate to grade each writer's answers from the others'",
                file=sys.stderr,
            )
        graded = grade_all(_load_grader(args.content, args.examples), examples)
    usable = [(example, result) for example, result in graded if result is not None]
    if not usable:
        print("calibrate: no usable answers", file=sys.stderr)
        return 1
    automatic = [(e, r) for e, r in usable if not r.unsure]
    report = agreement([e.grade for e, _ in automatic], [r.grade for _, r in automatic])
    figures = summary(usable)
    if args.json:
        print(json.dumps({**dataclasses.asdict(report), **figures}))
    else:
        print(report.render())
        print("\n" + "\n".join(f"{name.replace('_', ' ') + ':':30}{value}" for name, value in figures.items()))
    if args.disagreements:
        print("\ndisagreements (expected -> engine):")
        for example, result in automatic:
            if result.grade != example.grade:
                print(
                    f"  {example.grade} -> {result.grade}  {example.scenario}/{example.step}: {example.text!r}  "
                    f"found={result.concepts} flags={result.red_flags + result.acts} cautions={result.cautions}"
                )
    if args.min_kappa is not None and report.kappa < args.min_kappa:
        print(f"calibrate: kappa {report.kappa:.3f} is below {args.min_kappa}", file=sys.stderr)
        return 1
    return 0


def _database():
    from sqlalchemy.exc import OperationalError

    from trainer.db import Database

    try:
        return Database()
    except OperationalError as error:
        sys.exit(f"the progress database cannot be reached: {error.orig}")


def _trainee_export(args: argparse.Namespace) -> int:
    from trainer.privacy import export_trainee

    data = export_trainee(_database(), args.trainee_id)
    if data is None:
        print(f"no trainee with id {args.trainee_id}", file=sys.stderr)
        return 1
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def _trainee_erase(args: argparse.Namespace) -> int:
    from rasa_plugins.conversations import erase_conversations
    from trainer import settings
    from trainer.privacy import erase_trainee, export_trainee

    db = _database()
    if export_trainee(db, args.trainee_id) is None:
        print(f"no trainee with id {args.trainee_id}", file=sys.stderr)
        return 1
    if not args.yes:
        if not sys.stdin.isatty():
            print("refusing to erase without confirmation: add --yes", file=sys.stderr)
            return 1
        if input(f"Erase trainee {args.trainee_id} and all their records? [y/N] ").strip().lower() != "y":
            print("nothing erased")
            return 1
    erased = erase_trainee(db, args.trainee_id)
    if erased is None:  # erased meanwhile by another command
        print(f"no trainee with id {args.trainee_id}", file=sys.stderr)
        return 1
    counts, identities = erased
    counts["tracker_events"] = erase_conversations(settings.tracker_store_url(), [sender for _, sender in identities])
    print(json.dumps({"erased_trainee": args.trainee_id, **counts}))
    return 0


def _trainee_list(args: argparse.Namespace) -> int:
    from trainer.identities import Trainees

    for trainee, channels in Trainees(_database()).trainees():
        listed = ", ".join(f"{channel}:{sender}" for channel, sender in channels)
        print(f"{trainee.id}\t{trainee.display_name or '-'}\t{trainee.language}\t{listed}")
    return 0


def _cohort_create(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from trainer.accounts import AccountStore
    from trainer.identities import Trainees

    db = _database()
    owner = None
    if args.owner:
        owner = AccountStore(db).find(args.owner)
        if owner is None:
            print(
                f"no trainer account named {args.owner!r}; create it: python -m trainer trainer create NAME",
                file=sys.stderr,
            )
            return 1
    try:
        code = Trainees(db).create_cohort(args.name, owner_id=owner.id if owner else None, expires=_days(args))
    except IntegrityError:
        print(f"a cohort named {args.name!r} already exists", file=sys.stderr)
        return 1
    print(f"cohort {args.name!r} created; enrolment code: {code}{_until(args)}")
    return 0


def _cohort_new_code(args: argparse.Namespace) -> int:
    from trainer.identities import Trainees, UnknownCode

    try:
        code = Trainees(_database()).new_enrolment_code(args.name, expires=_days(args))
    except UnknownCode:
        print(f"no cohort named {args.name!r}", file=sys.stderr)
        return 1
    print(f"cohort {args.name!r}: new enrolment code {code}{_until(args)}; the old one no longer works")
    return 0


def _cohort_open_after_test(args: argparse.Namespace) -> int:
    from trainer.knowledge import Checks

    if not Checks(_database()).open_after_test(args.name):
        print(f"no cohort named {args.name!r}", file=sys.stderr)
        return 1
    print(f"cohort {args.name!r}: the after-test is open; trainees get it when they ask for the test")
    return 0


def _certificate_revoke(args: argparse.Namespace) -> int:
    from trainer.certificates import Certificates

    revoked = Certificates(_database()).revoke(args.code)
    if revoked is None:
        print(f"no certificate with code {args.code!r}", file=sys.stderr)
        return 1
    print(f"certificate {revoked.code} of {revoked.name} revoked")
    return 0


def _certificate_pdf(args: argparse.Namespace) -> int:
    from trainer import settings
    from trainer.certificates import Certificates, certificate_pdf
    from trainer.content_loader import load_content

    found = Certificates(_database()).find(args.code)
    if found is None:
        print(f"no certificate with code {args.code!r}", file=sys.stderr)
        return 1
    args.output.write_bytes(certificate_pdf(found, load_content(), settings.public_url()))
    print(f"{args.output} written" + ("" if found.valid else " (this certificate is revoked)"))
    return 0


def _reminders(args: argparse.Namespace) -> int:
    import logging

    from trainer.reminders import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return run(once=args.once)


def _days(args: argparse.Namespace):
    from datetime import timedelta

    return timedelta(days=args.expires_days) if args.expires_days else None


def _until(args: argparse.Namespace) -> str:
    return f" (valid {args.expires_days} days)" if args.expires_days else ""


def _new_password() -> Optional[str]:
    """Asked twice on a terminal, else the first line of standard input; None if they differ."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("the two passwords differ; nothing changed", file=sys.stderr)
            return None
        return password
    return sys.stdin.readline().rstrip("\r\n")


def _trainer_change(args: argparse.Namespace) -> int:
    from trainer.accounts import AccountError, AccountStore

    accounts = AccountStore(_database())
    try:
        if args.change == "reset-password":
            password = _new_password()
            if password is None:
                return 1
            ended = accounts.set_password(args.name, password)
        elif args.change == "revoke-sessions":
            ended = accounts.revoke_sessions(args.name)
        else:
            ended = accounts.set_disabled(args.name, args.change == "disable")
    except AccountError as error:
        print(f"{args.change}: {error}", file=sys.stderr)
        return 1
    print(f"{args.name!r}: {args.change} done; {ended} session(s) ended")
    return 0


def _trainer_create(args: argparse.Namespace) -> int:
    from trainer.accounts import AccountError, AccountStore

    password = _new_password()
    if password is None:
        return 1
    try:
        trainer = AccountStore(_database()).create(args.name, password, "admin" if args.admin else "trainer")
    except AccountError as error:
        print(f"not created: {error}", file=sys.stderr)
        return 1
    print(f"{trainer.role} {trainer.username!r} created")
    return 0


def _report(args: argparse.Namespace) -> int:
    import requests

    from trainer import exports
    from trainer.accounts import Trainer
    from trainer.content_loader import load_content
    from trainer.reports import Filters, NotVisible, Reports

    reports = Reports(_database(), load_content())
    everyone = Trainer(0, "command line", "admin")  # whoever runs the command holds the database
    try:
        cohort = reports.cohort_named(everyone, args.cohort)
    except NotVisible:
        names = ", ".join(c.name for c in reports.cohorts(everyone)) or "none yet"
        print(f"no cohort named {args.cohort!r} (cohorts: {names})", file=sys.stderr)
        return 1
    filters = Filters(cohort_id=cohort.id)
    attempts = reports.attempts(everyone, filters)
    learned = reports.learning(everyone, filters)
    if args.format == "csv":
        if args.rows == "learning":
            sys.stdout.write(exports.learning_csv(learned))
        else:
            answers = (answer for attempt in attempts for answer in attempt.answers)
            sys.stdout.write(exports.answers_csv(answers) if args.rows == "answers" else exports.attempts_csv(attempts))
        return 0
    statements = exports.xapi_statements(attempts, reports.content, exports.homepage())
    statements += exports.learning_statements(learned, exports.homepage())
    if not args.send:
        print(json.dumps(statements, ensure_ascii=False, indent=2))
        return 0
    try:
        sent = exports.send_to_lrs(statements)
    except (exports.LrsNotConfigured, requests.RequestException) as error:
        print(f"not sent: {error}", file=sys.stderr)
        return 1
    print(f"{sent} statement(s) sent to the LRS")
    return 0


def _review_export(args: argparse.Namespace) -> int:
    from trainer.accounts import Trainer
    from trainer.content_loader import load_content
    from trainer.reports import Filters, NotVisible, Reports
    from trainer.reviews import Reviews

    db = _database()
    reports = Reports(db, load_content())
    everyone = Trainer(0, "command line", "admin")  # whoever runs the command holds the database
    try:
        filters = Filters(cohort_id=reports.cohort_named(everyone, args.cohort).id) if args.cohort else Filters()
    except NotVisible:
        print(f"no cohort named {args.cohort!r}", file=sys.stderr)
        return 1
    for example in Reviews(db, reports).examples(everyone, filters):
        print(json.dumps(example, ensure_ascii=False))
    return 0


def _web(args: argparse.Namespace) -> int:
    from trainer.webapp import serve

    serve(args.host, args.port)
    return 0


def main(argv: Optional[List[str]] = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.handler(args))
