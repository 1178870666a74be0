"""Dates as the article gives them: a month stays a month, a range becomes an interval.

Where a date is written is found here (month names in French and English, days, years,
ISO dates); what it means is asked of ``dateparser``, which also tells the period it
understood. The precision is ours: never finer than what the words themselves give. A
month with no year takes the year of the date it is listed or ranged with ("en juillet
et en octobre 2023"), else it is left out — never the current year.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from dateparser.date import DateDataParser

from api.drafting.folding import Folded
from domain.clocks import parse_occurred

MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "fev": 2,
    "apr": 4,
    "avr": 4,
    "jun": 6,
    "jul": 7,
    "juil": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# Words that are also something else ("may", "mars", "mai" in a name): a month only with
# a day or a year beside them.
AMBIGUOUS = frozenset({"may", "mars", "mai", "jan", "dec", "oct", "sep", "nov", "aug", "jun"})

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"\d{1,2}(?:er|st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d{2}"
MENTION = re.compile(
    rf"(?<![\w-])(?:"
    rf"(?P<iso>(?P<iy>{_YEAR})-(?P<im>0[1-9]|1[0-2])(?:-(?P<id>[0-3]\d))?)"
    rf"|(?P<span>(?P<sd1>{_DAY})\s*(?:au|a|-|to|and|et)\s*(?P<sd2>{_DAY})\s+(?P<sm>{_MONTH})\.?"
    rf"(?:,?\s+(?P<sy>{_YEAR}))?)"
    rf"|(?P<dmy>(?P<d1>{_DAY})\s+(?P<m1>{_MONTH})\.?(?:,?\s+(?P<y1>{_YEAR}))?)"
    rf"|(?P<mdy>(?P<m2>{_MONTH})\.?\s+(?P<d2>{_DAY})(?:,\s*|\s+)(?P<y2>{_YEAR}))"
    rf"|(?P<my>(?P<m3>{_MONTH})\.?(?:\s+(?:de\s+|of\s+)?(?P<y3>{_YEAR}))?)"
    rf"|(?P<y>{_YEAR})"
    rf")(?![\w-])"
)
RANGE_BEFORE = re.compile(r"(?:\bde|\bdu|\bentre|\bfrom|\bbetween)\s*$")
RANGE_GAP = re.compile(r"^(?:a|au|jusqu'a|jusqu'en|to|through|until|till|-)$")
LIST_GAP = re.compile(r"^(?:,|et|and|ou|or|et en|and in|et le|and on|,? et en|,? and in)$")
BETWEEN_GAP = re.compile(r"^(?:et|and|a|au|to)$")


@dataclass(frozen=True)
class Written:
    """One date as written: folded offsets in the text searched, and its parts."""

    start: int
    end: int
    year: int | None
    month: int | None = None
    day: int | None = None
    last_day: int | None = None  # "du 18 au 20 juillet": the span's last day

    def edtf(self) -> str | None:
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        first = f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.last_day is not None and self.last_day > self.day:
            return f"{first}/{self.year:04d}-{self.month:02d}-{self.last_day:02d}"
        return first


@dataclass(frozen=True)
class DateSaid:
    """A date the text gives: an EDTF value and where it is (folded offsets)."""

    edtf: str
    start: int
    end: int

    @property
    def is_interval(self) -> bool:
        return "/" in self.edtf


_parsers: dict[str, DateDataParser] = {}
_parsers_lock = threading.Lock()


def _parser(language: str) -> DateDataParser:
    with _parsers_lock:
        if language not in _parsers:
            _parsers[language] = DateDataParser(
                languages=[language], settings={"PREFER_DAY_OF_MONTH": "first"}
            )
        return _parsers[language]


@lru_cache(maxsize=4096)
def understood(words: str, language: str) -> tuple[datetime | None, str | None]:
    """What dateparser reads in a date's own words, and the period it says they give."""
    try:
        data = _parser(language).get_date_data(words)
    except Exception:  # dateparser raises assorted errors on odd input
        return None, None
    return data.date_obj, data.period


