"""Text normalisation shared by training and prediction: strip issue-template boilerplate.

Issue trackers wrap reports in templates (HTML comments with instructions, `<details>`
blocks of system information, checklists, "_No response_" placeholders, long policy
paragraphs). Their words are the same in every report, so they only add noise and length;
removing them helps accuracy and keeps single-item prediction fast.
"""

from __future__ import annotations

import re

# Bodies longer than this are cut: the first paragraphs carry the intent, the rest is
# logs and traces that cost time and rarely change the decision.
MAX_BODY_CHARS = 3000
# Fenced code (stack traces, configs) is kept short: "there is a trace" is the signal.
MAX_CODE_CHARS = 160

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_DETAILS = re.compile(r"<details>.*?(?:</details>|$)", re.S | re.I)
_CODE = re.compile(r"```[^\n]*\n(.*?)(?:```|$)", re.S)
_CHECKLIST = re.compile(r"^\s*[-*]\s*\[[ xX]?\].*$", re.M)
_PLACEHOLDER = re.compile(r"_No response_|N/A\b", re.I)
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
_URL = re.compile(r"https?://\S+")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,80}>")
_HEADING = re.compile(r"^\s*#{1,6}\s*", re.M)
_SPACES = re.compile(r"[ \t\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _shorten_details(match: re.Match[str]) -> str:
    # VS Code's issue reporter attaches system info to bug reports: keep a short trace of it.
    return " details: " + _TAG.sub(" ", match.group(0))[:MAX_CODE_CHARS] + " "


def _shorten_code(match: re.Match[str]) -> str:
    return " code: " + match.group(1)[:MAX_CODE_CHARS] + " "


def clean_body(body: str) -> str:
    """Return the body without template boilerplate, URLs and long code, at most MAX_BODY_CHARS."""
    if not body:
        return ""
    # Each pattern runs only when a character it needs is in the text: most reports hold no
    # template, and a full themes run cleans 100,000 bodies.
    text = body
    for needed, pattern, replacement in _STEPS:
        if needed(text):
            text = pattern.sub(replacement, text)
    return text.strip()[:MAX_BODY_CHARS]


_STEPS = (
    (lambda t: "<!--" in t, _HTML_COMMENT, " "),
    (lambda t: "<" in t, _DETAILS, _shorten_details),
    (lambda t: "```" in t, _CODE, _shorten_code),
    (lambda t: "[" in t, _CHECKLIST, " "),
    (lambda t: "|" in t, _TABLE_ROW, " "),
    (lambda t: "![" in t, _IMAGE, " image "),
    (lambda t: "http" in t, _URL, " url "),
    (lambda t: "<" in t, _TAG, " "),
    (lambda t: "_" in t or "/" in t, _PLACEHOLDER, " "),
    (lambda t: "#" in t, _HEADING, ""),
    (lambda t: "  " in t or "\t" in t or "\xa0" in t, _SPACES, " "),
    (lambda t: "\n" in t, _BLANK_LINES, "\n\n"),
)


def clean_title(title: str) -> str:
    """Return the title with collapsed whitespace (titles carry no template boilerplate)."""
    return _SPACES.sub(" ", title or "").strip()


def join_text(title: str, body: str) -> str:
    """Return title and body joined the way every data file writes `text`."""
    if title and body:
        return f"{title}\n\n{body}"
    return title or body


def split_text(text: str) -> tuple[str, str]:
    """Split a `text` value into (title, body) at the first blank line; no blank line: all body."""
    head, sep, tail = (text or "").partition("\n\n")
    if not sep:
        return "", head
    return head, tail
