"""The few words drafts write themselves, in the article's language."""

from __future__ import annotations

MONTH_NAMES = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def when_words(edtf: str, language: str) -> str:
    """``2023-07`` → "juillet 2023" / "July 2023"; intervals as "from July to October"."""
    if "/" in edtf:
        first, last = edtf.split("/", 1)
        joiner = "from {} to {}" if language == "en" else "de {} à {}"
        return joiner.format(when_words(first, language), when_words(last, language))
    parts = edtf.rstrip("~?%").split("-")
    names = MONTH_NAMES.get(language, MONTH_NAMES["en"])
    if len(parts) == 1:
        return parts[0]
    month = names[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    day = int(parts[2])
    return f"{month} {day}, {parts[0]}" if language == "en" else f"{day} {month} {parts[0]}"


def meeting_title(place: str | None, occurred: str, language: str) -> str:
    when = when_words(occurred, language)
    if language == "fr":
        return f"Réunion à {place} ({when})" if place else f"Réunion ({when})"
    return f"Meeting in {place} ({when})" if place else f"Meeting ({when})"


def unnamed_speaker(language: str) -> str:
    return "une personne non nommée" if language == "fr" else "an unnamed speaker"
