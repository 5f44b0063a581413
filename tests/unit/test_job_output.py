"""Reading a job's output files (laif.cluster.scheduler.output): order, the size cap over all
files, and what is refused: links, FIFOs, directories, other people's files, a directory that is
a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from laif.cluster.scheduler.output import MAX_FILES, JobOutput, read_output

ME = os.geteuid()


def _files(workdir: Path, **contents: str) -> Path:
    workdir.mkdir(exist_ok=True)
    for name, text in contents.items():
        (workdir / name.replace("_", "-").replace("-txt", ".txt")).write_text(text)
    return workdir


def test_tasks_in_their_order_each_under_its_name(tmp_path: Path) -> None:
    workdir = _files(tmp_path / "j", output_10_txt="ten\n", output_2_txt="two\n",
                     output_txt="main\n", output_x_txt="not output\n")
    (workdir / "output.txt.bak").write_text("not output\n")
    out = read_output(workdir, uid=ME)
    assert out.text == ("==> output.txt <==\nmain\n==> output-2.txt <==\ntwo\n"
                        "==> output-10.txt <==\nten\n")
    assert out == JobOutput(text=out.text)
    assert read_output(_files(tmp_path / "one", output_txt="alone\n"), uid=ME).text == "alone\n"
    assert read_output(tmp_path / "missing", uid=ME) == JobOutput()


def test_only_the_tail_of_all_files_together(tmp_path: Path) -> None:
    workdir = _files(tmp_path / "j", output_0_txt="a" * 600, output_1_txt="b" * 600,
                     output_2_txt="c" * 600)
    out = read_output(workdir, uid=ME, max_bytes=1000)
    assert out.truncated
    assert len(out.text) == 1000
    assert out.text.endswith("==> output-2.txt <==\n" + "c" * 600)
    assert "a" not in out.text  # the first file is not read at all
    assert not read_output(workdir, uid=ME, max_bytes=10_000).truncated


def test_links_fifos_and_directories_are_refused_by_name(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n")
    workdir = _files(tmp_path / "j", output_txt="mine\n")
    os.symlink("/proc/self/environ", workdir / "output-1.txt")
    os.symlink(secret, workdir / "output-2.txt")
    os.symlink("/dev/zero", workdir / "output-3.txt")
    os.mkfifo(workdir / "output-4.txt")
    (workdir / "output-5.txt").mkdir()
    out = read_output(workdir, uid=ME)
    assert out.text == "mine\n"
    assert out.refused == ("output-1.txt", "output-2.txt", "output-3.txt", "output-4.txt",
                           "output-5.txt")


def test_a_file_of_another_uid_is_refused(tmp_path: Path) -> None:
    workdir = _files(tmp_path / "j", output_txt="mine\n", output_1_txt="theirs\n")
    if ME == 0:
        os.chown(workdir / "output-1.txt", 290_003, 290_003)
        out = read_output(workdir, uid=ME)
        assert (out.text, out.refused) == ("mine\n", ("output-1.txt",))
    out = read_output(workdir, uid=ME + 1)  # read as the files of another uid
    assert (out.text, out.refused) == ("", ("output.txt", "output-1.txt"))


def test_a_job_directory_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    real = _files(tmp_path / "real", output_txt="someone else's\n")
    os.symlink(real, tmp_path / "link")
    assert read_output(tmp_path / "link", uid=ME) == JobOutput(bad_directory=True)
    (tmp_path / "file").write_text("x")
    assert read_output(tmp_path / "file", uid=ME).bad_directory


@pytest.mark.parametrize("max_bytes", [0, 1])
def test_tiny_caps(tmp_path: Path, max_bytes: int) -> None:
    workdir = _files(tmp_path / "j", output_txt="héllo\n")
    out = read_output(workdir, uid=ME, max_bytes=max_bytes)
    assert len(out.text.encode()) <= max(max_bytes, 0) * 3
    assert out.truncated


def test_too_many_output_files_are_not_all_listed(tmp_path: Path) -> None:
    workdir = tmp_path / "j"
    workdir.mkdir()
    for task in range(MAX_FILES + 5):
        (workdir / f"output-{task}.txt").touch()
    out = read_output(workdir, uid=ME)
    assert out.truncated
    assert out.text.count("==> ") == MAX_FILES
