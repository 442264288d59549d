"""Collection: dunning levels (the director edits them), promises to pay, the client's
collection tasks and formal letters (the client's timeline is ``raktas.clients``').

Reads go through ``raktas.collection.selectors`` (the client's account: 404 when
invisible); writes through the services, which say 403 when the caller may see but
not do it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from raktas.api.auth import current_user
from raktas.api.pagination import Page, PageParams, paginate
from raktas.api.schemas import Deleted
from raktas.audit.services import access_record
from raktas.clients.selectors import get_account_client_for
from raktas.collection.models import CollectionTask, DunningLevel, PromiseToPay
from raktas.collection.schemas import (
    DunningLevelIn,
    DunningLevelOut,
    DunningLevelPatchIn,
    LetterOut,
    PromiseFilters,
    PromiseIn,
    PromiseOut,
    TaskDoneIn,
    TaskFilters,
    TaskOut,
)
from raktas.collection.selectors import (
    collection_tasks_visible_to,
    dunning_levels,
    get_letter_for,
    get_task_for,
    letters_visible_to,
    promises_visible_to,
)
from raktas.collection.services import (
    collection_task_done,
    dunning_level_create,
    dunning_level_delete,
    dunning_level_update,
    promise_create,
)
from raktas.core.exceptions import NotFound

router = Router()


# --- dunning levels -----------------------------------------------------------------


def _level(pk: int) -> DunningLevel:
    level = dunning_levels().filter(pk=pk).first()
    if level is None:
        raise NotFound("Dunning level not found.")
    return level


@router.get("/dunning-levels", response=Page[DunningLevelOut], summary="The dunning ladder")
def list_levels(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return paginate(dunning_levels().order_by("order", "id"), page)


@router.post(
    "/dunning-levels",
    response={201: DunningLevelOut},
    summary="Add a dunning level (commercial director)",
)
def create_level(request: HttpRequest, payload: DunningLevelIn) -> Status:
    level = dunning_level_create(by=current_user(request), **payload.dict())
    return Status(201, level)


@router.patch(
    "/dunning-levels/{level_id}",
    response=DunningLevelOut,
    summary="Change a dunning level (commercial director)",
)
def update_level(request: HttpRequest, level_id: int, payload: DunningLevelPatchIn) -> Any:
    data = payload.dict(exclude_unset=True)
    return dunning_level_update(by=current_user(request), level=_level(level_id), **data)


@router.delete(
    "/dunning-levels/{level_id}",
    response=Deleted,
    summary="Delete a level no invoice reached yet (commercial director)",
)
def delete_level(request: HttpRequest, level_id: int) -> dict[str, Any]:
    dunning_level_delete(by=current_user(request), level=_level(level_id))
    return {"id": level_id, "deleted": True}


# --- promises ---------------------------------------------------------------------


@router.get("/promises", response=Page[PromiseOut], summary="Promises to pay you may see")
def list_promises(
    request: HttpRequest, filters: Query[PromiseFilters], page: Query[PageParams]
) -> dict[str, Any]:
    qs = promises_visible_to(current_user(request)).select_related("client", "recorded_by")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    return paginate(qs.order_by("-promised_on", "-id"), page)


@router.get(
    "/clients/{client_id}/promises",
    response=Page[PromiseOut],
    summary="A client's promises to pay",
)
def client_promises(request: HttpRequest, client_id: int, page: Query[PageParams]) -> Any:
    user = current_user(request)
    client = get_account_client_for(user, client_id)
    qs = promises_visible_to(user).filter(client=client).select_related("client", "recorded_by")
    return paginate(qs.order_by("-promised_on", "-id"), page)


@router.post(
    "/clients/{client_id}/promises",
    response={201: PromiseOut},
    summary="Record a promise to pay (the client's KAMs and head, finance, director)",
)
def create_promise(request: HttpRequest, client_id: int, payload: PromiseIn) -> Status:
    user = current_user(request)
    client = get_account_client_for(user, client_id)
    promise = promise_create(
        by=user,
        client=client,
        promised_on=payload.promised_on,
        amount=payload.amount,
        note=payload.note,
    )
    return Status(
        201, PromiseToPay.objects.select_related("client", "recorded_by").get(pk=promise.pk)
    )


# --- tasks ------------------------------------------------------------------------


_TASK_RELATED = ("client", "assigned_to", "done_by")


@router.get("/collection-tasks", response=Page[TaskOut], summary="Collection tasks you may see")
def list_tasks(
    request: HttpRequest, filters: Query[TaskFilters], page: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    qs = collection_tasks_visible_to(user).select_related(*_TASK_RELATED)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.client is not None:
        qs = qs.filter(client_id=filters.client)
    if filters.mine:
        qs = qs.filter(assigned_to=user)
    return paginate(qs.order_by("due_on", "id"), page)


@router.post(
    "/collection-tasks/{task_id}/done",
    response=TaskOut,
    summary="Close a collection task with its outcome",
)
def task_done(request: HttpRequest, task_id: int, payload: TaskDoneIn) -> CollectionTask:
    user = current_user(request)
    task = get_task_for(user, task_id)
    collection_task_done(by=user, task=task, outcome=payload.outcome)
    return collection_tasks_visible_to(user).select_related(*_TASK_RELATED).get(pk=task_id)


# --- letters ----------------------------------------------------------------------


@router.get(
    "/clients/{client_id}/letters",
    response=Page[LetterOut],
    summary="Formal demand letters sent to a client",
)
def client_letters(request: HttpRequest, client_id: int, page: Query[PageParams]) -> Any:
    user = current_user(request)
    client = get_account_client_for(user, client_id)
    qs = letters_visible_to(user).filter(client=client).select_related("client").defer("pdf")
    return paginate(qs.order_by("-created_at", "-id"), page)


@router.get(
    "/collection/letters/{letter_id}.pdf",
    response={200: None},
    summary="A formal demand letter as the PDF that was sent",
)
def letter_pdf(request: HttpRequest, letter_id: int) -> HttpResponse:
    user = current_user(request)
    letter = get_letter_for(user, letter_id)
    access_record(request, what="letter.pdf", rows=1, user=user)
    response = HttpResponse(bytes(letter.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.filename}"'
    return response
