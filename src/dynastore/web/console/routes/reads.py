"""A table's page: its description and its items, scanned or queried a page at a time; and exports."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ....errors import ValidationError
from .. import access, export, reads, tables
from ..templating import is_htmx, render
from .forms import context_of

router = APIRouter()

DONE = {"created": "Table created.", "ttl-on": "Time to live is on.", "ttl-off": "Time to live is off.",
        "deleted-item": "Item deleted."}


def _form(request: Request) -> reads.ReadForm:
    return reads.ReadForm.from_query(request.query_params, request.query_params.getlist)


def _done(code: str) -> str | None:
    if code.startswith("purged-") and code[7:].isdigit():
        n = int(code[7:])
        return f"Deleted {n} item{'s' if n != 1 else ''}; the table and its indexes stay."
    return DONE.get(code)


@router.get("/tables/{name}")
def table_page(request: Request, name: str) -> Response:
    store = context_of(request).store
    summary = tables.summary(store, name)
    error = page = None
    form = reads.ReadForm()
    try:
        form = _form(request)
        page = reads.read_page(store, summary.spec, form)
    except ValidationError as e:
        error = e.message
    context = dict(summary=summary, form=form, page=page, error=error,
                   links=_links(request, name, form, page))
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        return render(request, "_results.html", 422 if error else 200, **context)
    return render(request, "table.html", 422 if error else 200, done=_done(request.query_params.get("done", "")),
                  spec_text=tables.spec_text(summary.spec), operators=reads.SORT_OPERATORS,
                  filter_operators=reads.FILTER_OPERATORS, value_types=reads.VALUE_TYPES,
                  page_sizes=reads.PAGE_SIZES, formats=export.EXPORT_FORMATS, **context)


def _links(request: Request, name: str, form: reads.ReadForm, page: reads.ResultPage | None) -> dict[str, str]:
    base = f"{request.scope.get('root_path', '')}/tables/{name}"
    links = {"first": f"{base}?{urlencode(form.query_params())}",
             "export": f"{base}/export?{urlencode(form.query_params())}"}
    if page is not None:
        if page.next_cursor:
            links["next"] = f"{base}?{urlencode(form.query_params(page.next_cursor))}"
        previous = page.previous_cursor
        if previous is not None:
            links["previous"] = f"{base}?{urlencode(form.query_params(previous))}"
    return links


@router.get("/tables/{name}/export")
def export_items(request: Request, name: str, format: str = "jsonl") -> Response:
    """Every item the form's read returns, from the start, as a file to download."""
    store = context_of(request).store
    spec = store.describe(name).spec
    if format not in export.EXPORT_FORMATS:
        raise ValidationError(f"export format is one of {', '.join(export.EXPORT_FORMATS)}, not {format!r}")
    form = _form(request)
    items = reads.read_all(store, spec, form)  # a bad form is an error page, before the download starts
    _, media, extension = export.EXPORT_FORMATS[format]
    if format == "csv":
        body = export.csv_rows(items, reads.Target.of(spec, form.index).key_names())
    else:
        body = export.json_lines(items, dynamodb=format == "dynamodb-jsonl")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return access.finish(request, StreamingResponse(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}-{stamp}.{extension}"'}))
