"""Domain verbs shared by the web pages, the API and the command line.

Services take plain values and the session, flush, and never commit: the caller
(a view, a CLI command or a job) commits once. A refused action raises DomainError,
which views turn into a 4xx answer.
"""


class DomainError(Exception):
    """An action refused for a reason the user can fix; the message says which."""

    status_code = 422


class NotFound(DomainError):
    status_code = 404
