"""Watching a job's outputs survives network blips, and gives up after too many in a row."""

from __future__ import annotations

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.watch import watch_job
from azure_batch_maya.app.submit import OUTPUTS_CONTAINER
from azure_batch_maya.services.errors import ConnectionFailedError, NotFoundError

pytestmark = pytest.mark.slow


@pytest.fixture
def conn(azurite) -> Connection:
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string)
    if not blobs.get_container_client(OUTPUTS_CONTAINER).exists():
        blobs.create_container(OUTPUTS_CONTAINER)
    blobs.get_blob_client(OUTPUTS_CONTAINER, "watch-job/images/a.0001.png").upload_blob(
        b"frame 1", overwrite=True
    )
    return Connection(batch=None, blobs=blobs, where="Azurite", local=True)  # type: ignore[arg-type]


def answers(*replies):
    """A `finished` that raises or answers each reply in turn."""
    pending = list(replies)

    def finished() -> bool:
        reply = pending.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return bool(reply)

    return finished


def blip() -> ConnectionFailedError:
    return ConnectionFailedError("ConnectionFailed", "could not connect to Batch")


def test_a_pass_that_cannot_reach_the_service_is_tried_again(conn, tmp_path):
    pauses: list[float] = []
    retried: list[str] = []
    watched = watch_job(
        conn,
        "watch-job",
        tmp_path,
        interval=7,
        finished=answers(blip(), False, blip(), True),
        on_retry=lambda e: retried.append(e.code),
        sleep=pauses.append,
    )
    assert watched.downloaded == 1 and watched.verdict is None
    assert (tmp_path / "images" / "a.0001.png").read_bytes() == b"frame 1"
    assert retried == ["ConnectionFailed", "ConnectionFailed"]
    assert pauses == [7, 7, 7]  # after each blip, and between the two passes


def test_too_many_failures_in_a_row_end_the_watch(conn, tmp_path):
    with pytest.raises(ConnectionFailedError):
        watch_job(
            conn,
            "watch-job",
            tmp_path,
            interval=1,
            finished=answers(blip(), blip(), blip()),
            max_failures=3,
            sleep=lambda _s: None,
        )


def test_other_errors_end_it_at_once(conn, tmp_path):
    gone = NotFoundError("BlobNotFound", "not in storage")
    with pytest.raises(NotFoundError):
        watch_job(conn, "watch-job", tmp_path, interval=1, finished=answers(gone, True))
