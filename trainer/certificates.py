"""Certificates: earned by a trainee who played every scenario and passed the after-test; a PDF
with the trainee's name, cohort, the principles covered and a code, and a QR code of the page
where anyone can check that code (/verify/CODE on the web server). A trainer can revoke one."""

import importlib.util
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Sequence

import segno
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trainer.content import Content, localized
from trainer.db import Database, retrying
from trainer.identities import CODE_ALPHABET
from trainer.models import Certificate, Cohort, Trainee, as_utc, utcnow
from trainer.settings import PASS_MARK

CODE_LENGTH = 10  # 50 bits: printed on paper, and not found by trying codes at /verify


@dataclass(frozen=True)
class CertificateInfo:
    code: str
    trainee_id: int
    name: str
    cohort: Optional[str]
    language: str
    principles: List[str]
    score: float
    issued_at: datetime
    revoked_at: Optional[datetime]

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


def earned(after_percent: Optional[float], scenarios_left: int) -> bool:
    return after_percent is not None and after_percent >= PASS_MARK and scenarios_left == 0


class Certificates:
    def __init__(self, db: Database):
        self.db = db

    def issue(self, trainee_id: int, score: float, principles: Sequence[str]) -> CertificateInfo:
        """The trainee's certificate, made now unless they already have one."""
        try:
            return self._issue(trainee_id, score, principles)
        except IntegrityError:  # made at the same moment from another device
            found = self.for_trainee(trainee_id)
            assert found is not None
            return found

    @retrying
    def _issue(self, trainee_id: int, score: float, principles: Sequence[str]) -> CertificateInfo:
        with self.db.transaction() as session:
            row = session.execute(select(Certificate).where(Certificate.trainee_id == trainee_id)).scalar_one_or_none()
            if row is None:
                trainee = session.get(Trainee, trainee_id)
                cohort = session.get(Cohort, trainee.cohort_id) if trainee.cohort_id else None
                row = Certificate(
                    code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
                    trainee_id=trainee_id,
                    name=trainee.display_name or f"#{trainee_id}",
                    cohort=cohort.name if cohort else None,
                    language=trainee.language,
                    principles=list(principles),
                    score=score,
                )
                session.add(row)
                session.flush()
            return _info(row)

    @retrying
    def for_trainee(self, trainee_id: int) -> Optional[CertificateInfo]:
        with self.db.transaction() as session:
            row = session.execute(select(Certificate).where(Certificate.trainee_id == trainee_id)).scalar_one_or_none()
            return _info(row) if row else None

    @retrying
    def find(self, code: str) -> Optional[CertificateInfo]:
        with self.db.transaction() as session:
            row = _by_code(session, code)
            return _info(row) if row else None

    @retrying
    def revoke(self, code: str) -> Optional[CertificateInfo]:
        """Revoke a certificate (it then verifies as revoked); None if no such code."""
        with self.db.transaction() as session:
            row = _by_code(session, code)
            if row is None:
                return None
            row.revoked_at = row.revoked_at or utcnow()
            return _info(row)


def _by_code(session, code: str) -> Optional[Certificate]:
    return session.execute(
        select(Certificate).where(Certificate.code == code.strip().upper()[:16])
    ).scalar_one_or_none()


def _info(row: Certificate) -> CertificateInfo:
    return CertificateInfo(
        row.code,
        row.trainee_id,
        row.name,
        row.cohort,
        row.language,
        list(row.principles or []),
        row.score,
        as_utc(row.issued_at),
        row.revoked_at and as_utc(row.revoked_at),
    )


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{code}"


def _font_file() -> Path:
    """DejaVu Sans, shipped with matplotlib (which rasa installs): it has every letter of French
    and of most names; the PDF core fonts have only Latin-1."""
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations
    return Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"


TEXTS = {
    "en": {
        "title": "Certificate of training",
        "intro": "This certifies that",
        "done": "completed the scenario training on protecting civilians in armed conflict",
        "cohort": "Cohort: {cohort}",
        "passed": "and passed the final knowledge check ({score}%).",
        "covered": "Principles covered:",
        "issued": "Issued on {date}. Code: {code}",
        "check": "Check this certificate: {url}",
    },
    "fr": {
        "title": "Attestation de formation",
        "intro": "Nous attestons que",
        "done": "a suivi l'entraînement par scénarios à la protection des civils en conflit armé",
        "cohort": "Promotion : {cohort}",
        "passed": "et réussi le test de connaissances final ({score} %).",
        "covered": "Principes étudiés :",
        "issued": "Délivrée le {date}. Code : {code}",
        "check": "Vérifier cette attestation : {url}",
    },
}


def certificate_pdf(certificate: CertificateInfo, content: Content, public_url: str) -> bytes:
    """The certificate as a one-page A4 PDF, in the trainee's language."""
    from babel.dates import format_date

    texts = TEXTS.get(certificate.language, TEXTS["en"])
    url = verify_url(public_url, certificate.code)
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(texts["title"])
    pdf.set_creator("IHL training assistant")
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(_font_file()))
    pdf.set_draw_color(29, 95, 168)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

    def line(text: str, size: float, height: float, gap: float = 0) -> None:
        pdf.set_font("DejaVu", size=size)
        pdf.set_x(20)
        pdf.multi_cell(pdf.w - 110, height, text, align="L")
        pdf.ln(gap)

    pdf.set_y(24)
    line(texts["title"], 26, 12, 6)
    line(texts["intro"], 13, 7, 2)
    line(certificate.name, 22, 11, 2)
    line(texts["done"], 13, 7)
    line(texts["passed"].format(score=round(certificate.score)), 13, 7, 2)
    if certificate.cohort:
        line(texts["cohort"].format(cohort=certificate.cohort), 12, 7)
    pdf.ln(3)
    line(texts["covered"], 12, 7)
    titles = [
        localized(content.principles[p].title, certificate.language)
        for p in certificate.principles
        if p in content.principles
    ]
    line(" · ".join(titles), 11, 6, 6)
    date = format_date(certificate.issued_at, "d MMMM y", locale=certificate.language)
    line(texts["issued"].format(date=date, code=certificate.code), 11, 6)
    line(texts["check"].format(url=url), 9, 5)

    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=8, border=2)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - 85, y=pdf.h / 2 - 35, w=70, h=70)
    return bytes(pdf.output())
