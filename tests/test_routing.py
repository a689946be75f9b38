"""Routing rules: first match wins, default team, strategies inside a team, invalid rules refused."""
import pytest
from sqlalchemy import select, update

from tests import builders
from tests.conftest import make_user, run_in_threads
from triage.extensions import db
from triage.models import Channel, Event, Feedback, Kind, Role, Status, Strategy, Team
from triage.services import DomainError, items
from triage.services.triage import routing
from triage.services.accounts import create_project


@pytest.fixture
def teams(app):
    return builders.team_with_roles("Billing", members=3), builders.team_with_roles("Mobile", members=1)


def rule(name, team, strategy=Strategy.NONE, assignee=None, **conditions):
    saved = routing.save_rule(None, name=name, conditions=conditions, team_id=team.id,
                              assignee_id=assignee.id if assignee else None, strategy=strategy)
    db.session.commit()
    return saved


def new_item(project, title="Charged twice", **fields) -> Feedback:
    item = Feedback(project=project, title=title, **fields)
    db.session.add(item)
    db.session.flush()
    return item


def test_the_first_matching_rule_wins_and_the_event_names_it(app, teams):
    billing, mobile = teams
    project = create_project("shop", "Shop")
    rule("Invoices", billing, keyword="INVOICE")
    rule("Anything on iOS", mobile, pattern=r"\bios\b")
    rule("Catch-all mobile", mobile)
    item = new_item(project, title="Invoice wrong on iOS")
    assert routing.route(item).name == "Invoices" and item.team == billing and item.assignee is None
    other = new_item(project, title="Crash on iOS 18")
    assert routing.route(other).name == "Anything on iOS" and other.team == mobile
    event = other.events[-1]
    assert (event.kind, event.data["rule"], event.data["team"]) == ("routed", "Anything on iOS", "Mobile")


def test_conditions_must_all_hold(app, teams):
    billing, _ = teams
    project, elsewhere = create_project("shop", "Shop"), create_project("blog", "Blog")
    rule("Shop bugs by widget", billing, project_id=project.id, kind="bug", channel="widget", tag="vip",
         category="bug", priority="P1")
    base = dict(kind=Kind.BUG, channel=Channel.WIDGET, tags=["VIP"], category="bug", priority="P1")
    assert routing.route(new_item(project, **base)) is not None
    for change in ({"kind": Kind.IDEA}, {"channel": Channel.FORM}, {"tags": []}, {"priority": "P2"}):
        assert routing.route(new_item(project, **{**base, **change})) is None
    assert routing.route(new_item(elsewhere, **base)) is None


def test_items_no_rule_matches_go_to_the_projects_default_team(app, teams):
    billing, mobile = teams
    rule("Refunds", billing, keyword="refund")
    item = new_item(create_project("shop", "Shop", default_team=mobile), title="Dark mode please")
    assert routing.route(item) is None and item.team == mobile
    assert item.events[-1].data == {"rule_id": None, "rule": "project default team", "team": "Mobile",
                                    "assignee": None}


def test_inactive_rules_are_skipped(app, teams):
    billing, mobile = teams
    rule("Off", billing).active = False
    rule("On", mobile)
    assert routing.route(new_item(create_project("shop", "Shop"))).name == "On"


def test_round_robin_takes_turns_and_remembers_across_sessions(app, teams):
    billing, _ = teams
    rule("Billing", billing, Strategy.ROUND_ROBIN)
    project = create_project("shop", "Shop")
    picks = []
    for _ in range(5):
        item = new_item(project)
        routing.route(item)
        db.session.commit()
        db.session.expire_all()  # as if each intake were a new request
        picks.append(item.assignee.email)
    # members and the lead take turns; the manager only receives escalations
    assert picks == ["billing-agent-0@example.com", "billing-agent-1@example.com", "billing-agent-2@example.com",
                     "billing-lead@example.com", "billing-agent-0@example.com"]


