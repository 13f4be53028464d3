"""The page widgets every app includes: one progress bar, one status badge, one row-error table."""

import re

import pytest
from django.template.loader import render_to_string


def _progress(**context) -> str:
    return render_to_string("_progress.html", context).strip().splitlines()[-1]


def _attributes(html: str) -> dict[str, str]:
    return dict(re.findall(r'(aria-[a-z]+|role)="([^"]*)"', html))


def test_a_percentage_bar_says_what_it_measures_and_how_far():
    html = _progress(value=66.6, label="Required modules done")
    assert _attributes(html) == {
        "role": "progressbar",
        "aria-label": "Required modules done",
        "aria-valuemin": "0",
        "aria-valuemax": "100",
        "aria-valuenow": "67",
    }
    assert 'style="width: 67%"' in html


def test_a_count_bar_has_its_own_maximum_and_words():
    html = _progress(value=3, max=4, label="Raters who answered", text="3 of 4 answered")
    attributes = _attributes(html)
    assert (attributes["aria-valuenow"], attributes["aria-valuemax"]) == ("3", "4")
    assert attributes["aria-valuetext"] == "3 of 4 answered"
    assert 'style="width: 75%"' in html


def test_a_value_not_known_yet_is_an_indeterminate_bar():
    attributes = _attributes(_progress(value=None, label="Open goals"))
    assert "aria-valuenow" not in attributes
    assert attributes["role"] == "progressbar"


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        ("active", "badge good"),
        ("completed", "badge good"),
        ("approved", "badge good"),
        ("achieved", "badge good"),
        ("withdrawn", "badge bad"),
        ("failed", "badge bad"),
        ("invited", "badge warn"),
        ("proposed", "badge warn"),
        ("draft", "badge"),
        ("ended", "badge"),
    ],
)
def test_one_status_badge_colours_every_status_alike(status, colour):
    html = render_to_string("_status.html", {"status": status, "label": "Label"})
    assert f'<span class="{colour}">Label</span>' in html


def test_row_errors_list_every_row_and_say_nothing_is_imported():
    errors = [
        {"row": 2, "column": "email", "message": "Not an email."},
        {"row": 5, "column": None, "message": "Duplicate row."},
    ]
    html = render_to_string("_row_errors.html", {"errors": errors})
    assert "Nothing will be imported" in html
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells == ["2", "email", "Not an email.", "5", "—", "Duplicate row."]
