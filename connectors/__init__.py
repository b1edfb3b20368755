"""Connectors: the only code that knows a platform's wire format."""