def test_a_batch_takes_its_turns_at_once_and_the_rotation_goes_on_after_it(app, teams):
    billing, mobile = teams
    rule("Billing", billing, Strategy.ROUND_ROBIN, kind="bug")
    project = create_project("shop", "Shop")
    db.session.commit()
    routing.route(new_item(project, kind=Kind.BUG))  # agent 0
    db.session.commit()
    batch = [new_item(project, kind=kind) for kind in (Kind.BUG, Kind.IDEA, Kind.BUG, Kind.BUG, Kind.BUG)]
    routing.route_batch(batch, routing.ordered_rules())
    db.session.commit()
    db.session.expire_all()
    after = new_item(project, kind=Kind.BUG)
    routing.route(after)
    assert [item.assignee.email if item.assignee else None for item in batch + [after]] == [
        "billing-agent-1@example.com", None, "billing-agent-2@example.com", "billing-lead@example.com",
        "billing-agent-0@example.com", "billing-agent-1@example.com"]
    assert batch[1].team is None and [e.kind for e in batch[0].events] == ["routed"]


def test_a_team_made_in_the_same_transaction_takes_turns_too(app):
    """The demo seeds team, rule and items before its first commit: on PostgreSQL the turn's
    own connection cannot see that team, so the turn is taken in the caller's transaction."""
    team = builders.Team(name="Fresh", calendar={})
    team.memberships = [builders.TeamMember(user=builders.person(f"fresh-{n}@example.com"), role=builders.TeamRole.MEMBER)
                        for n in range(2)]
    db.session.add(team)
    db.session.flush()
    routing.save_rule(None, name="All", conditions={}, team_id=team.id, assignee_id=None, strategy=Strategy.ROUND_ROBIN)
    project = create_project("shop", "Shop")
    picks = []
    for _ in range(3):
        item = new_item(project)
        routing.route(item)
        picks.append(item.assignee.email)
    assert picks == ["fresh-0@example.com", "fresh-1@example.com", "fresh-0@example.com"]


