"""Synthetic Dutch football articles for benchmarks: realistic words and lengths, real club and
player names from the gazetteer, deterministic for a seed. Never shown to readers.

The words follow Zipf's law over a vocabulary of about 90,000 words, as a newsroom's archive
does: a few hundred common football and news words, then a long tail of Dutch compounds
(bekerfinale, trainingskamp, ...) that each occur in few articles. Each article also has a
handful of topic words it keeps returning to, as real reports do. A search benchmark over a
small, flat vocabulary would measure the wrong thing: every word would match a third of the
archive.
"""

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.utils import timezone

# Common words first: a word's place in these lists is its rank in the Zipf distribution.
NOUNS = (
    "wedstrijd ploeg trainer doelpunt seizoen club speler coach zege nederlaag competitie kans "
    "minuut helft rust aanval verdediging middenveld doelman keeper spits blessure transfer "
    "strafschop kopbal supporters scheidsrechter slotfase voorzet bal doel paal lat penalty "
    "klassement ranglijst titel beker finale halve kwartfinale punten thuisploeg bezoekers tribune "
    "stadion sfeer kleedkamer contract voorzitter bestuur directeur aanvoerder invaller debutant "
    "talent routinier wissel schorsing kaart videoref grensrechter buitenspel hoekschop tegenaanval "
    "omschakeling balverlies balbezit pressing speelwijze opstelling selectie kern staf analist "
    "verdediger aanvaller middenvelder flankspeler vleugel centrum zestien strafschopgebied "
    "doelgebied middencirkel zijlijn achterlijn veld grasmat training trainingskamp stage "
    "voorbereiding oefenwedstrijd oefenduel derby topper kraker clash degradatie promotie "
    "kampioen kampioenschap landstitel playoffs groepsfase kwalificatie loting tegenstander "
    "rivaal opponent landgenoot international bondscoach nationale elftal jeugd opleiding academie "
    "belofte beloften scout makelaar agent zaakwaarnemer transfersom huurperiode optie clausule "
    "vertrek komst aankoop verkoop miljoen bod akkoord onderhandeling gesprek interview "
    "persconferentie verklaring kritiek steun vertrouwen ontslag opvolger interim assistent "
    "keeperstrainer fysiek conditie spierblessure enkelblessure knieblessure hamstring kruisband "
    "operatie revalidatie terugkeer comeback herstel scan onderzoek dokter fysiotherapeut "
    "scorebord stand achterstand voorsprong gelijkmaker winnaar openingsgoal eigen doelpuntenmaker "
    "topschutter assist hattrick treffer knal schot afstandsschot volley omhaal lob intikker "
    "counter steekpass pass dribbel sliding tackle overtreding fout hands duw elleboog charge "
    "protest discussie beslissing beelden herhaling camera uitzending kijkers publiek fans "
    "ultras spandoek vuurwerk boete sanctie schorsingen tuchtcommissie bond federatie licentie "
    "budget schulden sponsor shirtsponsor inkomsten begroting aandeelhouder eigenaar overname "
    "investeerder stadionplannen renovatie capaciteit abonnement ticket kaartverkoop verplaatsing "
    "uitwedstrijd thuiswedstrijd speeldag speelronde kalender winterstop zomer winter herfst lente "
    "avond middag ochtend week maand jaar dag regen wind kou hitte terrein"
).split()
ADJECTIVES = (
    "sterk zwak verrassend laat vroeg knap droog mooi onhoudbaar fraai gelukkig ongelukkig stevig "
    "fel matig uitstekend spectaculair nerveus gedreven slordig verzorgd lang kort hoog laag snel "
    "traag scherp hard zacht gevaarlijk beslissend vermeend terecht onterecht omstreden bitter "
    "pijnlijk historisch zeldzaam rommelig degelijk belangrijk moeilijk makkelijk groot klein "
    "jong oud nieuw vorig volgend eerste tweede derde laatste beste slechtste sterkste zwakste "
    "tevreden teleurgesteld boos blij trots kwaad ontgoocheld opgelucht vermoeid fit geblesseerd "
    "geschorst beschikbaar onzeker zeker duidelijk onduidelijk logisch vreemd opvallend "
    "aanvallend verdedigend tactisch technisch fysiek mentaal collectief individueel defensief "
    "offensief compact open gesloten agressief rustig chaotisch overtuigend wisselvallig "
    "constant onnodig nodig dringend cruciaal essentieel interessant saai boeiend"
).split()
VERBS = (
    "scoorde miste kopte trapte schoot passeerde onderschepte verdedigde redde blokte versierde "
    "benutte faalde domineerde controleerde drukte loerde counterde wisselde reageerde twijfelde "
    "overtuigde verraste teleurstelde worstelde knokte vocht herstelde sleepte verspeelde pakte "
    "verloor won speelde begon eindigde opende sloot leidde volgde stuurde gaf nam kreeg hield "
    "bracht zette legde liet zag wist dacht vond zei vertelde bevestigde ontkende meldde "
    "kondigde tekende verlengde vertrok kwam keerde liep sprong viel stond zat bleef werd"
).split()
# Word pairs that reporters write together, so that phrase queries have something to find.
COLLOCATIONS = (
    "gele kaart|rode kaart|vrije trap|technische staf|eerste helft|tweede helft|sportief directeur|"
    "korte hoek|lange hoek|tweede paal|eerste paal|open doel|leeg doel|goede start|slechte start|"
    "grote kans|dubbele wissel|late gelijkmaker|vroege goal|eigen helft"
).split("|")
LINKED = ("ing", "heid", "schap", "teit")  # compounds of these take a linking s: trainingskamp
PREPOSITIONS = "in op na voor tegen met bij tijdens zonder door naar van".split()
# Sentences with open slots: {n} a noun, {a} an adjective, {v} a verb, {p} a preposition, filled
# from the Zipf vocabulary (or the article's topic words).
FREE = [
    "De {a} {n} {v} {p} de {n} van de {n}.",
    "Volgens de {n} was de {n} {a}, maar de {n} {v} toch {p} de {n}.",
    "Ook de {n} {v} {a}, {p} de {n} en de {n}.",
    "{P} de {n} bleef het {a} in de {n}, tot de {n} {v}.",
    "Het was een {a} {n} met veel {n} en weinig {n}.",
    "Wie naar de {n} kijkt, ziet een {a} {n} {p} de {n}.",
    "De {n} wil {p} de {n} nog een {a} {n} halen.",
    "{P} de {n} {v} de {n} opnieuw, al was de {n} {a}.",
    "Daarna {v} de {n} {p} de {n}, en de {n} {v} {a}.",
    "Er was {a} {n} {p} de {n}: de {n} en de {n} bleven {a}.",
    "De {n} sprak van een {a} {n} en een {a} {n}.",
    "In de {n} {v} de {n} {a} {p} een {n}.",
]
MATCH = [
    "{home} heeft {day} met {score} gewonnen van {away}.",
    "{home} en {away} hielden elkaar in evenwicht: {score}.",
    "{player} {v} in de {minute}ste minuut de {score} binnen.",
    "{player} opende na {minute} minuten de score met een {a} {shot}.",
    "Bij {away} was {player2} de uitblinker, al kon ook hij de {n} niet voorkomen.",
    "{player2} raakte in de slotfase nog de paal voor {away}.",
    "Door de zege klimt {home} naar de {rank} plaats in de {league}.",
    "{coach} was na afloop {a} over de {n} van zijn spelers.",
    '"We hebben vandaag een {a} {n} getoond", zei {player} na afloop.',
    "{away} speelt volgende week thuis tegen {third}, {home} trekt naar {fourth}.",
]
SHOTS = ["kopbal", "volley", "afstandsschot", "strafschop", "vrije trap", "lob", "knal", "intikker", "omhaal"]
DAYS = ["zaterdag", "zondag", "vrijdagavond", "zaterdagavond", "zondagmiddag", "woensdagavond", "dinsdag"]
RANKS = ["eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste"]
TITLES = [
    "{home} wint van {away} na {a} wedstrijd",
    "{player} beslist duel tussen {home} en {away}",
    "{home} en {away} delen de punten: {score}",
    "{away} gaat onderuit bij {home}",
    "{coach} ziet {home} knokken voor zege tegen {away}",
    "{player} schittert bij {home}: {score} tegen {away}",
    "Transfernieuws: {player} op weg naar de uitgang bij {home}",
    "Analyse: waarom {home} de {t} niet onder controle kreeg",
    "{home} worstelt met {t} voor duel met {away}",
    "{player} over {t}: 'Dit moet beter'",
]
ZIPF_EXPONENT = 1.0
# Function words (de, het, een, ...) hold the top ranks of real text; content words start lower.
RANK_OFFSET = 25
TOPIC_SHARE = 0.3  # of the noun slots, filled with one of the article's topic words
FOLLOW_UP = 0.4  # of the articles report an event an article a few places before reported


