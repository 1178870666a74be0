"""The picture of a story at the asked time, assembled from the facts known then.

Each fact is listed once, where it puts itself: under the meeting it names (by meeting
id), under the series it names (what a source says of the talks as a whole), or at the
story's level when it names neither. Retracted facts are counted but left out of
meetings, participants and actors; filters choose which facts speak, while a meeting's
own title and date always come from its ``meeting_held`` fact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.clocks import published_instant
from domain.events import Status
from domain.model import Actor, Source, Story
from projections.queries import Act
from projections.views import (
    ActorMeeting,
    ActorPicture,
    ActorRef,
    ActorSeries,
    AsOf,
    Attribution,
    CounterClaim,
    Counts,
    Disclosure,
    DisclosureLag,
    DisputedFact,
    FactView,
    Filters,
    MeetingPicture,
    Participant,
    Picture,
    SeriesPicture,
    SourceUse,
    Statement,
)

ONE_DAY = timedelta(days=1)
LAST = datetime.max.replace(tzinfo=UTC)  # a series with no known round sorts last
ACTOR_ROLES = {"participant_absent": "absent", "actor_briefed": "briefed"}
# The kinds said of one meeting or of a series: each listed where its fact puts it.
AT_MEETING = ("participant_joined", "participant_absent", "actor_briefed", "topic_discussed")


def disclosure_lag(reported: datetime, earliest: datetime, latest: datetime) -> DisclosureLag:
    """Reported minus occurred in days: from the period's last day and from its first."""
    longest = (reported - earliest).days
    shortest = (reported - (latest - ONE_DAY)).days
    if shortest < 0 <= longest:
        shortest = 0  # reported while it was still going on
    return DisclosureLag(min_days=shortest, max_days=longest, exact=latest - earliest <= ONE_DAY)


def _sorted_sources(view: FactView) -> list[Source]:
    return sorted(view.sources, key=lambda s: (published_instant(s.published), s.name))


Place = tuple[str, str] | None
"""Where a fact is listed: ("meeting", id), ("series", id), or None for the story."""


def place(view: FactView) -> Place:
    if view.kind == "meeting_held":
        return None  # a meeting is not said *of* a meeting
    if meeting := view.meeting_named():
        return ("meeting", meeting)
    if series := view.series_named():
        return ("series", series)
    return None


class _Said:
    """What the facts listed at one place (a meeting or a series) say."""

    def __init__(self, builder: _Builder, views: Sequence[FactView]) -> None:
        by_kind: dict[str, list[FactView]] = defaultdict(list)
        for view in views:
            by_kind[view.kind].append(view)
        self.participants = [builder.participant(v) for v in by_kind["participant_joined"]]
        self.by_role: dict[str, list[str]] = defaultdict(list)
        self.by_side: dict[str, list[str]] = defaultdict(list)
        for p in self.participants:
            self.by_role[p.role].append(p.id)
            self.by_side[p.side or "unknown"].append(p.id)
        self.absentees = [builder.actor_ref(v) for v in by_kind["participant_absent"]]
        self.briefed = [builder.actor_ref(v) for v in by_kind["actor_briefed"]]
        self.topics = [str(v.fields()["topic"]) for v in by_kind["topic_discussed"]]
        self.statements = [builder.statement(v) for v in by_kind["statement_made"]]
        self.disclosures = sorted(
            (builder.disclosure(v) for v in by_kind["disclosure_published"]),
            key=lambda d: (d.published, d.fact_id),
        )

    def fields(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "participants_by_role": dict(self.by_role),
            "participants_by_side": dict(self.by_side),
            "absentees": self.absentees,
            "briefed": self.briefed,
            "topics": self.topics,
            "statements": self.statements,
            "disclosures": self.disclosures,
        }


