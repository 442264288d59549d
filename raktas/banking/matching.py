"""Which invoices an incoming bank payment settles (docs/receivables.md, "Bank payments").

Rules, first that applies wins:

1. **Structured reference** (``RmtInf/Strd/CdtrRefInf/Ref``): an ISO 11649 RF reference
   whose check digits are right and whose body is an invoice number (letters and digits
   only, "INV00000012" for INV-00000012), or the invoice number itself.
2. **Invoice number in the remittance text** (``RmtInf/Ustrd``): every token that is an
   existing invoice number ("INV-00000012", "INV 00000012", "inv00000012").
   All invoices found must belong to one client.
3. **Amount**: the payer is identified as exactly one client (registration code sent by
   the bank = the client's; or an IBAN that paid for this client before; or the
   debtor's name = the client's legal name, ignoring case, punctuation and the legal
   form) and that client has exactly one open invoice of exactly this amount.

Referenced invoices are settled oldest due first up to their open amounts; what is
left stays on the client's account as unallocated. An entry in another currency than
the client's, or whose invoices are all settled already, is not matched. Unmatched
entries get up to five suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from raktas.banking.camt import rf_is_valid
from raktas.banking.models import BankEntry
from raktas.clients.models import Client
from raktas.ledger.models import Invoice

LEGAL_FORMS = {
    "uab", "ab", "mb", "ii", "vsi", "kb", "zub", "oy", "sia", "as", "ou", "gmbh", "ltd",
    "llc", "inc", "sp", "zoo", "oao", "ooo", "tuab", "ko",
}  # fmt: skip
_TOKEN = re.compile(r"[A-Z]{1,6}[-/ ]?\d{3,}|\d{5,}")


@dataclass
class Match:
    rule: str = ""  # MatchRule value, "" when unmatched
    client: Client | None = None
    invoices: list[Invoice] = field(default_factory=list)
    why: str = ""
    suggestions: list[dict[str, Any]] = field(default_factory=list)


def normalise_name(name: str) -> str:
    """'UAB „Ąžuolas“' → 'azuolas': no accents, punctuation, case or legal form."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    return " ".join(w for w in words if w not in LEGAL_FORMS)


def number_candidates(token: str) -> set[str]:
    """The spellings an invoice number may have had before a bank stripped it."""
    token = token.strip().upper()
    out = {token}
    compact = re.sub(r"[^0-9A-Z]", "", token)
    out.add(compact)
    m = re.fullmatch(r"([A-Z]+)(\d+)", compact)
    if m:
        out.add(f"{m.group(1)}-{m.group(2)}")
        out.add(f"{m.group(1)}/{m.group(2)}")
        out.add(f"{m.group(1)} {m.group(2)}")
    return {c for c in out if c}


def _invoices_by_numbers(tokens: list[str]) -> list[Invoice]:
    wanted: set[str] = set()
    for token in tokens:
        wanted |= number_candidates(token)
    if not wanted:
        return []
    found = Invoice.objects.filter(number__in=wanted).select_related("client")
    return sorted(found, key=lambda i: (i.due_date, i.issue_date, i.pk))


