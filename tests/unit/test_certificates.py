"""Certificates: earned only by playing every scenario and passing the after-test; the PDF
renders (rasterised with poppler and looked at as an image) with the name, the code and a QR
code; revoking one shows at /verify (tests/integration/test_web_page.py)."""

import shutil
import subprocess

import pytest
from PIL import Image

from trainer.certificates import CODE_LENGTH, Certificates, certificate_pdf, earned
from trainer.content_loader import load_content
from trainer.db import Database
from trainer.identities import Trainees

CONTENT = load_content()
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="no poppler-utils: run scripts/with_services.sh make test"
)


@pytest.fixture
def certificates(database_url):
    db = Database(database_url)
    yield Certificates(db), Trainees(db)
    db.close()


def test_a_certificate_takes_every_scenario_and_the_pass_mark():
    assert earned(70.0, 0) and earned(100.0, 0)
    assert not earned(66.7, 0)  # below the pass mark of 70%
    assert not earned(100.0, 1)  # a scenario left
    assert not earned(None, 0)  # the after-test not finished


def test_one_certificate_per_trainee_and_revoking_keeps_it_on_record(certificates):
    store, people = certificates
    trainee = people.trainee_for("rest", "mariam")
    people.update_trainee(trainee.id, display_name="Sgt Mariam Coulibaly")
    people.enrol(trainee.id, people.create_cohort("Kayes 2026-12"))
    made = store.issue(trainee.id, 83.3, ["distinction", "children"])
    assert len(made.code) == CODE_LENGTH and made.valid and made.cohort == "Kayes 2026-12"
    assert store.issue(trainee.id, 100.0, ["distinction"]) == made  # asked again: the same one
    assert store.find(made.code.lower()) == made
    revoked = store.revoke(made.code)
    assert not revoked.valid and store.find(made.code).revoked_at is not None
    assert store.revoke("NOSUCHCODE") is None and store.find("NOSUCHCODE") is None


@needs_poppler
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pdf_renders_with_name_code_and_a_qr_code(certificates, tmp_path, language):
    store, people = certificates
    trainee = people.trainee_for("rest", f"ousmane-{language}")
    people.update_trainee(trainee.id, display_name="Cpl Ousmane Diarra", language=language)
    made = store.issue(trainee.id, 91.7, sorted(CONTENT.principles))
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate_pdf(made, CONTENT, "https://trainer.example.org"))

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert (
        "Cpl Ousmane Diarra" in text and made.code in text and f"https://trainer.example.org/verify/{made.code}" in text
    )
    assert ("Attestation de formation" if language == "fr" else "Certificate of training") in text
    assert ("Proportionnalité" if language == "fr" else "Proportionality") in text  # accents and all

    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("L")
    width, height = page.size
    assert width > height  # landscape A4
    # The QR code: a square on the right with as much dark as light, unlike text or blank paper.
    qr = page.crop((int(width * 0.70), int(height * 0.30), int(width * 0.93), int(height * 0.70)))
    dark = sum(1 for value in qr.getdata() if value < 128) / (qr.size[0] * qr.size[1])
    assert 0.25 < dark < 0.75, dark
    text_area = page.crop((int(width * 0.05), int(height * 0.1), int(width * 0.6), int(height * 0.9)))
    inked = sum(1 for value in text_area.getdata() if value < 128) / (text_area.size[0] * text_area.size[1])
    assert 0.005 < inked < 0.25, inked  # text is there, and it is not a black page
