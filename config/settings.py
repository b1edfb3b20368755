"""Settings read from the environment (``LIENTHONG_*``) and an optional TOML file.

The TOML file is named by ``LIENTHONG_CONFIG``; environment variables win over it.
Credentials never live in the TOML (later connectors read them as `SecretStr` from the
environment or a secrets file).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATABASE_URL = "sqlite:///var/lienthong.db"


class Settings(BaseSettings):
    """What one lienthong installation needs to know."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL: SQLite file by default, ``postgresql+psycopg://…`` in production."""

    timezone: str = "Asia/Ho_Chi_Minh"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("LIENTHONG_CONFIG")
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    @staticmethod
    def redact_url(url: str) -> str:
        """The URL with any password replaced, fit for logs and messages."""
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
