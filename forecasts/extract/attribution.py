"""Who said it: attribution patterns, speaker roles and pronoun resolution.

Patterns, in order: quoted speech (``"...," she said`` / ``"...," said Jane Doe``),
``according to X``, and ``X[, role,] said/predicted/expects/... that ...``. Pronouns
(he, she) resolve to the last named person; "it" and "the bank" style subjects to the last
named organization. A speaker is returned as named in the text, with its role if an
appositive or a title gives one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "Attribution",
    "SpeakerTracker",
    "find_attribution",
    "find_organizations",
    "find_people",
]

_VERB_FORMS = (
    "said says say told tells predicted predicts predict predicting forecast forecasts "
    "forecasted forecasting expects expected expect expecting estimated estimates estimate "
    "estimating warned warns warn warning projected projects project projecting believes "
    "believed believe thinks thought think argued argues wrote writes added adds noted notes "
    "note cautioned cautions suggested suggests claimed claims insisted insists stressed "
    "stresses acknowledged reckons reckoned reckon anticipates anticipated anticipate sees "
    "foresees foresaw explained explains observed maintained contended concluded bets "
    "bet guided guides gives give giving puts put putting rates"
).split()
PREDICTIVE = frozenset(
    w
    for w in _VERB_FORMS
    if w.startswith(("predict", "forecast", "expect", "estimat", "project", "anticipat"))
    or w in ("warned", "warns", "warn", "warning", "reckons", "reckoned", "reckon", "sees")
    or w in ("foresees", "foresaw", "bets", "bet", "guided", "guides")
    or w in ("gives", "give", "giving", "puts", "put", "putting", "rates")
)
_VERBS = "|".join(sorted(_VERB_FORMS, key=len, reverse=True))
_VERB = re.compile(rf"\bput\s+it\b|\bpointed\s+out\b|\b(?:{_VERBS})\b")
_QUOTE_CLOSE = "\"”’'"
_AFTER_QUOTE = re.compile(
    rf"(?<=[^\s])[{_QUOTE_CLOSE}]\s*[,.]?\s*(?:(?P<v1>{_VERBS})\s+(?P<s1>[^.;]+)|"
    rf"(?P<s2>[^,.;\"“”]+?)\s+(?:also\s+|later\s+)?(?P<v2>{_VERBS}))\b",
)
_ACCORDING = re.compile(r"\baccording\s+to\s+(?P<s>[^,.;:()]+)", re.IGNORECASE)
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}
_LEAD = re.compile(
    r"^(?:(?:but|and|yet|so|also|however|meanwhile|still|now|separately|instead|"
    r"the|a|an|while|as)\b[\s,]*)+",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:\s+(?:also|later|previously|recently|has|have|had|once|now|then|further|"
    r"separately|earlier|too|who|would|will|is|are|was|were|had\s+earlier|"
    r"repeatedly|openly|publicly))+$",
    re.IGNORECASE,
)
_TITLE_WORDS = frozenset(
    """chair chairman chairwoman president governor minister ceo cfo cto chief director
    secretary prime senator dr dr. professor prof prof. analyst economist strategist head
    executive founder co-founder lead manager coach commissioner spokesperson spokesman
    spokeswoman adviser advisor premier chancellor mayor researcher scientist fed vice
    deputy general treasurer chairperson""".split()
)
_ORG_WORDS = re.compile(
    r"\b(?:Bank|Agency|Fund|Organi[sz]ation|Office|Institute|Inc|Corp|Corporation|Group|"
    r"Ministry|Department|Commission|Council|Reserve|Association|University|Company|"
    r"Administration|Authority|Board|Committee|Service|Survey|Forum|Foundation|Laboratory|"
    r"Lab|Labs|Exchange|Partners|Capital|Securities|Research|Analytics|Motors|Airlines|"
    r"Federation|Union|Party|Panel|Summit|Conference|Centre|Center|Bureau|Treasury|"
    r"Parliament|Government|Agencies|Markets|Holdings|Technologies|Systems|Energy)\b|"
    r"^[A-Z]{2,6}$|^the\s+[A-Z]{2,6}$"
)
_GROUP_HEADS = re.compile(
    r"\b(?:analysts?|observers?|economists?|experts?|officials?|sources?|insiders?|"
    r"strategists?|executives?|researchers?|scientists?|forecasters?|pollsters?|"
    r"analysts|observers|economists|experts|investors|officials|researchers|"
    r"forecasters|strategists|executives|scientists|traders|pollsters|bookmakers|"
    r"participants|members|panel|panellists|panelists|respondents|people|critics|"
    r"commentators|insiders|sources|bookies|models|markets|polls|surveys|modell?ers|"
    r"bookmakers|officials|planners|staff|economists|supporters|fans|voters|traders)\b",
    re.IGNORECASE,
)
_DEFINITE_ORG = re.compile(
    r"^(?:the\s+)(?:[\w-]+\s+)?(bank|company|agency|fund|firm|group|institute|ministry|government|"
    r"central\s+bank|carmaker|automaker|airline|retailer|chipmaker|organization|organisation|"
    r"office|board|committee|department|commission|utility|insurer|lender|club|team|party)$",
    re.IGNORECASE,
)
_NAME_TOKEN = r"(?:[A-Z][\w'’.-]*|de|van|von|bin|al|da|di|le|la)"
_NAME = re.compile(rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN})*$")
_CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december".split()
)


@dataclass(frozen=True)
class Attribution:
    """A speaker found in a sentence, with the verb that attributes the statement."""

    speaker: str | None
    role: str | None
    verb: str
    verb_start: int
    verb_end: int
    predictive: bool
    kind: str = "person"  # person | organization | group | unknown


@dataclass
class SpeakerTracker:
    """The last named person and organization, for resolving pronouns across sentences."""

    last_person: tuple[str, str | None] | None = None
    last_org: tuple[str, str | None] | None = None
    last_group: tuple[str, str | None] | None = None
    roles: dict[str, str] = field(default_factory=dict)

    def note(self, name: str, role: str | None, kind: str) -> None:
        if role:
            self.roles.setdefault(name, role)
        entry = (name, role or self.roles.get(name))
        if kind == "person":
            self.last_person = entry
        elif kind == "organization":
            self.last_org = entry
        elif kind == "group":
            self.last_group = entry

    def known_person(self, name: str) -> bool:
        """Whether ``name`` is a person already named (a surname on second mention)."""
        return any(
            name == known or known.endswith(" " + name)
            for known in self.roles | ({self.last_person[0]: ""} if self.last_person else {})
        )

    def resolve(self, pronoun: str) -> tuple[str, str | None, str] | None:
        word = pronoun.lower()
        if word in ("he", "she", "i") and self.last_person:
            return (*self.last_person, "person")
        if word == "it" and self.last_org:
            return (*self.last_org, "organization")
        if word in ("they", "we"):
            for entry, kind in (
                (self.last_group, "group"),
                (self.last_org, "organization"),
                (self.last_person, "person"),
            ):
                if entry:
                    return (*entry, kind)
        return None


def _kind(name: str) -> str:
    if _ORG_WORDS.search(name):
        return "organization"
    if _GROUP_HEADS.search(name) or name[:1].islower():
        return "group"
    if len(name.split()) == 1 and (name.isupper() or re.search(r"[a-z][A-Z]", name)):
        return "organization"  # NASA, OpenAI, BloombergNEF
    return "person"


def _clean(phrase: str) -> str:
    phrase = " ".join(phrase.replace("\u00a0", " ").split()).strip(" ,;:—–-\"“”'")
    phrase = _TRAIL.sub("", phrase)
    return phrase.strip(" ,")


def _split_title(phrase: str) -> tuple[str, str | None]:
    """'Fed Chair Jerome Powell' -> ('Jerome Powell', 'Fed Chair')."""
    tokens = phrase.split()
    cut = 0
    for i, token in enumerate(tokens[:-1]):
        if token.lower().rstrip(".") in _TITLE_WORDS or token.lower() in _TITLE_WORDS:
            cut = i + 1
    if 0 < cut < len(tokens) and all(t[:1].isupper() for t in tokens[cut:]):
        return " ".join(tokens[cut:]), " ".join(tokens[:cut])
    return phrase, None


def _from_region(region: str) -> tuple[str | None, str | None]:
    """The subject of the attribution verb and its role, from the text before the verb."""
    region = region.rstrip()
    role = None
    if region.endswith((",", ")")) and "," in region[:-1]:
        # "Name, a role, said": the name is the capitalised run before the appositive.
        body = region.rstrip(",").rstrip()
        previous = 0
        for match in re.finditer(",", body):
            left = body[previous : match.start()].strip()
            previous = match.end()
            words = left.split()
            if not words or words[-1].lower().strip(".") in _CALENDAR_WORDS:
                continue
            name = _name_at_end(left)
            if name and _LEAD.sub("", left).strip() == name:
                role = _clean(body[match.end() :])
                return name, role or None
    for separator in (",", " that ", " but ", " and ", " while ", " as ", " when "):
        if separator in region:
            region = region.rsplit(separator, 1)[1]
    definite = re.sub(r"^(?:but|and|yet|so|however|meanwhile)\s+", "", _clean(region), flags=re.I)
    if _DEFINITE_ORG.match(definite):
        return definite[0].lower() + definite[1:], None
    subject = _clean(_LEAD.sub("", _clean(region)))
    if not subject or len(subject.split()) > 9:
        return None, None
    if subject.lower() in _PRONOUNS:
        return subject.lower(), None
    name, title = _split_title(subject)
    return name, title


def _name_at_end(text: str) -> str | None:
    text = _clean(text)
    match = _NAME.search(text)
    if not match:
        return None
    name = _LEAD.sub("", match.group(0)).strip()
    if not name or name.lower() in _CALENDAR_WORDS:
        return None
    words = name.split()
    # A sentence-initial single word ("Analysts") is a group, not a name: keep it only if it
    # is an organisation or a multiword name.
    if len(words) == 1 and not _ORG_WORDS.search(name) and text.strip() == name:
        return name if _GROUP_HEADS.search(name) is None else None
    return name


def _quoted(sentence: str) -> Attribution | None:
    for match in _AFTER_QUOTE.finditer(sentence):
        verb = match.group("v1") or match.group("v2")
        raw = match.group("s1") or match.group("s2") or ""
        start = match.start("v1") if match.group("v1") else match.start("v2")
        speaker, role = _speaker_and_role(raw)
        if speaker is None:
            continue
        kind = "unknown" if speaker in _PRONOUNS else _kind(speaker)
        return Attribution(speaker, role, verb, start, start + len(verb), verb in PREDICTIVE, kind)
    return None


def _speaker_and_role(raw: str) -> tuple[str | None, str | None]:
    raw = _clean(raw)
    if not raw or len(raw.split()) > 12:
        return None, None
    if raw.lower() in _PRONOUNS:
        return raw.lower(), None
    head, _, rest = raw.partition(",")
    name, title = _split_title(_clean(_LEAD.sub("", head)))
    role = _clean(rest) or title
    return (name or None), (role or None)


def find_attribution(sentence: str) -> Attribution | None:
    """The speaker and attribution verb of ``sentence``, pronouns not yet resolved.

    >>> a = find_attribution("Jane Doe, an economist at Acme Bank, said prices will rise.")
    >>> (a.speaker, a.role, a.verb)
    ('Jane Doe', 'an economist at Acme Bank', 'said')
    >>> find_attribution('"Prices will rise," he said.').speaker
    'he'
    """
    quoted = _quoted(sentence)
    if quoted is not None and sentence.lstrip()[:1] in "\"“'‘":
        return quoted
    according = _ACCORDING.search(sentence)
    for match in _VERB.finditer(sentence):
        verb = match.group(0)
        region = sentence[: match.start()]
        if verb in ("note", "estimate", "forecast", "project", "bet", "say", "think") and (
            re.search(r"\b(?:a|an|the|its|his|her|their|this|that)\s*$", region, re.IGNORECASE)
        ):
            continue  # a noun ("the forecast"), not a verb
        if re.search(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", region):
            continue  # passive ("is projected to"): the subject is not the speaker
        if verb.endswith("ing") and "," in region:
            # "X did this, giving them odds of ...": the speaker is the sentence's subject
            region = region.split(",", 1)[0]
            region = re.split(r"\s+(?:make|makes|made|have|has|had|is|are|was|were)\b", region)[0]
        speaker, role = _from_region(region)
        if speaker is None:
            continue
        if speaker.lower() in _PRONOUNS or _looks_like_speaker(speaker):
            return Attribution(
                speaker,
                role,
                verb,
                match.start(),
                match.end(),
                verb in PREDICTIVE,
                _kind(speaker) if speaker.lower() not in _PRONOUNS else "unknown",
            )
    if according is not None:
        speaker, role = _speaker_and_role(according.group("s"))
        if speaker:
            speaker = re.sub(r"^the\s+", "", speaker, flags=re.IGNORECASE)
            return Attribution(
                speaker,
                role,
                "according to",
                according.start(),
                according.start() + len("according to"),
                False,
                _kind(speaker),
            )
    return quoted


def _looks_like_speaker(phrase: str) -> bool:
    if _DEFINITE_ORG.match(phrase):
        return True
    if _GROUP_HEADS.search(phrase):
        return True
    words = phrase.split()
    capitals = [w for w in words if w[:1].isupper()]
    return bool(capitals) and len(capitals) >= max(1, len(words) // 2)


def resolve_definite(phrase: str, tracker: SpeakerTracker) -> str | None:
    """'the bank' -> the last named organisation (None when it is not such a phrase)."""
    if _DEFINITE_ORG.match(phrase) and tracker.last_org:
        return tracker.last_org[0]
    return None


_ORG_RUN = re.compile(r"\b(?:[A-Z][\w&.'’-]*\s+){0,4}[A-Z][\w&.'’-]*")


def find_organizations(sentence: str) -> list[str]:
    """Organisations named in ``sentence`` (capitalised runs with an organisation word, or
    CamelCase / all-caps names), in order, so "the bank" or "it" can refer back to them."""
    found = []
    for match in _ORG_RUN.finditer(sentence):
        name = _LEAD.sub("", match.group(0)).strip().removesuffix("’s").removesuffix("'s")
        if (
            name
            and name.split()[0].lower() not in _CALENDAR_WORDS
            and _kind(name) == "organization"
        ):
            found.append(name)
    return found


_PERSON_RUN = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2}\b")
_NOT_PERSON = re.compile(
    r"\b(?:City|Street|Valley|Cup|League|House|Senate|Kong|York|Angeles|Francisco|Union|"
    r"States|Kingdom|East|West|North|South|Sea|River|Island|Ocean|Games|Prize|Day|Week|"
    r"Square|Park|Road|Airport|Station|Coast|Gulf|Strait|Republic|Empire|Age|War)\b"
)


def find_people(sentence: str) -> list[str]:
    """Names of people in ``sentence`` (two or three capitalised words, no organisation or
    place word), so that "he" and "she" resolve to the last person named even when that
    sentence attributed nothing."""
    people = []
    for match in _PERSON_RUN.finditer(sentence):
        name = _LEAD.sub("", match.group(0)).strip()
        words = name.split()
        if len(words) < 2 or _kind(name) != "person" or _NOT_PERSON.search(name):
            continue
        if words[0].lower() in _CALENDAR_WORDS or words[0].lower() in _TITLE_WORDS:
            continue
        people.append(name)
    return people
