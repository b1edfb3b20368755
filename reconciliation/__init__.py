"""Reconciliation: identity matching across platforms, differences, discrepancies for people."""
