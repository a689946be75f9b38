"""axe-core (vendored from the npm registry, see vendor/axe-core/README.md) run in Chromium
over the main pages of each role, on the demo data: no serious or critical violations.

axe is injected with Playwright's add_script_tag, an inline script, so these pages are opened
with the CSP bypassed; the app's own pages load no inline script."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM, serve, sign_in
from triage.extensions import db
from triage.models import Feedback, SurveyKind, Team
from triage.services import demo
from triage.services.insights import themes
from triage.services.intake import surveys

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)}));
}"""


@pytest.fixture
def axe_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def violations(page, url: str) -> list[str]:
    """The serious and critical axe violations on the page at `url`, one line each."""
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: {response and response.status}"
    return run_axe(page, url)


def run_axe(page, label: str) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    return [f"{label}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in found
            if v["impact"] in BLOCKING]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium")
def test_main_pages_of_each_role_have_no_serious_violations(axe_page, make_app, tmp_path):
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context(), serve(app) as url:
        passwords = {email: password for _, email, password in demo.seed(30)}
        survey = surveys.create_survey(demo_project(), SurveyKind.NPS, "")
        db.session.commit()
        item = db.session.scalars(select(Feedback).order_by(Feedback.id)).first()
        team = db.session.scalars(select(Team)).first()
        pages = {
            None: [f"/status/{item.status_token}", "/auth/login"],
            "agent@demo.test": ["/board/", f"/board/items/{item.id}", "/board/kanban", "/board/review"],
            "pm@demo.test": ["/insights/themes", *[f"/insights/themes/{t.id}" for t in themes.all_themes()[:1]]],
            "admin@demo.test": ["/admin/", f"/admin/projects/{item.project_id}", "/admin/projects/new", "/admin/users/new",
                                f"/admin/teams/{team.id}", "/admin/routing", "/admin/sla", "/admin/webhooks",
                                "/admin/outbox", "/admin/surveys", f"/admin/surveys/{survey.id}",
                                "/admin/models", "/admin/keyword-rules", "/admin/quarantine"],
        }
        found = states_after_actions(axe_page, url, survey.token)
        for who, paths in pages.items():
            if who:
                sign_in(axe_page, url, who, passwords[who])
            found += [line for path in paths for line in violations(axe_page, url + path)]
        assert found == [], "\n".join(found)


def states_after_actions(page, url: str, survey_token: str) -> list[str]:
    """Pages as they look after the visitor acted: the form refused, a survey answered."""
    found = violations(page, f"{url}/p/demo")
    page.get_by_role("button", name="Send").click()  # no summary: the form comes back with errors
    page.wait_for_selector(".invalid-feedback")
    found += run_axe(page, "/p/demo (errors)")
    found += violations(page, f"{url}/s/{survey_token}")
    page.locator('label[for="score-9"]').click()
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("text=Thank you")
    found += run_axe(page, "/s/ (thanks)")
    found += violations(page, f"{url}/s/{survey_token}")  # already answered
    return found


def demo_project():
    from triage.services.intake import project_by_slug

    return project_by_slug("demo")
