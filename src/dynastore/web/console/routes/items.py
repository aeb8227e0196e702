"""One item: open it (as JSON and DynamoDB JSON), create, edit and delete it. Edits and deletes carry the
item as it was opened and are refused, with the current version shown, when another writer changed it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ....errors import ConditionFailed, ItemNotFound, ValidationError
from ....spec import TableSpec
from .. import items
from ..errors import error_page
from ..templating import is_htmx, redirect, render
from .forms import Form, PostedForm, context_of

router = APIRouter()


def _spec(request: Request, name: str) -> TableSpec:
    return context_of(request).store.describe(name).spec


def _format(value: str, default: items.Format = "json") -> items.Format:
    return value if value in items.FORMATS else default  # type: ignore[return-value]


def _skeleton(spec: TableSpec) -> str:
    example: dict[str, Any] = {}
    for attr in (spec.partition_key, spec.sort_key):
        if attr is not None:
            example[attr.name] = {"S": "", "N": 0, "B": ""}[attr.type]
    return items.as_json(example)


def _editor(request: Request, template: str, status: int, **context: Any) -> Response:
    """The item page or the new-item page; for htmx only the editor, so what was typed stays in place."""
    if is_htmx(request) and request.headers.get("HX-Target") == "editor":
        return render(request, "_editor.html", status, **context)
    return render(request, template, status, **context)


@router.get("/tables/{name}/items/new")
def new_item(request: Request, name: str) -> Response:
    spec = _spec(request, name)
    return render(request, "item_new.html", spec=spec, text=_skeleton(spec), fmt="json", error=None,
                  formats=items.FORMATS)


@router.post("/tables/{name}/items")
def create_item(request: Request, name: str, form: PostedForm) -> Response:
    store = context_of(request).store
    spec = _spec(request, name)
    fmt = _format(form.get("format"))
    text = form.get("item")
    try:
        saved = items.create_item(store, spec, items.parse_item(text, fmt))
    except (ValidationError, ConditionFailed) as e:
        return _editor(request, "item_new.html", 422 if isinstance(e, ValidationError) else 409, spec=spec,
                       text=text, fmt=fmt, error=e.message, formats=items.FORMATS)
    return redirect(request, f"/tables/{name}/items/{items.key_token(saved.key)}?done=created")


@router.get("/tables/{name}/key")
def open_by_key(request: Request, name: str) -> Response:
    """The item whose key the "open item" form gives (typed by the key schema)."""
    spec = _spec(request, name)
    key = {}
    for attr, field in ((spec.partition_key, "pk"), (spec.sort_key, "sk")):
        if attr is not None:
            key[attr.name] = items.key_value(attr, request.query_params.get(field, ""))
    return redirect(request, f"/tables/{name}/items/{items.key_token(key)}")


def _item_page(request: Request, spec: TableSpec, item: dict[str, Any], status: int = 200, *,
               text: str | None = None, fmt: items.Format | None = None, error: str | None = None,
               conflict: bool = False, original: dict[str, Any] | None = None,
               done: str | None = None) -> Response:
    lossless = items.lossless_in_json(item)
    fmt = fmt or ("json" if lossless else "dynamodb")
    base = original if original is not None else item
    return _editor(request, "item.html", status, spec=spec, item=item, key=items.key_token(_key(spec, base)),
                   json_text=items.as_json(item), dynamodb_text=items.as_dynamodb_json(item),
                   text=text if text is not None else items.as_text(item, fmt), fmt=fmt, lossless=lossless,
                   original=items.as_dynamodb_json(base), error=error, conflict=conflict, done=done,
                   formats=items.FORMATS if lossless else {"dynamodb": items.FORMATS["dynamodb"]},
                   expired=items.is_expired(spec, item))


def _key(spec: TableSpec, item: dict[str, Any]) -> dict[str, Any]:
    return {n: item[n] for n in spec.table_key_names()}


@router.get("/tables/{name}/items/{token}")
def item_page(request: Request, name: str, token: str) -> Response:
    store = context_of(request).store
    spec = _spec(request, name)
    key = items.key_from_token(token, spec)
    item = items.current(store, spec, key)
    if item is None:
        raise ItemNotFound(f"table {name} has no item with key {items.as_json(key)}")
    done = {"created": "Item created.", "saved": "Item saved."}.get(request.query_params.get("done", ""))
    return _item_page(request, spec, item, done=done)


def _opened(form: Form, spec: TableSpec, token: str) -> dict[str, Any]:
    """The item as the editor opened it (sent back with the form), which must be the item the URL names."""
    key = items.key_from_token(token, spec)
    try:
        original = items.parse_item(form.get("original"), "dynamodb")
        same = _key(spec, original) == key
    except (ValidationError, KeyError):
        same = False
    if not same:
        raise ValidationError("the form lost the item it was opened with: open the item again")
    return original


@router.post("/tables/{name}/items/{token}")
def save_item(request: Request, name: str, token: str, form: PostedForm) -> Response:
    store = context_of(request).store
    spec = _spec(request, name)
    original = _opened(form, spec, token)
    fmt = _format(form.get("format"))
    text = form.get("item")
    try:
        saved = items.replace_item(store, spec, original, items.parse_item(text, fmt))
    except items.ItemChanged as e:
        return _changed(request, spec, e, text, fmt)
    except (ValidationError, ConditionFailed) as e:
        return _item_page(request, spec, original, 422 if isinstance(e, ValidationError) else 409, text=text,
                          fmt=fmt, error=e.message, original=original)
    return redirect(request, f"/tables/{name}/items/{items.key_token(saved.key)}?done=saved")


def _changed(request: Request, spec: TableSpec, e: items.ItemChanged, text: str, fmt: items.Format) -> Response:
    """What was typed stays in the editor; the item as it is now is shown beside it, and the next save
    is checked against that version (the user has seen it)."""
    if e.current is None:
        return error_page(request, 409, e.message)
    return _item_page(request, spec, e.current, 409, text=text, fmt=fmt, error=e.message, conflict=True)


@router.post("/tables/{name}/items/{token}/delete")
def delete_item(request: Request, name: str, token: str, form: PostedForm) -> Response:
    store = context_of(request).store
    spec = _spec(request, name)
    original = _opened(form, spec, token)
    try:
        items.delete_item(store, spec, original)
    except items.ItemChanged as e:
        return _changed(request, spec, e, items.as_text(original, "dynamodb"), "dynamodb")
    return redirect(request, f"/tables/{name}?done=deleted-item")
