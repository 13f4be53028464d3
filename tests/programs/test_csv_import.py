"""The shared CSV reader (common/csv_import.py): every way a real upload arrives."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.csv_import import CsvFileError, RowErrorsFound, read_csv

COLUMNS = {"required": ["email", "full_name"], "optional": ["title", "manager_email"]}


def file_error(raw, **kwargs) -> tuple[str, str]:
    with pytest.raises(CsvFileError) as info:
        read_csv(raw, **{**COLUMNS, **kwargs})
    error = info.value.error_dict["file"][0]
    return error.code, error.messages[0]


def test_reads_plain_utf8_with_extra_columns_and_free_order():
    table = read_csv(
        b"Employee ID,Full Name,EMAIL,Title\n7,Ana Lima,ana@example.com,Head of Sales\n",
        **COLUMNS,
    )
    (row,) = table.rows
    assert row.number == 2
    assert row["email"] == "ana@example.com"
    assert row["full_name"] == "Ana Lima"
    assert row["title"] == "Head of Sales"
    assert row["manager_email"] == ""
    assert "employee_id" not in row.values


def test_reads_excel_csv_utf8_export_with_bom_crlf_and_quotes():
    raw = (
        "\ufeffemail,full_name,title\r\n"
        'zoe@example.com,"Zoë Müller","Director, Sales\r\nEMEA"\r\n'
        "li@example.com,Li Wei,Manager\r\n"
    ).encode()
    table = read_csv(raw, **COLUMNS)
    assert [row["full_name"] for row in table.rows] == ["Zoë Müller", "Li Wei"]
    assert table.rows[0]["title"] == "Director, Sales\r\nEMEA"
    # The quoted line break does not shift the spreadsheet row numbers.
    assert [row.number for row in table.rows] == [2, 3]


def test_sniffs_semicolon_delimiter_of_european_excel():
    raw = "\ufeffE-mail;Full name;Title\r\nana@example.com;Ana Lima;Team Lead, North\r\n"
    table = read_csv(raw.encode(), **COLUMNS, aliases={"email": ["e-mail"]})
    assert table.delimiter == ";"
    assert table.rows[0]["email"] == "ana@example.com"
    assert table.rows[0]["title"] == "Team Lead, North"


def test_skips_blank_lines_but_keeps_row_numbers():
    table = read_csv(b"email,full_name\n,\n\nb@example.com,B\n,,\n", **COLUMNS)
    assert [row.number for row in table.rows] == [4]


def test_accepts_uploaded_file_objects():
    upload = SimpleUploadedFile("people.csv", b"email,full_name\na@example.com,A\n")
    assert read_csv(upload, **COLUMNS).rows[0]["email"] == "a@example.com"
    assert read_csv(io.BytesIO(b"email,full_name\na@example.com,A\n"), **COLUMNS).rows


def test_latin1_file_asks_for_csv_utf8():
    code, message = file_error("email,full_name\nz@example.com,Zoë\n".encode("cp1252"))
    assert code == "not_utf8"
    assert "CSV UTF-8" in message


def test_utf16_file_asks_for_csv_utf8():
    code, message = file_error("email,full_name\n".encode("utf-16"))
    assert code == "not_utf8"
    assert "CSV UTF-8" in message


def test_excel_workbook_is_not_csv():
    code, message = file_error(b"PK\x03\x04\x14\x00rest-of-a-zip")
    assert code == "not_csv"
    assert "Excel workbook" in message


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(raw):
    assert file_error(raw) == ("empty", "The file is empty.")


def test_header_without_rows():
    assert file_error(b"email,full_name\r\n")[0] == "no_rows"


def test_missing_required_columns_are_all_named():
    code, message = file_error(b"mail,name\na@example.com,A\n")
    assert code == "missing_columns"
    assert "email, full_name" in message
    assert "mail, name" in message


def test_duplicate_column():
    assert file_error(b"email,full_name,Email\na,b,c\n")[0] == "duplicate_column"


def test_size_limit():
    raw = b"email,full_name\n" + b"a@example.com,A\n" * 100
    assert file_error(raw, max_bytes=200)[0] == "too_large"
    upload = SimpleUploadedFile("big.csv", raw)
    assert file_error(upload, max_bytes=200)[0] == "too_large"


def test_row_limit():
    raw = b"email,full_name\n" + b"a@example.com,A\n" * 11
    assert file_error(raw, max_rows=10)[0] == "too_many_rows"
    assert len(read_csv(raw, **COLUMNS, max_rows=11).rows) == 11


def test_row_errors_found_lists_every_error():
    table = read_csv(b"email,full_name\nnot-an-email,A\n", **COLUMNS)
    error = RowErrorsFound([table.rows[0].error("email", "Not an email address.")])
    assert error.status_code == 400
    assert error.extra["errors"] == [
        {"row": 2, "column": "email", "message": "Not an email address."}
    ]
