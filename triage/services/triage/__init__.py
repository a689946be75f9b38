"""Triage: see docs/architecture.md."""
