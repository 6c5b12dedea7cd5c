"""Forms for the member's own pages. They validate; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import User, normalize_email
from members.preferences import PREFERENCES


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "country", "preferred_language"]
        labels = {
            "display_name": _("Your name"),
            "country": _("Country"),
            "preferred_language": _("Language"),
        }
        help_texts = {
            "display_name": _("How we greet you in emails. You can leave it empty."),
            "country": _("Where you live. It helps us report on our readers, never shown."),
            "preferred_language": _("For our emails to you, and the site when you log in."),
        }
        widgets = {
            "display_name": forms.TextInput(attrs={"autocomplete": "name"}),
            # Two options: radios show both at once (GOV.UK: radios for small sets).
            "preferred_language": forms.RadioSelect,
        }


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = list(PREFERENCES)
        labels = {name: p.label for name, p in PREFERENCES.items()}
        help_texts = {name: p.hint for name, p in PREFERENCES.items()}


class DeleteAccountForm(forms.Form):
    """Confirms a deletion: the password when the member has one, otherwise their email
    address typed out (members who only ever log in with a code have no password)."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Your password"),
                help_text=_("To be sure it is you."),
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        else:
            self.fields["confirm_email"] = forms.CharField(
                label=_("Type your email address to confirm"),
                help_text=_("Your account has no password, so we ask for this instead."),
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password

    def clean_confirm_email(self) -> str:
        typed = normalize_email(self.cleaned_data["confirm_email"])
        if typed != self.user.email:
            raise forms.ValidationError(
                _("Type the address you log in with, %(email)s.") % {"email": self.user.email},
                code="wrong_email",
            )
        return typed


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by email or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
