"""The demo's spike, replayed on demand: a burst of new reports on the theme the demo PM follows
(its largest otherwise), each the text of a real report already in that theme, sent by new
people through intake like any report. The caller then runs the aggregate and spike passes
(worker.py), which open the alert and queue the followers' email in the outbox. Flushes."""
from __future__ import annotations

import random

from sqlalchemy import select

from triage.extensions import db
from triage.models import Channel, Feedback, Kind, Project, Theme, ThemeFollower, User
from triage.services import DomainError
from triage.services.insights import themes
from triage.services.intake import Submission, submit_feedback

BURST = 12
PM_EMAIL = "pm@demo.test"
NAMES = ("Ines", "Ravi", "Zoe", "Mateo", "Aiko", "Omar", "Lena", "Kwame", "Sofia", "Yusuf", "Hana", "Pablo")


def spike_theme(project: Project) -> Theme:
    """The theme the demo PM follows in the project, else its largest; DomainError when it has none."""
    followed = db.session.scalar(
        select(Theme).join(ThemeFollower, ThemeFollower.theme_id == Theme.id)
        .join(User, User.id == ThemeFollower.user_id)
        .where(Theme.project_id == project.id, User.email == PM_EMAIL).order_by(Theme.id).limit(1))
    if followed is not None:
        return followed
    sized = themes.themes_with_sizes(project.id)
    if not sized:
        raise DomainError(f"Project {project.slug} has no themes yet: run `flask triage themes` first.")
    return max(sized, key=lambda pair: pair[1])[0]


def replay(project: Project, count: int = BURST, seed: int | None = None) -> tuple[Theme, list[Feedback]]:
    """Submit `count` reports now, re-telling the theme's own reports, and file them under it."""
    theme = spike_theme(project)
    voices = list(db.session.scalars(select(Feedback).where(Feedback.theme_id == theme.id,
                                                             Feedback.quarantined.is_(False))
                                     .order_by(Feedback.id).limit(50)))
    if not voices:
        raise DomainError(f"Theme {theme.name!r} has no reports to replay.")
    rng, made = random.Random(seed), []
    for n in range(count):
        voice, name = voices[n % len(voices)], rng.choice(NAMES)
        item = submit_feedback(project, Submission(
            kind=voice.kind or Kind.FEEDBACK, title=voice.title, body=voice.body or "", channel=Channel.WIDGET,
            name=name, email=f"{name.lower()}.{rng.randint(100, 999)}@example.com",
            context={**({"corpus_id": voice.context["corpus_id"]} if voice.context.get("corpus_id") else {}),
                     "replayed_from": voice.id}))
        themes.file_under(item, theme, None)
        made.append(item)
    db.session.flush()
    return theme, made
