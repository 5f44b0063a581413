"""Uploads never lie in clear on disk. Django spools an upload larger than
FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; this handler, in place of Django's, encrypts
that file as it is written (AES-GCM, ``laif.sandbox.envelope``) under a random key held only in
the process's memory. The file is unlinked at once (``TemporaryFile``), and a process killed
mid-upload leaves nothing readable. The file the view receives decrypts as it is read, with
random access (a Parquet upload is read by seeking)."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from laif.sandbox.envelope import DecryptingReader, EncryptingWriter, new_data_key


class EncryptedTemporaryFileUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._key = new_data_key()
        # closed by the file it becomes, or by upload_interrupted
        self._spool = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
        self._writer = EncryptingWriter(self._spool, self._key, key_id="upload-spool")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._writer.write(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile[bytes]:
        self._writer.close()
        self._spool.seek(0)
        reader = DecryptingReader(self._spool, self._key, close_src=True)
        return UploadedFile(file=reader, name=self.file_name, content_type=self.content_type,
                            size=file_size, charset=self.charset,
                            content_type_extra=self.content_type_extra)

    def upload_interrupted(self) -> None:
        spool = getattr(self, "_spool", None)
        if spool is not None:
            self._writer.abort()
            spool.close()
