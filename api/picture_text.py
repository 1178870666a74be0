"""The picture and the changes of a story as rich text for the command line."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from projections.views import (
    ActorRef,
    Changes,
    Disclosure,
    MeetingPicture,
    Participant,
    Picture,
    SeriesPicture,
    Statement,
)


def _day(moment: object) -> str:
    return str(getattr(moment, "date", lambda: moment)())


def _as_of(picture: Picture) -> str:
    clocks = [
        f"{name}={_day(value)}"
        for name, value in picture.as_of.model_dump().items()
        if value is not None
    ]
    return ", ".join(clocks) or "now"


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


def _statements(console: Console, statements: list[Statement], indent: str = "") -> None:
    for statement in statements:
        who = statement.actor or statement.speaker
        console.print(f'{indent}[italic]"{escape(statement.text)}"[/italic] — {escape(str(who))}')


def _meeting(console: Console, meeting: MeetingPicture) -> None:
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
        table.add_row("series", escape(meeting.series))
    _said(table, meeting)
    # One date for both: the first public report, and the lag counted to it.
    first = meeting.first_reported_by.name
    table.add_row("disclosed", escape(f"by {first} on {_day(meeting.first_reported_at)}"))
    table.add_row("lag", lag_text)
    console.print(table)
    _statements(console, meeting.statements, "  ")


def _series(console: Console, series: SeriesPicture) -> None:
    console.print(
        f"\n[bold]series {escape(series.id)}[/bold] — "
        + escape(
            f"rounds: {', '.join(series.rounds) or 'none known'}; said of the talks as a whole"
        )
    )
    table = Table(show_header=False, box=None, padding=(0, 2), highlight=False)
    _said(table, series)
    console.print(table)
    _statements(console, series.statements, "  ")


def render_picture(console: Console, picture: Picture) -> None:
    counts = picture.counts
    console.print(f"[bold]{escape(picture.title)}[/bold] — as of {_as_of(picture)}")
    console.print(
        f"{counts.facts} fact(s): {counts.meetings} meeting(s), {counts.participants} "
        f"participation(s), {counts.statements} statement(s), {counts.disputed} disputed, "
        f"{counts.corrected} corrected, {counts.retracted} retracted"
    )
    if not picture.meetings:
        console.print("no meeting known at that time")
    for meeting in picture.meetings:
        _meeting(console, meeting)
    for series in picture.series:
        _series(console, series)
    # Said of the story as a whole: named by no meeting and no series.
    story_level = [s for s in picture.statements if not (s.meeting or s.series)]
    if story_level:
        console.print()
        _statements(console, story_level)
    articles = [d for d in picture.disclosures if not (d.meeting or d.series)]
    if articles:
        console.print(escape(f"\narticles: {_articles(articles)}"))
    for disputed in picture.disputed:
        console.print(
            f"\n[yellow]disputed[/yellow] {disputed.fact.id}: claimed by {disputed.claimed_by.name}"
        )
        for claim in disputed.disputed_by:
            console.print(
                f"  denied by {claim.source.name} ({_day(claim.reported_at)}): {claim.note}"
            )


def render_changes(console: Console, changes: Changes) -> None:
    table = Table(
        title=f"{changes.story}: ({_day(changes.start)}, {_day(changes.end)}] "
        f"on the {changes.clock} clock"
    )
    for column in ("when", "what", "fact", "kind", "source", "detail"):
        table.add_column(column, overflow="fold")
    rows = [
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
    for change in sorted(rows, key=lambda c: (c.at, c.position)):
        detail = change.note or change.reason or (str(change.changes) if change.changes else "")
        table.add_row(
            _day(change.at),
            change.event,
            change.fact_id,
            change.fact.kind,
            change.source.name if change.source else "",
            detail[:60],
        )
    console.print(table)
    if not rows:
        console.print("nothing became known in that window")
