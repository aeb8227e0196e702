"""Configuration from the environment / ``.env``, honouring the seeds' variable names."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_URL = "sqlite:///data/dynastore.db"


class Settings(BaseSettings):
    """Where dynastore keeps data.

    ``DYNASTORE_URL`` picks the engine outright. Otherwise the seeds' own
    variables apply: ``DYNAMODB_ENABLED=true`` selects DynamoDB (at
    ``DYNAMODB_ENDPOINT`` when set, in ``AWS_REGION``), and anything else the
    embedded SQLite file. Credentials are left to botocore's usual chain
    (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
    ``AWS_PROFILE``, instance roles ...).
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    url: str | None = Field(default=None, validation_alias=AliasChoices("DYNASTORE_URL", "url"))
    dynamodb_enabled: bool = Field(default=False, validation_alias=AliasChoices("DYNAMODB_ENABLED", "dynamodb_enabled"))
    dynamodb_endpoint: str | None = Field(default=None, validation_alias=AliasChoices("DYNAMODB_ENDPOINT", "dynamodb_endpoint"))
    dynamodb_table_name: str | None = Field(default=None, validation_alias=AliasChoices("DYNAMODB_TABLE_NAME", "dynamodb_table_name"))
    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION", "aws_region"))
    aws_profile: str | None = Field(default=None, validation_alias=AliasChoices("AWS_PROFILE", "aws_profile"))
    use_s3: bool = Field(default=False, validation_alias=AliasChoices("USE_S3", "use_s3"))
    s3_bucket_name: str | None = Field(default=None, validation_alias=AliasChoices("S3_BUCKET_NAME", "s3_bucket_name"))
    # Blob storage (dynastore.blobs.open_blob_store): S3 when use_s3, else this directory.
    s3_prefix: str | None = Field(default=None, validation_alias=AliasChoices("S3_PREFIX", "s3_prefix"))
    s3_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "s3_endpoint_url"))
    local_storage_path: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_STORAGE_PATH", "local_storage_path"))
    # With DYNAMODB_ENABLED: a local store to fall back on while DynamoDB is unreachable (docs/offline.md).
    fallback_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DYNASTORE_FALLBACK_URL", "fallback_url"))
    # With DYNAMODB_ENABLED: assume this role (docs/resilience.md). Not AWS_ROLE_ARN, which botocore
    # already reads for web identity (EKS, GitHub Actions) and which must not be assumed twice.
    role_arn: str | None = Field(default=None, validation_alias=AliasChoices("DYNASTORE_ROLE_ARN", "role_arn"))
    role_session_name: str | None = Field(
        default=None, validation_alias=AliasChoices("DYNASTORE_ROLE_SESSION_NAME", "role_session_name"))

    # The blog's posts and users (seed 004 keeps them in a relational database): an SQLite file, or
    # ":memory:". Unset: data/blog.db, or in memory when the store itself is memory://.
    blog_database: str | None = Field(
        default=None, validation_alias=AliasChoices("BLOG_DATABASE", "blog_database"))

    # The web console at /console (docs/console-access.md): auto = open on loopback only, on, off.
    console: Literal["auto", "on", "off"] = Field(
        default="auto", validation_alias=AliasChoices("DYNASTORE_CONSOLE", "console"))
    console_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DYNASTORE_CONSOLE_PASSWORD", "console_password"))
    # The address `dynastore serve` listens on (it sets this for its workers): loopback or not decides the console.
    serve_host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("DYNASTORE_SERVE_HOST", "serve_host"))

    @field_validator("console", mode="before")
    @classmethod
    def _console_mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def blog_database_path(self) -> str:
        """Where the blog keeps its posts and users (``BLOG_DATABASE``)."""
        if self.blog_database:
            return self.blog_database
        return ":memory:" if self.store_url().startswith("memory:") else "data/blog.db"

    def store_url(self) -> str:
        """The engine URL these settings select."""
        if self.url:
            return self.url
        if self.dynamodb_enabled:
            from urllib.parse import urlencode

            params = {k: v for k, v in (("region", self.aws_region), ("endpoint", self.dynamodb_endpoint),
                                        ("profile", self.aws_profile), ("fallback", self.fallback_url),
                                        ("role_arn", self.role_arn), ("role_session_name", self.role_session_name))
                      if v}
            return "dynamodb://" + (f"?{urlencode(params)}" if params else "")
        return DEFAULT_URL
