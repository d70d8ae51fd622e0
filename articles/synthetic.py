"""Synthetic Dutch football articles for benchmarks: realistic words and lengths, real club and
player names from the gazetteer, deterministic for a seed. Never shown to readers."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

ADJECTIVES = (
    "sterke zwakke verrassende late vroege knappe droge mooie afgeweken onhoudbare fraaie gelukkige "
    "ongelukkige stevige felle matige uitstekende spectaculaire nerveuze gedreven slordige verzorgde "
    "lange korte hoge lage snelle trage scherpe harde zachte gevaarlijke beslissende vermeende terechte "
    "onterechte omstreden bittere zoete pijnlijke historische zeldzame knotsgekke rommelige degelijke"
).split()
NOUNS = (
    "aanval verdediging middenveld omschakeling tegenaanval hoekschop vrije trap strafschop buitenspel "
    "doelkans kopbal afstandsschot voorzet steekpass balverlies balbezit pressing speelwijze opstelling "
    "wissel blessure schorsing gele kaart rode kaart videoref scheidsrechter grensrechter tribune "
    "supporters sfeer kleedkamer rust slotfase blessuretijd verlenging klassement ranglijst titelstrijd "
    "degradatiestrijd play-offs beker Europese campagne groepsfase kwalificatie transfer contract "
    "huurperiode jeugdopleiding trainingskamp persconferentie bestuur voorzitter sportief directeur "
    "doelman keeper spits aanvaller flankspeler vleugelverdediger centrale verdediger controleur "
    "spelmaker aanvoerder debutant invaller bankzitter toptalent routinier thuisploeg bezoekers"
).split()
VERBS = (
    "scoorde miste kopte trapte schoot passeerde onderschepte verdedigde redde blokte versierde "
    "benutte faalde domineerde controleerde drukte loerde counterde wisselde reageerde twijfelde "
    "overtuigde verraste teleurstelde worstelde knokte vocht herstelde sleepte verspeelde pakte"
).split()
FILLERS = [
    "De {adj} {noun} maakte het verschil in een wedstrijd die lang op slot zat.",
    "Na de rust veranderde het beeld, want de {noun} van de thuisploeg kwam beter op gang.",
    "Volgens de trainer lag de sleutel bij de {noun}, waar zijn ploeg te vaak {adj2} ingreep.",
    "Het publiek zag een {adj} wedstrijd met weinig echte kansen en veel strijd in de {noun}.",
    "In de {noun} bleef het lang onrustig, tot de scheidsrechter na overleg met de videoref ingreep.",
    "De supporters scandeerden de naam van de {noun}, die opnieuw een sterke partij speelde.",
    "Wie de cijfers bekijkt, ziet dat de {noun} het hele seizoen al een zwak punt is.",
    "De komende weken wordt het druk, met een bekermatch en een verplaatsing naar het buitenland.",
    "Op training werd deze week veel aandacht besteed aan de {noun} en aan de afwerking.",
    "De technische staf wil in de wintermercato nog iemand halen voor de {noun}.",
    "Een {adj} fase in de slotminuten zorgde nog voor wat spanning op de tribunes.",
    "Het was de derde keer op rij dat de ploeg punten liet liggen na een {adj} start.",
]
MATCH = [
    "{home} heeft {day} met {score} gewonnen van {away}.",
    "{home} en {away} hielden elkaar in evenwicht: {score}.",
    "{player} {verb} in de {minute}ste minuut de {score} binnen.",
    "{player} opende na {minute} minuten de score met een {adj} {shot}.",
    "Bij {away} was {player2} de uitblinker, al kon ook hij de nederlaag niet voorkomen.",
    "{player2} raakte in de slotfase nog de paal voor {away}.",
    "Door de zege klimt {home} naar de {rank} plaats in de {league}.",
    "{coach} was na afloop tevreden over de reactie van zijn spelers.",
    '"We hebben vandaag getoond dat we karakter hebben", zei {player} na afloop.',
    "{away} speelt volgende week thuis tegen {third}, {home} trekt naar {fourth}.",
]
SHOTS = ["kopbal", "volley", "afstandsschot", "strafschop", "vrije trap", "lob", "knal", "intikker", "omhaal"]
DAYS = ["zaterdag", "zondag", "vrijdagavond", "zaterdagavond", "zondagmiddag", "woensdagavond", "dinsdag"]
RANKS = ["eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste"]
TITLES = [
    "{home} wint van {away} na {adj} wedstrijd",
    "{player} beslist duel tussen {home} en {away}",
    "{home} en {away} delen de punten: {score}",
    "{away} gaat onderuit bij {home}",
    "{coach} ziet {home} knokken voor zege tegen {away}",
    "{player} schittert bij {home}: {score} tegen {away}",
    "Transfernieuws: {player} op weg naar de uitgang bij {home}",
    "Analyse: waarom {home} de {noun} niet onder controle kreeg",
]


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

    def article(self, number: int) -> SyntheticArticle:
        rng = random.Random(self.seed * 1_000_003 + number)
        (home, league), (away, _), (third, _), (fourth, _) = rng.sample(self.clubs, 4)
        slots = {
            "home": home,
            "away": away,
            "third": third,
            "fourth": fourth,
            "league": league or "competitie",
            "player": self._player(rng, home),
            "player2": self._player(rng, away),
            "coach": rng.choice(self.all_players),
            "score": f"{rng.randint(0, 4)}-{rng.randint(0, 3)}",
            "minute": str(rng.randint(2, 90)),
            "day": rng.choice(DAYS),
            "rank": rng.choice(RANKS),
            "shot": rng.choice(SHOTS),
            "verb": rng.choice(VERBS),
        }

        def fill(template):
            return template.format(
                adj=rng.choice(ADJECTIVES), adj2=rng.choice(ADJECTIVES), noun=rng.choice(NOUNS), **slots
            )

        paragraphs = []
        words = 0
        target = rng.randint(320, 420)
        while words < target:
            sentences = [fill(rng.choice(MATCH if rng.random() < 0.45 else FILLERS)) for _ in range(rng.randint(2, 4))]
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        title = fill(rng.choice(TITLES))
        return SyntheticArticle(
            url=f"https://synthetisch.example/{self.seed}/artikel/{number}",
            title=title,
            body="\n".join(paragraphs),
            published=self.start + timedelta(minutes=17 * number + rng.randint(0, 16)),
            source=self.sources[number % len(self.sources)],
            club_names=(home, away),
            player_names=(slots["player"], slots["player2"]),
        )


def from_gazetteer(seed: int = 0) -> ArticleGenerator:
    """A generator over the shipped gazetteer file (no database needed)."""
    import json

    from articles.gazetteer import SHIPPED_GAZETTEER

    data = json.loads(SHIPPED_GAZETTEER.read_text(encoding="utf-8"))
    names = {c["slug"]: c["name"] for c in data["clubs"]}
    clubs = [(c["name"], c.get("league", "")) for c in data["clubs"]]
    players = [(p["name"], names.get(p["club"], "")) for p in data["players"]]
    return ArticleGenerator(clubs, players, seed=seed)
