"""Keep and block rules: which articles a feed may bring in. Pure functions, no database.

A rule (articles.models.FilterRule) looks at the title, the text, the URL or any of them, for
- words: any of them, as whole words, capitals and accents aside ("Formule 1", "wielrennen");
- a pattern: a Python regular expression (the `regex` package), capitals aside;
- names: the article names a club or player of the gazetteer, as the linker finds them.

Block rules win over everything. Where any keep rule holds for a source (its own or a global
one), or the source is a general sports source (whose implicit keep rule is "names a club or
player"), an article must satisfy at least one keep rule.

Rules run on every ingested entry, and an editor writes the patterns: a pattern is capped in
length, refused when it is slow on a probe text, and every search is bounded in time and in
the text it reads. A search that runs out of time decides nothing: the rule neither blocks nor
fails to keep, so a slow pattern never keeps an article out. A rule that does not compile (a
form refuses it, but a row may come from elsewhere) is left out and reported, never raised.
"""

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import regex
from django.utils.translation import gettext as _

from articles.entities.linking import fold
from articles.models import FilterRule

MAX_PATTERN_LENGTH = 300
MAX_WORDS = 200
MAX_WORD_LENGTH = 100
MAX_TEXT = 50_000  # characters of an article's text a pattern reads (a long article is 20,000)
MATCH_TIMEOUT = 0.05  # seconds a pattern may search one field
# Texts a sound pattern searches in microseconds, on which nested quantifiers backtrack for ages.
PROBES = ("a" * 3000 + "!", "aA1 -" * 600 + "!", " " * 3000 + "!")

Kind, Where, Action = FilterRule.Kind, FilterRule.Where, FilterRule.Action
FIELDS = {
    Where.TITLE: ("title",),
    Where.TEXT: ("text",),
    Where.URL: ("url",),
    Where.ANY: ("title", "text", "url"),
}
_SEPARATORS = re.compile(r"[\n,;]+")


class Match(enum.Enum):
    NO = 0
    YES = 1
    UNDECIDED = 2  # the pattern ran out of time


def split_words(value: str) -> list[str]:
    """The words (or phrases) of a words rule: one a line or separated by commas, each once."""
    words = (" ".join(part.split()) for part in _SEPARATORS.split(value or ""))
    return list(dict.fromkeys(word for word in words if word))


def _fold(text: str) -> str:
    return fold(text).lower()


