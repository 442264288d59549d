"""The shared PDF helper prints Lithuanian and Cyrillic text, bold and regular."""

from __future__ import annotations

import io

from pypdf import PdfReader

from raktas.core import pdf as pdfdoc


def test_a_document_carries_lithuanian_and_cyrillic_text_and_its_footer():
    doc = pdfdoc.new_document("Ąžuolas", footer="Puslapis {page}")
    doc.add_page()
    pdfdoc.use(doc, 12, bold=True)
    pdfdoc.text_cell(doc, 0, 7, "Žąsų ūkis — ООО «Ромашка»", new_x="LMARGIN", new_y="NEXT")
    pdfdoc.use(doc, 9)
    pdfdoc.text_cell(doc, 0, 5, "Įprastas tekstas " * 30, multi=True)
    assert pdfdoc.fit(doc, "Labai ilgas pavadinimas", 10).endswith("…")
    data = bytes(doc.output())
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "Žąsų ūkis — ООО «Ромашка»" in text
    assert "Įprastas tekstas" in text and "Puslapis 1" in text
    assert reader.metadata is not None and reader.metadata.title == "Ąžuolas"
