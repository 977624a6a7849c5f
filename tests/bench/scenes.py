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
    """Write a scene of about `megabytes` MB: meshes with vertex and face data, some file textures.

    Mesh nodes are written as Maya writes them: a uid, the UV set and colour set names (string
    attributes, so the reader cannot skip a mesh by its lack of strings), then vertices and
    polyFaces (`f` and `mu` lines). Returns the number of file texture nodes written.
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
            ids = [str(i) for i in rng.choices(range(2000), k=8000)]
            faces = "\n\t\t".join(
                f"f 4 {' '.join(ids[i : i + 4])}\n\t\tmu 0 4 {' '.join(ids[i + 4 : i + 8])}"
                for i in range(0, 8000, 8)
            )
            uid = f"{rng.getrandbits(32):08X}-{rng.getrandbits(16):04X}-0000-0000-{index:012X}"
            block = (
                f'createNode transform -n "mesh{index}";\n'
                f'\trename -uid "{uid}";\n'
                f'createNode mesh -n "meshShape{index}" -p "mesh{index}";\n'
                f'\trename -uid "{uid}";\n'
                f'\tsetAttr -k off ".v";\n'
                f'\tsetAttr ".vir" yes;\n'
                f'\tsetAttr ".vif" yes;\n'
                f'\tsetAttr ".uvst[0].uvsn" -type "string" "map1";\n'
                f'\tsetAttr ".cuvs" -type "string" "map1";\n'
                f'\tsetAttr ".dcc" -type "string" "Ambient+Diffuse";\n'
                f'\tsetAttr -s 2000 ".vt[0:1999]" {verts};\n'
                f'\tsetAttr -s 1000 -ch 4000 ".fc[0:999]" -type "polyFaces" \n\t\t{faces};\n'
                f'createNode file -n "tex{index}";\n'
                f'\trename -uid "{uid}";\n'
                f'\tsetAttr ".ftn" -type "string" "C:/show/sourceimages/tex{index}.<UDIM>.tx";\n'
                f'\tsetAttr ".cs" -type "string" "sRGB";\n'
                f'\tsetAttr ".uvt" 3;\n'
            )
            out.write(block)
            written += len(block)
            textures += 1
        out.write(
            'select -ne :defaultRenderGlobals;\n\tsetAttr ".ren" -type "string" "arnold";\n'
            '\tsetAttr ".fs" 1;\n\tsetAttr ".ef" 100;\n'
            "// End of generated.ma\n"
        )
    return textures


def _wrapped(values: Iterator[str], per_line: int = 9) -> str:
    """Array data as Maya writes it: a few values a line, each line indented by two tabs."""
    items = list(values)
    lines = (" ".join(items[i : i + per_line]) for i in range(0, len(items), per_line))
    return "\n\t\t ".join(lines)
