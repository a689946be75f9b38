"""Releases in the database: a project's versions (made explicitly, or on first sight of a
version in a report or survey answer), their adoption, the gate's rules and followers, and
the reads that feed the pure `figures` and `gate` modules. Verbs flush, never commit."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from sqlalchemy import delete, func, select

from triage.extensions import db
from triage.models import (
    Feedback,
    Project,
    Release,
    ReleaseAdoption,
    ReleaseFollower,
    ReleaseRule,
    RuleKind,
    Survey,
    SurveyResponse,
    Theme,
    utcnow,
)
from triage.services import DomainError, NotFound
from triage.services.releases import figures, gate, versions

MAX_SESSIONS = 10**12
MAX_RULES = 20
MAX_CSV_ROWS = 10_000


def checked(version: object) -> str:
    """A normalised version, or a DomainError (422) that says what a version looks like."""
    try:
        return versions.normalise(version)
    except versions.InvalidVersion as error:
        raise DomainError(str(error)) from error


def projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.name)))


def project_by_id(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        raise NotFound(f"No project {project_id}.")
    return project


def project_for(slug: str | None) -> Project:
    """The project named by slug; without one, the only project (NotFound otherwise)."""
    if slug:
        found = db.session.scalar(select(Project).where(Project.slug == slug))
    else:
        found = only[0] if len(only := projects()) == 1 else None
    if found is None:
        raise NotFound(f"No project {slug!r}." if slug else "Name the project (?project=SLUG).")
    return found


def release_row(project: Project, version: str) -> Release | None:
    return db.session.scalar(select(Release).where(Release.project_id == project.id, Release.version == version))


def create_release(project: Project, version: object, released_at: datetime | None = None) -> Release:
    """The project's release of `version`, made now if new (flushes); an explicit release
    time replaces the one guessed from the first report."""
    version = checked(version)
    release = release_row(project, version)
    if release is None:
        release = Release(project=project, version=version, version_key=versions.sort_key(version),
                          released_at=released_at or first_seen(project, version) or utcnow())
        db.session.add(release)
    elif released_at is not None:
        release.released_at = released_at
    db.session.flush()
    return release


def first_seen(project: Project, version: str) -> datetime | None:
    """When the first report or survey answer from `version` arrived."""
    item = db.session.scalar(select(func.min(Feedback.created_at)).where(
        Feedback.project_id == project.id, Feedback.app_version == version))
    answer = db.session.scalar(select(func.min(SurveyResponse.created_at)).join(Survey).where(
        Survey.project_id == project.id, SurveyResponse.app_version == version))
    return min((t for t in (item, answer) if t is not None), default=None)


def seen_versions(project: Project) -> dict[str, datetime]:
    """Every version reports or answers came from, with its first sighting."""
    found: dict[str, datetime] = {}
    queries = (select(Feedback.app_version, func.min(Feedback.created_at))
               .where(Feedback.project_id == project.id, Feedback.app_version.is_not(None))
               .group_by(Feedback.app_version),
               select(SurveyResponse.app_version, func.min(SurveyResponse.created_at)).join(Survey)
               .where(Survey.project_id == project.id, SurveyResponse.app_version.is_not(None))
               .group_by(SurveyResponse.app_version))
    for query in queries:
        for version, first in db.session.execute(query):
            found[version] = min(first, found.get(version, first))
    return found


def sync_releases(project: Project) -> list[Release]:
    """Make a release for each version seen in reports but not yet known (flushes)."""
    known = set(db.session.scalars(select(Release.version).where(Release.project_id == project.id)))
    made = [create_release(project, v, first) for v, first in seen_versions(project).items() if v not in known]
    return made


def release_rows(project: Project) -> list[figures.ReleaseRow]:
    """The project's releases, stored or only seen, oldest first, with their adoption."""
    stored = list(db.session.scalars(select(Release).where(Release.project_id == project.id)))
    sessions: dict[int, dict[date, int]] = {}
    for release_id, day, count in db.session.execute(
            select(ReleaseAdoption.release_id, ReleaseAdoption.day, ReleaseAdoption.sessions)
            .join(Release).where(Release.project_id == project.id)):
        sessions.setdefault(release_id, {})[day] = count
    rows = {r.version: figures.ReleaseRow(r.version, r.released_at, sessions.get(r.id, {})) for r in stored}
    for version, first in seen_versions(project).items():
        rows.setdefault(version, figures.ReleaseRow(version, first))
    return sorted(rows.values(), key=lambda r: versions.order_of(r.version))


def item_rows(project: Project) -> list[figures.ItemRow]:
    """Every report of the project that names a version (suspected spam left out)."""
    query = select(Feedback.id, Feedback.app_version, Feedback.created_at, Feedback.priority, Feedback.category,
                   Feedback.status, Feedback.theme_id).where(
        Feedback.project_id == project.id, Feedback.app_version.is_not(None), Feedback.quarantined.is_(False))
    return [figures.ItemRow(id=i, version=v, created_at=t, priority=p, is_bug=c == "bug", is_open=s.is_open,
                            theme_id=th) for i, v, t, p, c, s, th in db.session.execute(query)]


def answer_rows(project: Project) -> list[figures.AnswerRow]:
    query = select(SurveyResponse.app_version, Survey.kind, SurveyResponse.score).join(Survey).where(
        Survey.project_id == project.id, SurveyResponse.app_version.is_not(None))
    return [figures.AnswerRow(v, k.value, s) for v, k, s in db.session.execute(query)]


