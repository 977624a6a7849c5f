"""Truncated, binary, empty, wrongly-encoded and hostile files: a clear error or a best-effort
result, never a traceback or a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.scene.errors import SceneError
from azure_batch_maya.scene.ma_reader import parse_ma, read_ma

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "scenes" / "render_settings.ma"
HEADER = b'//Maya ASCII 2025 scene\n//Codeset: UTF-8\nrequires maya "2025";\n'


def test_every_truncation_of_a_scene_reads_best_effort():
    data = FIXTURE.read_bytes()
    full = parse_ma(data, scene="full.ma")
    for cut in range(24, len(data), 37):
        info = parse_ma(data[:cut], scene="cut.ma")

        # Whatever is read from a prefix is exactly what the whole file says: no path cut short.
        def key(r):
            return (r.node, r.node_type, r.attribute, r.path)

        assert {key(r) for r in info.references} <= {key(r) for r in full.references}, cut


def test_truncated_mid_statement_warns():
    data = HEADER + b'createNode file -n "f";\n\tsetAttr ".ftn" -type "string" "tex/a.png"'
    info = parse_ma(data, scene="cut.ma")
    assert [r.path for r in info.references] == ["tex/a.png"]
    assert any("truncated" in w for w in info.warnings)


def test_unbalanced_quote_skips_the_rest_of_that_node_only():
    data = HEADER + (
        b'createNode file -n "bad";\n\tsetAttr ".ftn" -type "string" "tex/a.png;\n'
        b'createNode file -n "good";\n\tsetAttr ".ftn" -type "string" "tex/b.png";\n'
    )
    info = parse_ma(data, scene="q.ma")
    assert [r.node for r in info.references] == ["good"]
    assert any("bad" in w and "never ends" in w for w in info.warnings)


def test_statement_that_never_ends_does_not_hang():
    data = HEADER + b'createNode file -n "f";\n\tsetAttr ".ftn" -type "string" ' + b"1 " * 500_000
    info = parse_ma(data, scene="long.ma")
    assert info.references == ()


@pytest.mark.slow
def test_fifty_megabyte_string_is_read():
    big = b"x" * (50 * 1024 * 1024)
    data = HEADER + b'createNode file -n "f";\n\tsetAttr ".ftn" -type "string" "' + big + b'";\n'
    info = parse_ma(data, scene="big.ma")
    assert len(info.references) == 1
    assert len(info.references[0].path) == len(big)


def test_empty_file(tmp_path):
    scene = tmp_path / "empty.ma"
    scene.write_bytes(b"")
    with pytest.raises(SceneError, match="is empty"):
        read_ma(scene)


def test_binary_garbage(tmp_path):
    scene = tmp_path / "noise.ma"
    scene.write_bytes(os.urandom(4096))
    with pytest.raises(SceneError, match="not a Maya ASCII scene"):
        read_ma(scene)


def test_binary_after_a_valid_header(tmp_path):
    scene = tmp_path / "noise.ma"
    scene.write_bytes(HEADER + b"\x00\x01\x02" * 100)
    with pytest.raises(SceneError, match="binary data"):
        read_ma(scene)


def test_random_bytes_after_header_never_raise_anything_else():
    for seed in range(20):
        noise = bytes((seed * 7919 + i * 104729) % 255 + 1 for i in range(3000))
        info = parse_ma(HEADER + noise, scene="noise.ma")
        assert info.scene == "noise.ma"


def test_wrong_codeset_declared_replaces_and_warns():
    data = (
        HEADER
        + 'createNode file -n "f";\n\tsetAttr ".ftn" -type "string" "C:/Café.tif";\n'.encode(
            "cp1252"
        )
    )
    info = parse_ma(data, scene="enc.ma")
    assert info.references[0].path == "C:/Caf\ufffd.tif"
    assert any("not valid utf-8" in w for w in info.warnings)


def test_unknown_codeset_falls_back_to_utf8():
    data = b"//Maya ASCII 2025 scene\n//Codeset: klingon\n" + b'createNode file -n "f";\n'
    assert parse_ma(data, scene="k.ma").codeset == "klingon"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SceneError, match="does not exist"):
        read_ma(tmp_path / "nope.ma")
    with pytest.raises(SceneError, match="is a folder"):
        read_ma(tmp_path)


def test_cli_gives_one_line_and_exit_2_for_unreadable_files(tmp_path, capsys):
    scene = tmp_path / "notes.ma"
    scene.write_text("hello\n")
    assert main(["scan", str(scene), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "not a Maya ASCII scene" in captured.err
