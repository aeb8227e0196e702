"""The Typer app and the options every command shares; command modules register on it."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from ..store import Store

app = typer.Typer(
    name="dynastore",
    help="DynamoDB-backed storage: create tables from spec files, inspect them, and run the demo.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Url = Annotated[
    Optional[str],
    typer.Option(
        "--url",
        "-u",
        help="Store URL: sqlite:///path.db, memory:// or dynamodb://?region=...&endpoint=... "
        "(default: from the environment, DYNASTORE_URL or DYNAMODB_ENABLED..., else sqlite:///data/dynastore.db)",
        show_default=False,
    ),
]


def open_url(url: str | None) -> "Store":
    # Imported here: the store pulls in botocore, which commands like `endpoint` never need (start-up time).
    from ..store import open_store

    return open_store(url)


