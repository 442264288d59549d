"""The shell's own pages: where each role starts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from raktas.org.access import does_bank_work, handles_orders, signed_in_user, works_today


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts on the page of its day. Heads of sales and the director start on
    Today too: override requests and tier proposals wait there for their decision.
    Finance starts on the bank queue (the finance page)."""
    user = signed_in_user(request)
    if works_today(user):
        return redirect("book:today")
    if handles_orders(user):
        return redirect("orders:desk")
    if does_bank_work(user):
        return redirect("banking:queue")  # bank entries to place, overrides waiting
    return render(request, "web/no_business.html")
