"""Read access to a project's staged releases for its members' cluster identities only, as
POSIX ACLs (pure: no Django). Each person's jobs run under their own uid (gid = uid, no project
group), so the platform grants read (and, on the folder, traverse) to each member's uid by name
in the file's access ACL: ``system.posix_acl_access``, written with ``os.setxattr`` in the
kernel's format (a version, then entries of tag, permissions and id; sorted by tag, then id).
The owner (the platform) keeps read; group and others get nothing. A file system without ACLs
refuses (``AclUnsupported``): access is then the owner's only, never wider."""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterable
from pathlib import Path

XATTR = "system.posix_acl_access"
_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_UNDEFINED_ID = 0xFFFFFFFF
READ, WRITE, EXECUTE = 4, 2, 1


class AclUnsupported(OSError):
    pass


def encode(owner: int, users: Iterable[int], *, user_perm: int) -> bytes:
    """The ACL: owner ``owner`` permissions, each uid in ``users`` ``user_perm``, nothing for
    the group and others (the mask is ``user_perm``)."""
    entries = [(_USER_OBJ, owner, _UNDEFINED_ID)]
    entries += [(_USER, user_perm, uid) for uid in sorted(set(users))]
    entries += [(_GROUP_OBJ, 0, _UNDEFINED_ID), (_MASK, user_perm, _UNDEFINED_ID),
                (_OTHER, 0, _UNDEFINED_ID)]
    return struct.pack("<I", _VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries)


def decode(data: bytes) -> list[tuple[int, int, int]]:
    (version,) = struct.unpack_from("<I", data)
    if version != _VERSION or (len(data) - 4) % 8:
        raise ValueError("not a POSIX ACL")
    return [struct.unpack_from("<HHI", data, 4 + 8 * i) for i in range((len(data) - 4) // 8)]


def readers(path: Path) -> set[int]:
    """The uids named in the path's ACL (empty without one)."""
    try:
        data = os.getxattr(path, XATTR, follow_symlinks=False)
    except OSError:
        return set()
    return {uid for tag, _perm, uid in decode(data) if tag == _USER}


def grant_read(path: Path, uids: Iterable[int]) -> None:
    """Exactly ``uids`` (and the owner) read ``path``; traverse too for a folder."""
    folder = path.is_dir()
    perm = READ | EXECUTE if folder else READ
    owner = READ | WRITE | EXECUTE if folder else READ
    try:
        os.setxattr(path, XATTR, encode(owner, uids, user_perm=perm), follow_symlinks=False)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            raise AclUnsupported(exc.errno, f"{path}: this file system has no POSIX ACLs") \
                from None
        raise
