"""The desk's form fields, read off the domain's own models.

A form input is named by the JSON field it fills, so a form and an API call are one
thing; which fields a fact form shows for each kind (and which of them that kind needs)
comes from ``domain.model``'s fact classes, never from a second list kept by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel

from domain.model import FACT_KINDS, ActorKind, Certainty, Fact, FactBase, Role

Widget = Literal["text", "textarea", "select", "list"]

# The fields every fact has are laid out on their own (sources have their own fieldset).
COMMON = frozenset(FactBase.model_fields) | {"kind"}

LABELS = {
    "id": "Fact id",
    "occurred": "When it happened",
    "certainty": "Certainty",
    "quote": "Quote (the source's own words)",
    "quote_language": "Quote language",
    "note": "Note",
    "meeting": "Meeting",
    "series": "Series (the talks as a whole)",
    "title": "Title",
    "place": "Place",
    "actor": "Actor",
    "role": "Role",
    "side": "Side",
    "topic": "Topic",
    "speaker": "Speaker (not a registered actor)",
    "text": "What was said",
    "language": "Language of what was said",
    "headline": "Headline",
    "subject": "Subject",
    "predicate": "Predicate",
    "object": "Object",
}
HINTS = {
    "id": "Optional: a short slug such as geneva-2023-07; left empty, one is made.",
    "occurred": "EDTF, with its precision: 2023, 2023-07, 2023-07-18, 2023-07/2023-10 "
    "(a span), 2023-10~ (approximate), 2023-10? (uncertain).",
    "meeting": "The meeting's id. A new meeting gets its own (the fact's id when empty).",
    "series": "Name the series instead of a meeting when the source does not say which round.",
    "actor": "A registered actor's id (for a disclosure: the outlet).",
    "side": "The country (US, CN) or party represented there, when not the actor's own.",
    "speaker": "When the speaker is not a registered actor, e.g. an anonymous participant.",
    "quote_language": "A language code such as fr or en.",
    "language": "A language code such as fr or en.",
    "certainty": "confirmed, reported (the default) or alleged.",
}
TEXTAREAS = frozenset({"quote", "note", "text", "object", "description", "reason"})
DATALISTS = {"actor": "desk-actors", "meeting": "desk-meetings", "series": "desk-series"}


@dataclass(frozen=True)
class FormField:
    """One input of a form: its JSON name, label, widget and, on the fact form, the
    kinds that have it (``kinds``) and the kinds that need it (``required``)."""

    name: str
    label: str
    widget: Widget = "text"
    hint: str = ""
    options: tuple[str, ...] = ()
    datalist: str | None = None
    kinds: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    value: str = ""

    @property
    def dom_id(self) -> str:
        return self.name.replace(".", "-").replace("_", "-")


def kind_models() -> dict[str, type[FactBase]]:
    """Each fact kind's model, by kind, from the ``Fact`` union."""
    union = get_args(Fact)[0]
    models: dict[str, type[FactBase]] = {}
    for model in get_args(union):
        (kind,) = get_args(model.model_fields["kind"].annotation)
        models[kind] = model
    return models


def _widget(name: str) -> tuple[Widget, tuple[str, ...]]:
    if name == "role":
        return "select", tuple(Role)
    if name == "certainty":
        return "select", tuple(Certainty)
    if name in TEXTAREAS:
        return "textarea", ()
    return ("list" if name in DATALISTS else "text"), ()


def _field(name: str, **values: Any) -> FormField:
    widget, options = _widget(name)
    return FormField(
        name=name,
        label=LABELS.get(name, name.replace("_", " ").capitalize()),
        widget=widget,
        options=options,
        hint=HINTS.get(name, ""),
        datalist=DATALISTS.get(name),
        **values,
    )


def kind_fields() -> list[FormField]:
    """The fields that depend on the kind, each once, with the kinds that have and need it."""
    have: dict[str, list[str]] = {}
    need: dict[str, list[str]] = {}
    for kind, model in kind_models().items():
        for name, info in model.model_fields.items():
            if name in COMMON:
                continue
            have.setdefault(name, []).append(kind)
            if info.is_required():
                need.setdefault(name, []).append(kind)
    return [_field(n, kinds=tuple(k), required=tuple(need.get(n, ()))) for n, k in have.items()]


def correctable(kind: str, content: Mapping[str, Any]) -> list[FormField]:
    """A correction's ``changes.*`` inputs for a fact of this kind, holding its content."""
    model = kind_models().get(kind)
    if model is None:
        return []
    names = ["occurred", "certainty"]
    names += [n for n in model.model_fields if n not in COMMON and n not in model.fixed_fields]
    names += ["quote", "quote_language", "note"]
    fields = []
    for name in names:
        base = _field(name)
        value = content.get(name)
        fields.append(
            FormField(
                name=f"changes.{name}",
                label=base.label,
                widget=base.widget,
                options=base.options,
                datalist=base.datalist,
                value="" if value is None else str(value),
            )
        )
    return fields


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class FactFormContext:
    """What a story's fact form offers: kinds, their fields, and the story's names."""

    kinds: Sequence[str] = FACT_KINDS
    fields: list[FormField] = field(default_factory=kind_fields)
    certainties: tuple[str, ...] = tuple(Certainty)
    actors: list[Choice] = field(default_factory=list)
    meetings: list[Choice] = field(default_factory=list)
    series: list[Choice] = field(default_factory=list)


ACTOR_KINDS: tuple[str, ...] = tuple(ActorKind)


def required_names(model: type[BaseModel]) -> set[str]:
    return {n for n, info in model.model_fields.items() if info.is_required()}
