"""`submit` end to end on the local pool + Azurite: the README's main job, checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.cli import main
from azure_batch_maya.node.manifest import MANIFEST_PREFIX, Manifest
from azure_batch_maya.transfer.manifest import STORE_CONTAINER

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def submit_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(["submit", *args, "--local", "--stand-in", "--json"])
    out = capsys.readouterr().out
    data: dict[str, Any] = json.loads(out)
    data["exit_code"] = code
    return data


def scene_args(example: Path) -> list[str]:
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    return [str(scene), "--search-path", str(example / "texture_library")]


def test_renders_downloads_then_a_second_submit_uploads_nothing(
    local_home, example, tmp_path, capsys, azurite
):
    out = tmp_path / "frames"
    first = submit_json(capsys, *scene_args(example), "--download", str(out))
    assert first["exit_code"] == 0, first
    assert first["tasks"] == 5 and first["succeeded"] is True
    # scene, workspace.mel, lamp.ma, 5 stand-in caches, wood, 3 UDIM tiles, concrete (the
    # `example` copy's contents are its own, so none is in storage yet)
    assert (first["uploaded_files"], first["skipped_files"]) == (13, 0)
    assert first["uploaded_bytes"] > 0
    assert first["estimated_cost"] == 0.0  # the local pool costs nothing
    images = sorted(p.relative_to(out).as_posix() for p in (out / "images").rglob("*.png"))
    assert images == [
        f"images/shot010_lighting/masterLayer/shot010_lighting.{i:04d}.png" for i in range(1, 6)
    ]
    logs = sorted(p.relative_to(out / "logs").as_posix() for p in (out / "logs").rglob("*.txt"))
    assert logs == sorted(
        f"frames-{i:04d}/{name}" for i in range(1, 6) for name in ("stderr.txt", "stdout.txt")
    )

    second = submit_json(capsys, *scene_args(example))
    assert (second["uploaded_files"], second["uploaded_bytes"]) == (0, 0)
    assert second["skipped_files"] == 13
    assert second["job_id"] != first["job_id"]


def test_a_changed_texture_is_sent_again_and_the_first_job_keeps_the_old_one(
    local_home, example, capsys, azurite
):
    first = submit_json(capsys, *scene_args(example))
    texture = example / "shot010" / "sourceimages" / "wood_albedo.png"
    texture.write_bytes(texture.read_bytes() + b"\x00 revised")
    second = submit_json(capsys, *scene_args(example))
    assert (second["uploaded_files"], second["uploaded_bytes"]) == (1, texture.stat().st_size)
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string)
    store = blobs.get_container_client(STORE_CONTAINER)

    def wood(job_id: str) -> bytes:
        (name,) = [b.name for b in store.list_blobs(f"{MANIFEST_PREFIX}{job_id}/")]
        text = store.download_blob(name).readall().decode()
        entries = Manifest.from_json(text).entries
        (entry,) = [e for e in entries if e.node_path.endswith("wood_albedo.png")]
        return store.download_blob(entry.blob_name).readall()

    assert wood(second["job_id"]) == texture.read_bytes()
    assert wood(first["job_id"]) != texture.read_bytes()


def test_a_scene_with_a_missing_texture_is_refused_before_any_upload(
    local_home, example, capsys, azurite
):
    (example / "shot010" / "sourceimages" / "wood_albedo.png").unlink()
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string)
    before = _stored(blobs)
    code = main(["submit", *scene_args(example), "--local", "--stand-in", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert "missing-asset" in captured.err and "wood_albedo" in captured.err
    assert "nothing was uploaded" in captured.err
    assert _stored(blobs) == before


def test_export_writes_the_job_and_submits_nothing(example, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(tmp_path / "empty-home"))
    folder = tmp_path / "export"
    code = main(["submit", *scene_args(example), "--stand-in", "--export", str(folder)])
    assert code == 0
    job = json.loads((folder / "job.json").read_text())
    tasks = json.loads((folder / "tasks.json").read_text())
    assert job["poolInfo"]["autoPoolSpecification"]
    assert len(tasks) == 5
    assert json.loads((folder / "plan.json").read_text())


def test_warnings_are_said_before_the_job_goes(example, tmp_path, capsys, monkeypatch):
    """Frames past the end of the example's Arnold stand-in cache: a warning, not silence
    (each of those tasks would fail naming the missing cache frame)."""
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(tmp_path / "empty-home"))
    folder = tmp_path / "export"
    argv = ["submit", *scene_args(example), "--stand-in", "--frames", "1-8"]
    assert main([*argv, "--export", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "warning: [missing-frames]" in err and "tree.####.ass" in err and "6, 7, 8" in err
    assert main([*argv, "--export", str(folder), "--json"]) == 0
    assert "missing-frames" not in capsys.readouterr().err  # --json: the object only


def test_nothing_configured_and_no_local_pool_is_a_clear_error(
    example, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(tmp_path / "empty-home"))
    code = main(["submit", *scene_args(example), "--stand-in"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no Azure accounts are configured" in err and "--local" in err


def _stored(client: BlobServiceClient) -> set[str]:
    """What the input store holds (other tests' jobs may still be writing their outputs)."""
    container = client.get_container_client(STORE_CONTAINER)
    return {b.name for b in container.list_blobs()} if container.exists() else set()


def test_the_env_tabs_choices_and_the_flags_shape_the_exported_job(home, example, tmp_path):
    from azure_batch_maya.controllers.env import EnvController
    from azure_batch_maya.render.settings import LicenceServers

    env = EnvController()
    env.update(vm_size="Standard_E8s_v5", dedicated_nodes=3, spot_nodes=2)
    env.update(licences=LicenceServers(autodesk="27000@lic.example.com"))
    env.set_environment([("STUDIO_ROOT", "/mnt/studio")])
    folder = tmp_path / "export"
    args = [*scene_args(example), "--stand-in", "--export", str(folder)]
    flags = ["--spot", "0", "--max-retries", "5", "--time-limit", "2", "--chunk", "2"]
    assert main(["submit", *args, *flags]) == 0
    job = json.loads((folder / "job.json").read_text())
    pool = job["poolInfo"]["autoPoolSpecification"]["pool"]
    assert (pool["vmSize"], pool["targetDedicatedNodes"]) == ("Standard_E8s_v5", 3)
    assert pool["targetLowPriorityNodes"] == 0  # the flag wins over the Env tab
    assert job["constraints"]["maxTaskRetryCount"] == 5
    assert job["constraints"]["maxWallClockTime"] == "PT02H00M00S"  # as the SDK writes it
    variables = {e["name"]: e["value"] for e in job["commonEnvironmentSettings"]}
    assert variables["STUDIO_ROOT"] == "/mnt/studio"
    assert "27000@lic.example.com" in variables.values()
    tasks = json.loads((folder / "tasks.json").read_text())
    assert len(tasks) == 3  # frames 1-5 in chunks of 2


def test_route_network_and_licence_flags_shape_the_exported_pool_and_tasks(
    home, example, tmp_path, monkeypatch
):
    monkeypatch.setenv("AZURE_BATCH_MAYA_REGISTRY_PASSWORD", "never-in-a-file")
    folder = tmp_path / "export"
    subnet = "/subscriptions/s/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v"
    flags = [
        *("--pool", "new:maya-c", "--image-route", "container"),
        *("--container-image", "registry.example.com/maya:2026"),
        *("--registry", "registry.example.com", "--registry-user", "puller"),
        *("--subnet", f"{subnet}/subnets/render", "--public-ips", "nopublicipaddresses"),
        *("--licence", "autodesk=27000@lic.studio.lan", "--licence", "vray=30304@10.1.2.3"),
    ]
    assert main(["submit", *scene_args(example), "--export", str(folder), *flags]) == 0
    pool = json.loads((folder / "pool.json").read_text())
    vm = pool["virtualMachineConfiguration"]
    assert vm["containerConfiguration"]["containerImageNames"] == ["registry.example.com/maya:2026"]
    assert pool["networkConfiguration"]["subnetId"] == f"{subnet}/subnets/render"
    tasks = json.loads((folder / "tasks.json").read_text())
    assert {t["containerSettings"]["imageName"] for t in tasks} == {
        "registry.example.com/maya:2026"
    }
    job = json.loads((folder / "job.json").read_text())
    variables = {e["name"]: e["value"] for e in job["commonEnvironmentSettings"]}
    assert variables["ADSKFLEX_LICENSE_FILE"] == "27000@lic.studio.lan"
    assert variables["VRAY_AUTH_CLIENT_SETTINGS"] == "licset://10.1.2.3:30304"
    assert "never-in-a-file" not in "".join(p.read_text() for p in folder.iterdir())


def test_a_custom_image_flag_and_bad_route_flags_say_what_to_write(home, example, tmp_path, capsys):
    folder = tmp_path / "export"
    gallery = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/x/images/m"
    args = [*scene_args(example), "--pool", "new:p", "--export", str(folder), "--image", gallery]
    assert main(["submit", *args]) == 0
    pool = json.loads((folder / "pool.json").read_text())
    assert pool["virtualMachineConfiguration"] == {
        "imageReference": {"virtualMachineImageId": gallery},
        "nodeAgentSKUId": "batch.node.el 9",
    }
    capsys.readouterr()
    assert main(["submit", *args, "--licence", "autodesk=lic:27000"]) == 2
    assert "port@host" in capsys.readouterr().err
    assert main(["submit", *args, "--licence", "maya=27000@lic"]) == 2
    assert "NAME=PORT@HOST" in capsys.readouterr().err
