"""Configuration from the environment / ``.env``, honouring the seeds' variable names."""

from __future__ import annotations

from pydantic import AliasChoices, Field
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

    def store_url(self) -> str:
        """The engine URL these settings select."""
        if self.url:
            return self.url
        if self.dynamodb_enabled:
            from urllib.parse import urlencode

            params = {k: v for k, v in (("region", self.aws_region), ("endpoint", self.dynamodb_endpoint),
                                        ("profile", self.aws_profile)) if v}
            return "dynamodb://" + (f"?{urlencode(params)}" if params else "")
        return DEFAULT_URL