def _plural(noun: str) -> str:
    if noun.endswith(("e", "el", "er", "em", "en", "je", "o", "a", "ie")):
        return noun + "s"
    return noun + "en"


def _compound(first: str, second: str) -> str:
    return first + ("s" if first.endswith(LINKED) else "") + second


@cache
def vocabulary() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[float, ...]]:
    """(nouns by rank, adjectives by rank, verbs, cumulative Zipf weights of the nouns)."""
    rng = random.Random(20261121)
    simple = [*NOUNS, *COLLOCATIONS]
    # Plurals just after their singulars' block; then compounds of every pair, in a fixed shuffle.
    singles = [*simple, *(_plural(n) for n in NOUNS)]
    compounds = [_compound(a, b) for a, b in itertools.permutations(NOUNS, 2) if " " not in a + b]
    rng.shuffle(compounds)
    compounds += [_plural(c) for c in compounds[:20_000]]
    nouns = tuple(dict.fromkeys([*singles, *compounds]))
    adjectives = tuple(dict.fromkeys([*ADJECTIVES, *(a + "e" if not a.endswith("e") else a for a in ADJECTIVES)]))
    weights = itertools.accumulate(1 / ((rank + RANK_OFFSET) ** ZIPF_EXPONENT) for rank in range(1, len(nouns) + 1))
    return nouns, adjectives, tuple(VERBS), tuple(weights)


