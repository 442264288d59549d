"""The audit log chained by hash, so that an entry changed behind the triggers' back
(someone with the database owner's rights drops them, edits a row, puts them back)
is found by ``raktas audit verify``.

Each entry stores ``prev_hash``, the ``hash`` of the entry before it (by id), and its
own ``hash``: SHA-256 of ``prev_hash`` and the entry's canonical content (every column
but the id and the two hashes, as sorted-key JSON, the time in UTC to the
microsecond). Changing, removing or inserting an entry in the middle breaks the link
to the next one; ``verify`` names the first broken link.

One chain needs one writer at a time, or two writers would both link to the same
predecessor (a fork). ``lock`` serialises them:

* **PostgreSQL**: a transaction-level advisory lock, taken just before the entry is
  written and held until the transaction commits. The next writer waits for it, then
  reads the committed head; ids are drawn inside the lock, so id order is chain order.
  Audited writes therefore run one at a time from their audit entry to their commit,
  which is why services record their entry after their other row locks.
* **SQLite**: nothing to do — every write transaction begins IMMEDIATE (settings), so
  there is only ever one writer.

The end of the chain cannot prove that no entry was cut off after it: ``verify`` prints
the head hash and count, to be compared with a copy kept elsewhere (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

GENESIS = "0" * 64
# Any constant; the advisory lock key space is shared by the whole database.
LOCK_KEY = 0x7261_6B74_6173_01  # "raktas" + 1
CONTENT = (
    "at",
    "actor_id",
    "actor_username",
    "action",
    "entity",
    "entity_id",
    "before",
    "after",
    "note",
)


def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: Mapping[str, Any]) -> bytes:
    """The content of an entry as the bytes the hash covers."""
    doc = {name: values[name] for name in CONTENT}
    doc["at"] = _at(values["at"])
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(values)).hexdigest()


def lock() -> None:
    """Make this transaction the chain's only writer until it ends (see above)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def head() -> str:
    """The hash the next entry links to."""
    from raktas.audit.models import AuditEntry

    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS


@dataclass(frozen=True)
class Verdict:
    count: int
    head: str
    broken_at: int | None = None  # id of the first entry whose link is broken
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows(batch: int) -> Iterator[dict[str, Any]]:
    from raktas.audit.models import AuditEntry

    fields = ("id", "hash", "prev_hash", *CONTENT)
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last).order_by("id").values(*fields)[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def verify(*, batch: int = 2000) -> Verdict:
    """Walk the chain from its first entry and stop at the first broken link."""
    prev_hash, prev_id, count = GENESIS, None, 0
    for row in _rows(batch):
        if row["prev_hash"] != prev_hash:
            before = f"entry #{prev_id}" if prev_id is not None else "the start of the log"
            return Verdict(
                count,
                prev_hash,
                row["id"],
                f"does not link to {before}: an entry before it was removed, inserted or changed",
            )
        if row["hash"] != entry_hash(prev_hash, row):
            return Verdict(
                count, prev_hash, row["id"], "its content was changed after it was written"
            )
        prev_hash, prev_id, count = row["hash"], row["id"], count + 1
    return Verdict(count, prev_hash)
