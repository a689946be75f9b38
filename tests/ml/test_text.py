from ml.features import context_tokens, item_frame
from ml.text import MAX_BODY_CHARS, clean_body


def test_boilerplate_is_stripped_from_issue_templates():
    body = ("<!-- Please fill in the template below -->\n### Repro steps\n\n1. open it\n\n"
            "- [ ] I searched existing issues\n- [x] I agree to the code of conduct\n\n"
            "### Additional context\n\n_No response_\n\nSee https://example.com/issue/1")
    text = clean_body(body)
    for gone in ("Please fill in", "###", "[ ]", "searched existing", "_No response_", "https://"):
        assert gone not in text
    assert "Repro steps" in text and "open it" in text


def test_long_bodies_and_code_are_cut():
    body = "```\n" + "trace line\n" * 500 + "```\n" + "words " * 2000
    text = clean_body(body)
    assert len(text) <= MAX_BODY_CHARS and text.count("trace line") < 20


def test_context_becomes_bucketed_tokens():
    tokens = context_tokens({"severity": "High ", "votes": 7, "star_rating": 4.0,
                             "channel": None, "survey_score": "not a number"}).split()
    assert {"votes=5+", "star_rating=4"} <= set(tokens)
    assert not any(t.startswith("severity=") for t in tokens)  # a bounded rule, never a feature
    assert not any(t.startswith(("channel=", "survey_score=")) for t in tokens)


def test_items_without_title_use_their_first_line_as_title():
    frame = item_frame([{"title": "", "body": "Battery drain\nafter update"}])
    assert frame.loc[0, "title"] == "Battery drain"
