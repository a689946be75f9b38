"""SLA due times: plain and business-hours arithmetic, recomputation, pauses, response stamps."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests import builders
from triage.extensions import db
from triage.models import Event, Kind, Project, Role, Status
from triage.services import DomainError, items
from triage.services.intake import Submission, submit_feedback
from triage.services.triage import classify, escalation, sla
from triage.services.accounts import create_project

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {"timezone": "Europe/Berlin", "days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00",
          "holidays": ["2026-12-25"]}
CAL = sla.parse_calendar(OFFICE)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_without_a_calendar_minutes_are_plain_minutes():
    start = datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)
    assert sla.add_minutes(start, 90, None) == start + timedelta(minutes=90)
    assert sla.minutes_between(start, start + timedelta(hours=2), None) == 120


@pytest.mark.parametrize("start, minutes, due", [
    (berlin(2026, 11, 26, 10, 0), 60, berlin(2026, 11, 26, 11, 0)),  # Thursday, within hours
    (berlin(2026, 11, 27, 16, 0), 120, berlin(2026, 11, 30, 10, 0)),  # Friday late: over the weekend
    (berlin(2026, 11, 28, 12, 0), 30, berlin(2026, 11, 30, 9, 30)),  # Saturday: starts Monday morning
    (berlin(2026, 11, 26, 7, 0), 8 * 60, berlin(2026, 11, 26, 17, 0)),  # before opening: a full day
    (berlin(2026, 12, 24, 16, 30), 60, berlin(2026, 12, 28, 9, 30)),  # the holiday and weekend skipped
    (berlin(2026, 3, 27, 16, 0), 120, berlin(2026, 3, 30, 10, 0)),  # across the switch to summer time
])
def test_business_minutes_skip_nights_weekends_and_holidays(start, minutes, due):
    assert sla.add_minutes(start, minutes, CAL) == due
    assert sla.minutes_between(start, due, CAL) == pytest.approx(minutes)


def test_minutes_between_counts_only_working_time():
    assert sla.minutes_between(berlin(2026, 11, 27, 16, 0), berlin(2026, 11, 30, 10, 0), CAL) == 120
    assert sla.minutes_between(berlin(2026, 11, 30, 10, 0), berlin(2026, 11, 27, 16, 0), CAL) == -120
    assert sla.minutes_between(berlin(2026, 11, 28, 9, 0), berlin(2026, 11, 29, 17, 0), CAL) == 0


@pytest.mark.parametrize("raw, message", [
    ({"timezone": "Mars/Olympus"}, "not valid"),
    ({"start": "18:00", "end": "09:00"}, "start before its end"),
    ({"days": []}, "working days"),
    ({"days": [7]}, "working days"),
    ({"holidays": ["someday"]}, "not valid"),
])
def test_invalid_calendars_are_refused(raw, message):
    with pytest.raises(DomainError, match=message):
        sla.parse_calendar(raw)


def test_an_empty_calendar_means_around_the_clock():
    assert sla.parse_calendar({}) is None and sla.parse_calendar(None) is None
    assert sla.parse_calendar({"timezone": "UTC"}).days == frozenset(range(5))


@pytest.fixture
def project(app):
    builders.policy("P1", first=60, resolution=240)
    builders.policy("P3", first=8 * 60, resolution=3 * 8 * 60, business_hours=True)
    return create_project("shop", "Shop")


def test_due_times_follow_the_policy_of_the_priority(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    assert (item.first_response_due, item.resolution_due) == (created + timedelta(hours=1), created + timedelta(hours=4))
    assert builders.item(project, created, priority=None).resolution_due is None
    assert builders.item(project, created, priority="P5").resolution_due is None  # no policy


def test_business_hours_count_in_the_team_calendar(project):
    team = builders.team_with_roles(calendar=OFFICE)
    item = builders.item(project, berlin(2026, 11, 27, 16, 0), priority="P3", team=team)
    assert item.first_response_due == berlin(2026, 11, 30, 16, 0)
    assert item.resolution_due == berlin(2026, 12, 2, 16, 0)
    no_team = builders.item(project, berlin(2026, 11, 27, 16, 0), priority="P3")
    assert no_team.first_response_due == berlin(2026, 11, 28, 0, 0)  # no calendar: around the clock


def test_a_priority_change_recomputes_the_due_times(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P3")
    item.priority = "P1"
    sla.on_priority_changed(item)
    assert item.resolution_due == created + timedelta(hours=4)
    item.priority = None
    sla.on_priority_changed(item)
    assert item.first_response_due is None and item.resolution_due is None


def test_waiting_on_the_submitter_pauses_the_clocks(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    with time_machine.travel(created + timedelta(minutes=30), tick=False):
        items.change_status(item, Status.WAITING, None)
    assert item.sla_paused_at == created + timedelta(minutes=30)
    assert escalation.running_deadlines(item) == []
    with time_machine.travel(created + timedelta(minutes=30 + 45), tick=False):
        items.change_status(item, Status.IN_PROGRESS, None)
    assert item.sla_paused_at is None
    assert item.resolution_due == created + timedelta(hours=4, minutes=45)
    assert item.first_response_due == created + timedelta(hours=1, minutes=45)
    item.priority = "P1"
    sla.on_priority_changed(item)  # a recomputation keeps the time spent waiting
    assert item.resolution_due == created + timedelta(hours=4, minutes=45)


def test_a_pause_over_a_weekend_shifts_by_working_time_only(project):
    team = builders.team_with_roles(calendar=OFFICE)
    item = builders.item(project, berlin(2026, 11, 26, 9, 0), priority="P3", team=team)
    due = item.resolution_due
    with time_machine.travel(berlin(2026, 11, 27, 16, 0), tick=False):
        items.change_status(item, Status.WAITING, None)
    with time_machine.travel(berlin(2026, 11, 30, 10, 0), tick=False):  # 2 working hours later
        items.change_status(item, Status.TRIAGED, None)
    assert item.resolution_due == sla.add_minutes(due, 120, sla.parse_calendar(OFFICE))


def test_first_public_reply_and_resolution_are_stamped(project):
    from tests.conftest import make_user

    item = builders.item(project, priority="P1")
    agent = make_user(Role.AGENT)
    items.add_comment(item, agent, "internal", public=False)
    assert item.first_responded_at is None
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc), tick=False):
        items.add_comment(item, agent, "Looking into it", public=True)
        items.change_status(item, Status.RESOLVED, agent)
    items.add_comment(item, agent, "One more thing", public=True)
    stamp = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    assert (item.first_responded_at, item.resolved_at) == (stamp, stamp)
    items.change_status(item, Status.IN_PROGRESS, agent)  # reopened
    assert item.resolved_at is None
    db.session.commit()


def test_closing_a_resolved_item_keeps_its_resolution_time(project):
    resolved = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    item = builders.item(project, resolved - timedelta(hours=2), priority="P1")
    with time_machine.travel(resolved, tick=False):
        items.change_status(item, Status.RESOLVED, None)
    with time_machine.travel(resolved + timedelta(days=3), tick=False):  # closed days later
        items.change_status(item, Status.CLOSED, None)
    assert item.resolved_at == resolved  # the SLA attainment counts the resolution, not the closing


def test_a_pause_after_the_first_response_keeps_the_met_first_response_due(project):
    from tests.conftest import make_user

    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    with time_machine.travel(created + timedelta(minutes=20), tick=False):
        items.add_comment(item, make_user(Role.AGENT), "Which version do you use?", public=True)
        items.change_status(item, Status.WAITING, None)
    with time_machine.travel(created + timedelta(minutes=20 + 90), tick=False):
        items.change_status(item, Status.IN_PROGRESS, None)
    assert item.first_response_due == created + timedelta(hours=1)  # met before the pause: not moved
    assert item.resolution_due == created + timedelta(hours=4, minutes=90)  # still running: moved
    sla.on_priority_changed(item)  # a recomputation keeps both
    assert item.first_response_due == created + timedelta(hours=1)
    assert item.resolution_due == created + timedelta(hours=4, minutes=90)


def test_holidays_are_read_as_dates():
    assert date(2026, 12, 25) in CAL.holidays


@pytest.mark.parametrize("minutes, words", [(0, "0 min"), (59, "59 min"), (60, "1 h"), (150, "2 h 30 min"),
                                            (570, "9 h 30 min"), (600, "10 h"), (631, "10 h"), (47 * 60 + 59, "47 h"),
                                            (48 * 60, "2 days"), (121475, "84 days")])
def test_durations_read_the_way_people_say_them(minutes, words):
    from triage.services.triage.sla import readable_duration

    assert readable_duration(minutes) == words


@pytest.mark.parametrize("text, minutes", [("90 mins", 90), ("1 minute", 1), ("5 minutes", 5), ("7 m", 7),
                                           ("2 hr", 120), ("3 hrs", 180), ("1 hour", 60), ("2 hours", 120),
                                           ("1 d", 1440), ("1 day", 1440), ("2 days", 2880), ("1 w", 10080),
                                           ("1 week", 10080), ("2 weeks", 20160), ("45", 45), ("4 h", 240),
                                           ("2 h 30 min", 150)])
def test_every_unit_word_counts_its_minutes(text, minutes):
    assert sla.parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "0 min", "4 h later", "3 parsecs"])
def test_what_is_not_a_duration_of_a_minute_or_more_is_refused(text):
    with pytest.raises(DomainError):
        sla.parse_duration(text)


@pytest.mark.parametrize("minutes, text", [(45, "45 min"), (240, "4 h"), (3600, "60 h"), (150, "2 h 30 min"),
                                           (1440, "1 day"), (4320, "3 days"), (121, "2 h 1 min"), (61, "1 h 1 min"), (60, "1 h"), (1440 * 1500, "1500 days"),
                                           (60 * 61 + 5, "61 h 5 min")])
def test_a_duration_is_written_exactly_in_its_largest_whole_unit(minutes, text):
    assert sla.duration_text(minutes) == text


@pytest.mark.parametrize("days, words", [([0, 1, 2, 3, 4], "Monday to Friday"),
                                         ([0, 2, 4], "Monday, Wednesday, Friday"),
                                         ([5, 6], "Saturday, Sunday"), ([2], "Wednesday"),
                                         ([], "no days")])
def test_business_days_read_as_a_range_only_when_they_are_one(days, words):
    raw = {"timezone": "Europe/Berlin", "days": days, "start": "09:00", "end": "17:00"}
    assert sla.calendar_words(raw) == f"Europe/Berlin, {words}, 09:00–17:00"


def test_the_clocks_say_how_long_is_left_or_how_long_ago_they_were_breached(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")  # first response in 1 h, resolution in 4 h
    first, resolution = sla.clocks(item, created + timedelta(hours=2))
    assert (first.label, first.state, first.words) == ("First response", "breached", "breached 1 h ago")
    assert (resolution.state, resolution.words) == ("running", "due in 2 h")


@pytest.mark.parametrize("text, found", [("09:30", (9, 30)), ("17:00", (17, 0)), ("25:99", None), ("nine", None),
                                         ("", None), (None, None)])
def test_a_time_of_day_is_read_or_left_empty(text, found):
    assert sla.clock_time(text) == (None if found is None else datetime(2026, 1, 1, *found).time())


def test_time_paused_without_a_policy_counts_around_the_clock_when_one_applies_later(app):
    """A P2 item (no P2 policy) waits over a weekend, then becomes P1 (around the clock): its
    due times move by the whole weekend, not by the business hours of P3's policy."""
    builders.policy("P1", first=60, resolution=240)
    builders.policy("P3", first=8 * 60, resolution=3 * 8 * 60, business_hours=True)
    team = builders.team_with_roles(calendar=OFFICE)
    created = berlin(2026, 11, 27, 15, 0)
    item = builders.item(create_project("shop", "Shop"), created, priority="P2", team=team)
    with time_machine.travel(berlin(2026, 11, 27, 16, 0), tick=False):
        items.change_status(item, Status.WAITING, None)
    with time_machine.travel(berlin(2026, 11, 30, 10, 0), tick=False):
        items.change_status(item, Status.TRIAGED, None)
    item.priority = "P1"
    sla.on_priority_changed(item)
    assert item.resolution_due == created + timedelta(hours=4 + 66)


