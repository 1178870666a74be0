"""A story's facts, picture and changes as rich text for the command line.

Tables never cut an id (its column is as wide as the longest, and nothing is ever
shortened with an ellipsis: a cell too long for the terminal wraps), say facts in words
with names (``projections.words``) and the id beneath, and say so when nothing is known.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from projections.views import (
    ActorRef,
    AsOf,
    Change,
    Changes,
    Disclosure,
    FactView,
    MeetingPicture,
    Participant,
    Picture,
    SeriesPicture,
    Statement,
)
from projections.words import Names, fact_words, series_name_of


def _day(moment: object) -> str:
    return str(getattr(moment, "date", lambda: moment)())


def as_of_words(as_of: AsOf) -> str:
    """The clocks a read was asked on: ``known_at=2023-12-31``, or ``now``."""
    clocks = [f"{name}={_day(value)}" for name, value in as_of.model_dump().items() if value]
    return ", ".join(clocks) or "now"


def _as_of(picture: Picture) -> str:
    return as_of_words(picture.as_of)


# ---- facts --------------------------------------------------------------------------------
def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")  # wrap, never "…"
    return table


def _fact_cell(view: FactView, names: Names, *extra: str) -> Text:
    """The fact in words, with its id (whole) and what became of it beneath."""
    cell = Text(fact_words(view.kind, view.fields(), names, view.id, quote_shown=None))
    tags = [view.status.value] if view.status != "active" else []
    tags += ["disputed"] if view.disputed else []
    cell.append("\n" + view.id, style="dim")
    if tags:
        cell.append(" · " + ", ".join(tags), style="yellow")
    for line in extra:
        if line:
            cell.append("\n" + line, style="dim")
    return cell


def _fit(table: Table, ids: Sequence[str], console: Console) -> None:
    """Give the last column (the fact, its id beneath) room for the longest id on one line,
    the first column the rest: nothing is cut, a narrow column wraps instead."""
    overhead = 2 + 2 * len(table.columns)  # the edges and each column's padding
    room = console.width - overhead
    longest = max((len(i) for i in ids), default=0)
    fact = min(longest, room - 10)
    table.columns[-1].min_width = fact
    table.columns[0].max_width = max(room - fact, 10)


def render_facts(
    console: Console, story: str, facts: Sequence[FactView], names: Names, as_of: AsOf
) -> None:
    if not facts:
        console.print(f"nothing known about {escape(story)} as of {as_of_words(as_of)}")
        return
    table = _table(f"{story}: {len(facts)} fact(s) as of {as_of_words(as_of)}",
                   "occurred / reported", "fact")  # fmt: skip
    for view in facts:
        when = Text(view.occurred + (f" ({view.occurred_by})" if view.occurred_by else ""))
        when.append(f"\nreported {_day(view.reported_at)}", style="dim")
        sources = ", ".join(dict.fromkeys(s.name for s in view.sources))
        table.add_row(when, _fact_cell(view, names, f"by {sources}"))
    _fit(table, [v.id for v in facts], console)
    console.print(table)


def _names(refs: list[ActorRef]) -> str:
    return ", ".join(f"{r.name} ({r.certainty})" for r in refs) or "—"


def _said(table: Table, said: MeetingPicture | SeriesPicture) -> None:
    """The rows of what is said of one meeting, or of a series as a whole."""
    names = {p.id: _participant(p) for p in said.participants}
    for role, ids in said.participants_by_role.items():
        table.add_row(role, escape(", ".join(names[i] for i in ids)))
    sides = "; ".join(f"{side}: {len(ids)}" for side, ids in said.participants_by_side.items())
    table.add_row("sides", sides or "—")
    table.add_row("absent", _names(said.absentees))
    table.add_row("briefed", _names(said.briefed))
    table.add_row("topics", "; ".join(said.topics) or "—")
    if said.disclosures:
        table.add_row("articles", escape(_articles(said.disclosures)))


def _participant(p: Participant) -> str:
    side = f", for {p.side}" if p.side and p.side != p.country else ""
    return f"{p.name} [{p.country or '?'}{side}]"


def _articles(disclosures: list[Disclosure]) -> str:
    return "; ".join(f"{d.actor_name}, {_day(d.published)}: {d.headline}" for d in disclosures)


def _statements(
    console: Console, statements: list[Statement], actors: dict[str, str], indent: str = ""
) -> None:
    for statement in statements:
        who = actors.get(statement.actor, statement.actor) if statement.actor else None
        who = who or statement.speaker
        console.print(f'{indent}[italic]"{escape(statement.text)}"[/italic] — {escape(str(who))}')


def _actor_names(picture: Picture) -> dict[str, str]:
    return {actor.id: actor.name for actor in picture.actors}


def _series_names(picture: Picture) -> dict[str, str]:
    """Each series named by what its rounds' titles share."""
    titles: dict[str, list[str]] = {}
    for meeting in picture.meetings:
        if meeting.series:
            titles.setdefault(meeting.series, []).append(meeting.title)
    named = {s.id for s in picture.series} | set(titles)
    return {series: series_name_of(series, titles.get(series, [])) for series in named}


