"""Canonical vocabulary of lienthong and the mappings from every platform into it."""
