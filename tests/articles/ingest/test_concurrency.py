"""Two processes ingesting the same entry at the same moment produce one article."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from articles.models import Article
from tests.factories import SourceFactory
from tests.services import subprocess_env

ROOT = Path(__file__).resolve().parents[3]

STORE_AT = """
import json, sys, time
import django
django.setup()
from articles.models import Source
from articles.ingest.store import store_article
source_id, start, entry = int(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
source = Source.objects.get(pk=source_id)
while time.time() < start:
    pass
result = store_article(source, **entry)
print(result.outcome.value)
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(3))
def test_two_processes_storing_the_same_entry_yield_one_row(run):
    source = SourceFactory()
    entry = {
        "url": f"https://sportkrant.example/voetbal/gelijktijdig-{run}",
        "guid": f"gelijktijdig-{run}",
        "title": "Twee werkers, één artikel",
        "body_text": "Beide processen slaan dit artikel op hetzelfde moment op.",
    }
    start = time.time() + 2.5  # both processes are set up and spinning by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", STORE_AT, str(source.pk), str(start), json.dumps(entry)],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        outcomes.append(out.strip().splitlines()[-1])
    assert Article.objects.filter(guid=entry["guid"]).count() == 1
    assert sorted(outcomes) == ["new", "unchanged"]
