"""Account mail already in the ledger (sign-in codes, reset and confirmation links) loses its
bodies, as new account mail is stored (members/mail/hidden.py). Rows still waiting to be sent
keep theirs until the worker sends them, which then hides them too."""

from django.db import migrations


def hide_sent_account_mail(apps, schema_editor):
    OutboundEmail = apps.get_model("members", "OutboundEmail")
    rows = OutboundEmail.objects.filter(kind="account").exclude(status__in=["pending", "sending"])
    for row in rows.iterator():
        row.body_text = ""
        row.body_html = ""
        row.context = {**(row.context or {}), "hidden": True}
        row.save(update_fields=["body_text", "body_html", "context"])


class Migration(migrations.Migration):
    dependencies = [("members", "0002_profile_preferences_erasure")]

    operations = [migrations.RunPython(hide_sent_account_mail, migrations.RunPython.noop)]