def theme_names(project: Project) -> dict[int, str]:
    return dict(db.session.execute(select(Theme.id, Theme.name).where(Theme.project_id == project.id)).all())


class Snapshot:
    """What the figures of every release of a project are computed from, read once."""

    def __init__(self, project: Project, now: datetime | None = None):
        self.project, self.now = project, now or utcnow()
        self.releases, self.items = release_rows(project), item_rows(project)
        self.answers, self.names = answer_rows(project), theme_names(project)
        self.rules = rules_of(project)

    def figures(self, version: str) -> figures.Figures:
        if version not in {r.version for r in self.releases}:
            raise NotFound(f"No release {version} in {self.project.slug}.")
        return figures.compute(version, self.releases, self.items, self.answers, self.names, self.now)

    def gate(self, version: str) -> gate.GateResult:
        return gate.evaluate(self.rules, self.figures(version))

    def overview(self) -> list[tuple[figures.ReleaseRow, gate.GateResult]]:
        """Every release, newest first, with its gate."""
        return [(r, self.gate(r.version)) for r in reversed(self.releases)]


def gate_for(project: Project, version: object, now: datetime | None = None) -> gate.GateResult:
    """The live gate of one release of a project (NotFound for a version never seen)."""
    return Snapshot(project, now).gate(checked(version))


# -- adoption ------------------------------------------------------------------------------

def record_adoption(project: Project, version: object, day: date, sessions: int) -> ReleaseAdoption:
    """Set the sessions of a release on a day (made if new; flushes); a repeat replaces it."""
    if isinstance(sessions, bool) or not isinstance(sessions, int) or not 0 <= sessions <= MAX_SESSIONS:
        raise DomainError("sessions is a whole number from 0.")
    release = create_release(project, version)
    row = db.session.scalar(select(ReleaseAdoption).where(ReleaseAdoption.release_id == release.id,
                                                          ReleaseAdoption.day == day))
    if row is None:
        row = ReleaseAdoption(release=release, day=day, sessions=sessions)
        db.session.add(row)
    row.sessions = sessions
    db.session.flush()
    return row


def import_adoption_csv(project: Project, text: str) -> int:
    """Read `version,day,sessions` rows (a header line, ISO days) into adoption (flushes);
    the number of rows stored. A bad row is a DomainError naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    if not {"version", "day", "sessions"} <= set(reader.fieldnames or ()):
        raise DomainError("The CSV needs a header line with version, day and sessions.")
    count = 0
    for line, row in enumerate(reader, start=2):
        if count >= MAX_CSV_ROWS:
            raise DomainError(f"At most {MAX_CSV_ROWS:,} rows at once.")
        try:
            day, sessions = date.fromisoformat(row["day"].strip()), int(row["sessions"])
            record_adoption(project, row["version"], day, sessions)
        except (ValueError, AttributeError, DomainError) as error:
            raise DomainError(f"Line {line}: {error}") from error
        count += 1
    return count


# -- rules and followers -------------------------------------------------------------------

def rules_of(project: Project) -> list[gate.Rule]:
    """The project's gate, or the default one when it wrote none."""
    stored = db.session.scalars(select(ReleaseRule).where(ReleaseRule.project_id == project.id)
                                .order_by(ReleaseRule.position, ReleaseRule.id))
    found = [gate.Rule(r.kind, r.threshold, r.min_sample) for r in stored]
    return found or list(gate.DEFAULT_RULES)


def set_rules(project: Project, rules: list[gate.Rule]) -> None:
    """Replace the project's gate with these rules, in this order (flushes)."""
    if not rules or len(rules) > MAX_RULES:
        raise DomainError(f"A gate has 1 to {MAX_RULES} rules.")
    for rule in rules:
        if rule.threshold < 0 or rule.min_sample < 0 or rule.threshold > 10**6:
            raise DomainError("Thresholds and minimum samples are numbers from 0.")
    db.session.execute(delete(ReleaseRule).where(ReleaseRule.project_id == project.id))
    db.session.add_all(ReleaseRule(project_id=project.id, kind=RuleKind(r.kind), threshold=r.threshold,
                                   min_sample=r.min_sample, position=n) for n, r in enumerate(rules))
    db.session.flush()


def followers(project: Project) -> list[ReleaseFollower]:
    return list(db.session.scalars(select(ReleaseFollower).where(ReleaseFollower.project_id == project.id)
                                   .order_by(ReleaseFollower.id)))


def follow(project: Project, email: str | None = None, webhook_id: int | None = None) -> ReleaseFollower:
    """Tell this address (or webhook) when a release's verdict changes (flushes)."""
    email = (email or "").strip().lower() or None
    if not email and webhook_id is None:
        raise DomainError("Give an email address or a webhook.")
    same = (ReleaseFollower.email == email) if email else (ReleaseFollower.webhook_id == webhook_id)
    if existing := db.session.scalar(select(ReleaseFollower).where(ReleaseFollower.project_id == project.id, same)):
        return existing
    follower = ReleaseFollower(project_id=project.id, email=email, webhook_id=webhook_id)
    db.session.add(follower)
    db.session.flush()
    return follower


def unfollow(project: Project, follower_id: int) -> None:
    db.session.execute(delete(ReleaseFollower).where(ReleaseFollower.project_id == project.id,
                                                     ReleaseFollower.id == follower_id))
    db.session.flush()
