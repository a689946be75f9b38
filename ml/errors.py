"""Errors raised by the ml package; callers map them to messages, never to tracebacks."""


class MLError(Exception):
    """Base class of every error the ml package raises on purpose."""


class ModelError(MLError):
    """A model directory is missing, unreadable, tampered with or from other library versions."""


class DataError(MLError):
    """A training or input file is unreadable, empty or lacks a required column."""
