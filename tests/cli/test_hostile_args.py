"""Every CLI subcommand with hostile arguments: an exit code of 1 or 2, one line on stderr
saying what is wrong, and never a traceback.

The commands run in-process through `cli.main` (an uncaught exception fails the test with its
traceback; stderr is captured), in a user folder of their own with no local pool and no Azure
accounts, so nothing here needs a server. A few run as real subprocesses, the way a person runs
them, to check the entry point too. Each case names the words its message must hold, so a case
refused for the wrong reason (say, "no accounts configured" instead of the bad id) fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_maya.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shot010" / "scenes"
SCENE = str(EXAMPLE / "shot010_lighting.ma")
LIBRARY = str(EXAMPLE.parents[1] / "texture_library")
NINES = "9" * 400
LONG_ID = "j" * 300


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user folder of this test's (no local pool, no accounts) and a few hostile things."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(home))
    for name in ("AZURE_BATCH_MAYA_BATCH_KEY", "AZURE_BATCH_MAYA_STORAGE_KEY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "not_a_scene.ma").write_text("hello\n")
    (tmp_path / "folder.ma").mkdir()
    return tmp_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, err


def check(code: int, err: str, words: str) -> None:
    assert "Traceback" not in err
    assert code in (1, 2), err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for word in words.split("|"):
        assert word.lower() in lines[0].lower(), lines[0]


SCENE_COMMANDS = ["scan", "validate", "assets", "submit"]

# (arguments after the command, words the one line must hold); {t} is the test's folder
SCENE_CASES = [
    (["{t}/missing.ma"], "does not exist"),
    (["{t}/folder.ma"], "folder"),
    (["{t}/not_a_scene.ma"], "not_a_scene.ma"),
    ([SCENE, "--frames", NINES], "out of range"),
    ([SCENE, "--frames", "5-1"], "backwards"),
    ([SCENE, "--frames", "a-b"], "cannot read frames"),
    ([SCENE, "--frames", "1-10x0"], "step"),
    ([SCENE, "--frames", "1-1000000000"], "100,000 frames"),
    ([SCENE, "--search-path", "{t}/no_such_folder"], "no_such_folder|not a folder"),
    ([SCENE, "--search-path", "{t}/a_file"], "a_file|is a file"),
    ([SCENE, "--project", "{t}/no_such_folder"], "no_such_folder"),
]


@pytest.mark.parametrize("command", SCENE_COMMANDS)
@pytest.mark.parametrize(("args", "words"), SCENE_CASES)
def test_scene_commands(
    command: str, args: list[str], words: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, *(a.format(t=place) for a in args)]
    check(*run(argv, capsys), words)


SUBMIT_CASES = [
    (["--job-id", "../x"], "'../x' is not a Batch id"),
    (["--job-id", ""], "is not a Batch id"),
    (["--job-id", LONG_ID], "is not a Batch id"),
    (["--job-id", "prise-de-vue-été"], "is not a Batch id"),
    (["--pool", "../x"], "is not a Batch id"),
    (["--pool", "new:" + LONG_ID], "is not a Batch id"),
    (["--time-limit", "nan"], "'nan' hours"),
    (["--time-limit", "-1"], "'-1' hours"),
    (["--time-limit", "inf"], "'inf' hours"),
    (["--time-limit", "soon"], "not a number"),
    (["--chunk", "0"], "--chunk"),
    (["--chunk", NINES], "--chunk"),
    (["--nodes", "-1"], "--nodes"),
    (["--max-retries", "-5"], "--max-retries"),
    (["--export", "{t}/a_file"], "a_file|is a file"),
    (["--download", "{t}/a_file"], "a_file|is a file"),
    (["--node-os", "beos"], "invalid choice"),
    (["--time-limit", "5000"], "180 days"),
    (["--autoscale", "2", "--autoscale-interval", "0"], "'0' minutes"),
    (["--autoscale", "2", "--autoscale-interval", "nan"], "'nan' minutes"),
    (["--autoscale-interval", "5", "--search-path", LIBRARY], "go with --autoscale"),
    (
        ["--layer", "no_such_layer", "--search-path", LIBRARY, "--export", "{t}/out"],
        "no render layer 'no_such_layer'",
    ),
]


@pytest.mark.parametrize(("args", "words"), SUBMIT_CASES)
def test_submit_checks_its_arguments_before_anything_is_sent(
    args: list[str], words: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["submit", SCENE, *(a.format(t=place) for a in args)]
    check(*run(argv, capsys), words)
    assert not (place / "home" / "local-pool").exists()  # nothing was started


BAD_IDS = [("../x", "'../x' is not a Batch id"), ("", "is not a Batch id"),
           (LONG_ID, "is not a Batch id"), ("ジョブ", "is not a Batch id")]  # fmt: skip


@pytest.mark.parametrize(("bad", "words"), BAD_IDS)
@pytest.mark.parametrize(
    "argv",
    [
        ["jobs", "show", "{id}"],
        ["jobs", "release", "{id}"],
        ["jobs", "retry", "{id}"],
        ["jobs", "cancel", "{id}"],
        ["jobs", "delete", "{id}", "--yes"],
        ["pools", "resize", "{id}", "--dedicated", "1"],
        ["pools", "delete", "{id}", "--yes"],
        ["download", "{id}", "--to", "{t}/out"],
    ],
)
def test_bad_job_and_pool_ids(
    argv: list[str], bad: str, words: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check(*run([a.format(id=bad, t=place) for a in argv], capsys), words)


OTHER_CASES = [
    (["jobs", "list"], "no azure accounts are configured"),
    (["jobs", "show", "job-1"], "no azure accounts are configured"),
    (["pools", "list"], "no azure accounts are configured"),
    (["pools", "resize", "p1", "--dedicated", "-1"], "--dedicated"),
    (["pools", "resize", "p1", "--dedicated", NINES], "--dedicated"),
    (["pools", "resize", "p1"], "required"),
    (["download", "job-1", "--to", "{t}/a_file"], "a_file|is a file"),
    (["download", "job-1", "--to", "{t}/out", "--interval", "nan"], "'nan' seconds"),
    (["download", "job-1", "--to", "{t}/out", "--interval", "0"], "'0' seconds"),
    (["download", "job-1", "--to", "{t}/out"], "no azure accounts are configured"),
    (["jobs", "list", "--local"], "local pool is not running"),
    (["jobs", "show", "job-1", "--local"], "local pool is not running"),
    (["jobs", "cancel", "job-1", "--local"], "local pool is not running"),
    (["jobs", "delete", "job-1", "--local", "--yes"], "local pool is not running"),
    (["pools", "list", "--local"], "local pool is not running"),
    (["pools", "resize", "p1", "--dedicated", "0", "--local"], "local pool is not running"),
    (["pools", "delete", "p1", "--local", "--yes"], "local pool is not running"),
    (["download", "job-1", "--to", "{t}/out", "--local"], "local pool is not running"),
    (["download", "job-1", "--to", "{t}/out", "--background", "--local"], "not running"),
    (["jobs", "release", "job-1", "--local"], "local pool is not running"),
    (["jobs", "retry", "job-1", "--local"], "local pool is not running"),
    (["pools", "autoscale", "p1", "--local"], "local pool is not running"),
    (["pools", "autoscale", "p1", "--max", "2", "--interval", "0"], "'0' minutes"),
    (["pools", "autoscale", "p1", "--max", "2", "--interval", "inf"], "'inf' minutes"),
    (["pools", "autoscale", "p1", "--interval", "5"], "go with --max"),
    (["jobs", "delete", "job-1", "--local"], "no terminal to ask on; add --yes"),
    (["pools", "delete", "p1"], "no terminal to ask on; add --yes"),
    (["local", "up", "--slots", "0"], "--slots"),
    (["local", "up", "--port", "70000"], "--port"),
    (["local", "up", "--port", "-5"], "--port"),
    (["presets", "check", "{t}/missing.toml"], "does not exist"),
    (["presets", "check", "{t}/folder.ma"], "is a folder"),
    (["presets"], "required"),
    (["jobs"], "required"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "words"), OTHER_CASES)
def test_other_commands(
    argv: list[str], words: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check(*run([a.format(t=place) for a in argv], capsys), words)


@pytest.mark.parametrize(
    ("settings", "key", "words"),
    [
        ("{", None, "cannot read the settings"),
        ('{"batch_account": 5}', None, "malformed"),
        ("[1, 2]", None, "malformed"),
        ('{"batch_url": "http://127.0.0.1:1", "batch_account": "a", "auth_mode": "x"}', None,
         "malformed"),
        ('{"batch_url": "http://127.0.0.1:1", "batch_account": "acct"}', "not base64!",
         "not base64"),
    ],
)  # fmt: skip
def test_broken_settings_and_keys_are_named(
    settings: str,
    key: str | None,
    words: str,
    place: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (place / "home" / "settings.json").write_text(settings)
    if key is not None:
        monkeypatch.setenv("AZURE_BATCH_MAYA_BATCH_KEY", key)
        monkeypatch.setenv("AZURE_BATCH_MAYA_STORAGE_KEY", "a2V5")
    check(*run(["jobs", "list"], capsys), words)


def test_a_studio_file_that_is_a_pipe(
    place: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from azure_batch_maya.settings.studio import STUDIO_ENV

    if sys.platform == "win32":
        pytest.skip("mkfifo")
    os.mkfifo(place / "studio.toml")
    monkeypatch.setenv(STUDIO_ENV, str(place / "studio.toml"))
    check(*run(["presets", "show"], capsys), "not a regular file")


def test_a_corrupt_env_file_is_reported_not_ignored(
    place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from azure_batch_maya.settings.env import ENV_FILE
    from azure_batch_maya.system.userdirs import data_dir

    env_file = data_dir() / ENV_FILE
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text('{"vm_size": ')
    argv = ["submit", SCENE, "--search-path", LIBRARY, "--export", str(place / "out")]
    code, err = run(argv, capsys)
    check(code, err, f"{ENV_FILE}|unreadable")
    assert not (place / "out").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="mkfifo, /dev and /proc")
@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["scan", "/dev/zero"], "/dev/zero is not a regular file"),
        (["presets", "check", "/dev/zero"], "/dev/zero is not a regular file"),
        (["presets", "check", "{t}/fifo.ma"], "fifo.ma is not a regular file"),
        (["validate", "{t}/fifo.ma"], "fifo.ma is not a regular file"),
        (["assets", SCENE, "--search-path", LIBRARY, "--write-mapping", "{t}/a_file"], "is a file"),
        (["assets", SCENE, "--search-path", LIBRARY, "--write-mapping", "/proc/x"], "/proc/x"),
        (["submit", SCENE, "--search-path", LIBRARY, "--export", "/proc/x"], "/proc/x"),
    ],
)
def test_devices_pipes_and_folders_that_cannot_be_made(
    argv: list[str], words: str, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(place / "fifo.ma")
    check(*run([a.format(t=place) for a in argv], capsys), words)


def test_a_local_pool_that_is_down(place: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["local", "status"]) == 1
    assert "not running" in capsys.readouterr().out
    assert main(["local", "down"]) == 0  # nothing to stop is not an error
    assert "not running" in capsys.readouterr().out


def test_a_truncated_scene_warns(place: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = Path(SCENE).read_bytes()
    cut = place / "cut.ma"
    cut.write_bytes(whole[: whole.index(b"select -ne :defaultRenderGlobals")])
    main(["scan", str(cut), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert (data["renderer"], data["frames"]["end"]) == ("mayaSoftware", 10)
    assert any("may be truncated" in w for w in data["warnings"])


SUBPROCESS_CASES = [
    (["submit", SCENE, "--job-id", "../x"], "is not a Batch id"),
    (["scan", SCENE, "--frames", NINES], "out of range"),
    (["download", "job-1", "--to", "{t}/a_file"], "is a file"),
    (["local", "down"], ""),
    (["ui", "{t}/missing.ma", "--screenshots", "{t}/shots"], "does not exist"),
    (["ui", SCENE, "--screenshots", "{t}/a_file"], "is a file"),
]


@pytest.mark.parametrize(("argv", "words"), SUBPROCESS_CASES)
def test_as_a_person_runs_them(argv: list[str], words: str, place: Path) -> None:
    env = {**os.environ, "AZURE_BATCH_MAYA_HOME": str(place / "home")}
    env.pop("AZURE_BATCH_MAYA_BATCH_KEY", None)
    command = [sys.executable, "-m", "azure_batch_maya", *(a.format(t=place) for a in argv)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert "Traceback" not in result.stdout + result.stderr
    if argv[:2] == ["local", "down"]:  # nothing to stop is not an error
        assert result.returncode in (0, 1), result.stderr
        return
    check(result.returncode, result.stderr, words)
