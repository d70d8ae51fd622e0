"""The linker against the shipped gazetteer: a labelled set, and every name resolving alone."""

from collections import Counter

import pytest

from articles.entities import gazetteer, linking
from articles.entities.linking import fold
from articles.models import Club, Player
from tests.articles.entities.linking_cases import CASES

pytestmark = pytest.mark.django_db

MIN_PRECISION = MIN_RECALL = 0.95


@pytest.fixture
def matcher():
    gazetteer.load(gazetteer.read(gazetteer.SHIPPED_GAZETTEER))
    return linking.build_matcher()


def linked_slugs(matcher, text):
    title, _, body = text.partition("\n")
    mentions = matcher.find_in_article(title, body)
    clubs = dict(Club.objects.values_list("pk", "slug"))
    players = dict(Player.objects.values_list("pk", "slug"))
    return (
        {clubs[m.entity_id] for m in mentions if m.kind == "club"},
        {players[m.entity_id] for m in mentions if m.kind == "player"},
    )


def test_labelled_set_precision_and_recall(matcher):
    assert len(CASES) >= 60
    true_positive = false_positive = false_negative = 0
    wrong = []
    for text, want_clubs, want_players in CASES:
        got_clubs, got_players = linked_slugs(matcher, text)
        want = {("club", s) for s in want_clubs} | {("player", s) for s in want_players}
        got = {("club", s) for s in got_clubs} | {("player", s) for s in got_players}
        true_positive += len(want & got)
        false_positive += len(got - want)
        false_negative += len(want - got)
        if want != got:
            wrong.append(f"{text!r}: missing {sorted(want - got)}, wrong {sorted(got - want)}")
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / (true_positive + false_negative)
    print(f"\nlinker on {len(CASES)} labelled texts: precision {precision:.3f}, recall {recall:.3f}")
    for line in wrong:
        print("  ", line)
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, "\n".join(wrong)


def test_every_club_name_and_alias_resolves_to_that_club_alone(matcher):
    clubs = list(Club.objects.all())
    problems = []
    for club in clubs:
        context = {fold(a) for a in club.context_aliases}
        firm = [name for name in [club.name, *club.aliases] if fold(name) not in context]
        checks = [f"{name} won gisteren zijn wedstrijd." for name in firm]
        # Context names need the club named in full first; adjectives need a football noun.
        full = firm[0]
        checks += [f"{full} is in vorm. Gisteren won {alias} opnieuw." for alias in club.context_aliases]
        checks += [f"{full} is in vorm. De {adjective} spits scoorde." for adjective in club.adjectives]
        for text in checks:
            found = {(m.kind, m.entity_id) for m in matcher.find_in_article("", text)}
            if found != {("club", club.pk)}:
                problems.append(f"{club.slug}: {text!r} → {sorted(found)}")
    assert not problems, "\n".join(problems)


def test_no_two_clubs_share_an_alias_that_is_not_flagged_as_needing_context(matcher):
    firm = Counter()
    for club in Club.objects.all():
        context = {fold(a) for a in club.context_aliases}
        for name in {fold(n) for n in [club.name, *club.aliases]} - context:
            firm[name] += 1
    shared = sorted(name for name, count in firm.items() if count > 1)
    assert not shared


def test_every_player_name_resolves_to_that_player(matcher):
    problems = []
    for player in Player.objects.all():
        for name in [player.name, *player.aliases]:
            found = {(m.kind, m.entity_id) for m in matcher.find_in_article("", f"Gisteren scoorde {name} twee keer.")}
            if ("player", player.pk) not in found or len([k for k in found if k[0] == "player"]) != 1:
                problems.append(f"{player.slug}: {name!r} → {sorted(found)}")
    assert not problems, "\n".join(problems)