def words_regex(words: list[str]) -> re.Pattern:
    """Any of `words`, whole, in folded text (fold: lower case, no accents); a space in a phrase
    stands for any run of white space."""
    alternatives = sorted({re.escape(_fold(word)).replace(r"\ ", r"\s+") for word in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def compile_pattern(pattern: str) -> regex.Pattern:
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


def problem(kind: str, where: str, value: str) -> str | None:
    """What is wrong with a rule, in Dutch for the editor, or None when it can be used."""
    if kind == Kind.NAMES:
        if where == Where.URL:
            return _("Een URL noemt geen clubs of spelers: kies titel, tekst of beide.")
        return None
    if kind == Kind.WORDS:
        words = split_words(value)
        if not words:
            return _("Geef minstens één woord.")
        if len(words) > MAX_WORDS:
            return _("Hoogstens %(limit)d woorden per regel.") % {"limit": MAX_WORDS}
        if too_long := [word for word in words if len(word) > MAX_WORD_LENGTH]:
            return _("“%(word)s…” is langer dan %(limit)d tekens.") % {
                "word": too_long[0][:40],
                "limit": MAX_WORD_LENGTH,
            }
        return None
    if kind == Kind.PATTERN:
        return pattern_problem(value)
    return _("Onbekende soort regel: %(kind)s") % {"kind": kind}


def pattern_problem(pattern: str) -> str | None:
    pattern = pattern or ""
    if not pattern.strip():
        return _("Geef een patroon.")
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _("Een patroon mag hoogstens %(limit)d tekens lang zijn.") % {"limit": MAX_PATTERN_LENGTH}
    try:
        compiled = compile_pattern(pattern)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        position = getattr(exc, "pos", None)
        where = _(" (teken %(position)d)") % {"position": position + 1} if position is not None else ""
        return _("Dit is geen geldige reguliere expressie%(where)s: %(error)s") % {
            "where": where,
            "error": getattr(exc, "msg", None) or str(exc),
        }
    if compiled.search("") is not None:
        return _("Dit patroon past op elke tekst (ook op een lege): maak het strenger.")
    for probe in PROBES:
        try:
            compiled.search(probe, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            return _(
                "Dit patroon is te traag: het blijft hangen op lange teksten (geneste herhalingen zoals (a+)+). "
                "Maak het eenvoudiger."
            )
    return None


@dataclass(frozen=True)
class Rule:
    """A FilterRule compiled: `search(text)` for words and patterns; names rules have none."""

    id: int | None
    action: str
    kind: str
    fields: tuple[str, ...]
    label: str
    search: Callable[[str], Match] | None = None


def _words_search(compiled: re.Pattern) -> Callable[[str], Match]:
    def search(text: str) -> Match:
        return Match.YES if compiled.search(_fold(text)) else Match.NO

    return search


def _pattern_search(compiled: regex.Pattern) -> Callable[[str], Match]:
    def search(text: str) -> Match:
        try:
            return Match.YES if compiled.search(text[:MAX_TEXT], timeout=MATCH_TIMEOUT) else Match.NO
        except TimeoutError:
            return Match.UNDECIDED

    return search


def compile_rule(rule: FilterRule) -> Rule:
    """The rule, ready to judge with; ValueError (its problem, in Dutch) when it cannot be used."""
    if found := problem(rule.kind, rule.where, rule.value):
        raise ValueError(found)
    search = None
    if rule.kind == Kind.WORDS:
        search = _words_search(words_regex(split_words(rule.value)))
    elif rule.kind == Kind.PATTERN:
        search = _pattern_search(compile_pattern(rule.value))
    return Rule(rule.pk, rule.action, rule.kind, FIELDS.get(rule.where, FIELDS[Where.ANY]), str(rule), search)


@dataclass
class RuleSet:
    """The rules that hold for one source: its own and the global ones."""

    blocks: list[Rule] = field(default_factory=list)
    keeps: list[Rule] = field(default_factory=list)
    general_sports: bool = False
    errors: list[str] = field(default_factory=list)  # rules left out: why

    @property
    def active(self) -> bool:
        return bool(self.blocks or self.keeps or self.general_sports)

    @property
    def needs_names(self) -> bool:
        return self.general_sports or any(rule.kind == Kind.NAMES for rule in self.blocks + self.keeps)


def compile_rules(rules: Iterable[FilterRule], *, general_sports: bool = False) -> RuleSet:
    ruleset = RuleSet(general_sports=general_sports)
    for rule in rules:
        try:
            compiled = compile_rule(rule)
        except ValueError as exc:
            ruleset.errors.append(
                _("regel %(id)s (%(rule)s) genegeerd: %(error)s")
                % {
                    "id": rule.pk,
                    "rule": rule,
                    "error": exc,
                }
            )
            continue
        (ruleset.blocks if compiled.action == Action.BLOCK else ruleset.keeps).append(compiled)
    return ruleset


@dataclass(frozen=True)
class Verdict:
    kept: bool
    rule: Rule | None = None  # the rule that kept it out (None: several keep rules, or the default)
    reason: str = ""
    slow: tuple[Rule, ...] = ()  # rules whose pattern ran out of time on this article


# The fields a mention of a club or player may be in, per field a names rule looks at.
NAME_FIELDS = {"title": "title", "text": "body"}


def judge(ruleset: RuleSet, *, title: str, text: str, url: str, names: Callable[[], set[str]]) -> Verdict:
    """Keep or keep out one article. `names()` gives the fields ("title", "body") in which it
    names a club or player; it is called only when a rule needs it (the linker's cost)."""
    values = {"title": title or "", "text": text or "", "url": url or ""}
    named: set[str] | None = None
    slow: list[Rule] = []

    def matches(rule: Rule) -> Match:
        nonlocal named
        if rule.kind == Kind.NAMES:
            if named is None:
                named = names()
            return Match.YES if any(NAME_FIELDS.get(f) in named for f in rule.fields) else Match.NO
        outcome = Match.NO
        for name in rule.fields:
            found = rule.search(values[name])
            if found is Match.YES:
                return Match.YES
            if found is Match.UNDECIDED:
                outcome = Match.UNDECIDED
        if outcome is Match.UNDECIDED:
            slow.append(rule)
        return outcome

    for rule in ruleset.blocks:
        if matches(rule) is Match.YES:
            return Verdict(False, rule, _("Geblokkeerd door de regel “%(rule)s”") % {"rule": rule.label}, tuple(slow))
    if not (ruleset.keeps or ruleset.general_sports):
        return Verdict(True, slow=tuple(slow))
    for rule in ruleset.keeps:
        if matches(rule) is not Match.NO:  # a search out of time keeps: never lose an article to it
            return Verdict(True, slow=tuple(slow))
    if ruleset.general_sports:
        if named is None:
            named = names()
        if named:
            return Verdict(True, slow=tuple(slow))
    if len(ruleset.keeps) == 1 and not ruleset.general_sports:
        rule = ruleset.keeps[0]
        return Verdict(False, rule, _("Voldoet niet aan de regel “%(rule)s”") % {"rule": rule.label}, tuple(slow))
    if not ruleset.keeps:
        reason = _("Algemene sportbron: noemt geen club of speler uit de gazetteer")
    else:
        reason = _("Voldoet aan geen enkele bewaarregel (%(rules)s)") % {
            "rules": "; ".join(rule.label for rule in ruleset.keeps)
        }
        if ruleset.general_sports:
            reason += _(" en noemt geen club of speler")
    return Verdict(False, None, reason[:300], tuple(slow))
