"""Small files built in memory for the attachment tests: good ones and the issue's bad inputs."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCM_TYPES = DOCX_TYPES.replace(
    "wordprocessingml.document.main+xml", "ms-word.document.macroEnabled.main+xml"
)


def upload(name: str, content: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(*, password: str = "") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, "navy")
    exif = Image.Exif()
    exif[0x010F] = "Fabricant-Secret"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (45.0, 10.0, 0.0)  # GPSLatitudeRef, GPSLatitude
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def png(size=(40, 30), mode="RGBA") -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else "red").save(output, "PNG")
    return output.getvalue()


def huge_png_header(width=50_000, height=50_000) -> bytes:
    """A PNG that claims 50,000 × 50,000 pixels in a few bytes: only its header is real."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def office(kind="docx", *, macros=False, content_types=None) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as document:
        if kind == "odt":
            document.writestr(
                "mimetype",
                "application/vnd.oasis.opendocument.text",
                compress_type=zipfile.ZIP_STORED,
            )
            document.writestr("content.xml", "<office:document-content/>")
            if macros:
                document.writestr("Basic/Standard/Module1.xml", "<script/>")
        else:
            document.writestr("[Content_Types].xml", content_types or DOCX_TYPES)
            document.writestr("_rels/.rels", "<Relationships/>")
            document.writestr("word/document.xml", "<w:document>Délibération</w:document>")
            if macros:
                document.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return output.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return output.getvalue()


def zip_bomb(megabytes=20) -> bytes:
    """20 MB of zeros in about 20 KB: a ratio of 1,000."""
    return zip_of({"rapport.txt": b"\x00" * (megabytes * 1024 * 1024)})


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00" * 16
# A GIF header that is also a valid script: `GIF89a=alert(document.domain)//`.
GIF_JS_POLYGLOT = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=alert(document.domain);//;"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
