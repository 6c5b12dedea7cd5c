"""Compile every locale/<lang>/LC_MESSAGES/*.po into its .mo, without GNU gettext.

`manage.py compilemessages` needs GNU msgfmt, which a fresh machine does not have; polib
(pure Python, pinned in requirements.txt) writes the same binary catalogue. The .mo files
are committed, so the site runs without this step; tests check they match their .po.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogue(po_path: Path) -> Path:
    import polib

    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    po.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile locale .po files to .mo with polib (no GNU gettext needed)."

    def handle(self, *args: object, **options: object) -> None:
        for folder in settings.LOCALE_PATHS:
            for po_path in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo_path = compile_catalogue(po_path)
                self.stdout.write(f"compiled {mo_path.relative_to(settings.BASE_DIR)}")