def test_intakes_in_later_requests_read_the_cached_policies(app, monkeypatch):
    """The policies are cached per process, detached from the request that loaded them: the
    next request's intake still reads their targets."""
    builders.policy("P2", first=30, resolution=120)
    project_id = create_project("shop", "Shop").id
    db.session.commit()
    monkeypatch.setattr(classify, "classify_items", lambda items, **_: [setattr(i, "priority", "P2") for i in items])
    for _ in range(2):
        item = submit_feedback(db.session.get(Project, project_id), Submission(kind=Kind.BUG, title="Refund"))
        db.session.commit()
        assert (item.resolution_due - item.created_at).total_seconds() == 120 * 60
        db.session.remove()  # the request ends


def test_a_resume_stamped_before_its_pause_moves_nothing(project):
    """Clocks of two servers a little apart: a resume dated before its pause counts no time."""
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    due = (item.first_response_due, item.resolution_due)
    with time_machine.travel(created + timedelta(minutes=30), tick=False):
        items.change_status(item, Status.WAITING, None)
    with time_machine.travel(created + timedelta(minutes=25), tick=False):
        items.change_status(item, Status.TRIAGED, None)
    assert (item.first_response_due, item.resolution_due) == due and item.sla_paused_at is None
    assert item.events[-1].data == {"paused_minutes": 0, "first_response": True}


