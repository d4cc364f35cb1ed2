"""Bad input: every file in pdf/broken/ fails with its own clear IngestError.

What the files are (inspected with xxd/pdfinfo):
  empty.pdf           0 bytes
  encrypted.pdf       a real PDF encrypted with a user password
  garbage.pdf         "%PDF-1.7" followed by random bytes, no objects
  html-named-pdf.pdf  an HTML "404 Not Found" page saved as .pdf
  truncated.pdf       a real PDF cut off mid-stream (no xref, no %%EOF)
"""

from __future__ import annotations

import struct
from hashlib import md5
from pathlib import Path

import pytest

from ingest.readers import read_file
from ingest.readers.pdf import read_pdf
from ingest.records import IngestError

BROKEN = [
    ("empty.pdf", "empty", "empty"),
    ("encrypted.pdf", "encrypted", "password"),
    ("garbage.pdf", "unreadable", "no PDF objects"),
    ("html-named-pdf.pdf", "not_pdf", "HTML"),
    ("truncated.pdf", "truncated", "%%EOF"),
]


@pytest.mark.parametrize(("name", "cause", "hint"), BROKEN)
def test_broken_file_raises_its_cause(shared_corpus: Path, name: str, cause: str, hint: str) -> None:
    path = shared_corpus / "pdf" / "broken" / name
    with pytest.raises(IngestError) as info:
        read_pdf(path)
    err = info.value
    assert err.cause == cause
    assert err.path == str(path)
    assert name in str(err)
    assert hint in str(err)


@pytest.mark.parametrize(("name", "cause", "hint"), BROKEN)
def test_read_file_reports_the_same(shared_corpus: Path, name: str, cause: str, hint: str) -> None:
    with pytest.raises(IngestError) as info:
        read_file(shared_corpus / "pdf" / "broken" / name)
    assert info.value.cause == cause


def test_broken_files_do_not_flood_stderr(shared_corpus: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for name, _, _ in BROKEN:
        with pytest.raises(IngestError):
            read_pdf(shared_corpus / "pdf" / "broken" / name)
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_cut_off_real_pdf_is_truncated(shared_corpus: Path, tmp_path: Path) -> None:
    data = (shared_corpus / "pdf" / "asker__programplan-boso-2012-2015.pdf").read_bytes()
    cut = tmp_path / "halv.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError) as info:
        read_pdf(cut)
    assert info.value.cause == "truncated" and "halv.pdf" in str(info.value)


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(b"\n\n   \n")
    with pytest.raises(IngestError) as info:
        read_pdf(blank)
    assert info.value.cause == "empty"


def test_docx_named_pdf_is_not_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "rapport.pdf"
    fake.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(IngestError) as info:
        read_pdf(fake)
    assert info.value.cause == "not_pdf" and "ZIP" in str(info.value)


# --- encryption that opens with the empty user password -----------------------

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def rc4_encrypted_pdf(text: str, user_password: bytes = b"") -> bytes:
    """A one-page PDF encrypted with the standard security handler (RC4,
    40-bit, revision 2; PDF 1.7 spec §7.6.3, algorithms 2-4)."""
    owner = b"eier"
    perms = -44
    file_id = b"boso-test-id-123"
    o_value = _rc4(md5((owner + _PAD)[:32]).digest()[:5], (user_password + _PAD)[:32])
    key = md5((user_password + _PAD)[:32] + o_value + struct.pack("<i", perms) + file_id).digest()[:5]
    u_value = _rc4(key, _PAD)

    def encrypt(num: int, data: bytes) -> bytes:
        return _rc4(md5(key + struct.pack("<i", num)[:3] + b"\x00\x00").digest()[:10], data)

    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = encrypt(4, f"BT /F1 14 Tf 72 720 Td ({escaped}) Tj ET".encode("cp1252"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (o_value.hex().encode(), u_value.hex().encode(), perms),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    hex_id = file_id.hex().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\n" % (len(objects) + 1, hex_id, hex_id)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_encrypted_with_empty_user_password_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kryptert-tomt-passord.pdf"
    path.write_bytes(rc4_encrypted_pdf("Boligsosialt arbeid i Bærum og Åsgårdstrand"))
    ex = read_pdf(path)
    assert [p.number for p in ex.pages] == [1]
    assert ex.pages[0].text == "Boligsosialt arbeid i Bærum og Åsgårdstrand"


def test_encrypted_with_user_password_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hemmelig.pdf"
    path.write_bytes(rc4_encrypted_pdf("Skal ikke leses", user_password=b"hemmelig"))
    with pytest.raises(IngestError) as info:
        read_pdf(path)
    assert info.value.cause == "encrypted" and "hemmelig.pdf" in str(info.value)