def _meeting(
    console: Console, meeting: MeetingPicture, actors: dict[str, str], series: dict[str, str]
) -> None:
    lag = meeting.disclosure_lag
    lag_text = "—"
    if lag is not None:
        lag_text = f"{lag.max_days} days" if lag.exact else f"{lag.min_days} to {lag.max_days} days"
    by = f" ({meeting.occurred_by})" if meeting.occurred_by else ""
    console.print(
        f"\n[bold]{escape(meeting.title)}[/bold] — "
        + escape(
            f"{meeting.place or 'place unknown'}, occurred {meeting.occurred} "
            f"({meeting.precision} precision){by}, {meeting.status}"
        )
    )
    table = Table(show_header=False, box=None, padding=(0, 2), highlight=False)
    if meeting.series:
        table.add_row("series", escape(f"{series.get(meeting.series, meeting.series)}"))
    _said(table, meeting)
    # One date for both: the first public report, and the lag counted to it.
    first = meeting.first_reported_by.name
    table.add_row("disclosed", escape(f"by {first} on {_day(meeting.first_reported_at)}"))
    table.add_row("lag", lag_text)
    console.print(table)
    _statements(console, meeting.statements, actors, "  ")


def _series(
    console: Console, series: SeriesPicture, rounds: dict[str, str], actors: dict[str, str],
    name: str,
) -> None:  # fmt: skip
    titles = [rounds.get(r, r) for r in series.rounds]
    console.print(
        f"\n[bold]{escape(name)}[/bold] [dim](series {escape(series.id)})[/dim] — "
        + escape(f"rounds: {'; '.join(titles) or 'none known'}; said of the talks as a whole")
    )
    table = Table(show_header=False, box=None, padding=(0, 2), highlight=False)
    _said(table, series)
    console.print(table)
    _statements(console, series.statements, actors, "  ")


def render_picture(console: Console, picture: Picture) -> None:
    counts = picture.counts
    console.print(f"[bold]{escape(picture.title)}[/bold] — as of {_as_of(picture)}")
    console.print(
        f"{counts.facts} fact(s): {counts.meetings} meeting(s), {counts.participants} "
        f"participation(s), {counts.statements} statement(s), {counts.disputed} disputed, "
        f"{counts.corrected} corrected, {counts.retracted} retracted"
    )
    if not counts.facts:
        console.print(f"nothing known about {escape(picture.story)} as of {_as_of(picture)}")
    if not picture.meetings:
        console.print("no meeting known at that time")
    actors, series_names = _actor_names(picture), _series_names(picture)
    for meeting in picture.meetings:
        _meeting(console, meeting, actors, series_names)
    rounds = {m.id: m.title for m in picture.meetings}
    for series in picture.series:
        _series(console, series, rounds, actors, series_names.get(series.id, series.id))
    # Said of the story as a whole: named by no meeting and no series.
    story_level = [s for s in picture.statements if not (s.meeting or s.series)]
    if story_level:
        console.print()
        _statements(console, story_level, actors)
    articles = [d for d in picture.disclosures if not (d.meeting or d.series)]
    if articles:
        console.print(escape(f"\narticles: {_articles(articles)}"))
    names = Names(
        {},  # actors by name below, from the picture's own list
        {m.id: m.title for m in picture.meetings} | {m.fact_id: m.title for m in picture.meetings},
        series_names,
    )
    for disputed in picture.disputed:
        fact = disputed.fact
        fields = {k: actors.get(v, v) if k == "actor" else v for k, v in fact.fields().items()}
        said = fact_words(fact.kind, fields, names, fact.id, quote_shown=None)
        console.print(
            f"\n[yellow]disputed[/yellow] {escape(said)} [dim]({escape(fact.id)})[/dim]: "
            f"claimed by {escape(disputed.claimed_by.name)}"
        )
        for claim in disputed.disputed_by:
            console.print(
                escape(f"  denied by {claim.source.name} ({_day(claim.reported_at)}): {claim.note}")
            )


def render_changes(console: Console, changes: Changes, names: Names | None = None) -> None:
    rows: list[Change] = [
        change
        for group in (
            changes.added,
            changes.corroborated,
            changes.disputed,
            changes.corrected,
            changes.retracted,
        )
        for change in group
    ]
    window = f"from {_day(changes.start)} through {_day(changes.end)}"
    if not rows:
        console.print(
            f"nothing became known in that window ({escape(changes.story)}, {window} "
            f"on the {changes.clock} clock)"
        )
        return
    table = _table(f"{changes.story}: what became known {window} on the {changes.clock} clock",
                   "when, what", "fact")  # fmt: skip
    for change in sorted(rows, key=lambda c: (c.at, c.position)):
        detail = change.note or change.reason or _changed(change)
        what = Text(f"{_day(change.at)}\n{change.event}")
        if change.source:
            what.append(f"\nby {change.source.name}", style="dim")
        table.add_row(what, _fact_cell(change.fact, names or Names(), detail))
    _fit(table, [c.fact_id for c in rows], console)
    console.print(table)


def _changed(change: Change) -> str:
    if not change.changes:
        return ""
    return "changed " + "; ".join(f"{k}: {v}" for k, v in change.changes.items())
