"""Drafts from an article: what a reporter pastes, what the drafter reads in it.

Small texts of our own, French and English, read by the drafting engine with a few
registered actors; the HTTP route and its errors in ``test_drafts_api.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.drafting.actors import ActorFinder
from api.drafting.article import KnownMeeting, StoryContext
from api.drafting.engine import DraftSet, draft_article
from domain.model import Actor, ActorKind, Source, parse_fact

ACTORS = [
    Actor(id="openai", name="OpenAI", kind=ActorKind.company, country="US"),
    Actor(id="anthropic", name="Anthropic", kind=ActorKind.company, country="US"),
    Actor(id="cohere", name="Cohere", kind=ActorKind.company, country="CA"),
    Actor(id="bytedance", name="ByteDance", kind=ActorKind.company, country="CN"),
    Actor(
        id="tsinghua-university",
        name="Tsinghua University",
        kind=ActorKind.university,
        country="CN",
        aliases=["Tsinghua"],
        labels={"fr": "université Tsinghua"},
    ),
    Actor(
        id="google-deepmind",
        name="Google DeepMind",
        kind=ActorKind.company,
        aliases=["DeepMind"],
    ),
    Actor(id="financial-times", name="Financial Times", kind=ActorKind.media, aliases=["FT"]),
]
FT = Source.model_validate({"name": "Financial Times", "published": "2024-01-11"})


def drafted(
    text: str, language: str, story: StoryContext | None = None, actors: list[Actor] = ACTORS
) -> DraftSet:
    return draft_article(text, FT, language, ActorFinder(actors), story or StoryContext("talks"))


def facts(result: DraftSet, kind: str | None = None) -> list[dict[str, Any]]:
    return [d.fact for d in result.drafts if kind is None or d.fact["kind"] == kind]


def one(result: DraftSet, kind: str, **fields: Any) -> dict[str, Any]:
    found = [f for f in facts(result, kind) if all(f.get(k) == v for k, v in fields.items())]
    assert len(found) == 1, (kind, fields, facts(result))
    return found[0]


# ---- dates keep the text's precision ---------------------------------------------------------
def test_a_month_stays_a_month_in_french() -> None:
    result = drafted("La réunion s'est tenue à Genève en juillet 2023.", "fr")
    meeting = one(result, "meeting_held")
    assert meeting["occurred"] == "2023-07"
    assert meeting["place"] == "Genève"


def test_a_month_stays_a_month_in_english_and_a_day_stays_a_day() -> None:
    month = drafted("The talks were held in Geneva in October 2023.", "en")
    day = drafted("The talks were held in Geneva on 18 July 2023.", "en")
    assert one(month, "meeting_held")["occurred"] == "2023-10"
    assert one(day, "meeting_held")["occurred"] == "2023-07-18"


def test_a_range_becomes_an_interval_and_a_list_two_rounds() -> None:
    ranged = drafted("Les pourparlers se sont tenus de juillet à octobre 2023 à Genève.", "fr")
    listed = drafted("Ces rencontres ont eu lieu en juillet et en octobre 2023.", "fr")
    assert one(ranged, "meeting_held")["occurred"] == "2023-07/2023-10"
    assert sorted(f["occurred"] for f in facts(listed, "meeting_held")) == ["2023-07", "2023-10"]


def test_a_month_without_a_year_is_never_given_one() -> None:
    result = drafted("OpenAI a participé à la réunion qui s'est tenue à Genève en juillet.", "fr")
    meeting = one(result, "meeting_held")  # drafted for the participant, dated by the report
    assert meeting["occurred"] == "2024-01-11" and "Correct it" in meeting["note"]
    for fact in facts(result):
        assert "-07" not in fact["occurred"], fact


# ---- actors ---------------------------------------------------------------------------------
def test_an_actor_is_found_through_an_elision_and_an_article() -> None:
    result = drafted(
        "Des délégués d'OpenAI et de l'université Tsinghua ont participé à la réunion qui "
        "s'est tenue à Genève en juillet 2023.",
        "fr",
    )
    openai = one(result, "participant_joined", actor="openai")
    one(result, "participant_joined", actor="tsinghua-university")
    meeting = one(result, "meeting_held")
    assert openai["meeting"] == meeting["meeting"]
    assert openai["role"] == "delegate"


def test_names_are_matched_without_case_or_accents() -> None:
    result = drafted("BYTEDANCE et l'Universite TSINGHUA etaient absentes en juillet 2023.", "fr")
    assert {f["actor"] for f in facts(result, "participant_absent")} == {
        "bytedance",
        "tsinghua-university",
    }


def test_the_teller_is_not_a_participant() -> None:
    result = drafted(
        "OpenAI a participé à la réunion de Genève en juillet 2023, selon le Financial Times.",
        "fr",
    )
    assert {f["actor"] for f in facts(result, "participant_joined")} == {"openai"}


def test_a_clause_without_a_name_speaks_of_the_actors_before_it() -> None:
    result = drafted(
        "In October 2023, Google DeepMind was briefed, but did not attend the talks.", "en"
    )
    one(result, "actor_briefed", actor="google-deepmind")
    one(result, "participant_absent", actor="google-deepmind")


def test_a_side_other_than_the_actors_own_country_is_drafted() -> None:
    result = drafted(
        "Les entreprises OpenAI et Cohere, qui représentent les États-Unis, ont participé "
        "aux discussions de juillet 2023.",
        "fr",
    )
    assert one(result, "participant_joined", actor="cohere")["side"] == "US"
    assert "side" not in one(result, "participant_joined", actor="openai")


# ---- hedges -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Des initiés ont laissé entendre que ByteDance était absente en juillet 2023.", "fr"),
        ("ByteDance aurait été absente des discussions de juillet 2023.", "fr"),
        ("ByteDance allegedly did not attend the talks in July 2023.", "en"),
        ("People familiar with the talks said ByteDance did not attend in July 2023.", "en"),
    ],
)
def test_a_hedge_drafts_alleged(text: str, language: str) -> None:
    result = drafted(text, language)
    assert one(result, "participant_absent", actor="bytedance")["certainty"] == "alleged"


def test_an_attribution_drafts_reported_and_nothing_is_confirmed_but_the_disclosure() -> None:
    result = drafted(
        "OpenAI reportedly took part in the talks in Geneva in July 2023, which had not been "
        "made public until now.",
        "en",
    )
    assert one(result, "participant_joined", actor="openai")["certainty"] == "reported"
    for fact in facts(result):
        if fact["kind"] != "disclosure_published":
            assert fact["certainty"] != "confirmed", fact


# ---- quotes ---------------------------------------------------------------------------------
def test_a_quote_is_the_texts_exact_words() -> None:
    text = (
        "Un participant aux pourparlers de juillet 2023 a déclaré : « Il est impossible de "
        "fixer des normes sans un accord entre ces acteurs. Et s'ils s'accordent, tout "
        "devient plus facile. »"
    )
    statement = one(drafted(text, "fr"), "statement_made")
    assert statement["quote"] in text
    assert statement["quote"].startswith("Il est impossible")
    assert statement["quote"].endswith("plus facile.")
    assert statement["text"] == statement["quote"]
    assert statement["speaker"] == "Un participant aux pourparlers de juillet 2023"


def test_an_english_quote_names_its_registered_speaker() -> None:
    text = 'OpenAI said: "We support efforts to discuss the governance of AI." It gave no date.'
    statement = one(drafted(text, "en"), "statement_made")
    assert statement["actor"] == "openai"
    assert statement["quote"] == "We support efforts to discuss the governance of AI."
    assert statement["quote"] in text


# ---- meetings, series, topics ---------------------------------------------------------------
def test_what_is_said_of_several_rounds_is_said_of_their_series() -> None:
    text = (
        "OpenAI et Anthropic ont participé aux discussions. Ces rassemblements ont eu lieu à "
        "Genève en juillet et en octobre 2023. Les discussions ont porté sur la coopération "
        "technique et les propositions politiques."
    )
    result = drafted(text, "fr")
    meetings = facts(result, "meeting_held")
    assert len(meetings) == 2 and len({m["series"] for m in meetings}) == 1
    series = meetings[0]["series"]
    joined = one(result, "participant_joined", actor="openai")
    assert joined["series"] == series and joined["occurred"] == "2023-07/2023-10"
    topics = {f["topic"] for f in facts(result, "topic_discussed")}
    assert topics == {"Coopération technique", "Propositions politiques"}


def test_a_round_the_story_holds_is_named_not_drafted_again() -> None:
    story = StoryContext(
        "talks", (KnownMeeting("geneva-july", "2023-07", "Geneva"),), lambda ids: set()
    )
    result = drafted("OpenAI took part in the talks in Geneva in July 2023.", "en", story)
    assert facts(result, "meeting_held") == []
    assert one(result, "participant_joined", actor="openai")["meeting"] == "geneva-july"


def test_a_participant_of_an_undrafted_round_names_a_drafted_meeting() -> None:
    result = drafted("Anthropic took part in October 2023.", "en")
    meeting = one(result, "meeting_held")
    joined = one(result, "participant_joined", actor="anthropic")
    assert joined["meeting"] == meeting["meeting"] and meeting["occurred"] == "2023-10"


# ---- what every draft is --------------------------------------------------------------------
GENEVA_LIKE = (
    "Les entreprises OpenAI, Anthropic et Cohere ont participé aux discussions, selon le "
    "Financial Times. Ces rassemblements ont eu lieu à Genève en juillet et en octobre 2023. "
    "Des initiés ont laissé entendre que ByteDance était absente, tandis que Google DeepMind "
    "a été informée, mais n'a pas participé. Les États-Unis renforcent leurs restrictions."
)


def test_every_draft_is_a_valid_fact_citing_the_source_with_its_sentence() -> None:
    result = drafted(GENEVA_LIKE, "fr")
    assert len(result.drafts) >= 8
    for draft in result.drafts:
        parse_fact(draft.fact)
        assert draft.fact["sources"] == [{"name": "Financial Times", "published": "2024-01-11"}]
        evidence = draft.evidence
        assert GENEVA_LIKE[evidence.start : evidence.end] == evidence.sentence
        assert all(evidence.start <= m.start < m.end <= evidence.end for m in evidence.marks)
        assert 0 < draft.confidence <= 1
        if "quote" in draft.fact:
            assert draft.fact["quote"] in GENEVA_LIKE


def test_ids_are_readable_unique_and_not_taken_in_the_story() -> None:
    taken = {"geneve-talks-joined-openai", "geneve-talks-joined-openai-2"}
    story = StoryContext("talks", (), lambda ids: taken & set(ids))
    ids = [d.fact["id"] for d in drafted(GENEVA_LIKE, "fr", story).drafts]
    assert len(ids) == len(set(ids)) and not taken & set(ids)
    assert "geneve-talks-joined-openai-3" in ids
    assert "geneve-2023-07" in ids


def test_an_unknown_organisation_is_listed() -> None:
    french = drafted("OpenAI et Mistral AI ont participé aux discussions de juillet 2023.", "fr")
    english = drafted(
        "OpenAI, Anthropic and Acme Robotics took part in talks brokered by the Shaikh Group "
        "in July 2023.",
        "en",
    )
    assert "Mistral AI" in [u.name for u in french.unknown_actors]
    names = [u.name for u in english.unknown_actors]
    assert "Acme Robotics" in names and "Shaikh Group" in names
    for unknown in english.unknown_actors:
        assert unknown.name in unknown.evidence.sentence


@pytest.mark.parametrize(
    "text",
    [
        "<p>OpenAI a <b>participé</b> en juillet 2023.</p><script>alert(1)</script>",
        "🎉🎉🎉 OpenAI 🤖 took part in July 2023 🚀",
        "...",
        "openai openai openai",
        '« » " “',
        "\n\n\n",
        "2023 2023-07 juillet octobre 2023-13-45",
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_odd_text_never_crashes(text: str, language: str) -> None:
    result = drafted(text, language)
    for draft in result.drafts:
        parse_fact(draft.fact)


def test_an_english_report_names_participants_not_the_outlet_and_a_speaker_after_a_quote() -> None:
    text = (
        "OpenAI and Anthropic held secret talks with Tsinghua University in Geneva in July "
        '2023, the Financial Times reported. "No standard is possible without an agreement '
        'between these actors," said one person present at the talks.'
    )
    result = drafted(text, "en")
    joined = {f["actor"] for f in facts(result, "participant_joined")}
    assert joined == {"openai", "anthropic", "tsinghua-university"}
    statement = one(result, "statement_made")
    assert statement["speaker"] == "one person present at the talks"
    assert statement["quote"] in text
