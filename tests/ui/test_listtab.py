"""The list-tab base the Jobs and Pools tabs share: rows filled in place (the same items, the
current row kept, each row's colours from this listing only), and status lines about the list
that go once a later listing has nothing to say."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pytestqt.qtbot import QtBot

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.controllers.pools import PoolsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.ui.icons import BAD
from azure_batch_maya.ui.listtab import ListTab
from azure_batch_maya.ui.pools_view import PoolsView
from azure_batch_maya.ui.qt import QtGui
from azure_batch_maya.ui.worker import Workers
from tests.cli.localjobs import empty_pool


class Names(ListTab[str]):
    noun = "names"

    def __init__(self) -> None:
        super().__init__(
            Session(), Workers(), row_type=str, columns=("Name",), widths=(80,), interval_ms=1000
        )

    def fetch(self) -> tuple[str, ...]:
        return ()

    def listed(self, rows: tuple[str, ...]) -> None:
        self.fill(rows, str, lambda r: (r,), None)


def test_rows_are_filled_in_place_keeping_the_current_one(qtbot: QtBot) -> None:
    tab = Names()
    qtbot.addWidget(tab)
    picked: list[str | None] = []
    tab.picked = lambda: picked.append(tab.selected_row())  # type: ignore[method-assign]
    first = tab.fill(["a", "b", "c"], str, lambda r: (r,), None)
    first[1].setForeground(0, QtGui.QBrush(QtGui.QColor(BAD)))
    tab.table.setCurrentItem(first[2])
    assert picked == ["c"] and tab.selected_row() == "c"
    again = tab.fill(["a", "x", "c"], str, lambda r: (r,), "c")
    assert again == first  # the same items: no rebuild under a click
    assert [i.text(0) for i in again] == ["a", "x", "c"] and tab.selected_row() == "c"
    assert again[1].foreground(0).color().name() != BAD  # that colour was the old row's
    shorter = tab.fill(["a"], str, lambda r: (r,), "c")  # the current row is gone
    assert tab.table.topLevelItemCount() == 1 and shorter[0] is first[0]
    assert tab.selected_row() is None and picked == ["c"]  # filling fires no pick


def test_what_the_listing_said_goes_with_the_next_listing_what_an_action_said_stays(
    qtbot: QtBot,
) -> None:
    tab = Names()
    qtbot.addWidget(tab)
    unused = cast(Any, None)  # Names lists nothing from a service
    tab.session.set_connection(Connection(batch=unused, blobs=unused, where="x", local=True))
    tab.say("Cannot list names: timed out", BAD)
    tab.refresh()  # on a worker
    qtbot.waitUntil(lambda: tab.status.text() == "", timeout=10000)
    tab.status.setText("Renamed.")  # as `act` says what an action did
    tab.refresh()
    qtbot.waitUntil(lambda: tab.workers.busy == 0, timeout=10000)
    assert tab.status.text() == "Renamed."
    tab.workers.wait()


@pytest.mark.slow
def test_not_connected_goes_once_the_pools_are_listed(connected: Session, qtbot: QtBot) -> None:
    pool_id = empty_pool(connected.require_connection())
    session = Session()
    workers = Workers()
    view = PoolsView(PoolsController(session), workers)
    qtbot.addWidget(view)
    assert view.status.text() == "Not connected."
    session.set_connection(connected.connection)  # refreshes, as the Config tab's sign-in does
    qtbot.waitUntil(lambda: pool_id in {r.id for r in view.controller.rows}, timeout=20000)
    assert view.status.text() != "Not connected."  # other tests' pools may have more to say
    workers.wait()