def test_two_intakes_at_once_take_turns_without_deadlock(app, teams):
    """Both transactions hold a key-share lock on the team row (their item's foreign key)
    before round robin locks it; the lock it takes must not deadlock with that."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises whole write transactions: there are no row locks to deadlock")
    billing, _ = teams
    rule("Billing", billing, Strategy.ROUND_ROBIN)
    project = create_project("shop", "Shop")
    db.session.commit()
    # Read outside the threads: the test's own session is not shared with them.
    project_id, team_id = project.id, billing.id

    def intake(both_inserted):
        item = new_item(db.session.get(type(project), project_id), team_id=team_id)
        both_inserted.wait()
        routing.route(item)
        db.session.commit()
        return item.assignee_id
    assert len(set(run_in_threads(app, intake))) == 2


def test_least_loaded_picks_the_member_with_fewest_open_items(app, teams):
    billing, _ = teams
    rule("Billing", billing, Strategy.LEAST_LOADED)
    project = create_project("shop", "Shop")
    people = routing.candidates(billing)
    for person, count in zip(people, (2, 0, 1, 3)):
        for _ in range(count):
            new_item(project, assignee=person)
    new_item(project, assignee=people[1], status=Status.CLOSED)  # closed items do not count
    item = new_item(project)
    routing.route(item)
    assert item.assignee == people[1]


def test_a_fixed_assignee_gets_the_item(app, teams):
    billing, _ = teams
    person = billing.memberships[1].user
    rule("VIP", billing, Strategy.FIXED, assignee=person)
    item = new_item(create_project("shop", "Shop"))
    routing.route(item)
    assert item.assignee == person and item.events[-1].data["assignee"] == person.email


INVALID = [
    ({"conditions": {"pattern": "(unclosed"}}, "not a valid regular expression"),
    ({"conditions": {"channel": "fax"}}, "not a valid channel"),
    ({"conditions": {"colour": "red"}}, "Unknown conditions: colour"),
    ({"team_id": 999}, "Choose a team that exists"),
    ({"strategy": Strategy.FIXED}, "needs an assignee"),
    ({"name": " "}, "needs a name"),
    ({"conditions": {"kind": "rant"}}, "'rant' is not a valid kind"),
    ({"conditions": {"priority": "P9"}}, "'P9' is not a valid priority"),
    ({"conditions": {"category": "gossip"}}, "'gossip' is not a valid category"),
    ({"conditions": {"colour": "red", "keyword": "x", "size": "L"}}, "Unknown conditions: colour, size"),
]


def test_invalid_rules_are_refused_with_a_clear_message(app, teams):
    values = dict(name="R", conditions={}, team_id=teams[0].id, assignee_id=None, strategy=Strategy.NONE)
    for change, message in INVALID:
        with pytest.raises(DomainError, match=message):
            routing.validate_rule(**{**values, **change})


def test_an_assignee_from_another_team_is_refused(app, teams):
    billing, mobile = teams
    with pytest.raises(DomainError, match="not a member of team Billing"):
        routing.validate_rule(name="R", conditions={}, team_id=billing.id, strategy=Strategy.FIXED,
                              assignee_id=mobile.memberships[0].user_id)


def test_rules_move_up_and_down(app, teams):
    first, second, third = (rule(n, teams[0]) for n in ("a", "b", "c"))
    routing.move_rule(third, -1)
    assert [r.name for r in routing.ordered_rules()] == ["a", "c", "b"]
    routing.move_rule(first, -1)  # already first: stays
    routing.move_rule(first, +1)
    assert [r.name for r in routing.ordered_rules()] == ["c", "a", "b"]


def test_a_hand_assignment_is_kept_when_the_item_is_routed_again(app, teams):
    billing, mobile = teams
    rule("All to billing", billing, Strategy.ROUND_ROBIN)
    item = new_item(create_project("shop", "Shop"))
    routing.route(item)
    items.assign(item, mobile, mobile.memberships[0].user, make_user(Role.AGENT))
    assert routing.route(item) is None and item.team == mobile


def test_assigning_outside_the_team_is_refused(app, teams):
    billing, mobile = teams
    item = new_item(create_project("shop", "Shop"))
    with pytest.raises(DomainError, match="not a member"):
        items.assign(item, billing, mobile.memberships[0].user, None)


def test_intake_routes_after_classification_and_sets_due_times(app, teams, monkeypatch):
    from triage.services.triage import classify
    from triage.services.intake import Submission, submit_feedback

    billing, _ = teams
    builders.policy("P2", first=30, resolution=120)
    rule("P2 to billing", billing, Strategy.ROUND_ROBIN, priority="P2")
    monkeypatch.setattr(classify, "classify_items", lambda items, **_: [setattr(i, "priority", "P2") for i in items])
    item = submit_feedback(create_project("shop", "Shop"), Submission(kind=Kind.BUG, title="Refund missing"))
    db.session.commit()
    assert item.team == billing and item.assignee is not None
    assert (item.resolution_due - item.created_at).total_seconds() == 120 * 60
    kinds = db.session.scalars(select(Event.kind).where(Event.feedback_id == item.id).order_by(Event.id)).all()
    assert kinds == ["created", "routed"]


def test_a_correction_routes_the_item_again_and_recomputes_its_due_times(app, teams):
    billing, mobile = teams
    builders.policy("P1", first=30, resolution=120)
    builders.policy("P5", first=600, resolution=6000)
    rule("P1 to billing", billing, priority="P1")
    rule("The rest to mobile", mobile)
    item = new_item(create_project("shop", "Shop"), category="bug", impact="low", urgency="low", priority="P5")
    routing.route(item)
    assert item.team == mobile
    assert items.reclassify(item, make_user(Role.AGENT), category="bug", impact="high", urgency="high")
    db.session.commit()
    assert (item.priority, item.team) == ("P1", billing)
    assert (item.resolution_due - item.created_at).total_seconds() == 120 * 60
    assert [e.kind for e in item.events][-2:] == ["reclassified", "routed"]


def test_keywords_and_patterns_match_the_body_too(app, teams):
    billing, mobile = teams
    project = create_project("shop", "Shop")
    rule("Refunds", billing, keyword="refund")
    rule("Crashes", mobile, pattern=r"crash(ed|es)?\b")
    assert routing.route(new_item(project, title="Help", body="Where is my REFUND?")).name == "Refunds"
    assert routing.route(new_item(project, title="Help", body="The app crashed twice")).name == "Crashes"
    assert routing.route(new_item(project, title="Help", body=None)) is None


def test_a_category_condition_must_hold_too(app, teams):
    billing, _ = teams
    project = create_project("shop", "Shop")
    rule("Billing questions", billing, category="question")
    assert routing.route(new_item(project, category="question")).name == "Billing questions"
    assert routing.route(new_item(project, category="bug")) is None
    assert routing.route(new_item(project, category="feature")) is None


def test_round_robin_skips_inactive_people_and_a_team_without_takers_assigns_nobody(app, teams):
    billing, _ = teams
    billing.memberships[1].user.active = False  # billing-agent-1
    rule("Billing", billing, Strategy.ROUND_ROBIN, keyword="invoice")
    managers_only = builders.Team(name="Managers", calendar={})
    managers_only.memberships = [builders.TeamMember(user=builders.person("boss@example.com"),
                                                     role=builders.TeamRole.MANAGER)]
    db.session.add(managers_only)
    db.session.flush()
    rule("The rest", managers_only, Strategy.ROUND_ROBIN)
    project = create_project("shop", "Shop")
    picks = [routing.route(item) and item.assignee.email
             for item in [new_item(project, title="invoice") for _ in range(4)]]
    assert picks == ["billing-agent-0@example.com", "billing-agent-2@example.com", "billing-lead@example.com",
                     "billing-agent-0@example.com"]
    nobody = new_item(project, title="Other")
    assert routing.route(nobody).name == "The rest" and (nobody.team, nobody.assignee) == (managers_only, None)
    assert nobody.events[-1].data["assignee"] is None
    batch = [new_item(project, title=title) for title in ("invoice", "Other", "invoice")]
    routing.route_batch(batch, routing.ordered_rules())
    assert [item.assignee.email if item.assignee else None for item in batch] == [
        "billing-agent-2@example.com", None, "billing-lead@example.com"]


def test_the_turn_is_read_from_the_table_not_the_sessions_copy(app, teams):
    """Another request took a turn after this one loaded the team: the next turn follows it."""
    billing, _ = teams
    rule("Billing", billing, Strategy.ROUND_ROBIN)
    project = create_project("shop", "Shop")
    routing.route(new_item(project))  # agent 0
    other_turn = update(Team).where(Team.id == billing.id).values(last_assigned_user_id=billing.memberships[1].user_id)
    if db.engine.dialect.name == "sqlite":  # one writer at a time: the other request's turn is in this transaction
        db.session.execute(other_turn, execution_options={"synchronize_session": False})
    else:  # on PostgreSQL turns are taken on a connection of their own, as the other request's was
        with db.engine.begin() as connection:
            connection.execute(other_turn)
    item = new_item(project)
    routing.route(item)
    assert item.assignee.email == "billing-agent-2@example.com"
    assert billing.last_assigned_user_id == item.assignee.id


def test_least_loaded_counts_an_empty_queue_as_zero_and_ties_go_to_the_lowest_id(app, teams):
    billing, _ = teams
    rule("Billing", billing, Strategy.LEAST_LOADED)
    project = create_project("shop", "Shop")
    people = routing.candidates(billing)
    for person in people[:1] + people[2:]:
        new_item(project, assignee=person)  # everybody but agent 1 has one open item
    item = new_item(project)
    routing.route(item)
    assert item.assignee == people[1] and item.events[-1].data["assignee"] == "billing-agent-1@example.com"
    second = new_item(project)
    routing.route(second)
    assert second.assignee == people[0]  # now all have one: the lowest id


def test_intake_sends_an_item_no_rule_matches_to_the_projects_default_team(app, teams, monkeypatch):
    from triage.services.triage import classify
    from triage.services.intake import Submission, submit_feedback

    billing, mobile = teams
    rule("Refunds", billing, Strategy.ROUND_ROBIN, keyword="refund")
    monkeypatch.setattr(classify, "classify_items", lambda items, **_: None)
    project = create_project("shop", "Shop", default_team=mobile)
    item = submit_feedback(project, Submission(kind=Kind.BUG, title="Dark mode", body="please"))
    refund = submit_feedback(project, Submission(kind=Kind.BUG, title="Help", body="My refund?"))
    db.session.commit()
    assert (item.team, item.assignee, refund.team) == (mobile, None, billing)
    routed = db.session.scalars(select(Event).where(Event.kind == "routed").order_by(Event.id)).all()
    assert [e.data for e in routed] == [
        {"rule_id": None, "rule": "project default team", "team": "Mobile", "assignee": None},
        {"rule_id": refund.events[-1].data["rule_id"], "rule": "Refunds", "team": "Billing",
         "assignee": "billing-agent-0@example.com"}]


def test_rule_conditions_are_trimmed_and_empty_ones_dropped(app, teams):
    saved = rule("Trimmed", teams[0], keyword="  refund ", tag="", pattern=None, kind="bug")
    assert saved.conditions == {"keyword": "refund", "kind": "bug"}


def test_a_rule_moved_down_from_the_end_stays_last(app, teams):
    first, second, third = (rule(n, teams[0]) for n in ("a", "b", "c"))
    routing.move_rule(third, +1)
    routing.move_rule(first, +1)
    assert [r.name for r in routing.ordered_rules()] == ["b", "a", "c"]
    routing.move_rule(first, +1)
    assert [r.name for r in routing.ordered_rules()] == ["b", "c", "a"]


def test_a_rule_added_after_a_reordering_comes_last(app, teams):
    first, second, third = (rule(n, teams[0]) for n in ("a", "b", "c"))
    routing.move_rule(third, -1)
    rule("d", teams[0])
    assert [r.name for r in routing.ordered_rules()] == ["a", "c", "b", "d"]


def test_a_batch_takes_turns_only_for_round_robin_rules(app, teams):
    """Items of a fixed rule or of the project's default team in the same batch take no turn."""
    billing, mobile = teams
    person = billing.memberships[2].user
    rule("VIP", billing, Strategy.FIXED, assignee=person, keyword="vip")
    rule("Billing", billing, Strategy.ROUND_ROBIN, kind="bug")
    project = create_project("shop", "Shop", default_team=mobile)
    batch = [new_item(project, title=title, kind=kind) for title, kind in
             (("vip", Kind.IDEA), ("bug", Kind.BUG), ("idea", Kind.IDEA), ("vip", Kind.IDEA), ("bug", Kind.BUG))]
    routing.route_batch(batch, routing.ordered_rules())
    assert [(item.team.name, item.assignee.email if item.assignee else None) for item in batch] == [
        ("Billing", "billing-agent-2@example.com"), ("Billing", "billing-agent-0@example.com"), ("Mobile", None),
        ("Billing", "billing-agent-2@example.com"), ("Billing", "billing-agent-1@example.com")]
    assert [item.events[-1].data["rule"] for item in batch] == [
        "VIP", "Billing", "project default team", "VIP", "Billing"]


def test_an_assignee_without_the_fixed_strategy_is_refused(app, teams):
    billing, _ = teams
    for strategy in (Strategy.NONE, Strategy.ROUND_ROBIN, Strategy.LEAST_LOADED):
        with pytest.raises(DomainError, match="Name an assignee only with the fixed strategy"):
            routing.validate_rule(name="R", conditions={}, team_id=billing.id, strategy=strategy,
                                  assignee_id=billing.memberships[0].user_id)


def test_inactive_rules_keep_their_place_and_move_too(app, teams):
    first, second, third = (rule(n, teams[0]) for n in ("a", "b", "c"))
    second.active = False
    routing.move_rule(third, -1)
    assert [r.name for r in routing.ordered_rules(active_only=False)] == ["a", "c", "b"]
    routing.move_rule(second, -1)
    assert [r.name for r in routing.ordered_rules(active_only=False)] == ["a", "b", "c"]
    assert [r.name for r in routing.ordered_rules()] == ["a", "c"]
