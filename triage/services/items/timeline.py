"""An item's timeline in sentences: who did what, with item numbers and people's names
("Sam Support assigned it to Kim Keys (Support).", "Merged into #12.")."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from triage.extensions import db
from triage.models import Event, Status, User


def status_word(value: str | None) -> str:
    try:
        return Status(value).label if value else "none"
    except ValueError:
        return str(value)


def names_of(events: Iterable[Event]) -> dict[str, str]:
    """Display names of the people the events name by email (one query)."""
    emails = set()
    for event in events:
        data = event.data or {}
        emails |= {data.get("assignee")} | set(data.get("recipients") or []) | {data.get("recipient")}
    emails.discard(None)
    if not emails:
        return {}
    return {u.email: u.display_name for u in db.session.scalars(select(User).where(User.email.in_(emails)))}


def sentences(events: list[Event]) -> list[tuple[Event, str]]:
    """Each event with its sentence, in the timeline's order."""
    names = names_of(events)
    return [(event, sentence(event, names)) for event in events]


def sentence(event: Event, names: dict[str, str]) -> str:
    """One event as a sentence; `names` maps emails to display names."""
    who = event.actor.display_name if event.actor else "triage"
    data = {"item": event.feedback_id, **(event.data or {})}  # both numbers of a merge on both timelines

    def person(email: str | None) -> str:
        return names.get(email, email) if email else "nobody"
    phrase = PHRASES.get(event.kind)
    text = phrase(data, person) if phrase else event.kind.replace("_", " ")
    if event.kind not in IMPERSONAL:
        text = f"{who} {text}"
    return f"{text[0].upper()}{text[1:]}."


def _labels(data: dict, _) -> str:
    old, new = data.get("from") or {}, data.get("to") or {}
    changed = [f"{key} from {old.get(key) or 'none'} to {new.get(key)}"
               for key in ("category", "impact", "urgency", "priority") if old.get(key) != new.get(key)]
    return "corrected the " + ("; ".join(changed) if changed else "classification")


def _routed(data: dict, person) -> str:
    to = f"{person(data['assignee'])} ({data.get('team')})" if data.get("assignee") else data.get("team")
    return f"routed it to {to} by the rule “{data.get('rule')}”"


def _assigned(data: dict, person) -> str:
    if not data.get("assignee"):
        return f"gave it to the team {data['team']}" if data.get("team") else "unassigned it"
    return f"assigned it to {person(data['assignee'])}" + (f" ({data['team']})" if data.get("team") else "")


def _classified(data: dict, _) -> str:
    how = "the keyword rules" if data.get("model") == "rules" else f"model {data.get('model')}"
    sure = f", {round((data.get('confidence') or 0) * 100)}% sure" if data.get("confidence") is not None else ""
    return f"classified it as {data.get('category')}, {data.get('priority') or 'no priority'} ({how}{sure})"


def _tagged(data: dict, _) -> str:
    if "tag" in data:
        return f"tagged it “{data['tag']}”"
    return f"set the tags to {', '.join(data.get('to') or []) or 'none'}"


def _merged(data: dict, _) -> str:
    if data.get("merged_into"):
        return f"merged #{data['item']} into #{data['merged_into']}"
    return f"merged #{data.get('merged_from')} into #{data['item']}"


def _unmerged(data: dict, _) -> str:
    if data.get("unmerged_from"):
        return f"took #{data['item']} back out of #{data['unmerged_from']}"
    return f"took #{data.get('unmerged')} back out of #{data['item']}"


def _escalated(data: dict, person) -> str:
    what = str(data.get("deadline", "")).replace("_", " ")
    told = ", ".join(person(r) if "@" in r else "a webhook" for r in data.get("recipients") or [])
    return f"escalated it at {data.get('threshold')}% of the {what} target to {told or 'nobody'}"


PHRASES = {
    "created": lambda d, _: f"received via {d.get('channel', 'an unknown channel')}",
    "classified": _classified,
    "reclassified": _labels,
    "routed": _routed,
    "assigned": _assigned,
    "status_changed": lambda d, _: f"moved it from {status_word(d.get('from'))} to {status_word(d.get('to'))}",
    "replied": lambda d, _: "replied to the submitter",
    "commented": lambda d, _: "added an internal note",
    "themed": lambda d, _: f"filed it under {d.get('to') or 'no theme'}" + (f" (was {d['from']})" if d.get("from") else ""),
    "tagged": _tagged,
    "merged": _merged,
    "unmerged": _unmerged,
    "published": lambda d, _: "made it public (end users see it and vote on it)",
    "unpublished": lambda d, _: "made it private",
    "fixed_in": lambda d, _: f"marked it fixed in {d.get('version')}",
    "regressed": lambda d, _: "reopened it: reports kept arriving after the fix (regressed)",
    "escalated": _escalated,
    "notified": lambda d, person: f"emailed {person(d.get('recipient'))}" if "@" in str(d.get("recipient"))
    else "posted to a webhook",
    "released": lambda d, _: "released it from the quarantine",
    "bulk_undone": lambda d, _: f"undid the bulk action ({d.get('action', 'change')}) on it",
    "sla_resumed": lambda d, _: f"moved the SLA clocks {d.get('paused_minutes')} min later (time spent waiting)",
}
IMPERSONAL = {"created", "notified", "escalated", "sla_resumed"}
