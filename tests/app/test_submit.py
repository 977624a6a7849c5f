"""The steps `submit` and the Submit tab share, on the local pool + Azurite."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import Connection, connect_local
from azure_batch_maya.app.submit import (
    DEFAULT_TIME_LIMIT,
    SAS_MARGIN,
    estimate,
    sas_lifetime,
    submit,
    wait_for_job,
    with_pool_container,
)
from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import HashCache
from azure_batch_maya.assets.project import AssetProject, build_project
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.render.job import RouteError
from azure_batch_maya.render.settings import PoolChoice, SubmitSettings
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services.batch import CustomImage
from azure_batch_maya.services.errors import ServiceError
from azure_batch_maya.services.sas import MAX_USER_DELEGATION, SasLifetimeError
from tests.services.blobs import key_client


def example_project(example: Path, tmp_path: Path) -> tuple[SceneInfo, AssetProject]:
    scene = read_ma(example / "shot010" / "scenes" / "shot010_lighting.ma")
    resolutions = resolve_scene(scene, search_paths=[str(example / "texture_library")])
    cache = HashCache(tmp_path / "hashes.json")
    return scene, build_project(scene, resolutions, AssetChoices(), cache.digest)


def test_waiting_stops_when_the_preparation_fails_on_the_nodes(local_home, example, tmp_path):
    scene, project = example_project(example, tmp_path)
    settings = SubmitSettings(
        frames="1-2",
        node_python=str(tmp_path / "no-such-maya" / "mayapy"),
        job_id=f"no-maya-{uuid.uuid4().hex[:8]}",
    )
    conn = connect_local(start=False)
    submitted = submit(conn, scene, project, settings)
    outcome = wait_for_job(conn, submitted.job_id, interval=0.3, timeout=90)
    assert not outcome.succeeded
    assert outcome.counts.active == 2 and outcome.counts.running == 0
    (failure,) = outcome.stuck
    assert failure.exit_code not in (None, 0)
    assert "no-such-maya" in failure.stderr_tail  # the shell says which program is missing


def test_the_estimate_prices_the_nodes_for_the_frames(example, tmp_path):
    scene, _project = example_project(example, tmp_path)
    two = estimate(scene, SubmitSettings(dedicated_nodes=2), minutes_per_frame=6)
    four = estimate(scene, SubmitSettings(dedicated_nodes=4), minutes_per_frame=6)
    assert two.total > 0
    # 5 one-frame tasks of 6 minutes: three waves on 2 nodes, two waves on 4
    assert (two.hours, four.hours) == (0.3, 0.2)
    # every node is paid for the whole run: the price follows nodes × hours
    assert abs(two.total / four.total - (2 * 0.3) / (4 * 0.2)) < 1e-9


def test_with_entra_a_job_without_a_limit_ends_before_its_7_day_sas():
    settings, lifetime = sas_lifetime(SubmitSettings(), user_delegation=True)
    assert lifetime == MAX_USER_DELEGATION
    assert settings.job_time_limit == MAX_USER_DELEGATION - SAS_MARGIN
    keyed, lifetime = sas_lifetime(SubmitSettings(), user_delegation=False)
    assert keyed.job_time_limit is None and lifetime == DEFAULT_TIME_LIMIT + SAS_MARGIN


def test_with_entra_a_job_limit_past_7_days_is_refused_naming_the_fix():
    long_job = SubmitSettings(job_time_limit=timedelta(hours=170))
    with pytest.raises(SasLifetimeError, match=r"at most 7 days.*--time-limit"):
        sas_lifetime(long_job, user_delegation=True)
    assert sas_lifetime(long_job, user_delegation=False)[1] == timedelta(hours=176)


def test_a_route_azure_would_refuse_stops_submit_before_any_upload(azurite, example, tmp_path):
    blobs = key_client(azurite)
    conn = Connection(batch=None, blobs=blobs, where="Azure", local=False)  # type: ignore[arg-type]
    scene, project = example_project(example, tmp_path)
    gallery = CustomImage("/subscriptions/s/galleries/g/images/maya/versions/1", "batch.node.el 9")
    settings = SubmitSettings(image=gallery, job_id=f"refused-{uuid.uuid4().hex[:6]}")
    with pytest.raises(RouteError, match="Entra ID"):
        submit(conn, scene, project, settings)
    with pytest.raises(RouteError, match="nodes installers add"):
        submit(conn, scene, project, SubmitSettings(job_id=settings.job_id))
    names = [c.name for c in blobs.list_containers()]
    store = blobs.get_container_client("abm-store")
    sent = list(store.list_blobs(name_starts_with="manifests/")) if "abm-store" in names else []
    assert not [b for b in sent if settings.job_id and settings.job_id in b.name]


def test_a_registry_user_without_a_password_stops_submit_before_any_upload(
    azurite, example, tmp_path, monkeypatch
):
    import keyring

    from azure_batch_maya.render.settings import PoolChoice, SettingsError
    from azure_batch_maya.services.batch import ContainerImage, ContainerRegistry, MarketplaceImage
    from tests.services.test_settings import MemoryKeyring

    monkeypatch.delenv("AZURE_BATCH_MAYA_REGISTRY_PASSWORD", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        blobs = key_client(azurite)
        conn = Connection(batch=None, blobs=blobs, where="Azure", local=False)  # type: ignore[arg-type]
        scene, project = example_project(example, tmp_path)
        host = MarketplaceImage("microsoft-dsvm", "ubuntu-hpc", "2204", "batch.node.ubuntu 22.04")
        image = ContainerImage(
            "r.example.com/maya:1", host, ContainerRegistry("r.example.com", "u")
        )
        job_id = f"nopass-{uuid.uuid4().hex[:6]}"
        settings = SubmitSettings(image=image, pool=PoolChoice("new", "c"), job_id=job_id)
        with pytest.raises(SettingsError, match=r"no password for u at r\.example\.com"):
            submit(conn, scene, project, settings)
    finally:
        keyring.set_keyring(previous)
    store = blobs.get_container_client("abm-store")
    if store.exists():
        assert not list(store.list_blobs(name_starts_with=f"manifests/{job_id}"))


def test_the_env_tabs_subnet_is_left_out_on_the_local_pool(local_home, example, tmp_path):
    import sys

    from azure_batch_maya.services import jobs
    from azure_batch_maya.services.batch import NetworkSpec

    scene, project = example_project(example, tmp_path)
    subnet = "/subscriptions/s/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v"
    settings = SubmitSettings(
        frames="1",
        stand_in=True,
        node_python=sys.executable,
        network=NetworkSpec(f"{subnet}/subnets/render"),
        job_id=f"subnet-{uuid.uuid4().hex[:8]}",
    )
    conn = connect_local(start=False)
    submitted = submit(conn, scene, project, settings)  # the local pool refuses a subnet
    assert submitted.job.job.auto_pool is not None
    assert submitted.job.job.auto_pool.network is None
    outcome = wait_for_job(conn, submitted.job_id, interval=0.3, timeout=90)
    assert outcome.succeeded
    jobs.begin_delete_job(conn.batch, submitted.job_id, polling_interval=1)


def test_on_an_existing_container_pool_every_task_names_the_pools_image(
    local_home, example, tmp_path
):
    """Batch fails a task without container settings on a container pool; a job sent with the
    install route to one runs in the pool's image instead (and says so)."""
    from azure.batch import models as m

    from tests.local.conftest import IMAGE

    scene, project = example_project(example, tmp_path)
    conn = connect_local(start=False)
    pool_id = f"boxed-{uuid.uuid4().hex[:6]}"
    conn.batch.create_pool(
        m.BatchPoolCreateOptions(
            id=pool_id,
            vm_size="standard_d2s_v3",
            virtual_machine_configuration=m.VirtualMachineConfiguration(
                image_reference=IMAGE.image_reference,
                node_agent_sku_id=IMAGE.node_agent_sku_id,
                container_configuration=m.BatchContainerConfiguration(
                    type="dockerCompatible", container_image_names=["maya:2026", "other:1"]
                ),
            ),
            target_dedicated_nodes=0,
        )
    )
    notes: list[str] = []
    settings = SubmitSettings(
        frames="1-2", stand_in=True, pool=PoolChoice("existing", pool_id), job_id=pool_id
    )
    try:
        submitted = submit(conn, scene, project, settings, on_note=notes.append)
        tasks = list(conn.batch.list_tasks(submitted.job_id))
        assert len(tasks) == 2
        images = {t.container_settings.image_name for t in tasks if t.container_settings}
        assert images == {"maya:2026"}
        preparation = conn.batch.get_job(submitted.job_id).job_preparation_task
        assert preparation is not None and preparation.container_settings is not None
        assert preparation.container_settings.image_name == "maya:2026"
        assert notes == [
            f"Pool {pool_id} runs tasks in containers: they run in its image maya:2026."
        ]
    finally:
        conn.batch.begin_delete_job(pool_id)
        conn.batch.begin_delete_pool(pool_id)


