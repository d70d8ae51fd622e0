"""A labelled set for the linker, written by the newsdesk team in its own Dutch sentences.

Each case: (text, the club slugs it must link, the player slugs it must link). The first line of
a text is its title. Every hard case of the linking issue is here: accents and capitals, short
and common-word aliases with and without context, longest match, a town that is not its club,
surnames (unique, shared, named in full earlier), inflected adjectives and nicknames.
"""

CASES = [
    # Full names: case- and accent-insensitive.
    ("Club Brugge wint de topper\nBlauw-zwart was beter.", {"club-brugge"}, set()),
    ("CLUB BRUGGE PAKT DE BEKER", {"club-brugge"}, set()),
    ("Transfernieuws\nOok bayern munchen toont interesse in de jonge verdediger.", {"bayern-munchen"}, set()),
    ("Leão en Vinicius Junior schitteren in de Champions League", set(), {"rafael-leao", "vinicius-junior"}),
    ("Kylian Mbappe scoort opnieuw twee keer voor Real Madrid", {"real-madrid"}, {"kylian-mbappe"}),
    ("Arda Guler krijgt een basisplaats", set(), {"arda-guler"}),
    ("Loïs Openda en Lois Openda: dezelfde spits, twee schrijfwijzen", set(), {"lois-openda"}),
    ("Fenerbahce wil een Belgische middenvelder", {"fenerbahce"}, set()),
    # Longest match wins.
    ("Cercle Brugge verrast op de Jan Breydel", {"cercle-brugge"}, set()),
    ("Lionel Messi leidt Inter Miami naar de finale", {"inter-miami"}, {"lionel-messi"}),
    ("Real Sociedad houdt stand tegen Girona", {"real-sociedad", "girona"}, set()),
    ("Borussia Mönchengladbach haalt een Belgische keeper", {"borussia-monchengladbach"}, set()),
    (
        "Borussia Monchengladbach en Borussia Dortmund delen de punten",
        {"borussia-monchengladbach", "borussia-dortmund"},
        set(),
    ),
    ("Atlético Madrid blijft ongeslagen thuis", {"atletico-madrid"}, set()),
    ("Newcastle United wint van West Ham United", {"newcastle-united", "west-ham"}, set()),
    ("Union Berlin verliest, Union Sint-Gillis wint", {"union-berlin", "union-sg"}, set()),
    # A town is not its club.
    ("Supporters verzamelen in Brugge voor de bekerfinale", set(), set()),
    ("De burgemeester ontvangt de spelers in Genk", set(), set()),
    ("Het stadion ligt in Anderlecht, niet in Brussel-centrum", set(), set()),
    ("Genk wint van Gent en neemt de leiding", {"genk", "gent"}, set()),
    ("Anderlecht speelt zondag in Genk", {"anderlecht"}, set()),
    ("Een trainingskamp in Barcelona voor de Rode Duivels", set(), set()),
    ("Barcelona ontvangt Girona op zaterdag", {"barcelona", "girona"}, set()),
    # Short and common-word aliases: only capitalised, only with context.
    ("City wint opnieuw\nDe kampioen was te sterk voor de bezoekers.", set(), set()),
    (
        "Manchester City wint de derby\nCity was beter dan United in de tweede helft.",
        {"manchester-city", "manchester-united"},
        set(),
    ),
    ("Manchester United zoekt een spits\nUnited heeft nog geld over.", {"manchester-united"}, set()),
    (
        "Erling Haaland maakt er drie\nCity liep ver uit tegen Chelsea.",
        {"manchester-city", "chelsea"},
        {"erling-haaland"},
    ),
    ("Het OM eist een celstraf voor de hooligans", set(), set()),
    ("Om half acht begint de wedstrijd", set(), set()),
    ("Olympique Marseille wint de Classique\nOM was de betere ploeg tegen Parijs.", {"marseille"}, set()),
    ("Standard wint van Charleroi in de Waalse derby", {"standard", "charleroi"}, set()),
    ("Standard procedures bij het VAR-protocol worden herzien", set(), set()),
    ("De standaard ligt hoog bij Club Brugge", {"club-brugge"}, set()),
    ("Real wint de Clasico\nReal klopte Barcelona na een late goal.", {"real-madrid", "barcelona"}, set()),
    ("Real zonder context\nEen echte topper werd het niet.", set(), set()),
    ("Inter pakt de punten tegen Juventus", {"inter", "juventus"}, set()),
    ("Inter zonder tegenstander genoemd\nHet werd een saaie avond.", set(), set()),
    ("Club neemt de leiding over van Anderlecht", {"club-brugge", "anderlecht"}, set()),
    ("De club zoekt een nieuwe trainer", set(), set()),
    ("Union klopt Westerlo in een spektakelmatch", {"union-sg", "westerlo"}, set()),
    ("Virgil van Dijk pakt uit\nDe Reds wonnen vlot.", {"liverpool"}, {"virgil-van-dijk"}),
    ("Reds zonder context\nDe supporters bleven thuis.", set(), set()),
    ("Kevin De Bruyne is fit\nKDB speelt zaterdag met Napoli.", {"napoli"}, {"kevin-de-bruyne"}),
    ("KDB is terug\nDe middenvelder traint opnieuw.", set(), set()),
    (
        "Charles De Ketelaere scoort\nCDK was de beste man op het veld bij Atalanta.",
        {"atalanta"},
        {"charles-de-ketelaere"},
    ),
    # Surnames.
    ("Vanaken beslist de topper\nDe middenvelder trof raak in de slotfase.", set(), {"hans-vanaken"}),
    ("Doku dribbelt iedereen voorbij", set(), {"jeremy-doku"}),
    ("Lukaku scoort opnieuw\nDe spits was weer trefzeker.", set(), set()),
    ("Romelu Lukaku terug in de selectie\nLukaku zat drie maanden aan de kant.", set(), {"romelu-lukaku"}),
    ("Jordan Lukaku tekent bij een nieuwe club\nLukaku speelde eerder in Italië.", set(), {"jordan-lukaku"}),
    ("Lukaku opent de score\nRomelu Lukaku was later nog dicht bij een tweede goal.", set(), {"romelu-lukaku"}),
    ("Hazard stopt ermee", set(), set()),
    ("Thorgan Hazard verlengt bij Anderlecht\nHazard blijft nog twee jaar.", {"anderlecht"}, {"thorgan-hazard"}),
    ("De Jong geblesseerd\nDe middenvelder mist de interland.", set(), set()),
    ("Frenkie de Jong mist de Clasico\nDe Jong heeft last van zijn enkel.", set(), {"frenkie-de-jong"}),
    ("Een dokter zei dat de jong gebleven spits fit is", set(), set()),
    ("Verschaeren en Heynen in de basis bij de Rode Duivels", set(), {"yari-verschaeren", "bryan-heynen"}),
    # Dutch inflection: the adjective names the club before a football noun.
    ("Anderlechts middenvelder Yari Verschaeren verlengt", {"anderlecht"}, {"yari-verschaeren"}),
    ("De Anderlechtse verdediger mist de topper", {"anderlecht"}, set()),
    ("De Genkse spits scoorde twee keer", {"genk"}, set()),
    ("De Genkse binnenstad kleurt blauw", set(), set()),
    ("Het Anderlechtse gemeentebestuur keurt de plannen goed", set(), set()),
    (
        "Club Brugge wint opnieuw\nDe Brugse spits Nicolò Tresoldi was de uitblinker.",
        {"club-brugge"},
        {"nicolo-tresoldi"},
    ),
    ("De Brugse trainer was tevreden", set(), set()),
    ("De Brugse derby eindigt op een gelijkspel", set(), set()),
    ("Cercle Brugge haalt een nieuwe keeper\nDe Brugse doelman komt over uit Frankrijk.", {"cercle-brugge"}, set()),
    # Nicknames.
    ("Paars-wit wint de Clasico na een late goal", {"anderlecht"}, set()),
    ("Blauw-zwart neemt afstand in de stand", {"club-brugge"}, set()),
    ("De Rossoneri halen een Belgische verdediger", {"ac-milan"}, set()),
    ("De Koninklijken winnen de Supercup", {"real-madrid"}, set()),
    ("De Buffalo's winnen in eigen huis", {"gent"}, set()),
    ("Een blauw-zwarte sjaal in de kast", set(), set()),
    # Several entities and ordinary words together.
    (
        "PSV wint de topper van Ajax\nLuuk de Jong scoorde twee keer voor de Eindhovenaren.",
        {"psv", "ajax"},
        {"luuk-de-jong"},
    ),
    ("Feyenoord verliest in Rotterdam van AZ", {"feyenoord", "az"}, set()),
    ("Mohamed Salah en Cody Gakpo scoren voor Liverpool", {"liverpool"}, {"mohamed-salah", "cody-gakpo"}),
    ("Het regent in Brussel, de wedstrijd gaat toch door", set(), set()),
    ("Milan scoorde als invaller voor zijn amateurclub", set(), set()),
]
