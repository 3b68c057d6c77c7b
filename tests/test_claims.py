"""Numbers in the notebooks' prose are tied to what the notebooks print.

A number quoted in markdown (a decimal such as 0.822, a percentage such as 38 %, a ratio
such as 12×) must appear in an output of the same notebook at the precision quoted, or in
its code (a parameter the text names), or stand in a sentence that cites its source (an
author and year, e.g. "Itti et al. 1998", or a standard such as ITU-R BT.601). So a
re-execution that moves a number makes the stale sentence fail here, and a value from a
paper says where it comes from.

Not counted: section numbers (§2.3, headings), equation numbers, equations ($...$), code
spans, link targets and arXiv identifiers, and a rubric's "0.5 points".
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

QUOTED = re.compile(
    r"(?<![\w.^_{/−-])"
    r"(?P<number>\d+\.\d+|\d+(?=\s?%)|\d+(?:\.\d+)?(?=\s?[×x](?!\w)))"
    r"(?P<unit>\s?%|\s?[×x](?!\w))?"
    r"(?![\w.]\d)"
)
NOT_CLAIMS = [
    re.compile(r"\$\$.*?\$\$", re.S),  # display equations
    re.compile(r"\$[^$\n]*\$"),  # inline equations
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"arXiv:\s*\S+"),
    re.compile(r"^#+\s*[\d.]+", re.M),  # numbered headings
    re.compile(r"§\s?\d+(?:\.\d+)*(?:\s?[–-]\s?\d+(?:\.\d+)*)?"),  # section references
    re.compile(r"\b(?:eqs?|Eqs?|Fig|Figs|Table|p|pp)\.\s?\d+(?:\.\d+)*(?:\s?[–-]\s?\d+(?:\.\d+)*)?"),
    re.compile(r"\d+(?:\.\d+)?\s*points?\b"),  # rubric items
]
CITATION = re.compile(
    r"[A-Z][A-Za-z'’\-]+(?: et al\.?|,? (?:&|and) [A-Z][A-Za-z'’\-]+)?,? \(?(?:19|20)\d\d[a-z]?\b"
    r"|ITU-R BT\.\d+"
)
SENTENCE_END = re.compile(r"(?<!\bal)(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\beq)(?<!\beqs)(?<!\bp)(?<!\bpp)(?<!\bFig)"
                          r"[.!?](?=\s+[A-Z(*_])|\n\s*\n")
OUTPUT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _output_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for mime in ("text/plain", "text/html", "text/markdown"):
                value = output.get("data", {}).get(mime, "")
                parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def _known_values(notebook: nbformat.NotebookNode) -> list[float]:
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return [float(token) for token in OUTPUT_NUMBER.findall(_output_text(notebook) + "\n" + code)]


def _agrees(number: str, unit: str, known: list[float]) -> bool:
    """Is ``number`` (as quoted, with ``unit``) one of ``known`` rounded to the digits quoted?"""
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = float(number)
    tolerance = 0.5 * 10.0 ** -decimals + 1e-9
    scales = (1.0, 100.0) if "%" in unit else (1.0,)
    return any(abs(abs(candidate) * scale - value) <= tolerance for candidate in known for scale in scales)


def _sentences(text: str) -> list[str]:
    pieces, start = [], 0
    for end in SENTENCE_END.finditer(text):
        pieces.append(text[start:end.end()])
        start = end.end()
    pieces.append(text[start:])
    return pieces


def unsupported_numbers(notebook: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, number as quoted, its sentence) for each quoted number nothing supports."""
    known = _known_values(notebook)
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        for pattern in NOT_CLAIMS:
            text = pattern.sub(" ", text)
        for sentence in _sentences(text):
            if CITATION.search(sentence):
                continue
            for match in QUOTED.finditer(sentence):
                if not _agrees(match["number"], match["unit"] or "", known):
                    found.append((index, match.group(0).strip(), " ".join(sentence.split())))
    return found


def test_the_checker_finds_a_stale_number_and_accepts_printed_and_cited_ones():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(score)", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="score 0.8216 hit rate 0.38\n")]),
        nbformat.v4.new_markdown_cell(
            "The score is 0.822 and 38 % of crops keep it. It was 0.91 before. "
            "Itti et al. (1998) report 0.95 for this. See §2.3 and $x = 0.5$ and `alpha=0.7`; "
            "a rubric line: **0.5 points**. It runs 12× faster."),
    ])
    assert [(number, sentence.split()[0]) for _, number, sentence in unsupported_numbers(notebook)] == [
        ("0.91", "It"), ("12×", "It")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem.split("_")[0])
def test_every_number_in_the_text_is_printed_or_cited(path):
    stale = unsupported_numbers(nbformat.read(path, as_version=4))
    assert not stale, "\n".join(f"cell {index}: {number!r} in: {sentence[:200]}" for index, number, sentence in stale)
