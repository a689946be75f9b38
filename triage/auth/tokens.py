"""Personal API tokens: any signed-in staff member makes and revokes their own."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from triage.auth import bp
from triage.auth.forms import TokenForm
from triage.extensions import db
from triage.services.accounts import tokens
from triage.web import NO_STORE, commit_form


def render_tokens(form: TokenForm, status: int = 200, new_value: str | None = None):
    return render_template("auth/tokens.html", form=form, revoke_form=FlaskForm(), new_value=new_value,
                           tokens=tokens.user_tokens(current_user)), status


@bp.route("/tokens")
@login_required
def api_tokens():
    return render_tokens(TokenForm())


@bp.route("/tokens", methods=["POST"])
@login_required
def create_api_token():
    form = TokenForm()

    def created(made):
        # Rendered, not redirected: the value must never pass through the (readable) session cookie.
        page, _ = render_tokens(TokenForm(formdata=None), new_value=made[1])
        return page, 201, NO_STORE
    return commit_form(form, form.name, lambda: tokens.create_token(current_user, form.name.data), created,
                       lambda: render_tokens(form, 422))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    if FlaskForm().validate_on_submit():
        token = tokens.revoke_token(current_user, token_id)
        db.session.commit()
        flash(f"Token {token.name!r} revoked: it no longer opens the API.", "success")
    return redirect(url_for("auth.api_tokens"))
