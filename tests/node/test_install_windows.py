"""The shipped Windows start-task script: run by pwsh where it is installed, else checked here.

No PowerShell could be installed on this Linux machine (pwsh is not on PyPI, npm or Debian),
so without it the test is a syntax-level one: brackets balance outside strings and comments,
strings close, and the script reads exactly the variables and kinds the start task gives it.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from azure_batch_maya.render.installroute import (
    INSTALL_DIR,
    NODE_SCRIPT,
    command_line_for,
    install_environment,
    script_text,
)
from azure_batch_maya.transfer.installers import Installer

SCRIPT = script_text("windows").decode("utf-8")
PAIRS = {")": "(", "}": "{", "]": "["}


def unbalanced(text: str) -> list[str]:
    """Bracket and quote problems in a PowerShell script (strings and comments skipped)."""
    stack: list[tuple[str, int]] = []
    problems: list[str] = []
    i, line = 0, 1
    while i < len(text):
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "`":  # escape: the next character is literal
            i += 1
        elif c == "#":
            i = text.find("\n", i) - 1 if "\n" in text[i:] else len(text)
        elif c in "'\"":
            end = i + 1
            while True:
                end = text.find(c, end)
                if end < 0:
                    return [*problems, f"line {line}: {c} string never closes"]
                if c == '"' and text[end - 1] == "`":
                    end += 1
                    continue
                if text[end + 1 : end + 2] == c:  # '' or "" inside the string
                    end += 2
                    continue
                break
            line += text.count("\n", i, end)
            i = end
        elif c in "({[":
            stack.append((c, line))
        elif c in ")}]":
            if not stack or stack[-1][0] != PAIRS[c]:
                problems.append(f"line {line}: {c} closes nothing open")
            else:
                stack.pop()
        i += 1
    return problems + [f"line {n}: {c} never closed" for c, n in stack]


def test_the_script_is_balanced():
    assert unbalanced(SCRIPT) == []
    assert unbalanced("if ($a) { 'x' ") == ["line 1: { never closed"]
    assert unbalanced('Write-Output "a (b") ') == ["line 1: ) closes nothing open"]


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
