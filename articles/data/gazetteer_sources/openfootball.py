"""Read openfootball's club lists (CC0): `Name, founded, City` lines with `| Alias` lines below."""

import re
from pathlib import Path

_YEARS = re.compile(r"\s*\(\d{4}-\d{4}\)\s*$")


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].rstrip()


def read_clubs(path: Path) -> dict[str, list[str]]:
    """Map each club's canonical name to its aliases, in file order."""
    clubs: dict[str, list[str]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = _strip_comment(raw)
        stripped = line.strip()
        if not stripped or stripped.startswith("="):
            continue
        if stripped.startswith("|"):
            if current is not None:
                clubs[current] += [a.strip() for a in stripped.split("|") if a.strip()]
            continue
        if re.match(r"^[ivx]+\)", stripped):  # reserve teams ("ii) Jong Ajax") are not clubs
            current = None
            continue
        name = _YEARS.sub("", stripped.split(",", 1)[0].strip())
        current = name
        clubs.setdefault(name, [])
    return clubs
