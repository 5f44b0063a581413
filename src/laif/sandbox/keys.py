"""The sandbox's keys on the platform's side: the master key configured for this site
(``LAIF_SANDBOX_MASTER_KEY``: a key file, created on first use outside production, or a
non-extractable key in an HSM through PKCS#11) and each project's data key, stored only wrapped
by the master key (``ProjectKey``). A data key is unwrapped for the one operation that needs it
and never logged, stored in clear or passed to a job.

Rotating the master key (``master_key_rotate``) re-wraps every project's data key under the new
master key in one transaction; the data files are not touched.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.errors import DomainError
from laif.sandbox.envelope import new_data_key
from laif.sandbox.master_keys import (
    FileMasterKey,
    MasterKey,
    MasterKeyError,
    Pkcs11MasterKey,
    rewrap,
)
from laif.sandbox.models import ProjectKey

logger = logging.getLogger(__name__)


class KeysUnavailable(DomainError):
    """The master key cannot be used (missing, unreadable, another key than the one that
    wrapped the data keys): the sandboxes are unavailable, not broken; operators see why in the
    log (never a key)."""

    status = 503


def _unavailable(exc: MasterKeyError) -> KeysUnavailable:
    logger.error("data sandboxes unavailable: %s", exc)
    return KeysUnavailable(_("The data sandboxes' keys are not available on this site right "
                             "now; the operators see why in the log."))


def _context(project_id: int, version: int) -> bytes:
    """What a wrapped key is bound to: a key wrapped for one project cannot be passed off as
    another project's (or another version's)."""
    return f"laif-sandbox:project:{project_id}:v{version}".encode()


def master_key() -> MasterKey:
    """The site's master key, as configured (``KeysUnavailable`` when it cannot be used)."""
    try:
        return _master_key()
    except MasterKeyError as exc:
        raise _unavailable(exc) from None


def _master_key() -> MasterKey:
    if settings.LAIF_SANDBOX_MASTER_KEY == "pkcs11":
        return Pkcs11MasterKey(settings.LAIF_SANDBOX_PKCS11_LIB, settings.LAIF_SANDBOX_PKCS11_TOKEN,
                               settings.LAIF_SANDBOX_PKCS11_PIN, settings.LAIF_SANDBOX_PKCS11_KEY)
    path = Path(settings.LAIF_SANDBOX_KEY_FILE)
    if not path.exists() and not settings.PRODUCTION:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process created it first
            FileMasterKey.create(path)
    return FileMasterKey(path)


def data_key(project_id: int, *, version: int | None = None) -> tuple[int, bytes]:
    """The project's data key (the newest version unless one is named), unwrapped; the first is
    created on first use. Returns (version, key)."""
    rows = ProjectKey.objects.filter(project_id=project_id)
    found = (rows.filter(version=version) if version else rows.order_by("-version")).first()
    if found is None:
        if version:
            raise MasterKeyError(f"the project's data key version {version} is missing")
        master = master_key()
        key = new_data_key()
        try:
            wrapped = master.wrap(key, context=_context(project_id, 1))
        except MasterKeyError as exc:
            raise _unavailable(exc) from None
        try:
            with transaction.atomic():
                ProjectKey.objects.create(project_id=project_id, version=1, wrapped=wrapped,
                                          master_key_id=master.key_id)
            return 1, key
        except IntegrityError:  # created by a concurrent upload: use that one
            found = rows.order_by("-version").first()
            assert found is not None
    try:
        key = master_key().unwrap(bytes(found.wrapped), context=_context(project_id, found.version))
    except MasterKeyError as exc:
        raise _unavailable(exc) from None
    return found.version, key


def master_key_rotate(*, old: MasterKey, new: MasterKey) -> int:
    """Re-wrap every data key wrapped by ``old`` under ``new`` (all or none); the number
    re-wrapped. The data files keep their encryption: only the wrapped keys change."""
    count = 0
    with transaction.atomic():
        for row in ProjectKey.objects.select_for_update().filter(master_key_id=old.key_id):
            row.wrapped = rewrap(bytes(row.wrapped), context=_context(row.project_id, row.version),
                                 old=old, new=new)
            row.master_key_id, row.rewrapped_at = new.key_id, timezone.now()
            row.save(update_fields=["wrapped", "master_key_id", "rewrapped_at"])
            count += 1
    return count
