"""Search as people type it: without regard to case or Lithuanian letters, on both
databases, fast.

Why a stored column. SQLite's LIKE and ``lower()`` fold ASCII letters only, so
``legal_name__icontains="šiaul"`` misses "ŠIAULIŲ"; PostgreSQL's ``UPPER()`` folds
by the database's collation and ctype, which a deployment may not choose for
Lithuanian. Folding in SQL would be a Python function call per row on SQLite. So the
text a search box looks in is folded once, in Python, when the row is written, and
stored next to it (``Client.search_text``, ``Contact.search_text``, ``Product.search_text``); a search folds
the typed text the same way and matches with a plain ``contains`` (LIKE '%…%') —
which no index serves, but a short column of 50,000 rows scans in milliseconds.

How text is folded (``fold``): Unicode compatibility decomposition, combining marks
dropped, then ``str.casefold``. So "Šiaulių", "ŠIAULIŲ" and "siauliu" are all
"siauliu": a search is case- and accent-insensitive, as users who type on a keyboard
without Lithuanian letters expect ("siaul" finds "Šiaulių"; "šiaul" also finds a
"Siaulys"). Cyrillic folds the same way (й → и).

Who keeps the column: the models' ``save()`` (every service), the importers' bulk
writes and the seed's bulk load call the same ``*_search_text`` functions below; a
data migration filled the rows that existed before. A writer that goes around all of
these (``QuerySet.update`` of a name) must set the column too.
"""

from __future__ import annotations

import unicodedata

from django.db.models import Q

# Stored parts are joined by a character nobody types into a search box, so a term
# never matches across two parts (a name's end and the city's start).
SEPARATOR = "\n"


def fold(text: str) -> str:
    """``text`` without case or diacritics: "ŠIAULIŲ" → "siauliu"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text(*parts: str | None) -> str:
    """The stored search column for a row whose searchable texts are ``parts``."""
    return SEPARATOR.join(fold(p) for p in parts if p)


def search_term(text: str) -> str:
    """What a search box's input is matched as; empty when there is nothing to find."""
    return fold(" ".join(text.split()))


def search_words(text: str) -> list[str]:
    """The folded words of a search box's input, punctuation and quotes dropped, each
    once, longest first (the most selective condition first)."""
    folded = fold(text)
    cleaned = "".join(c if c.isalnum() else " " for c in folded)
    return sorted(set(cleaned.split()), key=lambda w: (-len(w), w))


def matches(term: str, field: str = "search_text") -> Q:
    """Rows whose stored search column contains the (already folded) ``term``."""
    return Q(**{f"{field}__contains": term})


def client_search_text(legal_name: str | None, city: str | None) -> str:
    """Client: its legal name and its city."""
    return search_text(legal_name, city)


def contact_search_text(
    name: str | None, position: str | None, email: str | None, phone: str | None
) -> str:
    """Contact: its name, position, email and phone (what the contacts ``q`` looks in)."""
    return search_text(name, position, email, phone)


def product_search_text(name: str | None) -> str:
    """Product: its name (the SKU is searched by prefix on its own indexed column)."""
    return search_text(name)
