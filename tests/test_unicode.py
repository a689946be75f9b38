"""Text that is not Unicode (a lone UTF-16 surrogate escape) is refused where JSON is read,
and no page fails on such text stored before the check."""
import pytest

from tests.widget_support import ORIGIN, app, assert_error, item_count, project, send  # noqa: F401
from triage.errors import encodable
from triage.extensions import db
from triage.models import Feedback

LONE = "lone \ud800 surrogate"


@pytest.mark.parametrize("field", ["message", "title", "form_token", "email"])
def test_a_lone_surrogate_in_the_feedback_json_is_a_400_and_nothing_is_stored(client, project, field):
    response = send(client, project, **{field: LONE})
    assert_error(response, 400)
    assert item_count() == 0


def test_a_lone_surrogate_inside_context_or_as_a_key_is_refused_too(client, project):
    assert_error(send(client, project, context={"metadata": {"plan": LONE}}), 400)
    assert_error(send(client, project, context={LONE: "x"}), 400)
    assert item_count() == 0


def test_a_surrogate_pair_is_ordinary_text(client, project):
    response = send(client, project, message="works with emoji \U0001F600")
    assert response.status_code == 201
    assert db.session.get(Feedback, response.json["id"]).title.endswith("\U0001F600")


def test_a_lone_surrogate_in_the_survey_user_parameter_is_a_400(client, project):
    response = client.get("/api/v1/surveys/next", query_string={"key": project.public_key,
                                                                 "user": '{"id": "\\ud800"}'},
                          headers={"Origin": ORIGIN})
    assert 400 <= response.status_code < 500


def test_pages_show_context_stored_before_the_check(client, project, auth, agent):
    response = send(client, project)
    item = db.session.get(Feedback, response.json["id"])
    item.context = {**item.context, "metadata": {"plan": LONE}}  # JSON stores the escape
    db.session.commit()
    auth.login(agent)
    page = client.get(f"/board/items/{item.id}")
    assert page.status_code == 200 and "lone" in page.get_data(as_text=True)
    assert client.get(f"/status/{item.status_token}").status_code == 200


def test_encodable_walks_nested_values():
    assert encodable({"a": [1, "ok", {"b": "\U0001F600"}]})
    assert not encodable({"a": [1, {"b": LONE}]}) and not encodable({LONE: 1})
