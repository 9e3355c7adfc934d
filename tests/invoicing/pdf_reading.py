"""Reading rendered PDFs back the way a person would: their text through pdftotext, their pages as PNG through pdftoppm
(both from poppler-utils)."""

import re
import subprocess
from pathlib import Path

# Money keeps its symbol with a no-break space (U+00A0) and French groups digits with a narrow one (U+202F).
SPACES = re.compile(r"[ \u00a0\u202f]+")


def pdf_text(pdf: bytes) -> str:
    """The text in reading layout, every run of spaces (breaking or not) as one space; pages end with a form feed."""
    result = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True)
    assert result.returncode == 0, result.stderr
    return SPACES.sub(" ", result.stdout.decode())


def pdf_pages(pdf: bytes) -> list[str]:
    return [page for page in pdf_text(pdf).split("\f") if page.strip()]


def pdf_page_png(pdf: bytes, folder: Path, *, page: int = 1) -> Path:
    prefix = folder / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", "-", str(prefix)],
        input=pdf,
        check=True,
    )
    return prefix.with_suffix(".png")