class _Builder:
    def __init__(
        self,
        views: Sequence[FactView],
        acts: Mapping[str, Sequence[Act]],
        actors: Mapping[str, Actor],
        filters: Filters,
    ) -> None:
        self.acts = acts
        self.actors = actors
        self.chosen = [v for v in views if filters.admits(v)]
        self.live = [v for v in self.chosen if v.status is not Status.retracted]
        # Every meeting known (whatever the filters), by meeting id: a fact naming one
        # shows it with its own title and date.
        self.meeting_facts: dict[str, FactView] = {}
        held = [v for v in views if v.kind == "meeting_held" and v.status is not Status.retracted]
        for view in sorted(held, key=lambda v: (v.occurred_earliest, v.id)):
            self.meeting_facts.setdefault(view.meeting_named() or view.id, view)
        self.by_kind: dict[str, list[FactView]] = defaultdict(list)
        self.at: dict[Place, list[FactView]] = defaultdict(list)
        for view in self.live:
            self.by_kind[view.kind].append(view)
            self.at[place(view)].append(view)

    def actor_ref(self, view: FactView) -> ActorRef:
        actor_id = str(view.fields()["actor"])
        actor = self.actors.get(actor_id)
        return ActorRef(
            id=actor_id,
            name=actor.name if actor else actor_id,
            country=actor.country if actor else None,
            fact_id=view.id,
            certainty=view.certainty,
        )

    def participant(self, view: FactView) -> Participant:
        ref = self.actor_ref(view)
        f = view.fields()
        return Participant(
            **ref.model_dump(),
            role=str(f.get("role", "participant")),
            side=str(f.get("side") or ref.country or "") or None,
        )

    def statement(self, view: FactView) -> Statement:
        f = view.fields()
        return Statement(
            fact_id=view.id,
            actor=f.get("actor"),
            speaker=f.get("speaker"),
            text=f["text"],
            language=f.get("language"),
            quote=view.quote,
            quote_language=view.quote_language,
            occurred=view.occurred,
            reported_at=view.reported_at,
            certainty=view.certainty,
            meeting=view.meeting_named(),
            series=view.series_named(),
        )

    def disclosure(self, view: FactView) -> Disclosure:
        f = view.fields()
        actor = self.actors.get(f["actor"])
        return Disclosure(
            fact_id=view.id,
            actor=f["actor"],
            actor_name=actor.name if actor else f["actor"],
            headline=f["headline"],
            published=view.reported_at,
            meeting=view.meeting_named(),
            series=view.series_named(),
        )

    def meeting_ids(self) -> list[str]:
        """Meetings the chosen facts show: their own facts, or facts said of them."""
        ids = {v.meeting_named() for v in self.live}
        shown = [v for i, v in self.meeting_facts.items() if i in ids]
        return [v.meeting_named() or v.id for v in shown]  # meeting_facts is in date order

    def meeting(self, meeting_id: str) -> MeetingPicture:
        view = self.meeting_facts[meeting_id]
        f = view.fields()
        first = _sorted_sources(view)[0]
        # The first public report is the meeting fact's reported time (the earliest of
        # its sources, corroborations included): its date, its source and its lag agree.
        first_at = view.reported_at
        return MeetingPicture(
            id=meeting_id,
            fact_id=view.id,
            series=view.series_named(),
            title=f["title"],
            place=f.get("place"),
            occurred=view.occurred,
            precision=view.precision,
            occurred_earliest=view.occurred_earliest,
            occurred_latest=view.occurred_latest,
            occurred_by=view.occurred_by,
            status=view.status,
            certainty=view.certainty,
            reported_at=view.reported_at,
            first_reported_by=first,
            first_reported_at=first_at,
            disclosure_lag=disclosure_lag(first_at, view.occurred_earliest, view.occurred_latest),
            disclosed_by=first.name,
            disclosed_at=first_at,
            **_Said(self, self.at[("meeting", meeting_id)]).fields(),
        )

    def series_ids(self) -> list[str]:
        """Series the chosen facts show: named as a whole, or of the meetings shown."""
        named = {s for v in self.live if (s := v.series_named())}
        named |= {s for i in self.meeting_ids() if (s := self.meeting_facts[i].series_named())}
        begins: dict[str | None, datetime] = {}
        for view in self.meeting_facts.values():  # in date order: each series' first round
            begins.setdefault(view.series_named(), view.occurred_earliest)
        return sorted(named, key=lambda s: (begins.get(s, LAST), s))

    def series(self, series_id: str) -> SeriesPicture:
        rounds = [i for i, v in self.meeting_facts.items() if v.series_named() == series_id]
        return SeriesPicture(
            id=series_id, rounds=rounds, **_Said(self, self.at[("series", series_id)]).fields()
        )

    def actor_pictures(self) -> list[ActorPicture]:
        naming: dict[str, list[FactView]] = defaultdict(list)
        for view in self.live:
            actor_id = view.fields().get("actor")
            if actor_id:
                naming[str(actor_id)].append(view)
        pictures = []
        for actor_id in sorted(naming):
            actor = self.actors.get(actor_id)
            meetings, series = [], []
            for view in naming[actor_id]:
                f = view.fields()
                if view.kind == "participant_joined":
                    role = str(f.get("role", "participant"))
                elif view.kind in ACTOR_ROLES:
                    role = ACTOR_ROLES[view.kind]
                else:
                    continue
                at = place(view)
                if at is not None and at[0] == "series":
                    series.append(ActorSeries(series=at[1], role=role))
                elif at is not None and (meeting := self.meeting_facts.get(at[1])):
                    title = str(meeting.fields()["title"])
                    meetings.append(ActorMeeting(meeting=at[1], title=title, role=role))
            pictures.append(
                ActorPicture(
                    id=actor_id,
                    name=actor.name if actor else actor_id,
                    kind=actor.kind if actor else "other",
                    country=actor.country if actor else None,
                    labels=dict(actor.labels) if actor else {},
                    meetings=meetings,
                    series=series,
                    statements=[v.id for v in naming[actor_id] if v.kind == "statement_made"],
                    facts=len(naming[actor_id]),
                )
            )
        return pictures

    def attributions(self) -> list[Attribution]:
        out = []
        for view in self.live:
            ordered = _sorted_sources(view)
            out.append(
                Attribution(
                    fact_id=view.id,
                    kind=view.kind,
                    reported_at=view.reported_at,
                    first_reported_by=ordered[0],
                    corroborated_by=ordered[1:],
                )
            )
        return out

    def disputed(self) -> list[DisputedFact]:
        out = []
        for view in self.live:
            if not view.disputed:
                continue
            claims = [
                CounterClaim(
                    source=a.data["source"],
                    note=a.data["note"],
                    reported_at=published_instant(
                        Source.model_validate(a.data["source"]).published
                    ),
                )
                for a in self.acts.get(view.id, ())
                if a.event == "disputed"
            ]
            out.append(
                DisputedFact(fact=view, claimed_by=_sorted_sources(view)[0], disputed_by=claims)
            )
        return out

    def sources(self) -> list[SourceUse]:
        uses: Counter[tuple[str, datetime, str | None, str | None]] = Counter()
        for view in self.live:
            for s in {
                (s.name, published_instant(s.published), s.url, s.title) for s in view.sources
            }:
                uses[s] += 1
        return [
            SourceUse(name=n, published=p, url=u, title=t, facts=count)
            for (n, p, u, t), count in sorted(uses.items(), key=lambda i: (i[0][1], i[0][0]))
        ]


