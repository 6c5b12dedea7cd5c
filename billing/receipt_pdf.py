"""A receipt as a PDF, drawn with fpdf2 and a vendored DejaVu font (names and amounts in any
script, and no system fonts needed)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from .models import Payment

FONTS = Path(__file__).resolve().parent / "fonts"


def newsroom_pdf(*, title: str, document: str) -> FPDF:
    """An A4 page with the newsroom's name, legal name and address, then `title`: the head of
    every PDF we send (receipts, giving statements). `document` is the file's own title."""
    newsroom = settings.NEWSROOM
    pdf = FPDF(format="A4")
    pdf.set_title(document)
    pdf.set_author(newsroom["LEGAL_NAME"])
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 12, newsroom["NAME"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, newsroom["LEGAL_NAME"], new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, newsroom["ADDRESS"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    return pdf


def receipt_pdf(payment: Payment) -> bytes:
    from .receipts import payment_lines

    lines = payment_lines(payment)
    pdf = newsroom_pdf(title=_("Receipt"), document=_("Receipt") + f" {lines['reference']}")
    pdf.set_font("DejaVu", "", 11)
    user = payment.user
    items = lines["items"]
    _rows(
        pdf,
        [
            (_("Received from"), (user.display_name or user.email) if user else ""),
            (_("Email"), user.email if user else ""),
            (_("For"), lines["what"]),
            (_("Period"), "" if items else lines["period"]),
        ],
    )
    if items:
        _items(pdf, items, lines["adjustment_text"])
    _rows(
        pdf,
        [
            (_("Date paid"), lines["paid_on"]),
            (_("Reference"), lines["reference"]),
            (_("Amount"), lines["amount_text"]),
        ],
    )
    pdf.ln(8)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        0,
        6,
        _("Thank you. Your support keeps our journalism independent and free to read."),
    )
    return bytes(pdf.output())


def _rows(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    for label, value in rows:
        if not value:
            continue
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(45, 8, label)
        pdf.set_font("DejaVu", "", 11)
        pdf.cell(0, 8, str(value), new_x="LMARGIN", new_y="NEXT")


def _items(pdf: FPDF, items: list[dict[str, str]], adjustment: str) -> None:
    """Each invoice line: its description (wrapped) and period on the left, its amount on
    the right; then what the lines do not explain (credit used), if anything."""
    rows = [(i["description"], i["period"], i["amount_text"]) for i in items]
    if adjustment:
        rows.append((_("Credit and adjustments"), "", adjustment))
    pdf.ln(2)
    for description, period, amount in rows:
        top = pdf.get_y()
        pdf.set_font("DejaVu", "", 11)
        pdf.set_x(pdf.l_margin + 140)
        pdf.cell(0, 6, amount, align="R")
        pdf.set_xy(pdf.l_margin, top)
        pdf.multi_cell(135, 6, description, new_x="LMARGIN", new_y="NEXT")
        if period:
            pdf.set_font("DejaVu", "", 9)
            pdf.cell(135, 5, period, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(2)
