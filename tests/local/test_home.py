from __future__ import annotations

import os

from azure_batch_maya.local.home import (
    LocalState,
    clear_state,
    read_state,
    state_path,
    write_state,
)


def test_state_file_round_trip_is_private(tmp_path):
    state = LocalState(
        "http://127.0.0.1:1",
        "localpool",
        "a2V5",
        "UseDevelopmentStorage=true",
        10,
        None,
        str(tmp_path),
    )
    path = write_state(tmp_path, state)
    assert path == state_path(tmp_path)
    if os.name != "nt":
        assert path.stat().st_mode & 0o777 == 0o600
    assert read_state(tmp_path) == state
    assert set(state.connection()) == {
        "batch_url",
        "batch_account",
        "batch_key",
        "storage_connection_string",
    }
    clear_state(tmp_path)
    assert read_state(tmp_path) is None
