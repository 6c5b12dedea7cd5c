"""English now, Ukrainian started: the catalogue compiles, the committed .mo matches its .po,
and the account pages speak Ukrainian when asked."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from members.management.commands.compile_translations import compile_catalogue
from members.models import User
from tests.members.factories import UserFactory

PO = Path(settings.BASE_DIR) / "locale" / "uk" / "LC_MESSAGES" / "django.po"


def catalogue(entries: polib.MOFile) -> dict[tuple[str, str], object]:
    """Every translated message, keyed by (context, id); plural forms as a dict."""
    result: dict[tuple[str, str], object] = {}
    for e in entries:
        value = {int(k): v for k, v in e.msgstr_plural.items()} if e.msgstr_plural else e.msgstr
        if e.msgid and value:
            result[(e.msgctxt or "", e.msgid)] = value
    return result


def test_committed_mo_matches_the_po(tmp_path: Path) -> None:
    """Whoever edits the .po must run `manage.py compile_translations` and commit the .mo."""
    committed = polib.mofile(str(PO.with_suffix(".mo")))
    fresh_po = tmp_path / "django.po"
    fresh_po.write_bytes(PO.read_bytes())
    fresh = polib.mofile(str(compile_catalogue(fresh_po)))
    assert catalogue(committed) == catalogue(fresh)
    assert len(catalogue(committed)) >= 150


def test_the_catalogue_has_ukrainian_for_the_account_pages() -> None:
    with translation.override("uk"):
        assert translation.gettext("Log in with a code") == "Увійти за кодом"
        assert translation.gettext("Email preferences") == "Налаштування листів"
        assert translation.ngettext("%(total)s member", "%(total)s members", 3) == (
            "%(total)s учасники"
        )
        assert translation.ngettext("%(total)s member", "%(total)s members", 5) == (
            "%(total)s учасників"
        )


@pytest.mark.django_db
def test_pages_in_ukrainian(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    login = client.get(reverse("account_login")).content.decode()
    assert '<html lang="uk">' in login
    assert "<h1>Увійти</h1>" in login
    assert "Надіслати мені код для входу" in login
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Створити обліковий запис</button>" in signup

    client.force_login(UserFactory())
    prefs = client.get(reverse("members:preferences")).content.decode()
    assert "Запрошення до голосування" in prefs
    assert "Зберегти налаштування листів</button>" in prefs


@pytest.mark.django_db
def test_signing_up_on_the_ukrainian_site_keeps_ukrainian_for_emails(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    password = "a-long-and-unusual-passphrase-42"
    client.post(
        reverse("account_signup"),
        {"email": "olena@example.org", "password1": password, "password2": password},
    )
    assert User.objects.get(email="olena@example.org").preferred_language == "uk"
