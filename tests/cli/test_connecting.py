"""How commands connect: the one `--local` rule, one-line errors, and asking before a delete.

The rule runs for real: a private user folder with no local pool, where a command that only
looks says it is not running and starts nothing, and a command that starts work starts it
(`local up`, a real server and Azurite) and then the looking command finds it.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import NotConnectedError, read_local_state
from azure_batch_maya.cli import CliError, main
from azure_batch_maya.cli.connecting import confirm, connection, one_line_errors
from azure_batch_maya.local.azurite import AzuriteError, find_azurite_blob
from azure_batch_maya.services.errors import ServiceError


@pytest.fixture
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(home))
    return home


@pytest.mark.slow
def test_looking_says_it_is_down_and_starting_work_starts_it(
    private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        find_azurite_blob()
    except AzuriteError as error:
        pytest.skip(error.message)
    assert main(["jobs", "list", "--local"]) == 2
    err = capsys.readouterr().err
    assert "the local pool is not running; start it with `azure-batch-maya local up`" in err
    assert read_local_state() is None  # looking started nothing
    try:
        conn = connection(argparse.Namespace(local=True, json=False), starts_work=True)
        assert conn.local and "Starting the local pool…" in capsys.readouterr().err
        assert read_local_state() is not None
        connection(argparse.Namespace(local=True, json=False), starts_work=True)
        assert "Starting" not in capsys.readouterr().err  # up already: said once, started once
        assert main(["jobs", "list", "--local"]) == 0
        assert capsys.readouterr().out == "No jobs.\n"
    finally:
        assert main(["local", "down"]) == 0
    assert read_local_state() is None


class Refused(Exception):
    pass


class Broken(Exception):
    pass


@pytest.mark.parametrize(
    ("error", "exit_code"),
    [
        (NotConnectedError("no Azure accounts are configured"), 2),
        (ServiceError("Nope", "the service said no", 409), 2),
        (Broken("the installers list is unreadable"), 2),
        (Refused("nothing to retry"), 1),
    ],
)
def test_known_errors_become_one_line_refusals_exit_1(error: Exception, exit_code: int) -> None:
    with pytest.raises(CliError) as said, one_line_errors(errors=(Broken,), refusals=(Refused,)):
        raise error
    assert (str(said.value), said.value.exit_code) == (str(error), exit_code)


def test_an_unknown_error_is_not_dressed_up() -> None:
    with pytest.raises(KeyError), one_line_errors(errors=(Broken,)):
        raise KeyError("a bug of ours shows as one")


class Terminal(io.StringIO):
    """What a person types at the prompt."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer", ["y\n", "YES\n"])
def test_yes_at_the_terminal_goes_ahead(
    answer: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    confirm("Delete pool p1? Tasks running on it stop.", yes=False, what="pool p1")
    assert capsys.readouterr().err == "Delete pool p1? Tasks running on it stop. [y/N] "


@pytest.mark.parametrize("answer", ["\n", "n\n", "yep\n", ""])
def test_anything_else_keeps_it(answer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    with pytest.raises(CliError, match="pool p1 not deleted") as refused:
        confirm("Delete pool p1?", yes=False, what="pool p1")
    assert refused.value.exit_code == 1


def test_without_a_terminal_only_yes_deletes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # piped: not a person answering
    with pytest.raises(CliError, match="no terminal to ask on; add --yes"):
        confirm("Delete job j1?", yes=False, what="job j1")
    confirm("Delete job j1?", yes=True, what="job j1")
