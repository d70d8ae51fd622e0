import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.entities.gazetteer import SHIPPED_GAZETTEER
from articles.models import Club, GazetteerDeletion, Player
from tests.articles.admin_forms import edit_in_admin

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
    assert "0 created, 0 updated, 3 unchanged; kept 0 editor changes" in capsys.readouterr().out
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
        # What PostgreSQL would refuse is named with its place, not a database traceback.
        (lambda d: d["clubs"][0]["aliases"].append("Brugge\x00"), "clubs[0] ('club-brugge'): holds a NUL character"),
        (lambda d: d["players"][0].update(name="Hans " * 50), "players[0] ('hans-vanaken'): 'name' is longer than 200"),
        (lambda d: d["clubs"][1].update(slug="a" * 101), "clubs[1] ('" + "a" * 101 + "'): 'slug' is longer than 100"),
        (lambda d: d["players"][0].update(role="keeper"), "players[0] ('hans-vanaken'): 'role' must be one of"),
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


# Editors' work survives a load: the file is the baseline, what an editor changed in the admin wins.


def changed(**edits):
    """SMALL with some entries changed: changed(anderlecht={"league": "..."})."""
    data = json.loads(json.dumps(SMALL))
    for entry in data["clubs"] + data["players"]:
        entry.update(edits.get(entry["slug"].replace("-", "_"), {}))
    return data


def load(tmp_path, data, capsys):
    capsys.readouterr()
    call_command("load_gazetteer", str(write(tmp_path, data)))
    return capsys.readouterr().out


