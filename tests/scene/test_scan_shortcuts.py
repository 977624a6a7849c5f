"""The reader's shortcuts over big scenes (memchr searches, statements split by their quotes,
untracked nodes tokenized only where they can warn) give what reading everything gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from azure_batch_maya.scene import ma_source, mel
from azure_batch_maya.scene.ma_reader import parse_ma, read_ma
from azure_batch_maya.scene.ma_source import MaSource
from azure_batch_maya.scene.mel import statements
from tests.bench.scenes import write_scene

HEADER = '//Maya ASCII 2025 scene\n//Codeset: UTF-8\nrequires maya "2025";\n'
VERTICES = " ".join(f"{i * 0.25:.6f}" for i in range(3000))


def scene_bytes(body: str, *, end: bool = True) -> bytes:
    return (HEADER + body + ("// End of a.ma\n" if end else "")).encode()


def mesh(name: str, *, after_data: str = "", before_data: str = "") -> str:
    """A mesh node as Maya writes it: uv set strings, then vertex data."""
    return (
        f'createNode mesh -n "{name}";\n'
        f'\trename -uid "CA540639-6049-DBE7-EDCE-CFBB01C34FEF";\n'
        f"{before_data}"
        '\tsetAttr ".uvst[0].uvsn" -type "string" "map1";\n'
        '\tsetAttr ".cuvs" -type "string" "map1";\n'
        f'\tsetAttr -s 1000 ".vt[0:999]" {VERTICES};\n'
        f"{after_data}"
    )


@pytest.mark.parametrize("chunk", [5, 4096, 256 * 1024])
@pytest.mark.parametrize("spacing", [1, 7, 600])
def test_find_each_matches_a_regular_expression_however_common_the_key(
    spacing: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `spacing` 1 makes the searched byte (N) so common that the search hands over to a regex;
    # a small `chunk` puts needles across the pieces the file is searched in.
    monkeypatch.setattr(ma_source, "_CHUNK", chunk)
    noise = ("xN" * spacing + "\n") * 3000
    text = "//Maya ASCII\n" + (noise + '\ncreateNode a;\nselect\tb;\ncreateNodes "c;' * 3)
    source = MaSource(text.encode(), "utf-8")
    created, selected, strings = source.find_each(
        [(("\ncreateNode ", "\ncreateNode\t"), "N"), (("\nselect ",), "l"), (('"c',), "c")]
    )
    assert created == [m.start() for m in re.finditer(r"\ncreateNode[ \t]", text)]
    assert selected == []
    assert strings == [m.start() for m in re.finditer('"c', text)]
    assert (len(created), len(strings)) == (3, 3)


def test_statement_spans_skip_semicolons_in_strings_and_escaped_quotes() -> None:
    text = b'\ncreateNode a -n "x;y";\n\tsetAttr ".b" -type "string" "q\\";r";\n\tsetAttr ".c" 1;'
    source = MaSource(text, "utf-8")
    spans, resume = source.statement_spans(0, len(text), until=len(text) - 1) or ([], -1)
    pieces = [text[b:e].strip() for b, e in spans]
    assert pieces == [
        b'createNode a -n "x;y";',
        b'setAttr ".b" -type "string" "q\\";r";',
        b'setAttr ".c" 1;',
    ]
    assert resume == len(text)


def test_statement_spans_leave_comments_and_open_strings_to_the_tokenizer() -> None:
    comment = b'\ncreateNode a; // c;\n\tsetAttr ".b" 1;'
    open_string = b'\ncreateNode a;\n\tsetAttr ".b" "x;'
    for text in (comment, open_string):
        assert MaSource(text, "utf-8").statement_spans(0, len(text), until=len(text)) is None


def test_a_statement_longer_than_a_short_one_is_split_by_finding_its_quotes() -> None:
    text = f'\ncreateNode a;\n\tsetAttr ".vt" {VERTICES} ";" ;\n\tsetAttr ".b" "c";'.encode()
    spans, _ = MaSource(text, "utf-8").statement_spans(0, len(text), until=len(text) - 3) or ([], 0)
    assert [text[b:e].strip()[:12] for b, e in spans] == [
        b"createNode a",
        b'setAttr ".vt',
        b'setAttr ".b"',
    ]


def test_untracked_node_warns_about_a_path_after_its_vertex_data() -> None:
    body = mesh("m", after_data='\tsetAttr ".notes" -type "string" "C:/ref/look;v2.jpg";\n')
    info = parse_ma(scene_bytes(body), scene="a.ma")
    (warning,) = info.warnings
    assert "m.notes (mesh)" in warning and "C:/ref/look;v2.jpg" in warning


def test_untracked_node_custom_attribute_holding_a_path_does_not_warn() -> None:
    added = '\taddAttr -ci true -sn "notes" -ln "notes" -dt "string";\n'
    body = mesh("m", before_data=added, after_data='\tsetAttr ".notes" -type "string" "a.jpg";\n')
    assert parse_ma(scene_bytes(body), scene="a.ma").warnings == ()


def test_untracked_node_strings_without_a_file_name_warn_nothing() -> None:
    info = parse_ma(scene_bytes(mesh("a") + mesh("b")), scene="a.ma")
    assert info.warnings == ()
    assert info.references == ()


def test_untracked_node_with_a_string_that_never_ends_says_so() -> None:
    body = mesh("m", after_data='\tsetAttr ".x" -type "string" "never ends;\n') + mesh("n")
    info = parse_ma(scene_bytes(body), scene="a.ma")
    assert any("node m: a string never ends" in w for w in info.warnings)


def test_untracked_node_with_a_comment_is_read_whole() -> None:
    body = mesh("m", after_data='\t// a note; "quoted\n\tsetAttr ".x" -type "string" "a.exr";\n')
    (warning,) = parse_ma(scene_bytes(body), scene="a.ma").warnings
    assert "m.x (mesh)" in warning


def test_cut_inside_an_untracked_node_says_the_scene_is_truncated() -> None:
    cut = scene_bytes(mesh("m"), end=False)[:-2000]
    info = parse_ma(cut, scene="a.ma")
    assert any("ends inside a statement" in w for w in info.warnings)


def test_generated_benchmark_scene_scans_to_its_textures(tmp_path: Path) -> None:
    scene = tmp_path / "big.ma"
    textures = write_scene(scene, 1)
    info = read_ma(scene)
    assert info.warnings == ()
    assert len(info.references) == textures + 1  # and the referenced set.ma
    assert info.references[-1].path == f"C:/show/sourceimages/tex{textures}.<UDIM>.tx"
    assert info.references[-1].uv_tiling == 3


def test_known_tokens_are_shared_and_bounded() -> None:
    (first,) = statements('setAttr ".v" -type "string" "a";')
    (second,) = statements('setAttr ".v" -type "string" "a";')
    assert first.tokens == second.tokens
    assert all(a is b for a, b in zip(first.tokens, second.tokens, strict=True))
    long_word = "w" * 100
    list(statements(f"{long_word};"))
    assert long_word not in mel._KNOWN
    list(statements(" ".join(f"n{i};" for i in range(10_000))))
    assert len(mel._KNOWN) <= mel._KNOWN_MAX
