"""Builders for board tests: items with exactly the fields a test names, and a page walker."""
from __future__ import annotations

import html as htmllib
import re

from triage.extensions import db
from triage.models import Feedback, Project, utcnow


def stored(project: Project, title: str, **fields) -> Feedback:
    """A stored item with the given fields and nothing computed (no classification, no SLA)."""
    fields.setdefault("created_at", utcnow())
    item = Feedback(project=project, title=title, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def row_titles(html: str) -> list[str]:
    """Item titles in the order the inbox or kanban lists them."""
    return [htmllib.unescape(t) for t in re.findall(r'/board/items/\d+">(?:#\d+ )?([^<]+)</a>', html)]


def next_link(html: str) -> str | None:
    found = re.search(r'href="([^"]*cursor=[^"]*)"', html)
    return htmllib.unescape(found.group(1)) if found else None