def test_a_pool_without_containers_leaves_the_tasks_bare(local_home):
    conn = connect_local(start=False)
    settings = SubmitSettings(pool=PoolChoice("existing", "no-such-pool-here"))
    with pytest.raises(ServiceError, match="no-such-pool-here"):
        with_pool_container(conn, settings)
    assert with_pool_container(conn, SubmitSettings()) == SubmitSettings()


def test_the_store_check_lists_only_the_jobs_folders_and_sends_back_what_was_lost(
    azurite, tmp_path, monkeypatch
):
    """Other jobs' plans are not listed (a store kept for years holds thousands); what this
    job reads and storage lost is sent again, a file or a text."""
    from azure_batch_maya.app.submit import _Needed, verify_store
    from azure_batch_maya.services import storage
    from azure_batch_maya.transfer.manifest import STORE_CONTAINER
    from azure_batch_maya.transfer.upload import put_text

    client = key_client(azurite)
    storage.ensure_container(client, STORE_CONTAINER)
    job = f"job-{uuid.uuid4().hex[:6]}"
    for n in range(3):
        put_text(client, STORE_CONTAINER, f"plans/other-{job}-{n}/p.json", "{}")
    texture = tmp_path / "wood.png"
    texture.write_bytes(b"wood")
    content = f"sha256/{uuid.uuid4().hex * 2}"
    needed = [
        _Needed(content, 4, path=texture),
        _Needed(f"plans/{job}/t.json", 2, text="{}"),
        _Needed(f"manifests/{job}/m.json", 2, text="[]"),
    ]
    put_text(client, STORE_CONTAINER, f"manifests/{job}/m.json", "[]")  # this one survived
    listed: list[str | None] = []
    real = storage.stored_sizes

    def counted(client_, container, names, *, prefix=None):
        listed.append(prefix)
        return real(client_, container, names, prefix=prefix)

    monkeypatch.setattr(storage, "stored_sizes", counted)
    assert verify_store(client, needed) == 2
    monkeypatch.undo()
    assert sorted(p or "" for p in listed) == sorted(
        ["sha256/", f"plans/{job}/", f"manifests/{job}/"]
    )
    sizes = {b.name: b.size for b in storage.list_blobs(client, STORE_CONTAINER)}
    assert sizes[content] == 4 and sizes[f"plans/{job}/t.json"] == 2
    assert verify_store(client, needed) == 0  # nothing lost now
