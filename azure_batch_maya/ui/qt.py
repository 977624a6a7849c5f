"""The one Qt binding shim: everything else imports QtCore, QtGui and QtWidgets from here.

Qt.py picks PySide6 (Maya 2025+) or PySide2 (Maya 2024) at run time; mypy reads PySide6's
stubs, so code here is written to the API both bindings share (fully qualified enums).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from PySide6 import QtCore, QtGui, QtWidgets
else:
    from Qt import QtCore, QtGui, QtWidgets

Signal = QtCore.Signal

__all__ = [
    "QtCore",
    "QtGui",
    "QtWidgets",
    "Signal",
    "binding",
    "cpp_pointer",
    "open_local_file",
    "run_loop",
    "with_flag",
    "wrap_widget",
]


def binding() -> str:
    """The binding in use, e.g. "PySide6" (for the About box and bug reports)."""
    import Qt

    return str(Qt.__binding__)


def cpp_pointer(widget: QtWidgets.QWidget) -> int:
    """The address of a widget's C++ object, for Maya's `MQtUtil` calls."""
    from Qt import QtCompat

    # Qt.py's stubs say a tuple (shiboken's answer); Qt.py itself returns its first item.
    return cast(int, QtCompat.getCppPointer(widget))


def wrap_widget(pointer: int) -> QtWidgets.QWidget:
    """A Python QWidget for a C++ address Maya gave us."""
    from Qt import QtCompat

    return cast(QtWidgets.QWidget, QtCompat.wrapInstance(int(pointer), QtWidgets.QWidget))


def with_flag(flags: Any, flag: Any) -> Any:
    """`flags | flag`. PySide2 5.13 on Python 3.11 breaks on `|` of its enums (it leaves an
    error set for a later call to raise), so there the flags are combined as integers."""
    if binding() == "PySide2":
        return type(flags)(int(flags) | int(flag))
    return flags | flag


def open_local_file(path: Path) -> bool:
    """Open a file or folder with the program the operating system has for it."""
    return bool(QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path))))


def run_loop(loop: QtCore.QEventLoop | QtCore.QCoreApplication) -> int:
    """`loop.exec()`: PySide2 spells it `exec_`."""
    run = getattr(loop, "exec", None) or loop.exec_
    return int(run())