def test_alias_an_editor_adds_in_the_admin_survives_a_load(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    club = Club.objects.get(slug="club-brugge")
    edit_in_admin(admin_client, club, aliases=["blauw-zwart", "de Blauw-Zwarten"])
    out = load(tmp_path, SMALL, capsys)
    assert Club.objects.get(slug="club-brugge").aliases == ["blauw-zwart", "de Blauw-Zwarten"]
    assert "kept 1 editor changes" in out


def test_club_an_editor_renamed_keeps_its_name_and_the_admin_says_so(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    club = Club.objects.get(slug="anderlecht")
    edit_in_admin(admin_client, club, name="Anderlecht")
    load(tmp_path, SMALL, capsys)
    assert Club.objects.get(slug="anderlecht").name == "Anderlecht"
    page = admin_client.get(reverse("admin:articles_club_change", args=[club.pk])).content.decode()
    fields = re.search(r'field-editor_changes.*?<div class="readonly">(.*?)</div>', page, re.S)
    assert fields.group(1) == "naam"


def test_alias_an_editor_removed_stays_removed_while_the_file_adds_one(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    club = Club.objects.get(slug="anderlecht")
    edit_in_admin(admin_client, club, aliases=[])
    load(tmp_path, changed(anderlecht={"aliases": ["paars-wit", "RSCA"]}), capsys)
    assert Club.objects.get(slug="anderlecht").aliases == ["RSCA"]


def test_shipped_change_to_a_field_no_editor_touched_still_arrives(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    club = Club.objects.get(slug="club-brugge")
    player = Player.objects.get(slug="hans-vanaken")
    edit_in_admin(admin_client, club, aliases=["blauw-zwart", "Club"])
    edit_in_admin(admin_client, player, name="Hans 'Vanaken'")
    shipped = changed(
        club_brugge={"name": "Club Brugge KV", "league": "Jupiler Pro League", "aliases": ["blauw-zwart", "Brugge KV"]},
        hans_vanaken={"club": "anderlecht", "aliases": ["Vanaken"]},
    )
    out = load(tmp_path, shipped, capsys)
    club.refresh_from_db()
    player.refresh_from_db()
    assert (club.name, club.league, club.aliases) == (
        "Club Brugge KV",
        "Jupiler Pro League",
        ["blauw-zwart", "Brugge KV", "Club"],
    )
    assert (player.name, player.club.slug, player.aliases) == ("Hans 'Vanaken'", "anderlecht", ["Vanaken"])
    assert "0 created, 2 updated, 1 unchanged; kept 2 editor changes" in out


def test_second_load_changes_nothing_and_relinks_nothing(
    admin_client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    # The file renames the club too: the editor's name stays, and only the record of the file moves.
    shipped = changed(anderlecht={"name": "Royal Sporting Club Anderlecht"})
    with django_capture_on_commit_callbacks(execute=True):  # the relinks these changes ask for run
        load(tmp_path, SMALL, capsys)
        edit_in_admin(admin_client, Club.objects.get(slug="anderlecht"), name="Anderlecht", aliases=["RSCA"])
        load(tmp_path, shipped, capsys)
    first = snapshot()
    with django_capture_on_commit_callbacks() as relinks:
        out = load(tmp_path, shipped, capsys)
    assert (first[0][0]["name"], first[0][0]["aliases"]) == ("Anderlecht", ["RSCA"])
    assert snapshot() == first
    assert relinks == []
    assert "0 created, 0 updated, 3 unchanged; kept 2 editor changes" in out


def test_shipped_change_only_to_a_field_an_editor_changed_relinks_nothing(
    admin_client, tmp_path, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load(tmp_path, SMALL, capsys)
        club = Club.objects.get(slug="anderlecht")
        edit_in_admin(admin_client, club, name="Anderlecht")
    with django_capture_on_commit_callbacks() as relinks:
        out = load(tmp_path, changed(anderlecht={"name": "Royal Sporting Club Anderlecht"}), capsys)
    assert relinks == []
    assert "0 created, 0 updated, 3 unchanged; kept 1 editor changes" in out
    club.refresh_from_db()
    assert (club.name, club.shipped["name"]) == ("Anderlecht", "Royal Sporting Club Anderlecht")
    with django_capture_on_commit_callbacks() as relinks:
        load(tmp_path, changed(anderlecht={"league": "Challenger Pro League"}), capsys)
    assert len(relinks) == 1  # a change anyone reads still relinks


def test_player_an_editor_deleted_is_not_recreated_until_the_record_goes(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    player = Player.objects.get(slug="hans-vanaken")
    response = admin_client.post(reverse("admin:articles_player_delete", args=[player.pk]), {"post": "yes"})
    assert response.status_code == 302
    out = load(tmp_path, SMALL, capsys)
    assert not Player.objects.filter(slug="hans-vanaken").exists()
    assert "0 created, 0 updated, 2 unchanged; kept 0 editor changes, 1 deleted by editors left out" in out
    record = GazetteerDeletion.objects.get(slug="hans-vanaken")
    admin_client.post(reverse("admin:articles_gazetteerdeletion_delete", args=[record.pk]), {"post": "yes"})
    load(tmp_path, SMALL, capsys)
    assert Player.objects.get(slug="hans-vanaken").club.slug == "club-brugge"


def test_player_an_editor_deleted_from_the_clubs_form_is_not_recreated(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    edit_in_admin(admin_client, Club.objects.get(slug="club-brugge"), **{"players-0-DELETE": "on"})
    assert not Player.objects.exists()
    load(tmp_path, SMALL, capsys)
    assert not Player.objects.exists()


def test_club_an_editor_gave_another_slug_is_not_added_again(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    club = Club.objects.get(slug="club-brugge")
    edit_in_admin(admin_client, club, slug="brugge")
    load(tmp_path, SMALL, capsys)
    assert sorted(Club.objects.values_list("slug", flat=True)) == ["anderlecht", "brugge"]
    assert Player.objects.get(slug="hans-vanaken").club.slug == "brugge"


def test_club_an_editor_added_before_the_file_keeps_the_editors_values(admin_client, tmp_path, capsys):
    response = admin_client.post(
        reverse("admin:articles_club_add"),
        {
            "slug": "union-sg",
            "name": "Union",
            "country": "BEL",
            "league": "",
            "aliases": "USG",  # one a line
            "context_aliases": "",
            "adjectives": "",
            "players-TOTAL_FORMS": "0",
            "players-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    shipped = json.loads(json.dumps(SMALL))
    shipped["clubs"].append(
        {"slug": "union-sg", "name": "Union Sint-Gillis", "country": "BEL", "aliases": ["geel-blauw", "USG"]}
    )
    load(tmp_path, shipped, capsys)
    club = Club.objects.get(slug="union-sg")
    assert (club.name, club.aliases) == ("Union", ["geel-blauw", "USG"])


# Coaches: a player entry with "role": "coach" (no role: a player).


def test_a_coach_in_the_file_is_loaded_as_a_coach_and_everyone_else_as_a_player(tmp_path, capsys):
    data = json.loads(json.dumps(SMALL))
    data["players"].append({"slug": "ivan-leko", "name": "Ivan Leko", "club": "club-brugge", "role": "coach"})
    load(tmp_path, data, capsys)
    assert Player.objects.get(slug="ivan-leko").role == Player.Role.COACH
    assert Player.objects.get(slug="hans-vanaken").role == Player.Role.PLAYER


def test_rows_loaded_before_roles_existed_are_not_taken_for_editors_changes(tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    player = Player.objects.get()
    del player.shipped["role"]  # what a load recorded before roles existed
    Player.objects.filter(pk=player.pk).update(shipped=player.shipped)
    coach = json.loads(json.dumps(SMALL))
    coach["players"][0]["role"] = "coach"  # say the file now calls him a coach
    assert "kept 0 editor changes" in load(tmp_path, coach, capsys)
    assert Player.objects.get().role == Player.Role.COACH


def test_a_role_an_editor_set_in_the_admin_survives_a_load(admin_client, tmp_path, capsys):
    load(tmp_path, SMALL, capsys)
    player = Player.objects.get(slug="hans-vanaken")
    edit_in_admin(admin_client, player, role="coach")
    assert "kept 1 editor changes" in load(tmp_path, SMALL, capsys)
    assert Player.objects.get(slug="hans-vanaken").role == Player.Role.COACH


def test_the_shipped_gazetteer_knows_the_coaches_of_the_big_clubs():
    call_command("load_gazetteer")
    coaches = dict(Player.objects.filter(role=Player.Role.COACH).values_list("club__slug", "name"))
    assert coaches["club-brugge"] == "Ivan Leko"
    assert coaches["psv"] == "Peter Bosz"
    assert coaches["feyenoord"] == "Robin van Persie"
    assert Player.objects.get(slug="hans-vanaken").role == Player.Role.PLAYER
