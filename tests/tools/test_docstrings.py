"""Parameter and function descriptions come out of Google, NumPy and Sphinx docstrings."""

from __future__ import annotations

from realtime_widget.tools.docstrings import parse_docstring

GOOGLE = """Look up the weather.

    Uses the cached forecast when it is fresh.

    Args:
        city (str): The city name,
            with the country if ambiguous.
        days: How many days ahead.
        **extra: Ignored.

    Returns:
        dict: The forecast.

    Raises:
        KeyError: Unknown city.
    """

NUMPY = """Look up the weather.

    Parameters
    ----------
    city : str
        The city name,
        with the country if ambiguous.
    days, hours : int
        How far ahead.

    Returns
    -------
    dict
        The forecast.
    """

SPHINX = """Look up the weather.

    :param city: The city name,
        with the country if ambiguous.
    :param int days: How many days ahead.
    :type days: int
    :returns: The forecast.
    :raises KeyError: Unknown city.
    """


def test_google_style() -> None:
    parsed = parse_docstring(GOOGLE)
    assert parsed.description == (
        "Look up the weather.\n\nUses the cached forecast when it is fresh."
    )
    assert parsed.params == {
        "city": "The city name, with the country if ambiguous.",
        "days": "How many days ahead.",
        "extra": "Ignored.",
    }


def test_numpy_style_including_shared_entries() -> None:
    parsed = parse_docstring(NUMPY)
    assert parsed.description == "Look up the weather."
    assert parsed.params == {
        "city": "The city name, with the country if ambiguous.",
        "days": "How far ahead.",
        "hours": "How far ahead.",
    }


def test_sphinx_style_with_inline_type() -> None:
    parsed = parse_docstring(SPHINX)
    assert parsed.description == "Look up the weather."
    assert parsed.params == {
        "city": "The city name, with the country if ambiguous.",
        "days": "How many days ahead.",
    }


def test_plain_docstring_and_none() -> None:
    assert parse_docstring("Just a summary.\n\nAnd more.").description == (
        "Just a summary.\n\nAnd more."
    )
    assert parse_docstring("Just a summary.").params == {}
    assert parse_docstring(None).description == ""


def test_google_attributes_section_documents_fields() -> None:
    parsed = parse_docstring("A point.\n\nAttributes:\n    x: Horizontal.\n    y: Vertical.\n")
    assert parsed.description == "A point."
    assert parsed.params == {"x": "Horizontal.", "y": "Vertical."}
