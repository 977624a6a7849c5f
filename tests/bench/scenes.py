"""Generated Maya ASCII scenes for benchmarks: realistic shape, any size."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

HEADER = """//Maya ASCII 2025 scene
//Name: generated.ma
//Codeset: 1252
file -rdi 1 -ns "set" -rfn "setRN" -op "v=0;" -typ "mayaAscii" "C:/show/assets/set.ma";
file -r -ns "set" -dr 1 -rfn "setRN" -op "v=0;" -typ "mayaAscii" "C:/show/assets/set.ma";
requires maya "2025";
requires -nodeType "aiStandIn" "mtoa" "5.4.5";
currentUnit -l centimeter -a degree -t film;
fileInfo "version" "2025";
"""


def write_scene(path: Path, megabytes: int, *, seed: int = 1) -> int:
    """Write a scene of about `megabytes` MB: meshes with vertex data, some file textures.

    Returns the number of file texture nodes written.
    """
    rng = random.Random(seed)
    target = megabytes * 1024 * 1024
    textures = 0
    with path.open("w", encoding="cp1252", newline="\n") as out:
        out.write(HEADER)
        written = len(HEADER)
        index = 0
        while written < target:
            index += 1
            verts = _wrapped(f"{rng.uniform(-10, 10):.6f}" for _ in range(3 * 2000))
            faces = _wrapped(str(rng.randrange(2000)) for _ in range(4000))
            block = (
                f'createNode transform -n "mesh{index}";\n'
                f'createNode mesh -n "meshShape{index}" -p "mesh{index}";\n'
                f'\tsetAttr -k off ".v";\n'
                f'\tsetAttr -s 2000 ".vt[0:1999]" {verts};\n'
                f'\tsetAttr -s 4000 ".fc[0:3999]" -type "polyFaces" {faces};\n'
                f'createNode file -n "tex{index}";\n'
                f'\tsetAttr ".ftn" -type "string" "C:/show/sourceimages/tex{index}.<UDIM>.tx";\n'
                f'\tsetAttr ".uvt" 3;\n'
            )
            out.write(block)
            written += len(block)
            textures += 1
        out.write(
            'select -ne :defaultRenderGlobals;\n\tsetAttr ".ren" -type "string" "arnold";\n'
            '\tsetAttr ".fs" 1;\n\tsetAttr ".ef" 100;\n'
        )
    return textures


def _wrapped(values: Iterator[str], per_line: int = 9) -> str:
    """Array data as Maya writes it: a few values a line, each line indented by two tabs."""
    items = list(values)
    lines = (" ".join(items[i : i + per_line]) for i in range(0, len(items), per_line))
    return "\n\t\t ".join(lines)
