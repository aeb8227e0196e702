"""The table list, creating a table (form or spec file), and a table's settings: TTL, emptying, deleting."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ....errors import DynastoreError, ValidationError
from .. import tables
from ..templating import redirect, render
from .forms import PostedForm, context_of

router = APIRouter()

#: the blank index rows the create form offers (a script adds more)
INDEX_ROWS = 2


@router.get("/")
def table_list(request: Request) -> Response:
    store = context_of(request).store
    return render(request, "tables.html", tables=tables.summaries(store))


@router.get("/tables/new")
def new_table(request: Request) -> Response:
    return render(request, "table_new.html", form={}, indexes=[{}] * INDEX_ROWS, error=None, created=[])


@router.post("/tables")
def create_table(request: Request, form: PostedForm) -> Response:
    store = context_of(request).store
    text = form.get("spec_text") or form.file("spec_file")
    try:
        specs = tables.specs_from_text(text) if (text.strip() or form.get("source") == "spec") else [
            tables.spec_from_form(form.data, form.getlist)]
        tables.create(store, *specs)
    except DynastoreError as e:
        return render(request, "table_new.html", 422, form={k: form.get(k) for k in form.data.keys()},
                      indexes=tables.index_rows(form.getlist) or [{}] * INDEX_ROWS, error=e.message, created=[])
    if len(specs) == 1:
        return _to_table(request, specs[0].name, "created")
    return render(request, "tables.html", tables=tables.summaries(store),
                  notice=f"Created {len(specs)} tables: {', '.join(s.name for s in specs)}.")


def _to_table(request: Request, name: str, done: str) -> Response:
    return redirect(request, f"/tables/{name}?done={done}")


def _confirmed(form: PostedForm, name: str, what: str) -> None:
    if form.get("confirm") != name:
        raise ValidationError(f"to {what}, type the table's name ({name}) in the box")


@router.post("/tables/{name}/delete")
def delete_table(request: Request, name: str, form: PostedForm) -> Response:
    store = context_of(request).store
    _confirmed(form, name, "delete the table")
    store.delete_table(name)
    return render(request, "tables.html", tables=tables.summaries(store), notice=f"Deleted table {name}.")


@router.post("/tables/{name}/purge")
def purge_table(request: Request, name: str, form: PostedForm) -> Response:
    store = context_of(request).store
    _confirmed(form, name, "delete every item")
    count = tables.purge(store, store.describe(name).spec)
    return _to_table(request, name, f"purged-{count}")


@router.post("/tables/{name}/ttl")
def set_ttl(request: Request, name: str, form: PostedForm) -> Response:
    store = context_of(request).store
    attribute = form.get("attribute").strip() or None
    store.describe(name)  # a 404 for a table that is gone
    store.engine.set_ttl(name, attribute)
    return _to_table(request, name, "ttl-on" if attribute else "ttl-off")
