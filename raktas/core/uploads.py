"""Uploaded files stop at UPLOAD_MAX_MB while they arrive, not after.

Django's handlers stream an upload into memory or a temporary file and only then hand
it to the view; a view that checks the size afterwards (the bank statement's 25 MB)
has let the whole file in first. This handler, first in FILE_UPLOAD_HANDLERS, counts
the bytes of each file as they arrive and refuses the request the moment one passes
the limit (``RequestDataTooBig``: the API answers 413, a page 400), before the rest is
read. A request whose declared length is already past the limit is refused before its
first byte is parsed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

# Room for the multipart boundaries and the other fields of the form.
_ENVELOPE = 64 * 1024


def limit_bytes() -> int:
    return int(settings.UPLOAD_MAX_MB) * 1024 * 1024


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        if content_length and content_length > limit_bytes() + _ENVELOPE:
            raise RequestDataTooBig(f"The upload is larger than {settings.UPLOAD_MAX_MB} MB.")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > limit_bytes():
            raise RequestDataTooBig(f"The file is larger than {settings.UPLOAD_MAX_MB} MB.")
        return raw_data  # the next handler stores it

    def file_complete(self, file_size: int) -> None:
        return None
