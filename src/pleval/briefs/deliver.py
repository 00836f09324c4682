"""The funder's copies of a brief: a Word document built with python-docx, and a PDF printed by headless Chromium.

Both are made from what the reviewers' HTML is made from, and compute nothing: the Word document from the
:class:`pleval.schema.Brief` and its chart PNGs, the PDF from the brief's HTML page, whose print stylesheet lays
it out on letter or A4 paper with page numbers and the sidebars beside the text.

The Word document uses Word's own styles, so that its outline, navigation pane and accessibility checker work:
``Title`` and ``Subtitle``, ``Heading 1`` for each theme, ``List Bullet`` for the examples and questions,
``Intense Quote`` for the pull quote; a sidebar is a shaded one-cell table, the survey note an endnote-style note
under a rule with its mark, the charts pictures with their captions, and the citation closes it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from ..errors import DeliverableError
from ..schema import Brief

ACCENT = RGBColor(0x2F, 0x6F, 0x5E)  # the HTML page's accent colour
SIDEBAR_FILL = "EEF4F1"
PAPERS = {"letter": "letter", "a4": "A4"}
_PAGE_SIZES = {(612, 792): "letter", (595, 842): "a4"}  # points, as a PDF's MediaBox gives them
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
#: How long Chromium may take to print one brief, in seconds.
PRINT_TIMEOUT = 120


# --- Word ----------------------------------------------------------------------------------------------------


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _sidebar(document, title: str, text: str, items: list[str]) -> None:
    """A sidebar panel: a shaded one-cell table with its title, text and items."""
    table = document.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell = table.rows[0].cells[0]
    _shade(cell, SIDEBAR_FILL)
    heading = cell.paragraphs[0]
    run = heading.add_run(title.upper())
    run.bold, run.font.size, run.font.color.rgb = True, Pt(10), ACCENT
    if text:
        cell.add_paragraph(text)
    for item in items:
        cell.add_paragraph(item, style="List Bullet")
    document.add_paragraph()


def _picture(document, data: bytes, caption: str) -> None:
    document.add_picture(io.BytesIO(data), width=Inches(6.0))
    if caption:
        document.add_paragraph(caption, style="Caption")


def render_docx(brief: Brief, charts: dict[str, bytes], captions: dict[str, str], survey_rows: list[dict],
                survey_note: str, *, final: bool = False) -> bytes:
    """The brief as a Word document (.docx bytes).

    Parameters
    ----------
    brief : Brief
    charts : dict of str to bytes
        Chart name to its PNG, as the HTML page shows them.
    captions : dict of str to str
        Chart name to its caption.
    survey_rows : list of dict
        The survey table's rows (theme, wording, n, percent, interval), as the HTML page's.
    survey_note : str
        Why figures are missing from the survey table, or "".
    final : bool
        Leave out the draft notice.
    """
    document = Document()
    document.core_properties.title = brief.title + (f": {brief.subtitle}" if brief.subtitle else "")
    document.core_properties.author = brief.citation.split(" (")[0] if brief.citation else ""
    document.add_paragraph(brief.title, style="Title")
    if brief.subtitle:
        document.add_paragraph(brief.subtitle, style="Subtitle")
    if not final:
        notice = document.add_paragraph()
        run = notice.add_run(f"Draft brief drafted by pleval {brief.provenance.get('pleval', '')} on "
                             f"{brief.provenance.get('created', '')}: review every sentence before it is shared.")
        run.italic, run.font.size = True, Pt(9)
    if brief.hand_written_lead:
        document.add_paragraph(brief.hand_written_lead)
    if brief.lead:
        lead = document.add_paragraph(" ".join(brief.lead))
        lead.runs[0].font.size = Pt(12)
    for sidebar in brief.sidebars:
        _sidebar(document, sidebar.title, sidebar.text, list(sidebar.items))
    for theme in brief.themes:
        heading = theme.heading + (" (provisional)" if theme.reliability.provisional and not final else "")
        document.add_heading(heading, level=1)
        body = [*theme.narrative, *[figure.sentence for figure in theme.figures]]
        if body:
            document.add_paragraph(" ".join(body))
        if theme.hand_written:
            document.add_paragraph(theme.hand_written)
        if not final:
            for sentence in theme.notes:
                note = document.add_paragraph()
                note.add_run(sentence).bold = True
        if theme.examples:
            document.add_heading("Examples", level=2)
            for sentence in theme.example_sentences:
                document.add_paragraph(sentence, style="List Bullet")
        if theme.pull_quote:
            pull = document.add_paragraph(f"“{theme.pull_quote.text}”", style="Intense Quote")
            pull.add_run(f"\n— {theme.pull_quote.short_attribution}").italic = False
    if brief.closing:
        document.add_paragraph(brief.closing)
    if brief.questions:
        document.add_heading("Questions to Consider", level=1)
        for question in brief.questions:
            document.add_paragraph(question, style="List Bullet")
    if charts or survey_rows:
        document.add_heading("Figures", level=1)
    for name, data in charts.items():
        _picture(document, data, captions.get(name, ""))
    if survey_rows:
        columns = [("theme", "Theme"), ("wording", "Survey item"), ("n", "n"), ("percent", "% agreeing"),
                   ("interval", "95% interval")]
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Light List Accent 1"
        for cell, (_, title) in zip(table.rows[0].cells, columns, strict=True):
            cell.text = title
        for row in survey_rows:
            cells = table.add_row().cells
            for cell, (key, _) in zip(cells, columns, strict=True):
                cell.text = str(row[key])
        if survey_note:
            document.add_paragraph(survey_note, style="Caption")
    if brief.footnote:
        rule = document.add_paragraph("_" * 20)
        rule.runs[0].font.size = Pt(8)
        note = document.add_paragraph(brief.footnote)
        note.runs[0].font.size = Pt(9)
    if brief.methods and not final:
        methods = document.add_paragraph()
        methods.add_run("Methods note (draft). ").bold = True
        methods.add_run(" ".join(brief.methods))
    document.add_heading("About this brief", level=1)
    for paragraph in brief.about:
        document.add_paragraph(paragraph)
    citation = document.add_paragraph()
    citation.add_run("Suggested citation: ").bold = True
    citation.add_run(brief.citation).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """The Chromium (or Chrome) to print with: ``$PLEVAL_CHROMIUM``, else the first found on the PATH."""
    given = os.environ.get("PLEVAL_CHROMIUM")
    if given:
        return given if Path(given).exists() or shutil.which(given) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def for_paper(html: str, paper: str) -> str:
    """The page with its print size set to ``paper`` (``letter`` or ``a4``)."""
    if paper not in PAPERS:
        raise DeliverableError(f"unknown paper size '{paper}'", fix=f"use one of: {', '.join(PAPERS)}")
    return html.replace("</head>", f"<style>@page {{ size: {PAPERS[paper]}; }}</style>\n</head>", 1)


def pdf_paper(data: bytes) -> str | None:
    """The paper (``letter`` or ``a4``) of a PDF's first page, or None when it is neither."""
    found = _MEDIA_BOX.search(data)
    return _PAGE_SIZES.get((round(float(found[1])), round(float(found[2])))) if found else None


def render_pdf(html: str, *, paper: str = "letter", chromium: str | None = None) -> bytes:
    """The brief's HTML page printed to PDF by headless Chromium, with the page's print stylesheet.

    Raises
    ------
    DeliverableError
        If no Chromium is found, or it fails or takes longer than :data:`PRINT_TIMEOUT`.
    """
    browser = chromium or find_chromium()
    if browser is None:
        raise DeliverableError("no Chromium to print the PDF with",
                               fix="install it (apt-get install chromium) or set PLEVAL_CHROMIUM to its path, "
                                   "or leave pdf out of --formats")
    with tempfile.TemporaryDirectory(prefix="pleval-pdf-") as scratch:
        page, pdf = Path(scratch) / "brief.html", Path(scratch) / "brief.pdf"
        page.write_text(for_paper(html, paper), encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(scratch) / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DeliverableError(f"Chromium could not print the brief ({error})",
                                   fix="check that the Chromium in PLEVAL_CHROMIUM or on the PATH runs") from None
        if not pdf.exists() or pdf.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise DeliverableError(f"Chromium printed no PDF (exit {done.returncode}: {last})",
                                   fix="check that the Chromium in PLEVAL_CHROMIUM or on the PATH runs")
        return pdf.read_bytes()
