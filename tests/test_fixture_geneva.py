"""The Geneva fixture says what the French source article says, and no more.

The article lives outside the repository, in ``../shared/seed/`` relative to the
repo root; tests that compare against its text skip when it is absent.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from domain.clocks import parse_occurred
from domain.storyfile import load_story_file
from fixtures import GENEVA

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "geneva-ai-talks.fr.txt"
STORY = "geneva-ai-talks"
SERIES = "geneva-ai-talks"
JULY, OCTOBER = "geneva-july-2023", "geneva-october-2023"  # meeting ids
ROUNDS = {JULY: "2023-07", OCTOBER: "2023-10"}
SERIES_SPAN = "2023-07/2023-10"
REPORT_DAY = "2024-01-11"  # the FT's publication: the only day the story knows

US_FIRMS = ("openai", "anthropic", "cohere")
CHINESE_DELEGATIONS = ("tsinghua-university", "chinese-state-backed-entities")
ABSENT_CHINESE_FIRMS = ("bytedance", "tencent", "baidu")
# Checked Q-ids only; an actor whose Q-id could not be checked has none.
WIKIDATA = {"openai": "Q21708200", "anthropic": "Q116758847", "google-deepmind": "Q15733006"}

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
COMMON_FIELDS = {"id", "kind", "occurred", "sources", "certainty", "quote", "quote_language"}
COMMON_FIELDS |= {"note"}
AT = {"meeting", "series"}  # a fact names one round, or the series as a whole
KIND_FIELDS = {
    "meeting_held": {"meeting", "series", "title", "place"},
    "participant_joined": AT | {"actor", "role", "side"},
    "participant_absent": AT | {"actor"},
    "actor_briefed": AT | {"actor"},
    "topic_discussed": AT | {"topic"},
    "statement_made": AT | {"actor", "speaker", "text", "language"},
    "disclosure_published": AT | {"actor", "headline"},
    "policy_announced": {"actor", "title"},
    "claim": {"subject", "predicate", "object"},
}
# What the article says of the talks without naming a round.
OF_THE_TALKS = ("participant_joined", "participant_absent", "actor_briefed", "topic_discussed")


@pytest.fixture(scope="module")
def story() -> dict[str, Any]:
    with GENEVA.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@pytest.fixture(scope="module")
def facts(story: dict[str, Any]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = story["facts"]
    return listed


@pytest.fixture(scope="module")
def by_id(facts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in facts}


@pytest.fixture(scope="module")
def actors(story: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in story["actors"]}


@pytest.fixture(scope="module")
def article() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found at {ARTICLE} (shared seed directory absent)")
    return ARTICLE.read_text(encoding="utf-8")


def of_kind(facts: list[dict[str, Any]], *kinds: str) -> list[dict[str, Any]]:
    return [f for f in facts if f["kind"] in kinds]


def rounds_of(facts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["meeting"]: f for f in of_kind(facts, "meeting_held")}


# ── structure ────────────────────────────────────────────────────────────────


def test_fact_and_actor_ids_are_unique_slugs(story, facts):
    for ids in ([f["id"] for f in facts], [a["id"] for a in story["actors"]]):
        assert [i for i, n in Counter(ids).items() if n > 1] == []
        assert all(SLUG.match(i) for i in ids), [i for i in ids if not SLUG.match(i)]


def test_facts_carry_only_their_kinds_fields(facts):
    for fact in facts:
        unknown = set(fact) - COMMON_FIELDS - KIND_FIELDS[fact["kind"]]
        assert unknown == set(), (fact["id"], unknown)


def test_the_two_rounds_are_meetings_by_meeting_id_in_one_series(facts):
    rounds = rounds_of(facts)
    assert {m: f["occurred"] for m, f in rounds.items()} == ROUNDS
    assert {f["series"] for f in rounds.values()} == {SERIES}
    assert {f["place"] for f in rounds.values()} == {"Geneva, Switzerland"}
    assert all(f["id"] != f["meeting"] for f in rounds.values())  # named by meeting id


def test_only_the_rounds_themselves_name_a_round(facts):
    # The article ties nothing but the two months to a particular round.
    assert [f["id"] for f in facts if "meeting" in f and f["kind"] != "meeting_held"] == []


def test_what_the_article_says_of_the_talks_is_said_once_of_the_series(facts):
    said = of_kind(facts, *OF_THE_TALKS)
    assert said and all(f.get("series") == SERIES for f in said)
    assert all(f["occurred"] == SERIES_SPAN for f in said), [
        (f["id"], f["occurred"]) for f in said if f["occurred"] != SERIES_SPAN
    ]
    # Not copied into each round: one fact per kind and actor (or topic).
    keys = [(f["kind"], f.get("actor") or f.get("topic")) for f in said]
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_every_series_named_is_declared_by_an_earlier_round(facts):
    declared: set[str] = set()
    for fact in facts:
        if fact["kind"] == "meeting_held":
            declared.add(fact["series"])
        elif "series" in fact:
            assert fact["series"] in declared, fact["id"]


def test_referenced_actors_exist(actors, facts):
    assert {f["actor"] for f in facts if "actor" in f} <= set(actors)
    named = {f["actor"] for f in facts if "actor" in f}
    assert set(actors) - named == set(), "an actor the story never names"


# ── participants, sides, absentees ───────────────────────────────────────────


def test_the_participants_are_the_named_ones_with_the_articles_roles(facts):
    roles = {f["actor"]: f["role"] for f in of_kind(facts, "participant_joined")}
    assert roles == {
        **dict.fromkeys(US_FIRMS, "participant"),
        **dict.fromkeys(CHINESE_DELEGATIONS, "delegate"),
        "shaikh-group": "mediator",
    }


def test_cohere_sits_on_the_us_side_and_stays_canadian(facts, actors):
    sides = {f["actor"]: f.get("side") for f in of_kind(facts, "participant_joined")}
    assert sides["cohere"] == "US"
    assert actors["cohere"]["country"] == "CA"
    # A side is given only where it is not the actor's own country.
    for actor, side in sides.items():
        assert side is None or side != actors[actor].get("country"), actor
    assert {actors[a]["country"] for a in ("openai", "anthropic")} == {"US"}
    assert {actors[a]["country"] for a in CHINESE_DELEGATIONS} == {"CN"}


def test_absentees_and_deepminds_briefing_are_the_insiders_allegations(facts):
    absent = {f["actor"]: f["certainty"] for f in of_kind(facts, "participant_absent")}
    briefed = {f["actor"]: f["certainty"] for f in of_kind(facts, "actor_briefed")}
    assert absent == dict.fromkeys((*ABSENT_CHINESE_FIRMS, "google-deepmind"), "alleged")
    assert briefed == {"google-deepmind": "alleged"}
    assert "google-deepmind" not in {f["actor"] for f in of_kind(facts, "participant_joined")}


def test_wikidata_ids_are_only_the_checked_ones(story):
    assert {a["id"]: a["wikidata"] for a in story["actors"] if "wikidata" in a} == WIKIDATA


# ── sources, quotes, hedges ─────────────────────────────────────────────────


def test_every_fact_is_the_ft_report_carried_via_the_french_relay(facts):
    for fact in facts:
        (source,) = fact["sources"]
        assert (source["name"], source["published"], source["language"]) == (
            "Financial Times",
            REPORT_DAY,
            "en",
        ), fact["id"]
        relay = source["via"]
        assert relay["language"] == "fr" and relay["name"] != source["name"], fact["id"]
        assert relay["published"] >= source["published"], fact["id"]  # it relays, later


def test_every_quote_is_verbatim_french_from_the_article(facts, article):
    for fact in facts:
        assert fact.get("quote"), f"{fact['id']} has no quote"
        assert fact["quote_language"] == "fr", fact["id"]
        assert fact["quote"] in article, f"{fact['id']}: quote not in article"
    for statement in of_kind(facts, "statement_made"):
        assert statement["language"] == "fr" and statement["text"] in article


def test_french_labels_are_the_articles_own_words(story, article):
    labelled = [a for a in story["actors"] if "labels" in a]
    assert {a["id"] for a in labelled} >= {"tsinghua-university", "shaikh-group"}
    for actor in labelled:
        assert actor["labels"]["fr"].lower() in article.lower(), actor["id"]


@pytest.mark.parametrize(
    ("hedge", "certainty"),
    [
        ("Des initiés ont laissé entendre", "alleged"),
        ("Google DeepMind a été informée", "alleged"),  # same sentence as the insiders'
        ("aurait contribué", "alleged"),
        ("ont participé", "reported"),  # "…, selon le Financial Times."
        ("Le Financial Times indique", "reported"),
    ],
)
def test_certainty_follows_the_articles_hedges(facts, hedge, certainty):
    hedged = [f for f in facts if hedge in f["quote"]]
    assert hedged and {f["certainty"] for f in hedged} == {certainty}, hedge


def test_only_the_disclosure_itself_is_confirmed(facts):
    confirmed = [f["id"] for f in facts if f["certainty"] == "confirmed"]
    assert confirmed == ["ft-discloses-geneva-talks"]


def test_every_fact_says_its_judgement_calls_in_a_note(facts, by_id):
    assert [f["id"] for f in facts if not f.get("note")] == []
    assert "CA" in by_id["geneva-talks-joined-cohere"]["note"]
    assert "present tense" in by_id["us-ai-hardware-trade-restrictions"]["note"]
    assert "devraient porter sur" in by_id["geneva-dialogues-expected-to-cover-ai-risks"]["note"]


# ── expectations and the present tense are not past events ──────────────────


def test_an_expectation_is_a_claim_not_a_topic_discussed(facts):
    expected = [f for f in facts if "devraient" in f["quote"]]
    assert {f["kind"] for f in expected} == {"claim"}
    assert {f["predicate"] for f in expected} == {
        "are expected to cover",
        "are expected to promote",
    }
    assert {f["occurred"] for f in expected} == {REPORT_DAY}  # as of the report, not 2023
    topics = {f["topic"] for f in of_kind(facts, "topic_discussed")}
    assert topics == {"Technical cooperation", "Policy proposals"}  # "ont porté sur"


def test_the_hardware_restrictions_are_a_present_tense_claim_not_a_dated_policy(facts, by_id):
    assert of_kind(facts, "policy_announced") == []
    restrictions = by_id["us-ai-hardware-trade-restrictions"]
    assert restrictions["kind"] == "claim" and "renforcent" in restrictions["quote"]
    assert restrictions["occurred"] == REPORT_DAY


def test_the_forums_are_what_the_proposals_could_feed_not_what_they_fed(facts):
    forums = [f for f in of_kind(facts, "claim") if f["predicate"] == "could feed into"]
    assert sorted(f["object"] for f in forums) == [
        "the European Union summit on artificial intelligence",
        "the UK AI summit, to which China was invited",
        "the UN Security Council meeting on AI",
    ]
    assert all("susceptibles" in f["note"] for f in forums)


# ── dates keep the article's precision ──────────────────────────────────────


def test_no_occurred_is_more_precise_than_the_article(facts):
    for fact in facts:
        occurred = fact["occurred"]
        assert not re.search(r"[~?%]", occurred), fact["id"]  # the article qualifies none
        # Months from the article; the one day is the report's, never a day of 2023.
        for day in re.findall(r"\d{4}-\d{2}-\d{2}", occurred):
            assert day == REPORT_DAY, (fact["id"], occurred)
        assert parse_occurred(occurred).latest <= parse_occurred(REPORT_DAY).latest, fact["id"]


def test_dates_checked_by_hand(by_id):
    assert by_id["geneva-2023-07"]["occurred"] == "2023-07"  # "en juillet … 2023"
    assert by_id["geneva-2023-10"]["occurred"] == "2023-10"  # "en octobre 2023"
    assert by_id["geneva-talks-joined-cohere"]["occurred"] == SERIES_SPAN  # round unsaid
    assert by_id["ft-discloses-geneva-talks"]["occurred"] == REPORT_DAY
    # Undated statements: bounded by what the article allows, judgement said in the note.
    assert by_id["statement-anonymous-participant"]["occurred"] == "2023-07/2024-01-11"
    assert by_id["statement-chinese-embassy-uk"]["occurred"] == "2023/2024-01-11"
    assert "judgement call" in by_id["statement-chinese-embassy-uk"]["note"]


# ── through the product, as a reader sees it ────────────────────────────────


def test_the_story_file_loader_accepts_the_fixture(facts):
    loaded = load_story_file(GENEVA)
    assert loaded.story.id == STORY
    assert [f.id for f in loaded.facts] == [f["id"] for f in facts]
    assert {f.reported_at.date().isoformat() for f in loaded.facts} == {REPORT_DAY}


def picture(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get(f"/stories/{STORY}/picture", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_before_the_report_nobody_outside_knew_of_any_round(geneva_client: TestClient) -> None:
    eve = picture(geneva_client, known_at="2023-12-31")
    assert eve["meetings"] == [] and eve["series"] == [] and eve["counts"]["facts"] == 0


def test_on_the_report_day_both_rounds_and_their_series_are_known(
    geneva_client: TestClient,
) -> None:
    day = picture(geneva_client, known_at=REPORT_DAY)
    assert [(m["id"], m["occurred"]) for m in day["meetings"]] == list(ROUNDS.items())
    (series,) = day["series"]
    assert series["id"] == SERIES and series["rounds"] == [JULY, OCTOBER]
    assert sorted(series["participants_by_side"]["US"]) == sorted(US_FIRMS)  # Cohere too
    assert sorted(series["participants_by_side"]["CN"]) == sorted(CHINESE_DELEGATIONS)
    assert series["participants_by_role"]["mediator"] == ["shaikh-group"]


def test_no_round_repeats_what_was_said_of_the_talks(geneva_client: TestClient) -> None:
    day = picture(geneva_client, known_at=REPORT_DAY)
    for meeting in day["meetings"]:
        said = [meeting[k] for k in ("participants", "absentees", "briefed", "topics")]
        assert said == [[], [], [], []], meeting["id"]
    (series,) = day["series"]
    joined = [p["id"] for p in series["participants"]]
    assert sorted(joined) == sorted(set(joined))  # each participant once
    statements = {s["fact_id"]: s for s in day["statements"]}
    assert statements["statement-anonymous-participant"]["series"] == SERIES
    # The embassy's statement is of the story as a whole: at its level, once.
    assert statements["statement-chinese-embassy-uk"].get("series") is None
    assert "statement-chinese-embassy-uk" not in {s["fact_id"] for s in series["statements"]}
