"""The POSIX ACL the platform writes on staged releases: the kernel's format, the members' uids
only, nothing for the group and others; written and read back on a real file."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from laif.sandbox import acl


def test_encoding_follows_the_kernel_format_sorted_by_tag_then_id() -> None:
    data = acl.encode(acl.READ, [300, 200, 300], user_perm=acl.READ)
    assert struct.unpack_from("<I", data) == (2,)
    assert acl.decode(data) == [(0x01, 4, 0xFFFFFFFF), (0x02, 4, 200), (0x02, 4, 300),
                                (0x04, 0, 0xFFFFFFFF), (0x10, 4, 0xFFFFFFFF),
                                (0x20, 0, 0xFFFFFFFF)]
    with pytest.raises(ValueError, match="not a POSIX ACL"):
        acl.decode(b"\x03\x00\x00\x00")


def test_granted_on_a_real_file_and_folder_the_mode_shows_the_mask(tmp_path: Path) -> None:
    folder = tmp_path / "p1"
    folder.mkdir(mode=0o700)
    path = folder / "customers-r1.parquet"
    path.write_bytes(b"PAR1")
    path.chmod(0o400)
    try:
        acl.grant_read(path, [200_001, 200_002])
        acl.grant_read(folder, [200_001])
    except acl.AclUnsupported:
        pytest.skip("this file system has no POSIX ACLs")
    assert acl.readers(path) == {200_001, 200_002}
    assert acl.readers(folder) == {200_001}
    assert path.stat().st_mode & 0o777 == 0o440  # group bits show the mask; others nothing
    assert folder.stat().st_mode & 0o777 == 0o750
    acl.grant_read(path, [])  # everyone removed: the owner only
    assert acl.readers(path) == set()
    assert os.access(path, os.R_OK)
