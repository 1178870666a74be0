"""The picture and the changes of a story as rich text for the command line."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from projections.views import ActorRef, Changes, MeetingPicture, Picture


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
    for role, ids in meeting.participants_by_role.items():
        names = {p.id: f"{p.name} [{p.country or '?'}]" for p in meeting.participants}
        table.add_row(role, escape(", ".join(names[i] for i in ids)))
    sides = "; ".join(f"{side}: {len(ids)}" for side, ids in meeting.participants_by_side.items())
    table.add_row("sides", sides or "—")
    table.add_row("absent", _names(meeting.absentees))
    table.add_row("briefed", _names(meeting.briefed))
    table.add_row("topics", "; ".join(meeting.topics) or "—")
    table.add_row("disclosed", f"by {meeting.disclosed_by} on {_day(meeting.disclosed_at)}")
    table.add_row("lag", lag_text)
    console.print(table)


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
    for statement in picture.statements:
        who = statement.actor or statement.speaker
        console.print(f'\n[italic]"{escape(statement.text)}"[/italic] — {escape(str(who))}')
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
