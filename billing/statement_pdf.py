"""The yearly giving statement as a PDF (fpdf2, the vendored DejaVu font, like receipts)."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .money import format_amount
from .receipt_pdf import newsroom_pdf
from .selectors.statements import Statement


def statement_pdf(statement: Statement) -> bytes:
    user = statement.user
    title = _("Giving statement %(year)s") % {"year": statement.year}
    pdf = newsroom_pdf(title=title, document=title)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 7, f"{user.display_name or user.email} · {user.email}", new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.cell(0, 7, _("Reference") + f": {statement.reference}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (35, 85, 35, 35)
    pdf.set_font("DejaVu", "B", 10)
    for width, head in zip(widths, (_("Date"), _("For"), _("Amount"), _("Refunded")), strict=True):
        pdf.cell(
            width, 8, head, border="B", align="R" if width == 35 and head != _("Date") else "L"
        )
    pdf.ln()
    pdf.set_font("DejaVu", "", 10)
    for line in statement.lines:
        what = _("One-time contribution") if line.what == "one_time" else (
            _("%(tier)s membership") % {"tier": line.tier_name} if line.tier_name
            else _("Membership")
        )  # fmt: skip
        paid = formats.date_format(timezone.localtime(line.paid_at), "j M Y")
        pdf.cell(widths[0], 7, paid)
        pdf.cell(widths[1], 7, what[:48])
        pdf.cell(widths[2], 7, format_amount(line.amount, line.currency), align="R")
        pdf.cell(widths[3], 7, format_amount(line.refunded, line.currency) if line.refunded
                 else "", align="R")  # fmt: skip
        pdf.ln()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 11)
    for currency, total in sorted(statement.totals.items()):
        pdf.cell(widths[0] + widths[1], 8, _("Total given, after refunds"))
        pdf.cell(widths[2] + widths[3], 8, format_amount(total, currency), align="R")
        pdf.ln()
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 6, _("Thank you for supporting independent journalism this year."))
    return bytes(pdf.output())
