import pytest

from pleval.errors import DecodeError, DecodingWarning
from pleval.inputs.text import decode, normalise, sha256_text


def test_utf8_with_bom_decodes_without_warning():
    text, warnings = decode("\ufeffCafé".encode("utf-8"), "a.txt")
    assert text == "Café" and warnings == []


def test_windows_1252_is_accepted_with_a_warning_naming_the_line():
    data = "line one\nit\u2019s smart quotes".encode("cp1252")
    text, warnings = decode(data, "a.txt")
    assert text == "line one\nit\u2019s smart quotes"
    assert isinstance(warnings[0], DecodingWarning)
    assert warnings[0].line == 2 and "Windows-1252" in str(warnings[0])


def test_undecodable_bytes_raise_with_line():
    with pytest.raises(DecodeError) as error:
        decode(b"ok\nok\n\x81\x8d bad", "a.txt")
    assert error.value.line == 3 and "a.txt:3" in str(error.value)


def test_normalise_line_endings_and_bom():
    assert normalise("\ufeffa\r\nb\rc\n") == "a\nb\nc\n"


def test_hash_depends_on_text_only():
    assert sha256_text("a\nb") == sha256_text(normalise("a\r\nb"))
    assert sha256_text("a") != sha256_text("b")
