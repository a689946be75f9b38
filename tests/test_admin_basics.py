"""Admin basics: teams are reached from the admin index, routing rules speak the classifier's
vocabulary, and the user form accepts the addresses the demo's own accounts have."""
from sqlalchemy import select

from tests import builders
from tests.conftest import PASSWORD, csrf_from
from triage.extensions import db
from triage.models import RoutingRule, User


def post_form(client, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, path)})


def test_the_admin_index_links_each_team_to_its_page(client, auth, admin):
    team = builders.team_with_roles()
    auth.login(admin)
    assert f'href="/admin/teams/{team.id}"' in client.get("/admin/").get_data(as_text=True)


def test_a_rule_on_an_unknown_category_is_a_form_error(client, auth, admin):
    from triage.services import DomainError
    from triage.services.triage import routing

    team = builders.team_with_roles()
    auth.login(admin)
    response = post_form(client, "/admin/routing/new", name="Bugz", team=str(team.id), strategy="none",
                         category="bugz", active="y")
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    try:
        routing.clean_conditions({"category": "bugz"})
    except DomainError as error:
        assert "'bugz' is not a valid category" in str(error)
    else:
        raise AssertionError("bugz was accepted")
    assert routing.clean_conditions({"category": "bug"}) == {"category": "bug"}
    assert db.session.scalars(select(RoutingRule)).all() == []


def test_the_user_form_takes_the_demo_domain_and_refuses_what_is_no_address(client, auth, admin):
    auth.login(admin)
    response = post_form(client, "/admin/users/new", email="kim@demo.test", name="Kim", role="agent", team="",
                         active="y", password=PASSWORD)
    assert response.status_code == 302
    assert db.session.scalars(select(User.email).where(User.email == "kim@demo.test")).one()
    for bad in ("kim", "kim@", "kim@localhost", "two words@demo.test"):
        response = post_form(client, "/admin/users/new", email=bad, role="agent", team="", active="y",
                             password=PASSWORD)
        assert response.status_code == 422 and "Not a valid email address" in response.get_data(as_text=True), bad
