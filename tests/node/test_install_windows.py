"""The shipped Windows start-task script: parsed by pwsh where it is installed, else checked here.

No PowerShell could be installed on this Linux machine (pwsh is not on PyPI, npm or Debian),
so without it the test is a syntax-level one: the script (and the Windows node-check command)
parse without error under tree-sitter's PowerShell grammar, and the script reads exactly the
variables and kinds the start task gives it. Nothing here runs it.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import tree_sitter
import tree_sitter_powershell

from azure_batch_maya.app.pools.check import check_command_line
from azure_batch_maya.render.installroute import (
    INSTALL_DIR,
    NODE_SCRIPT,
    command_line_for,
    install_environment,
    script_text,
)
from azure_batch_maya.transfer.installers import Installer

SCRIPT = script_text("windows").decode("utf-8")
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def syntax_errors(source: str) -> list[str]:
    """Where tree-sitter's PowerShell grammar finds an error or a missing token."""
    data = source.encode("utf-8")
    found: list[str] = []

    def walk(node: tree_sitter.Node) -> None:
        if node.type == "ERROR" or node.is_missing:
            row, column = node.start_point
            text = data[node.start_byte : node.end_byte][:40].decode("utf-8", "replace")
            found.append(f"line {row + 1}, column {column + 1}: {node.type} {text!r}")
        for child in node.children:
            walk(child)

    walk(PARSER.parse(data).root_node)
    return found


def test_the_script_parses_as_powershell():
    assert syntax_errors(SCRIPT) == []
    # the grammar does catch what would stop PowerShell: an unclosed block, a stray bracket
    assert syntax_errors("if ($a) { 'x' ")
    assert syntax_errors("$a = @(1, 2 | Where-Object { $_ -gt 1 }")
    broken = SCRIPT.replace("if ($fields.Count -ne 3) {", "if ($fields.Count -ne 3)", 1)
    assert broken != SCRIPT and syntax_errors(broken)


def test_the_windows_node_check_command_parses_as_powershell():
    line = check_command_line("windows", ["mtoa"], ["ADSKFLEX_LICENSE_FILE"])
    prefix = 'cmd /c powershell.exe -NoProfile -NonInteractive -Command "'
    assert line.startswith(prefix) and line.endswith('"')
    assert syntax_errors(line[len(prefix) : -1]) == []


def test_it_reads_what_the_start_task_sets_and_runs_each_windows_kind():
    env = install_environment(
        [
            Installer("Maya.msi", "a" * 64, 1, "windows", "msi", "ADDLOCAL=ALL"),
            Installer("vray.exe", "b" * 64, 1, "windows", "exe", "-gui=0 -quiet=1"),
        ]
    )
    assert set(env) == {"AZBM_INSTALL_COUNT", "AZBM_INSTALL_1", "AZBM_INSTALL_1_ARGS"} | {
        "AZBM_INSTALL_2",
        "AZBM_INSTALL_2_ARGS",
    }
    assert "$env:AZBM_INSTALL_COUNT" in SCRIPT
    assert '"AZBM_INSTALL_$i"' in SCRIPT and '"AZBM_INSTALL_${i}_ARGS"' in SCRIPT
    kinds = set(re.findall(r"^\s*'(\w+)' \{", SCRIPT, flags=re.M))
    assert kinds == {"msi", "exe", "archive"}
    assert "/qn /norestart" in SCRIPT and f"'{INSTALL_DIR}'" in SCRIPT
    assert f"%AZ_BATCH_TASK_WORKING_DIR%\\{NODE_SCRIPT['windows']}" in command_line_for("windows")


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="no pwsh here: checked above instead")
def test_pwsh_parses_it(tmp_path):
    path = tmp_path / "install.ps1"
    path.write_text(SCRIPT, encoding="utf-8")
    code = (
        "$e = $null; [System.Management.Automation.Language.Parser]::ParseFile("
        f"'{path}', [ref]$null, [ref]$e) | Out-Null; if ($e) {{ $e; exit 1 }}"
    )
    subprocess.run(["pwsh", "-NoProfile", "-Command", code], check=True)
