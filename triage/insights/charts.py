"""Charts (placeholder)."""
from triage.insights import bp


@bp.route("/charts")
def charts():
    return ""
