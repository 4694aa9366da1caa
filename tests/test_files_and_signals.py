"""Files the command line writes are never left broken; signals stop everything cleanly."""

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

from unisample import cli, files

needs_pillow = pytest.mark.skipif(__import__("importlib").util.find_spec("PIL") is None, reason="needs Pillow")
CLI = [sys.executable, "-m", "unisample.cli"]


def _leftovers(folder):
    return sorted(name for name in os.listdir(folder) if ".part" in name)


def test_atomic_write_leaves_the_old_file_on_any_failure(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    for error in (RuntimeError("encoder"), KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")):
        with pytest.raises(type(error)):
            with files.atomic_write(str(target)) as f:
                f.write("half a new file")
                raise error
        assert target.read_text() == "old" and _leftovers(tmp_path) == []
    with files.atomic_write(str(target)) as f:
        f.write("new")
    assert target.read_text() == "new" and _leftovers(tmp_path) == []


def test_atomic_write_keeps_permissions_and_checks_paths_first(tmp_path):
    target = tmp_path / "x.json"
    target.write_text("{}")
    os.chmod(target, 0o640)
    with files.atomic_write(str(target)) as f:
        f.write("[]")
    assert os.stat(target).st_mode & 0o777 == 0o640
    with pytest.raises(ValueError, match="does not exist"):
        files.check_output(str(tmp_path / "missing" / "a.json"))
    with pytest.raises(ValueError, match="is a directory"):
        files.check_output(str(tmp_path))
    with pytest.raises(ValueError, match=r"extension '.txt'; expected one of .json"):
        files.check_output(str(tmp_path / "a.txt"), (".json",))


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_disk_is_one_line_and_no_partial_file(tmp_path, capsys, monkeypatch):
    # /dev/full fails every write with ENOSPC: the temporary's writes go there
    real_open = open

    def full_disk_open(path, mode="r", *args, **kwargs):
        if ".part" in str(path) and "w" in mode:
            return real_open("/dev/full", mode, *args, **kwargs)
        return real_open(path, mode, *args, **kwargs)

    target = tmp_path / "out.json"
    target.write_text("old")
    monkeypatch.setattr("builtins.open", full_disk_open)
    with pytest.raises(OSError, match="No space left"):
        with files.atomic_write(str(target)) as f:
            f.write("x" * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


@needs_pillow
def test_resize_over_itself_with_a_failing_encoder_leaves_it_byte_identical(tmp_path, monkeypatch, capsys):
    from PIL import Image

    photo = tmp_path / "photo.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 48, 3), dtype=np.uint8)).save(photo)
    before = photo.read_bytes()

    probe = Image.Image.save  # unisample first checks the format can store the mode, in memory

    def failing_save(self, fp, format=None, **params):
        if not isinstance(fp, (str, os.PathLike)):
            return probe(self, fp, format, **params)
        with open(fp, "wb") as f:
            f.write(b"\xff\xd8 half a JPEG")  # what an encoder writes before it fails
        raise OSError("encoder error -2")

    monkeypatch.setattr(Image.Image, "save", failing_save)
    assert cli.main(["resize", str(photo), str(photo), "--size", "20"]) == 2
    assert "encoder error -2" in capsys.readouterr().err
    assert photo.read_bytes() == before and _leftovers(tmp_path) == []


SLOW_ENCODER = textwrap.dedent("""
    import sys, time
    from PIL import Image
    probe = Image.Image.save
    def slow_save(self, fp, format=None, **params):
        if not isinstance(fp, str):
            return probe(self, fp, format, **params)
        with open(fp, "wb") as f:
            f.write(b"partial")
            f.flush()
            print("encoding", flush=True)
            time.sleep(60)
    Image.Image.save = slow_save
    from unisample import cli
    sys.exit(cli.main(sys.argv[1:]))
""")


def _default_signals():
    """In the child, before exec: SIGINT at its default, as a terminal's Ctrl-C finds
    it.  A shell runs a background job (``pytest ... &``) with SIGINT ignored, and
    children inherit that: Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@needs_pillow
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_encoding_leaves_no_partial_file(tmp_path, signum, status):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(photo)
    before = photo.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", SLOW_ENCODER, "resize", str(photo), str(photo), "--size", "10"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_default_signals)
    assert proc.stdout.readline().strip() == "encoding"
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == status, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert photo.read_bytes() == before and _leftovers(tmp_path) == []


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to find the workers")
@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_conformance_workers_and_removes_temporaries(tmp_path, signum, status):
    import tempfile

    # workers that print a progress line and then wait: a run that would take minutes
    fake = tmp_path / "fake_runner.py"
    fake.write_text(textwrap.dedent("""
        import functools, sys
        from unisample import cli
        from unisample.conformance import runner
        worker = [sys.executable, "-c", "import time; print('progress 0 9', flush=True); time.sleep(120)"]
        runner.run = functools.partial(runner.run, worker_command=lambda fw, out: worker, is_installed=lambda fw: True)
        sys.exit(cli.main(["conformance", "--frameworks", "torch,jax", "--no-porting"]))
    """))
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, str(fake)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=_default_signals)
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == status and "Traceback" not in err, err
    time.sleep(0.2)
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}") and
                open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not [name for name in os.listdir(tmp_path) if name.startswith("unisample-")]
    assert tempfile.gettempdir() != str(tmp_path)  # the environment was the child's only


def test_the_timeout_measures_silence_not_total_time():
    from unisample.conformance import runner

    # talks every 0.3 s for 3 s, then exits with an error: never silent for 1.5 s
    chatty = [sys.executable, "-c", "import time\nfor i in range(10):\n print(i, flush=True); time.sleep(0.3)\n"
                                    "raise SystemExit(3)"]
    silent = [sys.executable, "-c", "import time; time.sleep(60)"]
    start = time.monotonic()
    runs = runner.run(["torch", "jax"], timeout=1.5, is_installed=lambda fw: True,
                      worker_command=lambda fw, out: chatty if fw == "torch" else silent)
    by_name = {r.framework: r for r in runs}
    assert by_name["torch"].status == "crashed" and by_name["torch"].seconds > 2.5  # ran past the timeout
    assert by_name["jax"].status == "timed out" and "no case finished in 2 s" in by_name["jax"].message
    assert time.monotonic() - start < 20


def test_record_files_are_validated_before_anything_is_allocated(tmp_path, capsys):
    from unisample import Upsample
    from unisample.conformance import records

    def write(name, **arrays):
        path = tmp_path / name
        np.savez_compressed(path, **arrays)
        return str(path)

    spec = Upsample(size=(30000, 30000), mode="bilinear").to_dict()
    import json

    bomb = write("bomb.npz", framework=np.array("torch"), version=np.array("2"), **{
        "in/0": np.zeros((1, 1, 2, 2), np.float32), "id/0": np.array("case"), "spec/0": np.array(json.dumps(spec)),
        "err/0": np.array("no output")})
    assert os.path.getsize(bomb) < 4000
    with pytest.raises(ValueError, match="would allocate over"):
        records.validate(bomb)
    assert cli.main(["compare", bomb, "--framework", "numpy"]) == 2
    assert "would allocate over" in capsys.readouterr().err
    wrong = write("wrong.npz", framework=np.array("torch"), **{
        "in/0": np.zeros((1, 1, 2, 2), np.float32), "id/0": np.array("c"),
        "spec/0": np.array(json.dumps(Upsample(scale_factor=2).to_dict())), "out/0": np.zeros((1, 1, 3, 3))})
    with pytest.raises(ValueError, match=r"out/0 has shape \(1, 1, 3, 3\), but its spec gives \(1, 1, 4, 4\)"):
        records.validate(wrong)
    bad_spec = write("spec.npz", framework=np.array("torch"), **{
        "in/0": np.zeros((1, 1, 2, 2)), "id/0": np.array("c"), "spec/0": np.array("{not json"), "err/0": np.array("")})
    with pytest.raises(ValueError, match="spec/0 is not a valid spec"):
        records.validate(bad_spec)
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="is not a unisample record"):
        records.validate(str(tmp_path / "text.npz"))
    with zipfile.ZipFile(tmp_path / "other.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="which is not an array"):
        records.validate(str(tmp_path / "other.npz"))
    with pytest.raises(ValueError, match="does not exist"):
        records.validate(str(tmp_path / "missing.npz"))


def test_records_with_huge_texts_or_damaged_members_are_refused(tmp_path, monkeypatch, capsys):
    import io
    import json

    from unisample import Upsample
    from unisample.conformance import records

    def npy(array_header_dtype, shape=()):
        buf = io.BytesIO()
        np.lib.format.write_array_header_1_0(buf, {"descr": array_header_dtype, "fortran_order": False,
                                                   "shape": shape})
        return buf.getvalue()  # a header that promises data it does not hold

    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("framework.npy", npy("<U5"))
        z.writestr("in/0.npy", npy("<f4", (1, 1, 2, 2)))
        z.writestr("id/0.npy", npy("<U4"))
        z.writestr("spec/0.npy", npy("<U10000000"))  # 40 MB promised
        z.writestr("err/0.npy", npy("<U1"))
    with pytest.raises(ValueError, match="spec/0 is not a text of at most 100000 characters"):
        records.validate(str(path))
    good = tmp_path / "good.npz"
    np.savez_compressed(good, framework=np.array("torch"), **{
        "in/0": np.zeros((1, 1, 2, 2), np.float32), "id/0": np.array("c"),
        "spec/0": np.array(json.dumps(Upsample(scale_factor=2).to_dict())), "out/0": np.zeros((1, 1, 4, 4))})
    assert records.validate(str(good)) == 1
    data = bytearray(good.read_bytes())
    start = data.index(b"out/0.npy") + 40  # inside the first member's compressed data
    data[start:start + 16] = b"\x00" * 16
    (tmp_path / "damaged.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="record: .*damaged.npz"):
        records.validate(str(tmp_path / "damaged.npz"))


def test_record_for_a_framework_not_installed_is_status_3(monkeypatch, capsys, tmp_path):
    from unisample.conformance import runner

    monkeypatch.setattr(runner, "installed", lambda framework: False)
    assert cli.main(["record", "--framework", "jax", "-o", str(tmp_path / "r.npz")]) == 3
    assert "jax is not installed: pip install 'unisample[jax]'" in capsys.readouterr().err


def test_the_fuzz_table_keeps_its_columns_when_a_framework_did_not_run():
    from unisample.conformance.runner import FrameworkRun

    rows = cli._fuzz_rows([FrameworkRun("jax", "not installed")])
    assert len(rows[0]) == 7
