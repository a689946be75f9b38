"""The widget API's rules, called directly: origins, form tokens, identities, context."""
import pytest

from triage.api.schemas import feedback as feedback_schema
from triage.services import DomainError
from triage.services.intake import antispam, widget

SECRET = "s3cret"


@pytest.mark.parametrize("text, expected", [
    ("https://App.Example.com/", "https://app.example.com"),
    ("https://example.com:443", "https://example.com"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("https://*.example.com", "https://*.example.com"),
    ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
    ("https://example.com/path", None), ("ftp://example.com", None), ("https://*.com", None),
    ("https://user@example.com", None), ("https://example.com:99999", None), ("null", None),
    ("https://a.*.example.com", None), ("example.com", None),
])
def test_origins_are_normalised_or_refused(text, expected):
    assert widget.normalise_origin(text) == expected


def test_origin_list_is_read_line_by_line_and_names_the_bad_line():
    assert widget.parse_origins("https://a.example\n\n  https://a.example/ \nhttp://localhost:3000") == [
        "https://a.example", "http://localhost:3000"]
    with pytest.raises(DomainError, match="'https://x.example/admin' is not an origin"):
        widget.parse_origins("https://ok.example\nhttps://x.example/admin")


def test_wildcard_matches_subdomains_with_the_same_scheme_and_port_only():
    allowed = ["https://*.example.com", "http://localhost:8080"]
    assert widget.origin_allowed(allowed, "https://app.example.com")
    assert widget.origin_allowed(allowed, "https://a.b.example.com")
    assert widget.origin_allowed(allowed, "https://APP.example.com:443")
    for origin in ("https://example.com", "http://app.example.com", "https://app.example.com:8443",
                   "https://app.example.com.evil.test", "https://evilexample.com", "http://localhost:8081",
                   "https://*.example.com", None, ""):
        assert not widget.origin_allowed(allowed, origin), origin


def test_form_token_reasons():
    token = antispam.issue_form_token("pk_a", SECRET, now=1000.0)

    def reasons(tok=token, honeypot="", key="pk_a", now=1010.0, secret=SECRET):
        return antispam.spam_reasons(tok, honeypot, key, secret, max_age=3600, min_fill=2, now=now)

    assert reasons() == []
    assert reasons(now=1001.5) == ["too_fast"]
    assert reasons(now=1000.0 + 3601) == ["expired_token"]
    assert reasons(now=900.0) == ["invalid_token"]  # issued in the future
    assert reasons(key="pk_b") == ["invalid_token"]
    assert reasons(secret="other") == ["invalid_token"]
    assert reasons(tok=token[:-2] + "xx") == ["invalid_token"]
    assert reasons(tok=None, honeypot="http://spam") == ["honeypot", "missing_token"]


def test_identity_signature_is_hmac_of_canonical_json():
    user = {"name": "Zoë", "id": 7}
    signature = widget.sign_identity(user, SECRET)
    assert widget.canonical_json(user) == '{"id":7,"name":"Zoë"}'.encode()
    assert widget.identity_verified({"id": 7, "name": "Zoë"}, signature.upper(), SECRET)
    assert not widget.identity_verified({**user, "id": 8}, signature, SECRET)
    assert not widget.identity_verified(user, signature, "other secret")
    assert not widget.identity_verified(user, None, SECRET)


def test_derived_title_is_the_first_line_cut_at_a_word():
    assert feedback_schema.derive_title("", "Short one") == ("Short one", "")
    assert feedback_schema.derive_title("", "Line one\nline two") == ("Line one", "Line one\nline two")
    title, body = feedback_schema.derive_title("", "word " * 60)
    assert len(title) <= feedback_schema.DERIVED_TITLE + 1 and title.endswith("word…") and body
    assert feedback_schema.derive_title("Given", "text") == ("Given", "text")


def test_context_is_bounded():
    context = feedback_schema.clean_context({"page_url": "x" * 5000, "metadata": {f"k{i}": i for i in range(50)},
                                    "viewport": {"w": 1}}, "UA/1.0")
    assert len(context["page_url"]) == 2000 and len(context["metadata"]) == feedback_schema.MAX_META_KEYS
    assert context["user_agent"] == "UA/1.0" and context["viewport"] == '{"w": 1}'
    assert "js_errors" not in context
    errors: dict[str, str] = {}  # a wrong shape never reaches clean_context: the schema refuses it
    feedback_schema.context_errors({"js_errors": "not a list"}, errors)
    assert errors == {"context.js_errors": "A list of error objects."}
