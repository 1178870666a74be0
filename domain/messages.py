"""Pydantic's validation errors in plain words a reporter understands, one per field.

Every door that validates input (HTTP bodies and queries, story files) turns pydantic's
error dicts into problems here, so the wording has one home: never a regular expression,
a library prefix ("Value error, ") or a type name. Only pydantic's stable error ``type``
codes are read, never its English.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Loc = tuple[str | int, ...]

SLUG = (
    "must be lowercase letters, digits and hyphens, starting with a letter or digit, "
    "at most 100 characters"
)
WEB_ADDRESS = "must be a web address starting with http:// or https://"
LANGUAGE = "must be a language code such as fr or en"
COUNTRY = "must be a two-letter country code such as US or CN"
WIKIDATA = "must be a Wikidata id such as Q116758847"
MOMENT = "must be a date such as 2024-01-11 or a date-time such as 2024-01-11T09:30:00Z"
OBJECT = "must be a set of named fields (a JSON object or YAML mapping)"

# What a field must look like when it does not match its pattern, by the field's name.
FORMS = {
    **dict.fromkeys(("id", "story", "fact", "fact_id", "meeting", "actor"), SLUG),
    "url": WEB_ADDRESS,
    **dict.fromkeys(("language", "quote_language", "labels"), LANGUAGE),
    "country": COUNTRY,
    "wikidata": WIKIDATA,
}
# What an unknown field was found in, by the name of the field holding it.
CONTAINERS = {
    "story": "a story",
    "actors": "an actor",
    "actor": "an actor",
    "facts": "a fact",
    "fact": "a fact",
    "sources": "a source",
    "source": "a source",
}
UNION_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found")
KEY = "[key]"  # pydantic's marker for an error in a mapping's key rather than its value


@dataclass(frozen=True)
class PlainProblem:
    """One field and what is wrong with it, in words."""

    loc: Loc
    message: str


def plain_problems(
    errors: Iterable[Mapping[str, Any]], *, tags: Collection[str] = (), subject: str = "this entry"
) -> list[PlainProblem]:
    """Pydantic's errors as one plain problem per field, in pydantic's order.

    ``tags`` are the discriminated unions' tags, which pydantic puts in the location:
    the fact kinds, or a mapping from each tag to what it names in words ("a corrected
    line"); ``subject`` names the top-level thing in words ("an actor").
    """
    kept: dict[Loc, tuple[bool, PlainProblem]] = {}
    for error in errors:
        problem = PlainProblem(clean_loc(error, tags), plain_message(error, tags, subject))
        vague = str(error.get("type", "")).endswith("_type")
        earlier = kept.get(problem.loc)
        # One problem a field: the first, unless it only named a type and this says more.
        if earlier is None or (earlier[0] and not vague):
            kept[problem.loc] = (vague, problem)
    return [problem for _, problem in kept.values()]


def clean_loc(error: Mapping[str, Any], tags: Collection[str] = ()) -> Loc:
    """Pydantic's location without union tags, ending at the discriminator it missed."""
    loc = [p for p in error.get("loc", ()) if p != KEY and not (isinstance(p, str) and p in tags)]
    kind = str(error.get("type", ""))
    if kind in UNION_TAG_ERRORS:
        loc.append(_discriminator(error))
    elif _is_moment(kind) and loc and loc[-1] in ("date", "datetime"):
        loc.pop()  # the member of ``date | datetime`` tried; both say the same
    return tuple(loc)


def plain_message(
    error: Mapping[str, Any], tags: Collection[str] = (), subject: str = "this entry"
) -> str:
    """What is wrong, in words, without naming the field (the location does that)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if _is_moment(kind):
        return MOMENT + _given(error)
    if kind == "extra_forbidden":
        return f"is not a field of {_container(error, tags, subject)}"
    if kind == "string_pattern_mismatch":
        return _form(error) + _given(error)
    if kind in ("literal_error", "enum"):
        return f"must be one of {_choices(ctx.get('expected', ''))}" + _given(error)
    if kind == "union_tag_invalid":
        return (
            f"{ctx.get('tag')!r} is not a known {_discriminator(error)}; "
            f"use one of {_choices(ctx.get('expected_tags', ''))}"
        )
    words = SIMPLE.get(kind)
    if words is not None:
        return words(ctx)
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return str(ctx["error"])
    return _fallback(str(error.get("msg", "is not valid")))


def _count(n: Any, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


SIMPLE: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda _: "is required",
    "union_tag_not_found": lambda _: "is required",
    "string_too_short": lambda c: (
        "must not be empty"
        if c.get("min_length") == 1
        else f"must have at least {_count(c.get('min_length'), 'character', 'characters')}"
    ),
    "string_too_long": lambda c: (
        f"must be at most {_count(c.get('max_length'), 'character', 'characters')} long"
    ),
    "too_short": lambda c: f"must have at least {_count(c.get('min_length'), 'entry', 'entries')}",
    "too_long": lambda c: f"must have at most {_count(c.get('max_length'), 'entry', 'entries')}",
    "string_type": lambda _: "must be text",
    "string_unicode": lambda _: "must be text",
    "int_type": lambda _: "must be a whole number",
    "int_parsing": lambda _: "must be a whole number",
    "int_from_float": lambda _: "must be a whole number",
    "int_parsing_size": lambda _: "is too large a number",
    "float_type": lambda _: "must be a number",
    "float_parsing": lambda _: "must be a number",
    "bool_type": lambda _: "must be true or false",
    "bool_parsing": lambda _: "must be true or false",
    "greater_than": lambda c: f"must be more than {c.get('gt')}",
    "greater_than_equal": lambda c: f"must be at least {c.get('ge')}",
    "less_than": lambda c: f"must be less than {c.get('lt')}",
    "less_than_equal": lambda c: f"must be at most {c.get('le')}",
    "list_type": lambda _: "must be a list",
    "tuple_type": lambda _: "must be a list",
    "set_type": lambda _: "must be a list",
    "dict_type": lambda _: OBJECT,
    "model_type": lambda _: OBJECT,
    "model_attributes_type": lambda _: OBJECT,
    "dataclass_type": lambda _: OBJECT,
    "url_parsing": lambda _: WEB_ADDRESS,
    "url_scheme": lambda _: WEB_ADDRESS,
    "json_invalid": lambda c: f"is not valid JSON ({c.get('error', 'cannot be read')})",
}


def _is_moment(kind: str) -> bool:
    return kind.startswith(("date_", "datetime_", "timezone_"))


def _discriminator(error: Mapping[str, Any]) -> str:
    return str((error.get("ctx") or {}).get("discriminator", "kind")).strip("'")


def _given(error: Mapping[str, Any]) -> str:
    """The input quoted back, `` (got 'July 2023')``, when it is short text."""
    value = error.get("input")
    if isinstance(value, str) and 0 < len(value) <= 80:
        return f" (got {value!r})"
    return ""


def _choices(expected: Any) -> str:
    """pydantic's ``"'a', 'b' or 'c'"`` (or ``"'a', 'b', 'c'"``) as ``a, b or c``."""
    words = str(expected).replace("'", "")
    if " or " not in words and ", " in words:
        head, _, last = words.rpartition(", ")
        words = f"{head} or {last}"
    return words


def _names(error: Mapping[str, Any]) -> list[str]:
    return [p for p in error.get("loc", ()) if isinstance(p, str)]


def _form(error: Mapping[str, Any]) -> str:
    names = _names(error)
    if names[-1:] == [KEY]:  # a mapping's key: ``labels`` keys are language codes
        form = FORMS.get(names[-3] if len(names) >= 3 else "", "is not in the expected form")
        return f"the key {form}"
    return FORMS.get(names[-1] if names else "", "is not in the expected form")


def _container(error: Mapping[str, Any], tags: Collection[str], subject: str) -> str:
    """What the unknown field was found in: the nearest named thing above it."""
    for part in reversed(error.get("loc", ())[:-1]):
        if not isinstance(part, str):
            continue
        if part in tags:
            return tags[part] if isinstance(tags, Mapping) else f"a {part} fact"
        if part == "body":
            break
        return CONTAINERS.get(part, part)
    return subject


def _fallback(message: str) -> str:
    """An error type not translated above: pydantic's sentence, minus its prefixes."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
    return message
