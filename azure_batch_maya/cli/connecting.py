"""How every command reaches Batch and storage, says why it cannot, and deletes after asking.

The one rule for `--local` when the local pool is down: a command that starts work (`submit`,
`ui`) starts it, as `azure-batch-maya local up` would; every other command only looks at or
changes what is already there, and says "the local pool is not running; start it with
`azure-batch-maya local up`" (exit 2). Without `--local` a command uses the configured Azure
accounts (`app/connect.py`).

Errors we know (nothing to connect to, the service refused) become one line for the person,
exit 2; a refusal of the request itself (nothing to retry, already released) exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.output import Messages, print_result

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.services.operations import Operation

T = TypeVar("T")

WAIT_TIMEOUT = 120.0  # seconds a command waits for a long Batch operation (unless --no-wait)
POLL_SECONDS = 2
LOCAL_SLOTS = 2  # a local pool started for `submit` or `ui` (`local up --slots N` for more)

Errors = tuple[type[Exception], ...]


def connection_options(
    local_help: str = "use the local pool on this machine",
) -> argparse.ArgumentParser:
    """`--local` and `--json`: the parent parser of every action that connects."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--local", action="store_true", help=local_help)
    options.add_argument("--json", action="store_true", help="print one JSON object")
    return options


def waiting_options() -> argparse.ArgumentParser:
    """`--no-wait`, for actions that start a long Batch operation (see `finished`)."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--no-wait", action="store_true", help="return once the service accepts")
    return options


def asking_options() -> argparse.ArgumentParser:
    """`--yes`, for the deletes that ask first (see `confirm`)."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return options


@contextmanager
def one_line_errors(*, errors: Errors = (), refusals: Errors = ()) -> Iterator[None]:
    """Our errors, and `errors`, as one line (exit 2); `refusals` as one line with exit 1."""
    from azure_batch_maya.app.connect import NotConnectedError
    from azure_batch_maya.services.errors import ServiceError

    known: Errors = (NotConnectedError, ServiceError, *errors)
    try:
        yield
    except refusals as exc:
        raise CliError(str(exc), exit_code=1) from None
    except known as exc:
        raise CliError(str(exc)) from None


def connection(args: argparse.Namespace, *, starts_work: bool = False) -> Connection:
    """The connection `args.local` asks for, by the rule above; else one line, exit 2."""
    from azure_batch_maya.app.connect import connect

    if args.local and starts_work:
        start_local_pool_if_down(Messages(quiet=getattr(args, "json", False)))
    with one_line_errors():
        return connect(local=args.local, start=False)


def connection_if_any(args: argparse.Namespace) -> Connection | None:
    """The connection when there is one to make, else None: for a look before the work (a
    down local pool has no quotas to fill; the work's own connection says what is missing)."""
    from azure_batch_maya.app.connect import NotConnectedError, connect

    try:
        return connect(local=args.local, start=False)
    except NotConnectedError:
        return None


def with_connection(
    args: argparse.Namespace,
    action: Callable[[Connection], T],
    *,
    errors: Errors = (),
    refusals: Errors = (),
    starts_work: bool = False,
) -> T:
    """Connect and run `action(conn)`, each failure one line (see `one_line_errors`)."""
    with one_line_errors(errors=errors, refusals=refusals):
        return action(connection(args, starts_work=starts_work))


def start_local_pool_if_down(say: Messages) -> None:
    """`local up` unless the local pool runs already (it takes a few seconds, once)."""
    from azure_batch_maya.app.connect import read_local_state, start_local_pool

    if read_local_state() is None:
        say("Starting the local pool…")
        with one_line_errors():
            start_local_pool(slots=LOCAL_SLOTS)


def finished(operation: Operation, args: argparse.Namespace) -> bool:
    """Wait for a long Batch operation unless `--no-wait`; True once it is done (or not
    waited for), False when the service is still at it after `WAIT_TIMEOUT`."""
    return bool(args.no_wait or operation.wait(WAIT_TIMEOUT))


def confirm(question: str, *, yes: bool, what: str) -> None:
    """Ask on the terminal unless `yes`; without a terminal, refuse rather than guess."""
    if yes:
        return
    if not (sys.stdin is not None and sys.stdin.isatty()):
        raise CliError(
            f"not deleting {what} without confirmation: no terminal to ask on; add --yes"
        )
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise CliError(f"{what} not deleted", exit_code=1)


def delete_after_asking(
    args: argparse.Namespace,
    *,
    what: str,
    question: str,
    delete: Callable[[Connection], T],
    errors: Errors = (),
) -> T:
    """The one delete of `jobs delete`, `pools delete` and `nodes installers remove`: ask
    (unless `--yes`; never without a terminal), connect, delete."""
    confirm(question, yes=args.yes, what=what)
    return with_connection(args, delete, errors=errors)


class BeginDelete(Protocol):
    """`services.jobs.begin_delete_job`, `services.pools.begin_delete_pool`."""

    def __call__(self, client: Any, entity_id: str, /, *, polling_interval: int) -> Operation: ...


def run_batch_delete(
    args: argparse.Namespace,
    *,
    kind: str,
    entity_id: str,
    begin: BeginDelete,
    question: str,
    after: str = "",
) -> int:
    """Delete a job or a pool after asking, wait for it unless `--no-wait`, say how it went:
    `{"<kind>_id", "deleted"}` with `--json`."""
    what = f"{kind} {entity_id}"
    done = delete_after_asking(
        args,
        what=what,
        question=question,
        delete=lambda conn: finished(
            begin(conn.batch, entity_id, polling_interval=POLL_SECONDS), args
        ),
    )
    text = f"Deleted {what}{after}." if done else f"Deleting {what}; the service is still at it."
    print_result(args.json, {f"{kind}_id": entity_id, "deleted": done}, text)
    return 0
