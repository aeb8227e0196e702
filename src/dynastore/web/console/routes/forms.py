"""What the console's POST routes share: reading a form (text fields and uploads) with its CSRF check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from ....api.context import ApiContext
from ....errors import ValidationError
from .. import access

#: An uploaded spec file is text; anything bigger than this is not one.
MAX_UPLOAD = 1 << 20
#: A field holds at most an item (400 KB) in DynamoDB JSON, which can be a few times bigger.
MAX_FIELD = 4 << 20


@dataclass
class Form:
    data: FormData
    #: uploaded files' text, by field name (read here: the routes run in threads, off the event loop)
    files: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        v = self.data.get(name)
        return v if isinstance(v, str) else default

    def getlist(self, name: str) -> list[str]:
        return [v for v in self.data.getlist(name) if isinstance(v, str)]

    def file(self, name: str) -> str:
        """An uploaded file's text ("" when none was chosen)."""
        return self.files.get(name, "")


async def _read(upload: UploadFile) -> str:
    raw = await upload.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise ValidationError(f"{upload.filename} is over {MAX_UPLOAD >> 20} MB: a spec file is much smaller")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{upload.filename} is not UTF-8 text") from None


async def checked_form(request: Request) -> Form:
    """The request's form, refused (`access.CsrfRejected`) unless it carries the CSRF token."""
    form = Form(await request.form(max_part_size=MAX_FIELD))
    access.check_csrf(request, form.data)
    for name, value in form.data.multi_items():
        if isinstance(value, UploadFile) and value.filename:
            form.files[name] = await _read(value)
    return form


#: ``form: PostedForm`` in a POST route: its form, CSRF checked, uploads read.
PostedForm = Annotated[Form, Depends(checked_form)]


def context_of(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.dynastore
    return ctx