class Matcher:
    """Matches the transactions of one import; caches the client name index."""

    def __init__(self) -> None:
        self._names: dict[str, list[int]] | None = None

    def match(
        self,
        *,
        amount: Decimal,
        currency: str,
        references: list[str],
        remittance: str,
        debtor_name: str,
        debtor_iban: str,
        debtor_id: str,
    ) -> Match:
        notes: list[str] = []
        # 1. structured reference
        tokens: list[str] = []
        for ref in references:
            compact = ref.replace(" ", "").upper()
            if compact.startswith("RF"):
                if rf_is_valid(compact):
                    tokens.append(compact[4:])
                else:
                    notes.append(f"reference {ref} has wrong RF check digits")
            else:
                tokens.append(compact)
        found = _invoices_by_numbers(tokens)
        if found:
            result = self._settle(found, amount, currency, "reference")
            if result.rule:
                return result
            notes.append(result.why)
        # 2. invoice numbers in the remittance text
        text_tokens = _TOKEN.findall(remittance.upper())
        found = _invoices_by_numbers(text_tokens)
        if found:
            result = self._settle(found, amount, currency, "invoice_number")
            if result.rule:
                return result
            notes.append(result.why)
        # 3. amount, for a payer identified as one client
        client = self.identify_client(debtor_name, debtor_iban, debtor_id)
        if client is not None and client.currency == currency:
            same = list(
                Invoice.objects.filter(client=client, open_amount=amount).order_by("due_date")[:2]
            )
            if len(same) == 1:
                return Match(rule="amount", client=client, invoices=same)
            notes.append(
                f"{client.legal_name}: several open invoices of exactly {amount}"
                if same
                else f"{client.legal_name}: no open invoice of exactly {amount}"
            )
        elif client is None:
            notes.append("the payer is not identified as one client")
        return Match(why="; ".join(n for n in notes if n), suggestions=self.suggest(client, amount))

    def _settle(self, invoices: list[Invoice], amount: Decimal, currency: str, rule: str) -> Match:
        clients = {i.client_id for i in invoices}
        if len(clients) > 1:
            return Match(why="the invoices named belong to different clients")
        client = invoices[0].client
        if client.currency != currency:
            return Match(why=f"{client.legal_name} settles in {client.currency}, not {currency}")
        open_ones = [i for i in invoices if i.open_amount > 0]
        if not open_ones:
            numbers = ", ".join(i.number for i in invoices)
            return Match(why=f"{numbers} already settled (a double payment?)")
        return Match(rule=rule, client=client, invoices=open_ones)

    def identify_client(self, name: str, iban: str, debtor_id: str) -> Client | None:
        """The one client the payer is, or None when unknown or ambiguous."""

        if debtor_id:
            by_code = list(Client.objects.filter(registration_code=debtor_id)[:2])
            if len(by_code) == 1:
                return by_code[0]
        if iban:
            seen = set(
                BankEntry.objects.filter(debtor_iban=iban, client__isnull=False)
                .values_list("client_id", flat=True)
                .distinct()[:2]
            )
            if len(seen) == 1:
                return Client.objects.get(pk=seen.pop())
        key = normalise_name(name) if name else ""
        if key:
            ids = self._name_index().get(key, [])
            if len(ids) == 1:
                return Client.objects.get(pk=ids[0])
        return None

    def _name_index(self) -> dict[str, list[int]]:
        if self._names is None:
            self._names = {}
            for pk, legal_name in Client.objects.values_list("pk", "legal_name"):
                self._names.setdefault(normalise_name(legal_name), []).append(pk)
        return self._names

    def suggest(self, client: Client | None, amount: Decimal) -> list[dict[str, Any]]:
        """Up to five invoices finance may mean: the payer's open invoices (exact amount
        first), else any client's open invoices of exactly this amount."""
        if client is not None:
            qs = Invoice.objects.filter(client=client, open_amount__gt=0)
            ordered = sorted(
                qs.select_related("client").order_by("due_date")[:50],
                key=lambda i: (i.open_amount != amount, i.due_date),
            )[:5]
        else:
            ordered = list(
                Invoice.objects.filter(Q(open_amount=amount))
                .select_related("client")
                .order_by("due_date")[:5]
            )
        return [
            {
                "client_id": i.client_id,
                "client": i.client.legal_name,
                "invoice_id": i.pk,
                "number": i.number,
                "open_amount": str(i.open_amount),
                "due_date": i.due_date.isoformat(),
                "exact_amount": i.open_amount == amount,
            }
            for i in ordered
        ]


def allocation_plan(invoices: list[Invoice], amount: Decimal) -> list[tuple[Invoice, Decimal]]:
    """Oldest due first, each up to its open amount, until the money runs out."""
    plan = []
    left = amount
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.issue_date, i.pk)):
        if left <= 0:
            break
        part = min(left, invoice.open_amount)
        if part > 0:
            plan.append((invoice, part))
            left -= part
    return plan
