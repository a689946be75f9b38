"""Insights: see docs/architecture.md."""
