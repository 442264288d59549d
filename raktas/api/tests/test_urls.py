"""Several apps' routers may share a path with different methods; each method reaches
its own endpoint, and a method none of them takes is a JSON 405."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, HttpResponseNotAllowed
from django.test import RequestFactory

from raktas.api.urls import _json_405, _one_path


def _view(method: str, body: str):
    def view(request, **kwargs):
        if request.method != method:
            return HttpResponseNotAllowed([method], content=b"Method not allowed")
        return HttpResponse(body)

    return view


@pytest.mark.django_db  # a write method runs in a transaction (raktas.api.urls._run)
def test_each_method_reaches_the_router_that_defines_it():
    view = _json_405(_one_path([_view("PUT", "clients"), _view("GET", "credit")]))
    rf = RequestFactory()
    assert view(rf.put("/x")).content == b"clients"
    assert view(rf.get("/x")).content == b"credit"
    refused = view(rf.delete("/x"))
    assert refused.status_code == 405
    assert refused["Allow"] == "GET, PUT"
    assert b'"method_not_allowed"' in refused.content
