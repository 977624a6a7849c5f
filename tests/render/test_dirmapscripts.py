"""dirmap MEL and Python for a farm of the user's own: every string survives as a literal."""

from __future__ import annotations

import ast

import pytest

from azure_batch_maya.render.dirmapscripts import dirmap_mel, mel_string, python_string
from azure_batch_maya.render.pathmap import DirMapping, NodePathMap

from .test_pathmap import parse_mel

NASTY = [
    "plain",
    "with space",
    'double "quote"',
    "single 'quote'",
    "$HOME and ${X} and %PATH%",
    "semi;colon && rm -rf /",
    "back\\slash\\",
    "new\nline\ttab\rcr",
    "été Zoë χ 日本 😀",
    "`backtick` <UDIM> ####",
]


@pytest.mark.parametrize("text", NASTY)
def test_python_literal_round_trips_and_is_ascii(text):
    literal = python_string(text)
    assert literal.isascii()
    assert ast.literal_eval(literal) == text


@pytest.mark.parametrize("text", NASTY)
def test_mel_literal_round_trips(text):
    literal = mel_string(text)
    assert "\n" not in literal and literal.startswith('"') and literal.endswith('"')
    (statement,) = parse_mel(f"print {literal};")
    assert statement == ["print", text]


def test_mel_script_enables_before_mapping():
    pm = NodePathMap(
        "linux", "/n", "/n/p", (DirMapping('C:/a "b"/', "/n/x/"), DirMapping("C:/", "/n/y/"))
    )
    statements = parse_mel(dirmap_mel(pm))
    assert statements == [
        ["dirmap", "-en", "true"],
        ["dirmap", "-m", 'C:/a "b"/', "/n/x/"],
        ["dirmap", "-m", "C:/", "/n/y/"],
        ["workspace", "-o", "/n/p"],
    ]
