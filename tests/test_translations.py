"""Chinese is complete: every UI string has a translation, and the compiled catalogue is current."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES"


def parse_po(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header; plural entries give msgid and msgstr[0]."""
    entries, msgid, msgstr, fuzzy, current = [], None, None, False, None

    def unquote(line: str) -> str:
        return bytes(line.strip()[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

    def flush() -> None:
        if msgid:  # the header has an empty msgid
            entries.append((msgid, msgstr or "", fuzzy))

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            msgid, msgstr, fuzzy, current = None, None, False, None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            msgid, current = unquote(line[6:]), "id"
        elif line.startswith("msgid_plural "):
            current = "plural"
        elif line.startswith("msgstr ") or line.startswith("msgstr[0] "):
            msgstr, current = unquote(line.split(" ", 1)[1]), "str"
        elif line.startswith("msgstr["):
            current = "other"
        elif line.startswith('"'):
            if current == "id":
                msgid += unquote(line)
            elif current == "str":
                msgstr += unquote(line)
    return entries


def test_every_string_is_translated_to_chinese():
    entries = parse_po(LOCALE / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(LOCALE / "django.po")], check=True)
    assert fresh.read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "run `make messages` and commit django.mo"
    )


def test_catalogue_holds_every_string_of_the_code(tmp_path):
    """makemessages on a copy of the tree finds no string that the committed catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    import os
    import sys

    root = Path(__file__).resolve().parents[1]
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    copy = tmp_path / "tree"
    for name in files:
        source = root / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    env = {**os.environ, "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = {msgid for msgid, _, _ in parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    committed = {msgid for msgid, _, _ in parse_po(LOCALE / "django.po")}
    assert sorted(extracted - committed) == [], "run `make messages`, translate, and commit"
