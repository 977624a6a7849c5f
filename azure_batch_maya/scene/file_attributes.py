"""Which attributes of which node types hold external file paths.

One line per node type: `(short, long)` pairs, the short name being what a .ma file writes
(`setAttr ".ftn"`). Adding a type is adding a line. Names marked "unverified" come from the
long name only (see shared/MAYA_FACTS.md §8); the reader also warns about any other string
attribute whose value looks like a file path, so a wrong guess here is loud, not silent.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileAttribute:
    short: str
    long: str
    string_array: bool = False


FILE_ATTRIBUTES: dict[str, tuple[FileAttribute, ...]] = {
    # Maya
    "file": (FileAttribute("ftn", "fileTextureName"),),
    "psdFileTex": (FileAttribute("ftn", "fileTextureName"),),
    "movie": (FileAttribute("ftn", "fileTextureName"),),
    "imagePlane": (FileAttribute("imn", "imageName"),),
    "audio": (FileAttribute("f", "filename"),),
    "gpuCache": (FileAttribute("cfn", "cacheFileName"),),
    "AlembicNode": (
        FileAttribute("fn", "abc_File"),
        FileAttribute("fns", "abc_layerFiles", string_array=True),
    ),
    "cacheFile": (FileAttribute("cp", "cachePath"),),
    "colorManagementGlobals": (FileAttribute("cfp", "configFilePath"),),
    # Arnold (MtoA)
    "aiImage": (FileAttribute("filename", "filename"),),
    "aiStandIn": (FileAttribute("dso", "dso"),),
    "aiVolume": (FileAttribute("filename", "filename"),),
    "aiPhotometricLight": (FileAttribute("ai_filename", "aiFilename"),),  # short: unverified
    # Redshift
    "RedshiftProxyMesh": (FileAttribute("fn", "fileName"),),
    "RedshiftVolumeShape": (FileAttribute("fileName", "fileName"),),  # short: unverified
    # V-Ray
    "VRayMesh": (FileAttribute("fileName", "fileName"),),  # short: unverified
    "VRayScene": (FileAttribute("FilePath", "FilePath"),),  # short: unverified
    "VRayVolumeGrid": (FileAttribute("inPath", "inPath"),),  # short: unverified
    # Hair and FX
    "pgYetiMaya": (FileAttribute("cacheFileName", "cacheFileName"),),  # short: unverified
    "xgmPalette": (FileAttribute("xgFileName", "xgFileName"),),  # short: unverified
}

# Shared nodes that a .ma edits with `select -ne :name` rather than creating them.
SHARED_NODE_TYPES: dict[str, str] = {
    "defaultRenderGlobals": "renderGlobals",
    "defaultResolution": "resolution",
    "defaultColorMgtGlobals": "colorManagementGlobals",
    "defaultRenderQuality": "renderQuality",
    "hardwareRenderingGlobals": "hardwareRenderingGlobals",
    "defaultArnoldDriver": "aiAOVDriver",
    "defaultArnoldRenderOptions": "aiOptions",
}

# File endings that make a string attribute look like a path to a file a render reads.
ASSET_SUFFIXES: frozenset[str] = frozenset(
    """
    abc ai ass asz avi bgeo bmp cin dds dpx exr fbx gif hdr ies iff jpeg jpg ma mb mcc mcx mc
    mov mp4 mtlx obj ocio osl oso png psd ptex rat rs rstexbin sgi tga tif tiff tx usd usda usdc
    usdz vdb vrmesh vrscene vrmat wav aif aiff xgen xml yeti
    """.split()
)


def file_attribute(node_type: str, attr: str) -> FileAttribute | None:
    """The table entry for `node_type.attr`, `attr` given by its short or long name."""
    for entry in FILE_ATTRIBUTES.get(node_type, ()):
        if attr in (entry.short, entry.long):
            return entry
    return None