class _Words:
    """Draws an article's words: Zipf for nouns, with its topic words coming back."""

    def __init__(self, rng: random.Random, topics: list[str]):
        self.rng = rng
        self.nouns, self.adjectives, self.verbs, self.cumulative = vocabulary()
        self.topics = topics

    def noun(self) -> str:
        if self.rng.random() < TOPIC_SHARE:
            return self.rng.choice(self.topics)
        index = bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])
        return self.nouns[min(index, len(self.nouns) - 1)]

    def adjective(self) -> str:
        # A gentler Zipf over a short list: index by the square of a uniform draw.
        return self.adjectives[int(len(self.adjectives) * self.rng.random() ** 2)]

    def verb(self) -> str:
        return self.verbs[int(len(self.verbs) * self.rng.random() ** 2)]

    def fill(self, template: str, **slots) -> str:
        out = [_parse(template)[0]]
        for name, rest in _parse(template)[1]:
            if name == "n":
                value = self.noun()
            elif name == "a":
                value = self.adjective()
            elif name == "v":
                value = self.verb()
            elif name in ("p", "P"):
                value = self.rng.choice(PREPOSITIONS)
                value = value.capitalize() if name == "P" else value
            elif name == "t":
                value = self.topics[0]
            else:
                value = slots[name]
            out.append(value + rest)
        text = "".join(out)
        return text[0].upper() + text[1:]


