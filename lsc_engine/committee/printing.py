"""Printing: an HTML document of the committee's (a letter, a meeting pack) rendered as an A4 PDF."""

from __future__ import annotations


def pdf(document: str) -> bytes:
    """Render a self-contained HTML document (styles inline, nothing fetched) as a PDF with its fonts embedded."""
    from weasyprint import HTML  # imported here: loading it costs a second that other commands need not pay

    printed: bytes = HTML(string=document).write_pdf()
    return printed
