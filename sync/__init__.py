"""The sync engine: pull → snapshot → plan → outbox → push, with its state in the store."""
