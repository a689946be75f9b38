"""Macros: saved replies with placeholders that can also set a status and add tags.

The placeholders are a fixed set (PLACEHOLDERS), filled by plain string replacement in one
pass: a macro is never rendered as a template, and a value put in (an item's title, a
submitter's name) is never read again for placeholders, so text that looks like a template
stays literal. A macro naming an unknown placeholder is refused when it is saved.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import Feedback, Macro, Role, Status, User, valid_id
from triage.services import DomainError, NotFound, items
from triage.services.delivery import notify
from triage.services.items import panel

MAX_NAME = 80


class Forbidden(DomainError):
    status_code = 403


PLACEHOLDERS: dict[str, Callable[[Feedback, User], str]] = {
    "submitter.name": lambda item, _: item.submitter_name or "there",
    "item.number": lambda item, _: f"#{item.id}",
    "item.title": lambda item, _: item.title,
    "item.status": lambda item, _: item.status.label,
    "agent.name": lambda _, agent: agent.display_name,
    "project.name": lambda item, _: item.project.name,
    "status_page": lambda item, _: notify.absolute_url("intake.status", token=item.status_token),
}
PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.S)


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders in `body` that are not in PLACEHOLDERS, in order of appearance."""
    return [name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDERS]


def fill(body: str, item: Feedback, agent: User) -> str:
    """The macro's text for this item: each known placeholder replaced by its value, once."""
    return PLACEHOLDER.sub(lambda m: PLACEHOLDERS[m.group(1)](item, agent) if m.group(1) in PLACEHOLDERS
                           else m.group(0), body)


def save_macro(actor: User, name: str, body: str, status: Status | None, tags: str, shared: bool,
               macro: Macro | None = None) -> Macro:
    """Create a macro (or change `macro`, which the actor must be allowed to manage); flushes.
    Refused: a blank or long name or body, an unknown placeholder, too many or too long tags."""
    name, body = (name or "").strip(), (body or "").strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"A macro needs a name of 1 to {MAX_NAME} characters.")
    if not body or len(body) > items.MAX_COMMENT:
        raise DomainError(f"A macro needs a reply of 1 to {items.MAX_COMMENT} characters.")
    if unknown := unknown_placeholders(body):
        raise DomainError(f"Unknown placeholder {{{{ {unknown[0]} }}}}; use one of: "
                          + ", ".join(f"{{{{ {p} }}}}" for p in PLACEHOLDERS) + ".")
    if macro is None:
        macro = Macro(created_by=actor)
        db.session.add(macro)
    else:
        check_manage(actor, macro)
    macro.name, macro.body, macro.status, macro.shared = name, body, status, shared
    macro.tags = panel.parse_tags(tags or "")
    db.session.flush()
    return macro


def can_manage(user: User, macro: Macro) -> bool:
    """Admins manage every macro; agents the shared ones and their own."""
    return user.role == Role.ADMIN or macro.shared or macro.created_by_id == user.id


def check_manage(user: User, macro: Macro) -> None:
    if not can_manage(user, macro):
        raise Forbidden("Only its author or an admin can change a personal macro.")


def usable_macros(user: User) -> list[Macro]:
    """The macros the user can apply: the shared ones and their own, by name."""
    query = select(Macro).where(or_(Macro.shared.is_(True), Macro.created_by_id == user.id))
    return list(db.session.scalars(query.order_by(Macro.name, Macro.id)))


def managed_macros(user: User) -> list[Macro]:
    """The macros of the staff page: every macro for an admin, else the usable ones."""
    if user.role == Role.ADMIN:
        return list(db.session.scalars(select(Macro).order_by(Macro.name, Macro.id)))
    return usable_macros(user)


def get_macro(user: User, macro_id: int | None) -> Macro:
    """A macro the user can apply (an admin: any); NotFound otherwise."""
    macro = db.session.get(Macro, macro_id) if isinstance(macro_id, int) and valid_id(macro_id) else None
    if macro is None or not can_manage(user, macro):
        raise NotFound(f"No macro {macro_id}.")
    return macro


def delete_macro(user: User, macro: Macro) -> None:
    check_manage(user, macro)
    db.session.delete(macro)
    db.session.flush()


def apply_macro(item: Feedback, macro: Macro, actor: User, text: str | None = None) -> list[str]:
    """Post the macro's reply (the filled macro, or `text` as the agent edited it: sent as is)
    through `items.add_comment`, then set its status and add its tags through their verbs,
    each its own Event (flushes). Returns what changed, in order."""
    items.add_comment(item, actor, text if text and text.strip() else fill(macro.body, item, actor), public=True)
    changed = ["reply"]
    if macro.status is not None and item.status != macro.status:
        items.change_status(item, macro.status, actor)
        changed.append("status")
    if sum(items.add_tag(item, tag, actor) for tag in macro.tags or []):
        changed.append("tags")
    return changed


def previews(macros: list[Macro], item: Feedback, agent: User) -> dict[int, str]:
    """Each macro's text filled for this item (the item page's preview)."""
    return {m.id: fill(m.body, item, agent) for m in macros}
