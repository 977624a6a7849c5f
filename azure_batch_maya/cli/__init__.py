"""The `azure-batch-maya` command: one sub-command a module, imported only when it runs.

Each module in `COMMANDS` has `register(subparsers)`; the heavy imports (Azure SDKs, Qt) live
inside the handlers so that `scan` of a big scene is not paying for them.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from azure_batch_maya import __version__

COMMANDS = (
    "scan",
    "validate",
    "assets",
    "submit",
    "jobs",
    "pools",
    "nodes",
    "download",
    "local",
    "ui",
    "presets",
)


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr (exit 2), not usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, just that command's part (its module alone is
    imported, so `scan` starts quickly)."""
    parser = OneLineParser(
        prog="azure-batch-maya",
        description="Render Maya scenes on Azure Batch or a local pool.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"azure_batch_maya.cli.{name}").register(sub)
    return parser


# azure-batch logs a traceback (at WARNING, so Python's last-resort handler prints it) each
# time an error body is not Batch's JSON (a proxy's 503 page, a cut reply); the error itself
# still reaches us and is reported as one line. Those loggers say nothing we do not.
_SDK_NOISE = ("azure.batch._utils.model_base", "azure.batch._serialization")


def main(argv: Sequence[str] | None = None) -> int:
    for name in _SDK_NOISE:
        logging.getLogger(name).setLevel(logging.ERROR)
    words = sys.argv[1:] if argv is None else list(argv)
    command = words[0] if words and words[0] in COMMANDS else None
    try:
        args = build_parser(command).parse_args(words)
    except SystemExit as exc:  # a refused argument (one line already printed), --help, --version
        return exc.code if isinstance(exc.code, int) else 2
    try:
        code: int = args.handler(args)
    except CliError as exc:
        print(f"azure-batch-maya: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `... | head` closed our stdout: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # a folder that cannot be made, a disk that is full: the person's to fix
        where = f" {exc.filename}" if exc.filename else ""
        print(f"azure-batch-maya: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("azure-batch-maya: interrupted", file=sys.stderr)
        return 130
    return code
