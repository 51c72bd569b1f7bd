"""Encoding, delimiter and decimal-mark detection on bytes encoded here."""

from __future__ import annotations

import pytest

from kvarter.io.sniff import Dialect, detect_decimal, detect_delimiter, detect_encoding, sniff

NORDIC = "Æbeløgade;Østerbro;Århus;Blåbærvej;Tromsø;Ålesund"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (NORDIC.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + NORDIC.encode("utf-8"), "utf-8-sig"),
        (NORDIC.encode("cp1252"), "cp1252"),
        # Latin-1 and CP1252 agree on æøåÆØÅ; only a byte CP1252 leaves undefined tells them apart.
        (NORDIC.encode("latin-1") + b"\x81", "latin-1"),
        (b"plain ascii", "utf-8"),
    ],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data) == expected


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_nordic_letters_round_trip_through_the_guessed_codec(codec):
    data = NORDIC.encode(codec)
    assert data.decode(detect_encoding(data)) == NORDIC.encode(codec).decode(codec)
    assert data.decode(detect_encoding(data)).lstrip("\ufeff") == NORDIC


def test_cp1252_only_characters_survive():
    # The euro sign and curly quotes are CP1252, not Latin-1.
    text = "pris;€ 12,50;“citat”"
    assert sniff(text.encode("cp1252")).encoding == "cp1252"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),
        ("a\tb\tc\n1\t2,5\t3\n", "\t"),
        ('"a";"b"\n"1,2";"3,4"\n"5,6";"7,8"\n', ";"),
        ("a|b\n1|2\n", "|"),
        ('"navn, fuldt";"alder"\n"Hansen, Åse";"42"\n', ";"),
    ],
)
def test_detect_delimiter(text, delimiter):
    assert detect_delimiter(text) == delimiter


def test_decimal_comma_needs_a_non_comma_delimiter_and_no_decimal_points():
    assert detect_decimal(["12,5", "7"], ";") == ","
    assert detect_decimal(["12,5", "7.25"], ";") == "."
    assert detect_decimal(["12,5"], ",") == "."
    assert detect_decimal(["1", "2"], ";") == "."


def test_sniff_semicolon_file_with_decimal_commas_and_padding():
    data = '"område" ; "indkomst"\n"  Nørrebro " ; " 12,5 "\n'.encode("cp1252")
    assert sniff(data) == Dialect("cp1252", ";", ",")
