"""Delivery: see docs/architecture.md."""
