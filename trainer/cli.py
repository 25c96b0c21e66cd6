"""Command line: python -m trainer COMMAND ..."""
import argparse
import sys
from typing import List, Optional


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trainer", description="IHL training assistant: trainer tools."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    web = commands.add_parser("web", help="serve the trainee page (and dashboard)")
    web.add_argument("--host", default="0.0.0.0")
    web.add_argument("--port", type=int, default=8080)
    web.set_defaults(handler=_web)
    return parser


def _web(args: argparse.Namespace) -> int:
    from trainer.webapp import serve

    serve(args.host, args.port)
    return 0


def main(argv: Optional[List[str]] = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.handler(args))
