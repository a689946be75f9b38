"""Admin pages for the classifier: model versions (compare, roll back), the default rules
(switched on and off one by one) and the admins' keyword rules."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from triage.admin import bp
from triage.admin.forms import KeywordRuleForm
from triage.extensions import db
from triage.models import JobKind, ModelVersion
from triage.services import DomainError, get, jobs
from triage.services.triage import rules, training


@bp.route("/models")
def models():
    versions = training.model_versions()
    compare = [v for v in versions if str(v.id) in request.args.getlist("compare")][:2]
    shown = compare or [v for v in versions if v.active][:1]
    return render_template("admin/models.html", versions=versions, shown=shown, form=FlaskForm(),
                           job=jobs.latest(JobKind.RETRAIN))


@bp.route("/models/retrain", methods=["POST"])
def retrain_model():
    if FlaskForm().validate_on_submit():
        job = jobs.enqueue(JobKind.RETRAIN, None, current_user)
        db.session.commit()
        flash(f"Retraining queued (job {job.id}); this page shows its progress.", "success")
    return redirect(url_for("admin.models"))


@bp.route("/models/<int:version_id>/activate", methods=["POST"])
def activate_model(version_id: int):
    version = get(ModelVersion, version_id)
    if FlaskForm().validate_on_submit():
        training.activate(version)
        db.session.commit()
        flash(f"Model {version.version} is now active.", "success")
    return redirect(url_for("admin.models"))


@bp.route("/keyword-rules", methods=["GET", "POST"])
def keyword_rules():
    form = KeywordRuleForm()
    if form.validate_on_submit():
        try:
            rules.add_rule(form.pattern.data, form.category.data or None, form.impact.data or None,
                           form.urgency.data or None)
            db.session.commit()
            flash("Rule added.", "success")
            return redirect(url_for("admin.keyword_rules"))
        except DomainError as error:
            form.pattern.errors.append(str(error))
    return render_template("admin/keyword_rules.html", form=form, rules=rules.stored_rules(),
                           defaults=rules.defaults(), action_form=FlaskForm()), 422 if form.errors else 200


@bp.route("/keyword-rules/<int:rule_id>/delete", methods=["POST"])
def delete_keyword_rule(rule_id: int):
    if FlaskForm().validate_on_submit():
        rules.delete_rule(rule_id)
        db.session.commit()
        flash("Rule deleted.", "success")
    return redirect(url_for("admin.keyword_rules"))


@bp.route("/keyword-rules/defaults/<name>", methods=["POST"])
def switch_default_rule(name: str):
    if FlaskForm().validate_on_submit():
        enabled = request.form.get("enabled") == "1"
        rules.set_default(name, enabled, current_user)
        db.session.commit()
        flash(f"Default rule {name} is {'on' if enabled else 'off'}.", "success")
    return redirect(url_for("admin.keyword_rules"))