def warm_up(language: str) -> None:
    """dateparser's first parse loads its language data; do it with the pipeline."""
    understood("1 " + ("juillet" if language == "fr" else "July") + " 2023", language)


def _day(value: str | None) -> int | None:
    return int(re.sub(r"\D", "", value)) if value else None


def _written(match: re.Match[str], original: str, language: str) -> Written | None:
    g = match.groupdict()
    start, end = match.span()
    if g["iso"]:
        return Written(start, end, int(g["iy"]), int(g["im"]), _day(g["id"]))
    if g["y"]:
        return Written(start, end, int(g["y"]))
    if g["span"]:
        month, year = MONTHS[g["sm"]], g["sy"]
        first, last = _day(g["sd1"]), _day(g["sd2"])
        return Written(start, end, int(year) if year else None, month, first, last)
    name, day, year = (
        (g["m1"], g["d1"], g["y1"])
        if g["dmy"]
        else (g["m2"], g["d2"], g["y2"])
        if g["mdy"]
        else (g["m3"], None, g["y3"])
    )
    if name in AMBIGUOUS and not (day or year):
        return None
    written = Written(start, end, int(year) if year else None, MONTHS[name], _day(day))
    if written.year is not None:
        return _checked(written, original, language)
    return written


def _checked(written: Written, words: str, language: str) -> Written | None:
    """dateparser's reading of the words, kept no finer than the parts they contain."""
    when, period = understood(words, language)
    if when is None:
        return written if _valid(written) else None
    month = when.month if written.month is not None else None
    day = when.day if written.day is not None and period == "day" else None
    if written.day is not None and day is None:
        day = written.day
    found = Written(written.start, written.end, when.year, month, day, written.last_day)
    return found if _valid(found) else None


def _valid(written: Written) -> bool:
    if written.year is None or written.month is None or written.day is None:
        return True
    try:
        datetime(written.year, written.month, written.day)
    except ValueError:
        return False
    return True


def dates_in(text: Folded, start: int, end: int, language: str) -> list[DateSaid]:
    """The dates a clause (folded offsets from ``start`` to ``end``) gives, in order, in folded
    offsets of the whole text; lists stay apart, ranges join."""
    folded = text.folded
    found: list[Written] = []
    for match in MENTION.finditer(folded, start, end):
        words = slice(*text.original_span(*match.span()))
        written = _written(match, text.text[words], language)
        if written is not None:
            found.append(written)
    said: list[DateSaid] = []
    i = 0
    while i < len(found):
        first = found[i]
        second = found[i + 1] if i + 1 < len(found) else None
        gap = folded[first.end : second.start].strip() if second else ""
        if second is not None and second.year is not None:
            ranged = RANGE_GAP.match(gap) or (
                BETWEEN_GAP.match(gap) and RANGE_BEFORE.search(folded[start : first.start])
            )
            if ranged or LIST_GAP.match(gap):
                first = _with_year(first, second)
            if ranged and first.edtf():
                said.append(DateSaid(_interval(first, second), first.start, second.end))
                i += 2
                continue
        if first.edtf() is not None:
            said.append(DateSaid(str(first.edtf()), first.start, first.end))
        i += 1
    return said


def _with_year(first: Written, second: Written) -> Written:
    if first.year is not None:
        return first
    return Written(first.start, first.end, second.year, first.month, first.day, first.last_day)


def _interval(first: Written, second: Written) -> str:
    """``2023-07/2023-10``: from the first date's start to the second's end."""
    return f"{bounds(str(first.edtf()))[0]}/{bounds(str(second.edtf()))[1]}"


def bounds(edtf: str) -> tuple[str, str]:
    """The first and last parts of an EDTF value ("2023-07/2023-10" → both months)."""
    first, _, last = edtf.partition("/")
    return first, last or first


def span_of(values: list[str]) -> str | None:
    """The interval from the earliest to the latest of these EDTF values."""
    if not values:
        return None
    first = min((bounds(v)[0] for v in values), key=lambda v: parse_occurred(v).earliest)
    last = max((bounds(v)[1] for v in values), key=lambda v: parse_occurred(v).latest)
    return first if first == last else f"{first}/{last}"