def _count(views: Iterable[FactView], attribute: str) -> dict[str, int]:
    return dict(sorted(Counter(str(getattr(v, attribute)) for v in views).items()))


def build_picture(
    story: Story,
    views: Sequence[FactView],
    acts: Mapping[str, Sequence[Act]],
    actors: Mapping[str, Actor],
    as_of: AsOf,
    filters: Filters,
) -> Picture:
    b = _Builder(views, acts, actors, filters)
    meetings = [b.meeting(i) for i in b.meeting_ids()]
    series = [b.series(i) for i in b.series_ids()]
    places: list[MeetingPicture | SeriesPicture] = [*meetings, *series]
    actor_pictures = b.actor_pictures()
    sources = b.sources()
    disputed = b.disputed()
    corroborated = {
        v.id for v in b.live if any(a.event == "corroborated" for a in acts.get(v.id, ()))
    }
    counts = Counts(
        facts=len(b.chosen),
        by_kind=_count(b.chosen, "kind"),
        by_status=_count(b.chosen, "status"),
        meetings=len(meetings),
        series=len(series),
        participants=sum(len(p.participants) for p in places),
        absentees=sum(len(p.absentees) for p in places),
        briefed=sum(len(p.briefed) for p in places),
        topics=sum(len(p.topics) for p in places),
        statements=len(b.by_kind["statement_made"]),
        disclosures=len(b.by_kind["disclosure_published"]),
        actors=len(actor_pictures),
        sources=len(sources),
        corroborated=len(corroborated),
        disputed=len(disputed),
        corrected=sum(1 for v in b.chosen if v.status is Status.corrected),
        retracted=sum(1 for v in b.chosen if v.status is Status.retracted),
    )
    return Picture(
        story=story.id,
        title=story.title,
        as_of=as_of,
        filters=filters,
        meetings=meetings,
        series=series,
        actors=actor_pictures,
        statements=[b.statement(v) for v in b.by_kind["statement_made"]],
        disclosures=sorted(
            (b.disclosure(v) for v in b.by_kind["disclosure_published"]),
            key=lambda d: (d.published, d.fact_id),
        ),
        attributions=b.attributions(),
        disputed=disputed,
        retracted=[v.id for v in b.chosen if v.status is Status.retracted],
        sources=sources,
        counts=counts,
    )