def test_moving_between_open_statuses_never_stops_the_clocks(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    due = (item.first_response_due, item.resolution_due)
    for status in (Status.TRIAGED, Status.IN_PROGRESS, Status.NEW):
        items.change_status(item, status, None)
        assert item.sla_paused_at is None
    assert (item.first_response_due, item.resolution_due) == due
    assert [c.state for c in sla.clocks(item, created + timedelta(minutes=10))] == ["running", "running"]


def test_an_item_with_only_a_resolution_target_still_shows_that_clock(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    item.first_response_due = None  # e.g. imported with a resolution target alone
    assert [(c.label, c.words) for c in sla.clocks(item, created + timedelta(hours=1))] == [
        ("Resolution", "due in 3 h")]


def test_a_team_calendar_broken_since_it_was_saved_counts_around_the_clock(project, caplog):
    """A stored calendar that no longer parses (its zone gone from the system) never stops
    intake: the business-hours policy counts around the clock and the log says why."""
    team = builders.team_with_roles(calendar={"timezone": "Mars/Olympus", "days": [0]})
    created = datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P3", team=team)
    assert item.first_response_due == created + timedelta(hours=8)
    assert "invalid calendar" in caplog.text


def test_a_pause_shifts_the_due_times_by_its_length_to_the_tenth_of_a_second(project):
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    pause = timedelta(seconds=10.5)  # 0.175 min: two decimals of a minute would make it 10.2 or 10.8 s
    with time_machine.travel(created + timedelta(minutes=5), tick=False):
        items.change_status(item, Status.WAITING, None)
    with time_machine.travel(created + timedelta(minutes=5) + pause, tick=False):
        items.change_status(item, Status.TRIAGED, None)
    item.priority = "P1"
    sla.on_priority_changed(item)  # recomputed from the recorded pause
    shift = item.resolution_due - (created + timedelta(hours=4))
    assert abs(shift - pause) < timedelta(seconds=0.1)


def test_pauses_recorded_before_the_first_response_flag_existed_move_both_clocks(project):
    """An sla_resumed event written before pauses said which clocks they moved counts for the
    first response too, as it did then: upgrading never moves a stored due time."""
    created = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    item = builders.item(project, created, priority="P1")
    db.session.add(Event(feedback=item, kind="sla_resumed", data={"paused_minutes": 30}))
    db.session.flush()
    sla.on_priority_changed(item)
    assert item.first_response_due == created + timedelta(hours=1, minutes=30)
    assert item.resolution_due == created + timedelta(hours=4, minutes=30)