@cache
def _parse(template: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A template's text before its first slot, then each slot's name with the text after it
    (a million articles fill some thirty million templates: parsed once each)."""
    first, *parts = template.split("{")
    return first, tuple(tuple(part.split("}", 1)) for part in parts)


@dataclass
class SyntheticArticle:
    url: str
    title: str
    body: str
    published: datetime
    source: str
    club_names: tuple[str, ...]
    player_names: tuple[str, ...]

    def as_import_line(self) -> dict:
        return {
            "url": self.url,
            "title": self.title,
            "body": self.body,
            "published": self.published.isoformat(),
            "source": self.source,
        }


class ArticleGenerator:
    """`clubs`: [(name, league)], `players`: [(name, club name or "")]; same seed, same articles."""

    def __init__(self, clubs, players, seed: int = 0, sources=("Sportkrant", "Doelpunt.nu", "Voetbal Vandaag")):
        self.clubs = list(clubs)
        self.players_by_club: dict[str, list[str]] = {}
        for name, club in players:
            self.players_by_club.setdefault(club, []).append(name)
        self.all_players = [name for name, _ in players]
        self.seed = seed
        self.sources = sources
        self.start = timezone.make_aware(datetime(2026, 1, 1, 12, 0))

    def _player(self, rng, club):
        pool = self.players_by_club.get(club) or self.all_players
        return rng.choice(pool)

    def event(self, number: int) -> int:
        """Which event an article reports: its own, or (FOLLOW_UP of the time) that of one of
        the few articles before it, as another source's report of the same match."""
        rng = random.Random(self.seed * 999_983 + number)
        while number > 0 and rng.random() < FOLLOW_UP:
            number = max(0, number - rng.randint(1, 8))
            rng = random.Random(self.seed * 999_983 + number)
        return number

    def article(self, number: int) -> SyntheticArticle:
        event = random.Random(self.seed * 1_000_003 + self.event(number))
        (home, league), (away, _), (third, _), (fourth, _) = event.sample(self.clubs, 4)
        slots = {
            "home": home,
            "away": away,
            "third": third,
            "fourth": fourth,
            "league": league or "competitie",
            "player": self._player(event, home),
            "player2": self._player(event, away),
            "coach": event.choice(self.all_players),
            "score": f"{event.randint(0, 4)}-{event.randint(0, 3)}",
            "minute": str(event.randint(2, 90)),
            "day": event.choice(DAYS),
            "rank": event.choice(RANKS),
            "shot": event.choice(SHOTS),
        }
        nouns = vocabulary()[0]
        # Topic words come from the middle of the distribution: specific, but not one-offs.
        topics = [nouns[event.randint(40, 3000)] for _ in range(event.randint(3, 5))]
        rng = random.Random(self.seed * 1_000_033 + number)  # this report's own wording
        words = _Words(rng, topics)
        paragraphs = []
        count = 0
        target = rng.randint(320, 420)
        while count < target:
            templates = [rng.choice(MATCH if rng.random() < 0.25 else FREE) for _ in range(rng.randint(2, 4))]
            sentences = [words.fill(template, **slots) for template in templates]
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            count += len(paragraph.split())
        return SyntheticArticle(
            url=f"https://synthetisch.example/{self.seed}/artikel/{number}",
            title=words.fill(rng.choice(TITLES), **slots),
            body="\n".join(paragraphs),
            published=self.start + timedelta(minutes=17 * number + rng.randint(0, 16)),
            source=self.sources[number % len(self.sources)],
            club_names=(home, away),
            player_names=(slots["player"], slots["player2"]),
        )


def from_gazetteer(seed: int = 0) -> ArticleGenerator:
    """A generator over the shipped gazetteer file (no database needed)."""
    import json

    from articles.entities.gazetteer import SHIPPED_GAZETTEER

    data = json.loads(SHIPPED_GAZETTEER.read_text(encoding="utf-8"))
    names = {c["slug"]: c["name"] for c in data["clubs"]}
    clubs = [(c["name"], c.get("league", "")) for c in data["clubs"]]
    players = [(p["name"], names.get(p["club"], "")) for p in data["players"]]
    return ArticleGenerator(clubs, players, seed=seed)
