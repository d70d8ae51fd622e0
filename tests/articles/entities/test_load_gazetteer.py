import json

import pytest
from django.core.management import CommandError, call_command

from articles.entities.gazetteer import SHIPPED_GAZETTEER
from articles.models import Club, Player

pytestmark = pytest.mark.django_db


def write(tmp_path, data):
    path = tmp_path / "gazetteer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


SMALL = {
    "clubs": [
        {"slug": "club-brugge", "name": "Club Brugge", "country": "BEL", "aliases": ["blauw-zwart"]},
        {"slug": "anderlecht", "name": "RSC Anderlecht", "country": "BEL", "aliases": ["paars-wit"]},
    ],
    "players": [{"slug": "hans-vanaken", "name": "Hans Vanaken", "club": "club-brugge", "aliases": []}],
}


def snapshot():
    return (
        list(Club.objects.order_by("slug").values()),
        list(Player.objects.order_by("slug").values()),
    )


def test_second_run_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, SMALL)
    call_command("load_gazetteer", str(path))
    first = snapshot()
    capsys.readouterr()
    call_command("load_gazetteer", str(path))
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert snapshot() == first


def test_changed_entry_is_updated_by_slug(tmp_path):
    call_command("load_gazetteer", str(write(tmp_path, SMALL)))
    changed = json.loads(json.dumps(SMALL))
    changed["clubs"][1]["aliases"].append("RSCA")
    changed["players"][0]["club"] = "anderlecht"
    call_command("load_gazetteer", str(write(tmp_path, changed)))
    assert Club.objects.get(slug="anderlecht").aliases == ["paars-wit", "RSCA"]
    assert Player.objects.get(slug="hans-vanaken").club.slug == "anderlecht"
    assert Club.objects.count() == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["clubs"][1].pop("name"), "clubs[1] ('anderlecht'): 'name'"),
        (lambda d: d["clubs"][0].update(slug="Club Brugge"), "clubs[0] ('Club Brugge'): 'slug'"),
        (lambda d: d["players"][0].update(club="ajax"), "players[0] ('hans-vanaken'): unknown club 'ajax'"),
        (lambda d: d["players"][0].update(aliases="Vanaken"), "players[0] ('hans-vanaken'): 'aliases'"),
        (
            lambda d: d["clubs"].append(dict(d["clubs"][0])),
            "clubs[2] ('club-brugge'): slug 'club-brugge' appears twice",
        ),
    ],
)
def test_malformed_entry_is_named_and_nothing_is_written(tmp_path, mutate, message):
    data = json.loads(json.dumps(SMALL))
    mutate(data)
    with pytest.raises(CommandError) as error:
        call_command("load_gazetteer", str(write(tmp_path, data)))
    assert message in str(error.value)
    assert Club.objects.count() == 0


def test_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"clubs": [', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_gazetteer", str(path))


def test_shipped_gazetteer_covers_eight_leagues_and_many_players():
    call_command("load_gazetteer")
    assert Club.objects.count() >= 150
    assert Player.objects.count() >= 300
    countries = set(Club.objects.values_list("country", flat=True))
    assert {"BEL", "NED", "ENG", "GER", "ESP", "ITA", "FRA", "POR"} <= countries
    assert "blauw-zwart" in Club.objects.get(slug="club-brugge").aliases
    assert "paars-wit" in Club.objects.get(slug="anderlecht").aliases
    assert "de Koninklijken" in Club.objects.get(slug="real-madrid").aliases
    assert "de Rossoneri" in Club.objects.get(slug="ac-milan").aliases
    assert Player.objects.get(slug="kevin-de-bruyne").club.slug == "napoli"


def test_shipped_gazetteer_credits_openfootball():
    assert "openfootball" in json.loads(SHIPPED_GAZETTEER.read_text(encoding="utf-8"))["credits"]


def test_shipped_gazetteer_is_what_its_sources_build(tmp_path):
    from tests.services import require_shared

    openfootball = require_shared("openfootball-clubs")
    output = tmp_path / "gazetteer.json"
    call_command("build_gazetteer", str(openfootball), "--output", str(output))
    assert output.read_text(encoding="utf-8") == SHIPPED_GAZETTEER.read_text(encoding="utf-8")
