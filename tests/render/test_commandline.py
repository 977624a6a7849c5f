"""Node command lines: hostile arguments reach the program unchanged on both node OSes.

Linux lines are really run: split into words as Batch (and the local pool) do, then executed by
/bin/bash. Windows lines are checked with a model of cmd (percent expansion, carets, quote
state) followed by the MSVCRT argument rules, the model first checked against
`subprocess.list2cmdline`.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_maya.render.commandline import (
    Arg,
    CommandLineError,
    NodeVar,
    command_line,
    msvcrt_quote,
)

HOSTILE = [
    "plain",
    "with space",
    "it's",
    'say "hi"',
    "$HOME and ${PATH} and $(rm -rf x) and `id`",
    "a;b && c || d | e > f < g",
    "100% %PATH% %%x%% 50%",
    "wow!!x!PATH!",
    "C:\\Program Files\\Autodesk\\Maya2025\\bin\\",
    'trailing\\"quote\\\\',
    "été ünïcødé 日本語 χ",
    "^caret^ (paren) [br] {brace} *glob? ~tilde #hash",
    "",
    "new\nline\ttab",
    "-flag-looking",
]

ECHO = "import json, sys; open(sys.argv[1], 'w', encoding='utf-8').write(json.dumps(sys.argv[2:]))"


@pytest.mark.skipif(sys.platform == "win32", reason="runs /bin/bash")
def test_linux_command_line_survives_bash(tmp_path: Path):
    out = tmp_path / "argv.json"
    line = command_line([sys.executable, "-c", ECHO, str(out), *HOSTILE], "linux")
    assert line.startswith("/bin/bash -c '")
    subprocess.run(shlex.split(line), check=True, cwd=tmp_path)
    assert json.loads(out.read_text("utf-8")) == HOSTILE


@pytest.mark.skipif(sys.platform == "win32", reason="runs /bin/bash")
def test_linux_node_variables_expand_and_tails_stay_literal(tmp_path: Path):
    out = tmp_path / "argv.json"
    tail = NodeVar("AZBM_T", "/sub dir/$x;'y'")
    args: list[Arg] = [sys.executable, "-c", ECHO, str(out), tail, "z"]
    env = {"AZBM_T": "/tmp/a b$c 'q'", "PATH": "/usr/bin:/bin"}
    subprocess.run(shlex.split(command_line(args, "linux")), check=True, env=env)
    assert json.loads(out.read_text("utf-8")) == ["/tmp/a b$c 'q'/sub dir/$x;'y'", "z"]


# A model of cmd.exe and of the MSVCRT argument parser -----------------------------------------


def msvcrt_split(line: str) -> list[str]:
    """CommandLineToArgvW's rules (2008+ CRT) for every word; what list2cmdline targets."""
    args: list[str] = []
    word: list[str] = []
    in_word = quoted = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            n = 0
            while i < len(line) and line[i] == "\\":
                n += 1
                i += 1
            if i < len(line) and line[i] == '"':
                word.append("\\" * (n // 2))
                if n % 2:
                    word.append('"')
                    i += 1
            else:
                word.append("\\" * n)
            in_word = True
            continue
        if c == '"':
            quoted = not quoted
            in_word = True
        elif c in " \t" and not quoted:
            if in_word:
                args.append("".join(word))
                word, in_word = [], False
        else:
            word.append(c)
            in_word = True
        i += 1
    if in_word:
        args.append("".join(word))
    return args


def cmd_expand(text: str, env: dict[str, str], *, resume_after_pair: bool) -> str:
    """cmd's phase 1 on a command line: `%name%` replaced when defined, else left as is.

    Where it resumes after an undefined pair is not documented; both readings are modelled.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "%":
            out.append(text[i])
            i += 1
            continue
        end = text.find("%", i + 1)
        name = text[i + 1 : end] if end != -1 else None
        if name is not None and name.upper() in {k.upper() for k in env}:
            out.append(next(v for k, v in env.items() if k.upper() == name.upper()))
            i = end + 1
        elif name is not None and resume_after_pair:
            out.append(text[i : end + 1])
            i = end + 1
        else:
            out.append("%")
            i += 1
    return "".join(out)


def cmd_carets(text: str) -> str:
    """cmd's phase 2: carets escape outside quotes; an unescaped operator there is a failure."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif not quoted and c == "^":
            out.append(text[i + 1])
            i += 2
            continue
        elif not quoted and c in "&|<>()":
            raise AssertionError(f"cmd would act on {c!r} at {i} in {text!r}")
        out.append(c)
        i += 1
    return "".join(out)


def run_windows(line: str, env: dict[str, str], *, resume_after_pair: bool) -> list[str]:
    head = 'cmd /d /v:off /s /c "'
    assert line.startswith(head) and line.endswith('"')
    inner = line[len(head) : -1]  # /s strips exactly the outer quotes
    return msvcrt_split(cmd_carets(cmd_expand(inner, env, resume_after_pair=resume_after_pair)))


def test_the_msvcrt_model_agrees_with_list2cmdline():
    args = [a for a in HOSTILE if "\n" not in a]
    assert msvcrt_split(subprocess.list2cmdline(args)) == args
    assert msvcrt_split(" ".join(msvcrt_quote(a) for a in args)) == args


@pytest.mark.parametrize("resume_after_pair", [False, True])
def test_windows_command_line_survives_cmd_and_the_crt(resume_after_pair):
    env = {"PATH": "C:\\Windows", "x": "EXPANDED", "AZ_BATCH_JOB_PREP_WORKING_DIR": "D:\\b\\wd"}
    program = "C:\\Program Files\\Python311\\python.exe"
    hostile = [a for a in HOSTILE if "\n" not in a]
    args: list[Arg] = [program, NodeVar("AZ_BATCH_JOB_PREP_WORKING_DIR", "/azbm"), *hostile]
    line = command_line(args, "windows")
    assert "\n" not in line
    got = run_windows(line, env, resume_after_pair=resume_after_pair)
    assert got == [program, "D:\\b\\wd\\azbm", *hostile]


def test_windows_refuses_a_percent_before_a_node_variable():
    with pytest.raises(CommandLineError, match="%"):
        command_line(["C:\\100%\\python.exe", NodeVar("AZ_BATCH_TASK_DIR")], "windows")


def test_line_breaks_are_refused_on_windows_only():
    with pytest.raises(CommandLineError, match="line break"):
        command_line(["python", "a\nb"], "windows")
    assert "a\nb" in command_line(["python", "a\nb"], "linux")
    with pytest.raises(CommandLineError):
        command_line(["python", "a\0b"], "linux")


def test_node_variable_names_are_checked():
    with pytest.raises(ValueError, match="not an environment variable"):
        NodeVar("A B")
