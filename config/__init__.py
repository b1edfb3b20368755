"""Settings of lienthong (pydantic-settings): environment, then a TOML file."""
