"""Signals a senior triager reads in a report: harm, scope, persistence, deadline, blocking, junk.

`find_signals(title, body)` returns the signals present, each with a readable label and the
words that showed it ("since this morning"). They serve three purposes:

- features: `signal_tokens` feeds the model one token per signal (`harm=data_loss`,
  `scope=everyone`), so how much each signal weighs is learned from the labelled corpus;
- rules: the default rules in ml/rules.py raise impact or urgency on them (each rule can
  be switched off by an admin);
- explanations: the item page says "access blocked · everyone · since this morning".

Negation: a harm or blocking match preceded in its clause by "no", "not", "never",
"nothing", "without" or a "n't" within NEGATION_WINDOW words ("no data was lost",
"nothing was charged twice", "it's not a security issue") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import MAX_BODY_CHARS

NEGATION_WINDOW = 4
_FLAGS = re.IGNORECASE
_NEGATOR = re.compile(r"\b(no|not|never|nothing|none|without|nobody\s+lost)\b|n't\b|n’t\b", _FLAGS)
# A question about a harm that may happen: "will my products get deleted?", "is my data safe
# if I switch?"; not a report phrased with a question mark ("I can see their invoices?").
_HYPOTHETICAL = re.compile(r"\b(if|will|would|could|might|may|whether|what happens)\b"
                           r"|^\W*(can|does|do|is|are|did|has|have|should)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[.;!?\n]|,\s*(but|and|though|however)\b|\bbut\b", _FLAGS)


@dataclass(frozen=True)
class SignalType:
    """One kind of signal: its token (`group=name`), how a person reads it, what shows it."""

    group: str  # harm, scope, persistence, deadline, blocking, cosmetic, junk
    name: str
    label: str
    pattern: re.Pattern[str]
    negatable: bool = True

    @property
    def token(self) -> str:
        """Return the feature token, e.g. "harm=data_loss"."""
        return f"{self.group}={self.name}"


@dataclass(frozen=True)
class Signal:
    """A signal found in one text, with the words that showed it."""

    type: SignalType
    words: str

    @property
    def token(self) -> str:
        return self.type.token

    @property
    def label(self) -> str:
        """Readable words for the item page: the type's label, or the matched phrase for
        persistence and deadlines ("since this morning")."""
        if self.type.group in ("persistence", "deadline"):
            return " ".join(self.words.lower().split())
        return self.type.label


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


_DATA = (r"(data|notes?|files?|photos?|pictures?|images?|videos?|recordings?|documents?|pages?|"
         r"records?|messages?|chats?|contacts?|orders?|invoices?|products?|listings?|items?|"
         r"tasks?|projects?|drafts?|posts?|comments?|entries|events?|appointments?|reports?|"
         r"playlists?|progress|saves?|save ?(games?|files?)|levels?|characters?|inventory|"
         r"history|work|database|backups?|everything|all of (it|them)|grades?|submissions?|"
         r"assignments?|account|spreadsheets?|sheets?)")
_LOSS = r"(deleted|erased|wiped|lost|disappeared|vanished|gone|overwr[io]tt?en|corrupt\w*|missing)"

SIGNAL_TYPES: tuple[SignalType, ...] = (
    SignalType("harm", "data_loss", "data loss", _p(
        rf"\b{_LOSS}\b[^.!?\n]{{0,40}}\b{_DATA}\b(?!\s+track)"
        rf"|\b{_DATA}\b(\s+[\w']+){{0,2}}?\s+(was |were |got |are |is |has been |have been |just |all )?"
        rf"{_LOSS}\b|\bdata loss\b|\bbackups? (are |is |have been |has been )?fail\w*"
        r"|\blost (all|everything)\b|\bcorrupt(ed|s)? \w+ files?\b|\bfile (is |was )?corrupt\w*"
        r"|\b(overwrote|overwrites|deletes|deleted|wiped|erased) (my|our|all|the|every)\b"
        r"|\b\w+s (were|are|got|get|have been|being) (deleted|erased|wiped|lost|corrupted|overwritten)\b"
        r"|\b\w+s deleted (before|after|without|by)\b")),
    SignalType("harm", "money", "money", _p(
        r"\b(charged|billed|debited|deducted|taken)\b[^.!?\n]{0,20}\b(twice|two times|double|"
        r"three times|again|wrong|extra|more than)|\bdouble[- ]?(charged?|billing|payment)\b"
        r"|\bcharged\b[^.!?\n]{0,30}\b(after|although|but|even though) (i )?(cancel\w*|unsubscrib\w*)"
        r"|\b(refund|payout|transfer|payment|money|deposit)s?\b[^.!?\n]{0,40}\b(never|not|still)\b[^.!?\n]{0,20}"
        r"\b(arrived|received|came|paid|showed up|credited|here|processed)|\bwrong (amount|total|price|currency)\b"
        r"|\bmissing (payout|payment|money|funds|refund)s?\b|\blost (my |our )?money\b"
        r"|\b(still )?waiting (for|on) (my |the |a )?(refund|payout|money)\b|\bmoney (is |was )?"
        r"(gone|taken|deducted|missing)\b|\b(took|takes|taking) (the |my )?money\b"
        r"|\b(cancel\w*|unsubscrib\w*) (\w+ ){0,2}(subscription|plan|membership|trial|renewal)\b[^.!?\n]{0,40}"
        r"\b(charged|billed|renewed|debited)\b|\b(renewed|charged|billed)\b[^.!?\n]{0,30}\b(although|after|even though|"
        r"but) (i )?(had )?(cancel\w*|unsubscrib\w*)"
        r"|\b(payouts?|refunds?|deposits?|transfers?)\b[^.!?\n]{0,30}\b(missing|never arrived|not arrived|lost|stuck)\b"
        r"|\boverbill\w*|\bovercharg\w*|\bunauthori[sz]ed (charge|payment|transaction)s?\b")),
    SignalType("harm", "security", "security or privacy", _p(
        r"\b(see|seeing|saw|shows?|showing|visible|access|view)\b[^.!?\n]{0,40}\b(other|another|"
        r"someone else'?s?|different|a stranger'?s?) (users?|customers?|compan(y|ies)|patients?|students?|"
        r"people|accounts?|players?|teams?|merchants?|stores?|person'?s?|famil(y|ies)|kids'?|children'?s?|"
        r"members'?|employees'?|colleagues'?|orgs?'?s?|organi[sz]ations?'?s?|tenants?'?s?|clients?'?s?|"
        r"learners'?|classmates'?)\b|\b(data|privacy) (leak|breach)\w*"
        r"|\bleak\w*\b[^.!?\n]{0,30}\b(data|emails?|passwords?|keys?|tokens?|personal)"
        r"|\b(account|accounts) (was |were |got |has been )?(hacked|taken over|compromised|hijacked)"
        r"|\blogged (me |us )?in(to)? (as )?(someone|somebody|a stranger|another|my \w+'?s|\w+'s) (account|profile)"
        r"|\b(someone|somebody|a stranger|another (user|person|customer|patient))'?s? (account|data|details|"
        r"orders|records|profile|address|card|messages)\b|\bafter (i )?log(ged)? ?out\b"
        r"|\bhacked\b|\bvulnerab\w*|\bxss\b|\bsql injection\b|\b(api key|password|token|secret)s? "
        r"(in|is in|are in|shown in|exposed|visible|leaked|in plain ?text)|\bexposed\b"
        r"|\bsecurity (hole|issue|bug|problem|flaw)\b|\bprivacy (issue|problem|violation)\b"
        r"|\b(someone|somebody) else'?s\b|\bother (users|customers|patients|students|schools|companies|"
        r"people|accounts|tenants|organi[sz]ations|families|players|members)'?s?\b"
        r"|\b(api keys?|passwords?|tokens?|secrets?|credentials)\b[^.!?\n]{0,30}\b(visible|exposed|shown|"
        r"leaked|in plain ?text|in the (url|page source|logs?))|\bsent to the wrong (customer|person|user|"
        r"recipient|patient|client|parent|student)s?\b")),
    SignalType("harm", "safety", "safety", _p(
        r"\b(wrong|incorrect|double|missed|doubled) (dose|dosage|medication|medicine|prescription|"
        r"insulin|refill)s?\b|\b(dose|dosage|dosing|medicine|medication|insulin|units)\b[^.!?\n]{0,90}"
        r"\b(wrong|incorrect|ten times|too (high|much)|instead of|should be|says \d|twice|3 times|"
        r"three times)|\ballerg\w*\b[^.!?\n]{0,40}\b(missing|not shown|wrong|gone|"
        r"disappeared)|\boverdose\b|\bemergency (contact|alert|call|sos)s?\b[^.!?\n]{0,40}\b(not|never|"
        r"fail\w*|broken)|\b(unsafe|dangerous|injur\w*|hurt (myself|someone))\b")),
    SignalType("harm", "legal", "legal or compliance", _p(
        r"\bgdpr\b|\bhipaa\b|\bcoppa\b|\bconsent\b[^.!?\n]{0,30}\b(not|never|ignored|missing)"
        r"|\b(deletion|erasure) request\b|\blegal (action|issue|problem)|\blawyer\b|\bcompliance (issue|violation|breach|problem)\b"
        r"|\btax (invoice|calculation|rate|id)\b[^.!?\n]{0,30}\bwrong|\bregulator\b")),
    SignalType("harm", "outage", "outage", _p(
        r"\boutage\b|\b(site|app|service|server|servers|api|dashboard|platform|website|production|"
        r"prod|game|store|checkout|system)s? (is |are |went |goes |has gone )?(completely |totally )?"
        r"(down|offline|unreachable|dead)\b|\bdown for (everyone|all|us)\b"
        r"|\b(5\d\d|503|502|500) (errors? )?(for|on) (every|all|everyone)\b|\bnothing (works|loads)\b"
        r"|\bnobody can\b|\bno one can\b|\bnone of (us|our \w+|the \w+) can\b|\btotal(ly)? broken\b")),
    SignalType("blocking", "blocked", "access blocked", _p(
        r"\b(can'?t|can ?not|cannot|unable to|not able to|couldn'?t|impossible to|won'?t let (me|us))"
        r"\s+(even\s+)?(log ?in|sign ?in|login|access|open|pay|check ?out|submit|use|start|load|join|"
        r"upload|send|place (an |my )?orders?|book|launch|play|get in(to)?|connect|deploy|work|enter|"
        r"finish|complete|reach|check in|clock in|see my|view my|print|ship|process)\b"
        r"|\blocked out\b|\bstuck (on|at) (the )?(login|loading|splash|payment)|\bblocks? (us|me|our)\b"
        r"|\bblocking (us|me|our|all|everyone)\b|\bblocker\b"
        r"|\bcrash\w* (on|at|right at|when i) (start\w*|launch\w*|open\w*)\b"), negatable=False),
    SignalType("scope", "everyone", "everyone", _p(
        r"\b(all|every) (of )?(our |the |my )?(users?|customers?|clients?|students?|players?|"
        r"patients?|staff|employees|merchants?|stores?|accounts?)\b|\beveryone\b|\beverybody\b"
        r"|\b(whole|entire) ([\w-]+ )?(team|company|school|org\w*|office|class|clinic|site|"
        r"department|staff|warehouse|store)\b|\bnobody\b|\bno one\b|\bproduction\b|\bprod\b"
        r"|\bcompany[- ]wide\b|\bfor all\b")),
    SignalType("scope", "many", "many people", _p(
        r"\b(\d{2,}|several|many|multiple|dozens of|hundreds of|thousands of|lots of|a lot of|"
        r"most of (our|my|the)) (users?|customers?|clients?|students?|players?|patients?|people|"
        r"employees|staff|members|merchants?|teachers?|orders?|accounts?)\b|\bour (team|users|customers|"
        r"students|clinic|staff)\b")),
    SignalType("persistence", "ongoing", "ongoing", _p(
        r"\bsince (this morning|yesterday|last night|\d{1,2}(:\d\d)? ?(am|pm)?|monday|tuesday|"
        r"wednesday|thursday|friday|saturday|sunday|the (last |latest )?(update|release|upgrade|"
        r"weekend|morning))\b|\bfor (the (last|past) )?(\d+|two|three|four|five|several|many) "
        r"(minutes|hours|days|weeks)\b|\bstill (happening|broken|down|failing|not)\b|\bright now\b"
        r"|\bevery (single )?(time|order|payment|transaction|login|request|day)\b|\bkeeps? (happening|"
        r"crashing|failing|charging)\b|\bongoing\b|\bcontinu\w+\b|\bgetting worse\b|\bagain and again\b"
        r"|\bfor (an|one|1) hour\b"), negatable=False),
    SignalType("deadline", "timebound", "deadline", _p(
        r"\b(by|before|until|due|starts?|begins?|closes?|expires?|ends?|runs?|opens?|is|are|at|"
        r"needed|need (it|this))\s+(today|tonight|tomorrow( morning)?|this (afternoon|evening|morning)|"
        r"in (an|one|\d+) (hours?|minutes)|(monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
        r"end of (the )?(day|week))\b|\bdeadline\b|\bpayroll\b|\b(exam|launch|go-live|demo|tournament|"
        r"class|lesson|appointment|flight|event|sale)\b[^.!?\n]{0,25}\b(today|tomorrow|tonight|in (an|one|"
        r"\d+) (hours?|minutes)|this (week|afternoon|morning|evening))"), negatable=False),
    SignalType("cosmetic", "cosmetic", "cosmetic", _p(
        r"\btypos?\b|\bspelling\b|\bmisspel\w*|\bmisaligned\b|\balignment\b|\b(wrong|odd|ugly) "
        r"(colou?r|font|icon|spacing)\b|\bcolou?r of\b|\bfont (size|is)\b|\bpadding\b|\bspacing\b"
        r"|\btruncated\b|\bcut off\b|\bcosmetic\b|\boverlap\w*\b|\bpixel\w*\b|\bgrammar\b"),
        negatable=False),
)

BY_TOKEN = {t.token: t for t in SIGNAL_TYPES}
ALL_TOKENS: tuple[str, ...] = (*BY_TOKEN, "junk=junk")
HARM = tuple(t.name for t in SIGNAL_TYPES if t.group == "harm")

# Junk: short texts that carry no meaning for a team.
_JUNK_WORDS = frozenset(
    "test testing tests tst hi hello hey hii hiii yo sup hola ok okay k kk lol lmao asdf qwerty "
    "foo bar baz xyz abc aaa abcd blah bla meh hmm hm idk nothing none null nan na n/a x xx xxx "
    "there dear morning evening afternoon sir madam team 1 12 123 1234 12345 one two three "
    "just a an the again xd nvm nope nah no comment comments n a".split())
# Words that carry no meaning alone: "this is a test" is junk, "this is broken" is not.
_FILLER = frozenset("this is it its a an the my me just only here from to for of good".split())
JUNK_WORDS_AT_MOST = 6
SPAM_WORDS = 150
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
# Sales cues of unsolicited ads; two different ones make a short text spam. Words that also
# name software (bitcoin, boost, crypto) are not cues on their own.
_SPAM = _p(r"\b(buy (cheap|now|real)|cheap (\w+ )?(pills|gold|hosting|prices?|followers)|\d+% off|only \$\d+|"
           r"for (only )?\$\d+|\$\d+ ?/ ?month|promo code|discount code|click (here|to)|make money|"
           r"work from home|guaranteed?( results)?|boost your|5[- ]star (google )?reviews|real followers|"
           r"followers for|visit our (web)?site|limited offer|best (\w+ )?prices?|no credit check|"
           r"congratulations|telegram|whatsapp us|top dollar|fast delivery|discreet|100% safe|"
           r"dear (sir|madam|store owner|student)|seo (agency|experts?|services?)|first page of google|"
           r"page 1 of google|without prescription|essay writing|get \d+ months? free)")
_PLACEHOLDER = _p(r"\blorem ipsum\b|\bthe quick brown fox\b")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_VOWELS = set("aeiouy")


def _mash(word: str) -> bool:
    """Return whether a word looks like keyboard mash: one or two letters repeated, a run of
    neighbouring keys, or five consonants with no vowel."""
    w = word.lower()
    if len(w) < 4:
        return False
    if len(w) >= 5 and len(set(w)) <= 2:
        return True
    if any(w in row or w in row[::-1] for row in _KEY_ROWS):
        return True
    if len(w) >= 5 and w.isalpha() and not (_VOWELS & set(w)):
        return True
    neighbours = sum(_keyboard_adjacent(a, b) for a, b in zip(w, w[1:]))
    return len(w) >= 6 and neighbours >= len(w) - 2


def _keyboard_adjacent(a: str, b: str) -> bool:
    for row in _KEY_ROWS:
        i, j = row.find(a), row.find(b)
        if i >= 0 and j >= 0 and abs(i - j) <= 2:
            return True
    return False


def is_junk(title: str, body: str) -> str | None:
    """Return why a text is junk ("keyboard mash", "test", "greeting", "no words", "spam",
    "placeholder"), or None. Only short texts (JUNK_WORDS_AT_MOST words) can be mash, tests
    or greetings; spam needs two different sales cues in at most SPAM_WORDS words."""
    text = f"{title or ''} {body or ''}".strip()
    words = _WORD.findall(text)
    if not words:
        return "no words"
    cues = {m.group(0).lower() for m in _SPAM.finditer(text)}
    if len(cues) >= 2 and len(words) <= SPAM_WORDS:
        return "spam"
    if _PLACEHOLDER.search(text) and len(words) <= 12:
        return "placeholder"
    if len(words) > JUNK_WORDS_AT_MOST:
        return None
    lower = [re.sub(r"(.)\1{2,}", r"\1", w.lower()) for w in words]  # "hellooo" -> "hello"
    raw = [w.lower() for w in words]
    if _mash("".join(w for w in raw if not w.isdigit())) or all(
            _mash(w) or (w.isdigit() and len(w) <= 6) for w in raw):
        return "keyboard mash"
    if all(w in _JUNK_WORDS or w in _FILLER or w.isdigit() or _mash(w) for w in lower) and any(
            w in _JUNK_WORDS or _mash(w) for w in lower):
        return "test" if any(w.startswith("test") or w == "tst" for w in lower) else "greeting"
    return None


def _negated(text: str, start: int, end: int) -> bool:
    """Return whether the match at `start`-`end` is negated within its clause, or only asked
    about ("will my products get deleted?", "is my data safe if ...?")."""
    before = text[max(0, start - 80):start]
    parts = _CLAUSE_BREAK.split(before)
    clause = parts[-1] if parts else before
    words = clause.split()[-NEGATION_WINDOW:]
    if _NEGATOR.search(" ".join(words)):
        return True
    sentence_end = re.search(r"[.!?\n]", text[end:])
    if sentence_end and sentence_end.group(0) == "?":
        sentence = re.split(r"[.!?\n]", text[:start])[-1]
        return bool(_HYPOTHETICAL.search(sentence.strip()))
    return False


def find_signals(title: str | None, body: str | None) -> list[Signal]:
    """Return the signals present in a report, in SIGNAL_TYPES order, junk last."""
    # The first MAX_BODY_CHARS carry the report, as for the model; the rest is logs and traces.
    text = f"{title or ''}\n{(body or '')[:MAX_BODY_CHARS]}"
    found = []
    for kind in SIGNAL_TYPES:
        for match in kind.pattern.finditer(text):
            if kind.negatable and _negated(text, match.start(), match.end()):
                continue
            found.append(Signal(kind, match.group(0)))
            break
    junk = is_junk(title or "", body or "")
    if junk:
        found.append(Signal(JUNK, junk))
    return found


JUNK = SignalType("junk", "junk", "junk", _p(r"(?!)"), negatable=False)


def signal_tokens(title: str | None, body: str | None) -> str:
    """Return the space-separated signal tokens of a report, for the model's signal block."""
    return " ".join(s.token for s in find_signals(title, body))
