"""SQLite state of the local pool: pools, nodes, jobs, tasks and job preparation runs.

Every entity is stored as the JSON the service returns, committed before the change is
acknowledged, so killing the process loses nothing that a client was told had happened.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from azure_batch_maya.local.formats import (
    UNLIMITED_SECONDS,
    now_ticks,
    parse_duration,
    parse_iso,
)

Doc = dict[str, Any]
_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pools (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    pool_id TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (pool_id, id));
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    job_id TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL,
    result TEXT, slots INTEGER NOT NULL, doc TEXT NOT NULL, expires INTEGER,
    PRIMARY KEY (job_id, id));
CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (job_id, state, seq);
CREATE TABLE IF NOT EXISTS preps (
    job_id TEXT NOT NULL, node_id TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (job_id, node_id));
"""


class Store:
    """One SQLite connection shared by the server's threads behind a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(tasks)")}
        if "expires" not in columns:  # a data folder from before task retention
            self._db.execute("ALTER TABLE tasks ADD COLUMN expires INTEGER")
        self._db.execute("CREATE INDEX IF NOT EXISTS tasks_by_expiry ON tasks (expires)")
        self._last_ticks = 0
        self._seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM tasks").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def ticks(self) -> int:
        """A strictly increasing clock, so every change gets its own ETag."""
        with self._lock:
            self._last_ticks = max(now_ticks(), self._last_ticks + 1)
            return self._last_ticks

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit; nested use joins the outer transaction."""
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, *args: object) -> Doc | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def _many(self, sql: str, *args: object) -> list[Doc]:
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def _write(self, sql: str, *args: object) -> None:
        with self._lock:
            self._db.execute(sql, args)

    # Pools
    def get_pool(self, pool_id: str) -> Doc | None:
        return self._one("SELECT doc FROM pools WHERE id = ?", pool_id)

    def put_pool(self, pool: Doc) -> None:
        self._write("INSERT OR REPLACE INTO pools VALUES (?, ?)", pool["id"], json.dumps(pool))

    def delete_pool(self, pool_id: str) -> None:
        with self.transaction():
            self._write("DELETE FROM pools WHERE id = ?", pool_id)
            self._write("DELETE FROM nodes WHERE pool_id = ?", pool_id)

    def list_pools(self, after: str | None = None) -> list[Doc]:
        return self._many("SELECT doc FROM pools WHERE id > ? ORDER BY id", after or "")

    # Nodes
    def list_nodes(self, pool_id: str) -> list[Doc]:
        return self._many("SELECT doc FROM nodes WHERE pool_id = ? ORDER BY id", pool_id)

    def put_node(self, pool_id: str, node: Doc) -> None:
        self._write(
            "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?)", pool_id, node["id"], json.dumps(node)
        )

    def delete_node(self, pool_id: str, node_id: str) -> None:
        self._write("DELETE FROM nodes WHERE pool_id = ? AND id = ?", pool_id, node_id)

    # Jobs
    def get_job(self, job_id: str) -> Doc | None:
        return self._one("SELECT doc FROM jobs WHERE id = ?", job_id)

    def put_job(self, job: Doc) -> None:
        self._write("INSERT OR REPLACE INTO jobs VALUES (?, ?)", job["id"], json.dumps(job))

    def delete_job(self, job_id: str) -> None:
        with self.transaction():
            self._write("DELETE FROM jobs WHERE id = ?", job_id)
            self._write("DELETE FROM tasks WHERE job_id = ?", job_id)
            self._write("DELETE FROM preps WHERE job_id = ?", job_id)

    def list_jobs(self, after: str | None = None) -> list[Doc]:
        return self._many("SELECT doc FROM jobs WHERE id > ? ORDER BY id", after or "")

    # Tasks
    def get_task(self, job_id: str, task_id: str) -> Doc | None:
        return self._one("SELECT doc FROM tasks WHERE job_id = ? AND id = ?", job_id, task_id)

    def add_task(self, job_id: str, task: Doc) -> None:
        """Insert a new task; raises sqlite3.IntegrityError when the id is taken."""
        with self._lock:
            self._seq += 1
            self._db.execute(
                "INSERT INTO tasks (job_id, id, seq, state, slots, doc) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    task["id"],
                    self._seq,
                    task["state"],
                    task["requiredSlots"],
                    json.dumps(task),
                ),
            )

    def put_task(self, job_id: str, task: Doc) -> None:
        result = task.get("executionInfo", {}).get("result")
        self._write(
            "UPDATE tasks SET state = ?, result = ?, doc = ?, expires = ?"
            " WHERE job_id = ? AND id = ?",
            task["state"],
            result,
            json.dumps(task),
            _expiry(task),
            job_id,
            task["id"],
        )

    def expired_tasks(self, now: int, limit: int = 500) -> list[tuple[str, Doc]]:
        """(job id, task) of completed tasks whose files are past their retention time."""
        with self._lock:
            rows = self._db.execute(
                "SELECT job_id, doc FROM tasks WHERE expires <= ? ORDER BY expires LIMIT ?",
                (now, limit),
            ).fetchall()
        return [(job_id, dict(json.loads(doc))) for job_id, doc in rows]

    def forget_expiry(self, job_id: str, task_id: str) -> None:
        self._write("UPDATE tasks SET expires = NULL WHERE job_id = ? AND id = ?", job_id, task_id)

    def delete_task(self, job_id: str, task_id: str) -> None:
        self._write("DELETE FROM tasks WHERE job_id = ? AND id = ?", job_id, task_id)

    def list_tasks(self, job_id: str, after: str | None = None) -> Iterator[Doc]:
        """A job's tasks in id order after `after`, read a chunk at a time so a page of a
        large job does not decode the whole job."""
        last = after or ""
        while True:
            chunk = self._many(
                "SELECT doc FROM tasks WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?",
                job_id,
                last,
                _CHUNK,
            )
            yield from chunk
            if len(chunk) < _CHUNK:
                return
            last = chunk[-1]["id"]

    def tasks_in_state(
        self, job_id: str, state: str, limit: int = -1, *, max_slots: int | None = None
    ) -> list[Doc]:
        """Tasks of a job in one state, oldest first (the order the scheduler takes them),
        leaving out those that need more than `max_slots` slots."""
        return self._many(
            "SELECT doc FROM tasks WHERE job_id = ? AND state = ? AND slots <= ?"
            " ORDER BY seq LIMIT ?",
            job_id,
            state,
            max_slots if max_slots is not None else 2**31,
            limit,
        )

    def task_counts(self, job_id: str) -> dict[str, tuple[int, int]]:
        """(tasks, slots) per bucket: active, running, completed, succeeded, failed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT state, result, COUNT(*), SUM(slots) FROM tasks WHERE job_id = ?"
                " GROUP BY state, result",
                (job_id,),
            ).fetchall()
        counts = {
            name: (0, 0) for name in ("active", "running", "completed", "succeeded", "failed")
        }
        for state, result, number, slots in rows:
            buckets = {"preparing": ["active"], "active": ["active"], "running": ["running"]}.get(
                state, ["completed", "succeeded" if result == "success" else "failed"]
            )
            for bucket in buckets:
                tasks, used = counts[bucket]
                counts[bucket] = (tasks + number, used + slots)
        return counts

    def states_of(self, state: str) -> list[tuple[str, Doc]]:
        """(job id, task) for every task in `state`, used to recover after a restart."""
        with self._lock:
            rows = self._db.execute(
                "SELECT job_id, doc FROM tasks WHERE state = ? ORDER BY seq", (state,)
            ).fetchall()
        return [(job_id, dict(json.loads(doc))) for job_id, doc in rows]

    # Job preparation runs, one per (job, node)
    def get_prep(self, job_id: str, node_id: str) -> Doc | None:
        return self._one("SELECT doc FROM preps WHERE job_id = ? AND node_id = ?", job_id, node_id)

    def put_prep(self, job_id: str, node_id: str, doc: Doc) -> None:
        self._write(
            "INSERT OR REPLACE INTO preps VALUES (?, ?, ?)", job_id, node_id, json.dumps(doc)
        )

    def list_preps(self, job_id: str) -> list[Doc]:
        return self._many("SELECT doc FROM preps WHERE job_id = ? ORDER BY node_id", job_id)

    def preps_on_node(self, node_id: str) -> list[tuple[str, Doc]]:
        """(job id, run) of every job preparation recorded on one node."""
        with self._lock:
            rows = self._db.execute(
                "SELECT job_id, doc FROM preps WHERE node_id = ? ORDER BY job_id", (node_id,)
            ).fetchall()
        return [(job_id, dict(json.loads(doc))) for job_id, doc in rows]

    def delete_prep(self, job_id: str, node_id: str) -> None:
        self._write("DELETE FROM preps WHERE job_id = ? AND node_id = ?", job_id, node_id)


def _expiry(task: Doc) -> int | None:
    """When a completed task's folder may go: its end time plus its retention time."""
    end = task.get("executionInfo", {}).get("endTime")
    if task["state"] != "completed" or not end or not task.get("nodeInfo"):
        return None
    retention = parse_duration(task.get("constraints", {}).get("retentionTime", "P7D"))
    if retention >= UNLIMITED_SECONDS:
        return None
    return parse_iso(end) + int(retention * 10_000_000)
