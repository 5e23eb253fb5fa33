import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.settings_fixtures import media_root  # noqa: F401 (autouse)

# The first bytes of real files of each kind (the rest does not matter to a sniffer).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 300


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def stored_files(media_root):  # noqa: F811
    """The files under MEDIA_ROOT now, as relative paths."""

    def listing() -> list[str]:
        if not media_root.exists():
            return []
        return sorted(
            str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()
        )

    return listing
