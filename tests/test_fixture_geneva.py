"""The Geneva fixture says what the French source article says.

The article lives outside the repository, in ``../shared/seed/`` relative to the
repo root; tests that compare against its text skip when it is absent.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE = REPO_ROOT / "fixtures" / "geneva-ai-talks.yaml"
ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "geneva-ai-talks.fr.txt"

JULY, OCTOBER = "geneva-2023-07", "geneva-2023-10"
ROUNDS = (JULY, OCTOBER)
US_FIRMS = ("openai", "anthropic", "cohere")
CHINESE_DELEGATIONS = ("tsinghua-university", "chinese-state-backed-entities")
ABSENT_CHINESE_FIRMS = ("bytedance", "tencent", "baidu")

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
ACTOR_KINDS = {"company", "university", "government", "media", "ngo", "person", "other"}
CERTAINTIES = {"confirmed", "reported", "alleged"}
ROLES = {"participant", "delegate", "mediator", "observer", "host"}
COMMON_FIELDS = {
    "id",
    "kind",
    "occurred",
    "sources",
    "certainty",
    "quote",
    "quote_language",
    "note",
}
KIND_FIELDS = {
    "meeting_held": {"title", "place"},
    "participant_joined": {"meeting", "actor", "role"},
    "participant_absent": {"meeting", "actor"},
    "actor_briefed": {"meeting", "actor"},
    "topic_discussed": {"meeting", "topic"},
    "statement_made": {"actor", "speaker", "text", "language"},
    "disclosure_published": {"actor", "headline", "meeting"},
    "policy_announced": {"actor", "title"},
    "claim": {"subject", "predicate", "object"},
}
# EDTF forms the product accepts: a date of year/month/day precision, optionally
# qualified ~ or ?, or an interval of two such dates.
EDTF_DATE = r"\d{4}(?:-\d{2}(?:-\d{2})?)?[~?]?"
EDTF = re.compile(rf"^{EDTF_DATE}(?:/{EDTF_DATE})?$")


@pytest.fixture(scope="module")
def story() -> dict:
    with FIXTURE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def facts(story: dict) -> list[dict]:
    return story["facts"]


@pytest.fixture(scope="module")
def by_id(facts: list[dict]) -> dict[str, dict]:
    return {f["id"]: f for f in facts}


@pytest.fixture(scope="module")
def article() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found at {ARTICLE} (shared seed directory absent)")
    return ARTICLE.read_text(encoding="utf-8")


def of_kind(facts: list[dict], kind: str) -> list[dict]:
    return [f for f in facts if f["kind"] == kind]


def pairs(facts: list[dict], kind: str) -> set[tuple[str, str]]:
    return {(f["meeting"], f["actor"]) for f in of_kind(facts, kind)}


# ── structure ────────────────────────────────────────────────────────────────


def test_story_is_identified_as_geneva_ai_talks(story):
    assert story["story"]["id"] == "geneva-ai-talks"
    assert story["story"]["title"]
    assert story["story"]["description"]


def test_fact_and_actor_ids_are_unique_slugs(story, facts):
    fact_ids = [f["id"] for f in facts]
    actor_ids = [a["id"] for a in story["actors"]]
    for ids in (fact_ids, actor_ids):
        assert [i for i, n in Counter(ids).items() if n > 1] == []
        assert all(SLUG.match(i) for i in ids), [i for i in ids if not SLUG.match(i)]


def test_actors_have_known_kinds_and_two_letter_countries(story):
    for actor in story["actors"]:
        assert actor["kind"] in ACTOR_KINDS, actor["id"]
        assert actor["name"]
        if "country" in actor:
            assert re.fullmatch(r"[A-Z]{2}", actor["country"]), actor["id"]


def test_facts_carry_only_their_kinds_fields(facts):
    for fact in facts:
        assert fact["kind"] in KIND_FIELDS, fact["id"]
        unknown = set(fact) - COMMON_FIELDS - KIND_FIELDS[fact["kind"]]
        assert unknown == set(), (fact["id"], unknown)
        assert fact["certainty"] in CERTAINTIES, fact["id"]


def test_every_occurred_is_an_edtf_string_without_invented_days(facts):
    for fact in facts:
        occurred = fact["occurred"]
        assert isinstance(occurred, str), fact["id"]
        assert EDTF.match(occurred), (fact["id"], occurred)
        # The only day the article lets us know is the FT publication date.
        for day in re.findall(r"\d{4}-\d{2}-\d{2}", occurred):
            assert day == "2024-01-11", (fact["id"], occurred)


def test_referenced_actors_exist(story, facts):
    actor_ids = {a["id"] for a in story["actors"]}
    for fact in facts:
        if "actor" in fact:
            assert fact["actor"] in actor_ids, (fact["id"], fact["actor"])


def test_referenced_meetings_are_earlier_meeting_held_facts(facts):
    seen_meetings: set[str] = set()
    for fact in facts:
        if "meeting" in fact:
            assert fact["meeting"] in seen_meetings, (fact["id"], fact["meeting"])
        if fact["kind"] == "meeting_held":
            seen_meetings.add(fact["id"])


def test_every_fact_cites_the_ft_report_of_2024_01_11(facts):
    for fact in facts:
        sources = fact["sources"]
        assert sources, fact["id"]
        assert {
            "name": "Financial Times",
            "published": "2024-01-11",
            "language": "en",
        }.items() <= sources[0].items(), fact["id"]


# ── fidelity to the article ─────────────────────────────────────────────────


def test_every_quote_is_verbatim_french_from_the_article(facts, article):
    for fact in facts:
        assert fact.get("quote"), f"{fact['id']} has no quote"
        assert fact["quote_language"] == "fr", fact["id"]
        assert fact["quote"] in article, f"{fact['id']}: quote not in article"


def test_french_labels_are_the_articles_own_words(story, article):
    labelled = [a for a in story["actors"] if "labels" in a]
    assert {a["id"] for a in labelled} >= {
        "tsinghua-university",
        "shaikh-group",
        "chinese-embassy-uk",
    }
    for actor in labelled:
        assert actor["labels"]["fr"].lower() in article.lower(), actor["id"]


def test_both_rounds_are_month_precise_meetings_in_geneva(facts, by_id):
    assert {f["id"] for f in of_kind(facts, "meeting_held")} == set(ROUNDS)
    assert by_id[JULY]["occurred"] == "2023-07"
    assert by_id[OCTOBER]["occurred"] == "2023-10"
    for meeting in ROUNDS:
        assert by_id[meeting]["place"] == "Geneva, Switzerland"


def test_facts_about_a_round_share_its_month(facts, by_id):
    for fact in facts:
        if "meeting" in fact:
            assert fact["occurred"] == by_id[fact["meeting"]]["occurred"], fact["id"]


def test_us_firms_participate_in_both_rounds(facts):
    roles = {(f["meeting"], f["actor"]): f["role"] for f in of_kind(facts, "participant_joined")}
    for meeting in ROUNDS:
        for actor in US_FIRMS:
            assert roles.get((meeting, actor)) == "participant", (meeting, actor)


def test_chinese_side_attends_both_rounds_as_delegates(story, facts):
    roles = {(f["meeting"], f["actor"]): f["role"] for f in of_kind(facts, "participant_joined")}
    for meeting in ROUNDS:
        for actor in CHINESE_DELEGATIONS:
            assert roles.get((meeting, actor)) == "delegate", (meeting, actor)
    actors = {a["id"]: a for a in story["actors"]}
    assert all(actors[a]["country"] == "CN" for a in CHINESE_DELEGATIONS)


def test_shaikh_group_mediates_both_rounds(facts):
    roles = {(f["meeting"], f["actor"]): f["role"] for f in of_kind(facts, "participant_joined")}
    for meeting in ROUNDS:
        assert roles.get((meeting, "shaikh-group")) == "mediator", meeting


def test_only_the_named_participants_join(facts):
    joined = {f["actor"] for f in of_kind(facts, "participant_joined")}
    assert joined == {*US_FIRMS, *CHINESE_DELEGATIONS, "shaikh-group"}


def test_bytedance_tencent_and_baidu_are_alleged_absent_from_both_rounds(facts):
    absent = [f for f in of_kind(facts, "participant_absent") if f["actor"] in ABSENT_CHINESE_FIRMS]
    assert {(f["meeting"], f["actor"]) for f in absent} == {
        (m, a) for m in ROUNDS for a in ABSENT_CHINESE_FIRMS
    }
    assert {f["certainty"] for f in absent} == {"alleged"}


def test_deepmind_is_briefed_on_both_rounds_and_never_joins(facts):
    assert pairs(facts, "actor_briefed") == {(m, "google-deepmind") for m in ROUNDS}
    assert "google-deepmind" not in {a for _, a in pairs(facts, "participant_joined")}
    assert {(m, "google-deepmind") for m in ROUNDS} <= pairs(facts, "participant_absent")


def test_topics_of_the_talks_are_recorded_for_both_rounds(facts):
    expected = ("technical cooperation", "policy proposals", "disinformation", "safety research")
    for meeting in ROUNDS:
        topics = [
            f["topic"].lower() for f in of_kind(facts, "topic_discussed") if f["meeting"] == meeting
        ]
        for needle in expected:
            assert any(needle in t for t in topics), (meeting, needle)
        assert any("societal disruption" in t for t in topics), meeting


def test_talks_could_feed_the_un_eu_and_uk_forums(facts):
    claims = [f for f in of_kind(facts, "claim") if f["predicate"] == "could feed into"]
    objects = " | ".join(f["object"] for f in claims)
    assert len(claims) == 3
    assert "UN Security Council" in objects
    assert "European Union summit" in objects
    assert "UK AI summit, to which China was invited" in objects


def test_us_hardware_restrictions_are_a_us_government_policy_with_approximate_date(story, by_id):
    policy = by_id["us-ai-hardware-trade-restrictions"]
    assert policy["kind"] == "policy_announced"
    actor = next(a for a in story["actors"] if a["id"] == policy["actor"])
    assert (actor["kind"], actor["country"]) == ("government", "US")
    assert policy["occurred"] == "2023~"
    assert "no date" in policy["note"]


def test_anonymous_participant_statement_is_unattributed_french(by_id, article):
    statement = by_id["statement-anonymous-participant"]
    assert "actor" not in statement
    assert "anonymous participant" in statement["speaker"]
    assert statement["language"] == "fr"
    assert statement["text"] in article


def test_chinese_embassy_statement_is_attributed_to_a_registered_chinese_actor(
    story, by_id, article
):
    statement = by_id["statement-chinese-embassy-uk"]
    assert "speaker" not in statement
    embassy = next(a for a in story["actors"] if a["id"] == statement["actor"])
    assert (embassy["kind"], embassy["country"]) == ("government", "CN")
    assert embassy["labels"]["fr"] == "l'ambassade de Chine au Royaume-Uni"
    assert statement["language"] == "fr"
    assert statement["text"] in article


def test_future_alignment_dialogues_are_an_alleged_claim(by_id):
    claim = by_id["geneva-talks-led-to-alignment-dialogues"]
    assert claim["kind"] == "claim"
    assert "legal codes" in claim["object"] and "societal norms" in claim["object"]
    assert claim["certainty"] == "alleged"


def test_ft_disclosure_is_published_on_2024_01_11_by_a_british_outlet(story, facts):
    (disclosure,) = of_kind(facts, "disclosure_published")
    assert disclosure["occurred"] == "2024-01-11"
    assert disclosure["actor"] == "financial-times"
    outlet = next(a for a in story["actors"] if a["id"] == "financial-times")
    assert (outlet["kind"], outlet["country"]) == ("media", "GB")


def test_nothing_occurs_after_the_disclosure_day(facts):
    def last_day(edtf: str) -> str:
        end = edtf.split("/")[-1].rstrip("~?")
        # Pad partial dates to the last possible day so "2024-01" is after "2024-01-11".
        return end + "-99" * (2 - end.count("-"))

    for fact in facts:
        assert last_day(fact["occurred"]) <= "2024-01-11", (fact["id"], fact["occurred"])


# ── through the domain loader, once it exists ─────────────────────────────────


def test_fixture_validates_through_the_domain_story_file_loader(facts):
    storyfile = pytest.importorskip("domain.storyfile", reason="domain.storyfile not written yet")
    clocks = pytest.importorskip("domain.clocks", reason="domain.clocks not written yet")

    loaded = storyfile.load_story_file(FIXTURE)

    assert loaded.story.id == "geneva-ai-talks"
    assert [f.id for f in loaded.facts] == [f["id"] for f in facts]
    actor_ids = {a.id for a in loaded.actors}
    meeting_ids = {f.id for f in loaded.facts if f.kind == "meeting_held"}
    disclosure_day_ends = clocks.parse_occurred("2024-01-11").latest
    for fact in loaded.facts:
        assert set(fact.referenced_actors()) <= actor_ids, fact.id
        assert fact.referenced_meeting() in meeting_ids | {None}, fact.id
        assert fact.reported_at.date().isoformat() == "2024-01-11", fact.id
        assert clocks.parse_occurred(fact.occurred).latest <= disclosure_day_ends, fact.id
    for meeting in meeting_ids:
        occurred = next(f.occurred for f in loaded.facts if f.id == meeting)
        assert clocks.parse_occurred(occurred).precision == "month", meeting
