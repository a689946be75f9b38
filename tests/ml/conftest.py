"""Fixtures for ml/ tests: small hand-written feedback, never the shared data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ml import TriageModel

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

# (title, body, category, impact, urgency, tags)
ROWS = [
    ("App crashes on startup", "It crashed right after the splash screen, error 500.", "bug", "high", "high", ""),
    ("Crash when saving a file", "The editor crashes with an exception every time I save.", "bug", "high", "medium", ""),
    ("Login button broken", "Clicking login does nothing, the page is broken.", "bug", "high", "high", ""),
    ("Error when uploading photos", "Upload fails with an error message and the photo is lost.", "bug", "medium", "medium", ""),
    ("Export to PDF is broken", "The exported PDF is empty, export doesn't work.", "bug", "medium", "medium", ""),
    ("Sync fails with timeout error", "Sync stops with a timeout error after a minute.", "bug", "medium", "high", ""),
    ("Typo on settings page", "There is a typo in the settings label, it says Setings.", "bug", "low", "low", ""),
    ("Wrong color of the save button", "The save button is red instead of blue, minor glitch.", "bug", "low", "low", ""),
    ("Search results are broken", "Search returns an error for any query with quotes.", "bug", "medium", "medium", ""),
    ("App is very slow to load", "Loading the dashboard takes a minute, very slow and laggy.", "bug", "medium", "medium", "performance"),
    ("Scrolling lags badly", "Scrolling the list is slow and stutters, performance is poor.", "bug", "medium", "low", "performance"),
    ("Drains my battery", "The app drains the battery in two hours even in background.", "bug", "medium", "medium", "energy"),
    ("Please add dark mode", "It would be nice to have a dark theme for night use.", "feature", "low", "low", ""),
    ("Feature request: export to CSV", "Please add an option to export reports as CSV.", "feature", "medium", "low", ""),
    ("Would be great to have offline mode", "It would be great if the app worked offline.", "feature", "medium", "low", ""),
    ("Add support for multiple accounts", "Please add support for switching between accounts.", "feature", "medium", "medium", ""),
    ("Allow custom keyboard shortcuts", "Would be nice to define my own keyboard shortcuts.", "feature", "low", "low", ""),
    ("Add a calendar view", "Feature request: a calendar view for due dates please.", "feature", "medium", "low", ""),
    ("Support two factor login", "Please add two factor authentication for security.", "feature", "high", "medium", "security"),
    ("Bigger buttons please", "It would be nice to have bigger buttons, hard to tap.", "feature", "low", "low", "usability"),
    ("Add a widget for the home screen", "Would be great to see tasks in a home screen widget.", "feature", "low", "low", ""),
    ("Integrate with Slack", "Please add a Slack integration to post updates.", "feature", "medium", "low", ""),
    ("How do I reset my password?", "I forgot my password, how do I reset it?", "question", "low", "medium", ""),
    ("How to change the language?", "Is there a way to switch the app language?", "question", "low", "low", ""),
    ("Is there a way to share a board?", "How can I share a board with my team?", "question", "low", "low", ""),
    ("How do I delete my account?", "Where is the option to delete my account?", "question", "low", "low", ""),
    ("Can I use it on two phones?", "Is it possible to install on two devices at once?", "question", "low", "low", ""),
    ("How to import contacts?", "How do I import my contacts from a file?", "question", "low", "low", ""),
    ("What does the sync icon mean?", "What does the orange icon next to sync mean?", "question", "low", "low", ""),
    ("How do I cancel my subscription?", "How can I cancel before the trial ends?", "question", "low", "medium", ""),
    ("Where are backups stored?", "Is there a way to see where backups are kept?", "question", "low", "low", ""),
    ("How to print a report?", "How do I print the monthly report?", "question", "low", "low", ""),
    ("Love this app", "Thank you, great app, I use it every day!", "other", "low", "low", ""),
    ("Great work", "Thanks to the team, love the new design.", "other", "low", "low", ""),
    ("Five stars", "Awesome app, thank you so much.", "other", "low", "low", ""),
    ("Best planner ever", "I love it, keep up the great work.", "other", "low", "low", ""),
    ("Very happy", "Thanks, this app made my life easier.", "other", "low", "low", ""),
    ("Nice", "Good app, love the colors.", "other", "low", "low", ""),
    ("Thank you", "Thank you for the quick support, great service.", "other", "low", "low", ""),
    ("Hard to find the menu", "The menu is hidden and confusing, hard to navigate.", "other", "low", "low", "usability"),
    ("Confusing layout", "The layout is confusing and hard to use.", "other", "low", "low", "usability"),
    ("Uses too much battery", "Heavy battery usage, phone gets warm.", "other", "low", "low", "energy"),
    ("Battery drain at night", "Overnight the battery went from full to half.", "other", "low", "low", "energy"),
    ("Password shown in plain text", "My password is visible on screen, a security risk.", "other", "high", "high", "security"),
    ("Suspicious permissions", "Why does it need my contacts? Privacy and security concern.", "other", "medium", "medium", "security"),
    ("Slow and laggy", "Everything is slow since the update.", "other", "medium", "low", "performance"),
]


def frame(rows: list[tuple] = ROWS) -> pd.DataFrame:
    """Return rows in the training frame layout (text, title, body, labels)."""
    df = pd.DataFrame(rows, columns=["title", "body", "category", "impact", "urgency", "tags"])
    df["text"] = df["title"] + "\n\n" + df["body"]
    return df


@pytest.fixture
def small_frame() -> pd.DataFrame:
    """The hand-written rows as a fresh training frame."""
    return frame()


@pytest.fixture(scope="session")
def small_model() -> TriageModel:
    """A model trained once on the hand-written rows."""
    return TriageModel.fit(frame())


@pytest.fixture
def shared_data() -> Path:
    """The shared data folder, or skip when this checkout has none beside it."""
    if not (SHARED_DATA / "nlbse24_train.csv").is_file():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
