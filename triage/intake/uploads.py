"""Screenshots on the hosted form, checked and stored exactly as the widget's upload is
(services.intake.attachments, the same UPLOAD_MAX_* settings)."""
from __future__ import annotations

from flask import current_app, request

from triage.extensions import db
from triage.intake import bp
from triage.models import Feedback
from triage.services.intake import attachments

FORM_OVERHEAD = 256 * 1024  # the text fields around the files


@bp.url_value_preprocessor
def allow_screenshots(endpoint: str | None, values: dict | None) -> None:
    """Let the hosted form's request carry its screenshots. This runs before the app's
    before_request hooks, where CSRF protection reads (and so size-checks) the form."""
    if endpoint == "intake.feedback_form" and request.method == "POST":
        config = current_app.config
        request.max_content_length = config["UPLOAD_MAX_BYTES"] * config["UPLOAD_MAX_PER_ITEM"] + FORM_OVERHEAD


def attach_screenshots(item: Feedback, form) -> bool:
    """Store the form's screenshots on the new item (flushes). On a refusal (type, size,
    pixels, count) remove the files stored so far, roll the whole submission back, put the
    reason on the form's screenshot field and return False."""
    config, folder = current_app.config, attachments.upload_folder()
    try:
        for upload in form.files():
            attachments.add_screenshot(
                item, upload.read(), upload.filename or "", folder,
                max_bytes=config["UPLOAD_MAX_BYTES"], max_pixels=config["UPLOAD_MAX_PIXELS"],
                max_per_item=config["UPLOAD_MAX_PER_ITEM"])
    except attachments.UnacceptableImage as error:
        attachments.remove_files(item, folder)
        db.session.rollback()
        form.screenshots.errors = [*form.screenshots.errors, str(error)]
        return False
    return True
