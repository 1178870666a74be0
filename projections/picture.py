"""The picture of a story at the asked time, assembled from the facts known then.

Retracted facts are counted but left out of meetings, participants and actors; filters
choose which facts speak, while a meeting's own title and date always come from its
``meeting_held`` fact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from domain.clocks import published_instant
from domain.events import Status
from domain.model import Actor, Source, Story
from projections.queries import Act
from projections.views import (
    ActorMeeting,
    ActorPicture,
    ActorRef,
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
    SourceUse,
    Statement,
)

ONE_DAY = timedelta(days=1)
ACTOR_ROLES = {"participant_absent": "absent", "actor_briefed": "briefed"}


def matches(view: FactView, filters: Filters) -> bool:
    fields = view.fields()
    if filters.kind and view.kind not in filters.kind:
        return False
    if filters.actor and fields.get("actor") != filters.actor:
        return False
    if filters.meeting:
        own = view.kind == "meeting_held" and view.id == filters.meeting
        return own or fields.get("meeting") == filters.meeting
    return True


def disclosure_lag(reported: datetime, earliest: datetime, latest: datetime) -> DisclosureLag:
    """Reported minus occurred in days: from the period's last day and from its first."""
    longest = (reported - earliest).days
    shortest = (reported - (latest - ONE_DAY)).days
    if shortest < 0 <= longest:
        shortest = 0  # reported while it was still going on
    return DisclosureLag(min_days=shortest, max_days=longest, exact=latest - earliest <= ONE_DAY)


def _sorted_sources(view: FactView) -> list[Source]:
    return sorted(view.sources, key=lambda s: (published_instant(s.published), s.name))


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
        self.chosen = [v for v in views if matches(v, filters)]
        self.live = [v for v in self.chosen if v.status is not Status.retracted]
        self.meeting_facts = {
            v.id: v for v in views if v.kind == "meeting_held" and v.status is not Status.retracted
        }
        self.by_kind: dict[str, list[FactView]] = defaultdict(list)
        for view in self.live:
            self.by_kind[view.kind].append(view)

    def actor_ref(self, view: FactView, cls: type[ActorRef] = ActorRef, **more: str) -> ActorRef:
        actor_id = str(view.fields()["actor"])
        actor = self.actors.get(actor_id)
        return cls(
            id=actor_id,
            name=actor.name if actor else actor_id,
            country=actor.country if actor else None,
            fact_id=view.id,
            certainty=view.certainty,
            **more,
        )

    def of_meeting(self, kind: str, meeting: str) -> list[FactView]:
        return [v for v in self.by_kind[kind] if v.fields().get("meeting") == meeting]

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
            meeting=f.get("meeting"),
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
            meeting=f.get("meeting"),
        )

    def meeting_ids(self) -> list[str]:
        ids = {v.id for v in self.by_kind["meeting_held"]}
        ids |= {str(m) for v in self.live if (m := v.fields().get("meeting"))}
        shown = [self.meeting_facts[i] for i in ids if i in self.meeting_facts]
        return [v.id for v in sorted(shown, key=lambda v: (v.occurred_earliest, v.id))]

    def meeting(self, meeting_id: str) -> MeetingPicture:
        view = self.meeting_facts[meeting_id]
        f = view.fields()
        participants = [
            self.actor_ref(v, Participant, role=str(v.fields().get("role", "participant")))
            for v in self.of_meeting("participant_joined", meeting_id)
        ]
        by_role: dict[str, list[str]] = defaultdict(list)
        by_side: dict[str, list[str]] = defaultdict(list)
        for p in participants:
            assert isinstance(p, Participant)
            by_role[p.role].append(p.id)
            by_side[p.country or "unknown"].append(p.id)
        disclosures = [
            self.disclosure(v)
            for v in self.by_kind["disclosure_published"]
            if v.fields().get("meeting") in (None, meeting_id)
        ]
        disclosures.sort(key=lambda d: (d.published, d.fact_id))
        first = _sorted_sources(view)[0]
        if disclosures:
            disclosed_by, disclosed_at = disclosures[0].actor_name, disclosures[0].published
        else:
            disclosed_by, disclosed_at = first.name, view.reported_at
        return MeetingPicture(
            id=view.id,
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
            participants=[p for p in participants if isinstance(p, Participant)],
            participants_by_role=dict(by_role),
            participants_by_side=dict(by_side),
            absentees=[
                self.actor_ref(v) for v in self.of_meeting("participant_absent", meeting_id)
            ],
            briefed=[self.actor_ref(v) for v in self.of_meeting("actor_briefed", meeting_id)],
            topics=[
                str(v.fields()["topic"]) for v in self.of_meeting("topic_discussed", meeting_id)
            ],
            # Like disclosures, a statement naming no meeting is about the story as a whole.
            statements=[
                self.statement(v)
                for v in self.by_kind["statement_made"]
                if v.fields().get("meeting") in (None, meeting_id)
            ],
            disclosures=disclosures,
            disclosed_by=disclosed_by,
            disclosed_at=disclosed_at,
            disclosure_lag=disclosure_lag(
                view.reported_at, view.occurred_earliest, view.occurred_latest
            ),
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
            meetings = []
            for view in naming[actor_id]:
                f = view.fields()
                meeting = self.meeting_facts.get(str(f.get("meeting")))
                if meeting is None:
                    continue
                if view.kind == "participant_joined":
                    role = str(f.get("role", "participant"))
                elif view.kind in ACTOR_ROLES:
                    role = ACTOR_ROLES[view.kind]
                else:
                    continue
                title = str(meeting.fields()["title"])
                meetings.append(ActorMeeting(meeting=meeting.id, title=title, role=role))
            pictures.append(
                ActorPicture(
                    id=actor_id,
                    name=actor.name if actor else actor_id,
                    kind=actor.kind if actor else "other",
                    country=actor.country if actor else None,
                    labels=dict(actor.labels) if actor else {},
                    meetings=meetings,
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
        participants=sum(len(m.participants) for m in meetings),
        absentees=sum(len(m.absentees) for m in meetings),
        briefed=sum(len(m.briefed) for m in meetings),
        topics=sum(len(m.topics) for m in meetings),
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
