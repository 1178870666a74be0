"""What a sentence says, by its words: the cues of each kind and hedge, per language.

Every pattern runs on folded text (lower case, no accents, straight apostrophes), so
"ont participé", "Ont Participé" and "ont participe" read alike. The order of ``KINDS``
matters: a negated participation ("n'a pas participé") is an absence before it could be
read as a participation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPPORTED = ("fr", "en")


def _any(*patterns: str) -> re.Pattern[str]:
    # A cue ending in an elision ("d'", "j'") is followed by the word it elides.
    return re.compile(r"(?<![\w'])(?:" + "|".join(patterns) + r")(?:(?<=')|(?!\w))")


@dataclass(frozen=True)
class Cues:
    """One language's cues; each pattern finds its cue in a folded clause."""

    absent: re.Pattern[str]
    briefed: re.Pattern[str]
    mediator: re.Pattern[str]
    delegate: re.Pattern[str]
    joined: re.Pattern[str]
    held: re.Pattern[str]
    topic: re.Pattern[str]  # the topics follow the cue
    speech: re.Pattern[str]
    disclosed: re.Pattern[str]
    alleged: re.Pattern[str]
    reported: re.Pattern[str]
    attribution_before: re.Pattern[str]  # "selon", "according to": the actor follows
    attribution_after: re.Pattern[str]  # "indique que", "reported that": the actor precedes
    talks: re.Pattern[str]  # words for the talks as a whole
    first_person: re.Pattern[str]  # the writer's own comment, not a reported fact
    clause_breaks: re.Pattern[str]
    list_joins: re.Pattern[str]  # "et", "and": between items of a list
    articles: re.Pattern[str]  # leading articles a topic or a name drops
    topic_stops: frozenset[str]  # a list of topics stops at an item starting so
    representing: re.Pattern[str]  # "qui représentent les États-Unis": the side


FR = Cues(
    absent=_any(
        r"absente?s?",
        r"n'(?:a|ont|avait|avaient) pas (?:participe|pris part|assiste)",
        r"n'(?:etai(?:t|ent)|ete) pas",
        r"ne (?:participai(?:t|ent)|sont) pas",
        r"(?:a|ont) (?:boycotte|decline l'invitation)",
        r"pas (?:presente?s?|conviee?s?)",
    ),
    briefed=_any(
        r"(?:a|ont|avait|avaient) ete (?:informee?s?|tenue?s? au courant|briefee?s?)",
        r"informee?s?",
        r"briefee?s?",
        r"tenue?s? informee?s?",
    ),
    mediator=_any(
        r"negociee?s? par",
        r"mediee?s? par",
        r"mediation",
        r"mediateur",
        r"mediatrice",
        r"organisee?s? par",
        r"facilitee?s? par",
    ),
    delegate=_any(r"delegues?", r"delegations?", r"representants?"),
    joined=_any(
        r"(?:ont|a|avaient|avait) (?:participe|pris part|assiste|rencontre)",
        r"participai(?:t|ent)",
        r"(?:etai(?:t|ent)|ont ete) presente?s?",
        r"aux cotes d[e']",
        r"(?:se sont|s'est) (?:reunie?s?|entretenue?s?)",
        r"ont (?:mene|tenu) des (?:discussions|pourparlers|negociations)",
        r"negociee?s? par",
        r"mediee?s? par",
    ),
    held=_any(
        r"(?:ont|a) eu lieu",
        r"(?:s'est|se sont) (?:tenue?s?|deroulee?s?)",
        r"(?:a|ont) ete (?:tenue?s?|organisee?s?)",
        r"se (?:tenai(?:t|ent)|deroulai(?:t|ent))",
        r"avaient eu lieu",
        r"avait eu lieu",
    ),
    topic=_any(
        r"(?:ont|a|avaient|avait) porte sur",
        r"portai(?:t|ent) sur",
        r"(?:ont|a) (?:aborde|evoque|examine)",
        r"(?:ont|a) discute d[ue']s?",
        r"(?:ont|a) ete consacree?s? a",
        r"(?:se sont|s'est) concentree?s? sur",
    ),
    speech=_any(
        r"(?:a|ont) (?:declare|dit|affirme|ajoute|explique|souligne|estime|confie|assure)",
        r"declarant",
        r"affirmant",
        r"selon (?:lui|elle|eux)",
    ),
    disclosed=_any(
        r"n'(?:ont|a|avaient|avait) (?:pas|jamais) ete (?:rendue?s? publi(?:c|que)s?|reveles?)",
        r"(?:a|ont) (?:revele|devoile)",
        r"jusqu'ici (?:secrete?s?|confidentielle?s?)",
        r"(?:ont|a) ete (?:reveles?|devoilee?s?)",
    ),
    alleged=_any(
        r"aurai(?:t|ent)",
        r"(?:ont|a|auraient|aurait) laisse entendre",
        r"laisse(?:nt)? entendre",
        r"des inities",
        r"de sources? proches?",
        r"pretendument",
        r"selon des sources",
        r"selon des rumeurs",
        r"rumeurs?",
        r"semble(?:rai)?(?:t|nt)",
        r"presumee?s?",
    ),
    reported=_any(
        r"selon",
        r"d'apres",
        r"(?:indique|rapporte|affirme|ecrit|precise|revele) que",
        r"a rapporte",
        r"rapporte",
    ),
    attribution_before=_any(
        r"selon", r"d'apres", r"(?:a |ont )?(?:rapporte|ecrit|indique|revele)(?:nt)?"
    ),
    attribution_after=_any(
        r"(?:indique|rapporte|ecrit|precise|revele|affirme|note)(?:nt)? que",
        r"(?:a|ont) (?:rapporte|ecrit|indique|revele)(?=\s*[.,;]|$)",
    ),
    talks=_any(
        r"discussions?",
        r"pourparlers",
        r"reunions?",
        r"rencontres?",
        r"rassemblements?",
        r"negociations?",
        r"dialogues?",
        r"sommets?",
    ),
    first_person=_any(r"nous", r"notre", r"nos", r"je", r"j'", r"mon", r"ma", r"mes"),
    clause_breaks=re.compile(
        r"\s*(?:;|,\s*(?:tandis que|alors que|mais|cependant)|\s(?:tandis que|alors que|mais)"
        r"(?=\s))\s*"
    ),
    list_joins=_any(r"et", r"ou", r"ainsi que"),
    articles=re.compile(r"^(?:(?:les|le|la|une|un|des|du|de la|de|aux|au)\s+|[ld]')+"),
    topic_stops=frozenset(
        {
            "qui",
            "que",
            "dont",
            "susceptible",
            "susceptibles",
            "tels",
            "telles",
            "tel",
            "telle",
            "selon",
            "afin",
            "pour",
            "car",
            "notamment",
            "ainsi",
        }
    ),
    representing=re.compile(r"(?:qui )?represent(?:ent|ant|ait|aient) (?:les? |la |l')?([\w' -]+)"),
)

EN = Cues(
    absent=_any(
        r"absent",
        r"(?:did|does|do) not (?:attend|take part|participate|join)",
        r"didn't (?:attend|take part|participate|join)",
        r"(?:was|were) not (?:present|there)",
        r"(?:stayed|kept) away",
        r"not among (?:the )?participants",
        r"skipped",
        r"(?:declined|refused) to (?:attend|take part|participate)",
    ),
    briefed=_any(
        r"(?:was|were|had been|has been|have been) (?:briefed|informed|kept informed|updated)",
        r"briefed",
    ),
    mediator=_any(
        r"brokered by",
        r"mediated by",
        r"facilitated by",
        r"organi[sz]ed by",
        r"convened by",
        r"mediat(?:ion|or|ors)",
        r"hosted by",
    ),
    delegate=_any(r"delegates?", r"delegations?", r"representatives?"),
    joined=_any(
        r"took part",
        r"take part",
        r"taking part",
        r"participated",
        r"participating",
        r"attended",
        r"attending",
        r"met(?: with)?",
        r"joined",
        r"(?:was|were) present",
        r"alongside",
        r"held (?:\w+ ){0,2}(?:talks|discussions|meetings|negotiations)",
        r"brokered by",
        r"mediated by",
        r"facilitated by",
    ),
    held=_any(
        r"(?:was|were|had been|have been) held",
        r"took place",
        r"held",
        r"convened",
        r"(?:was|were) hosted",
        r"(?:happened|occurred)",
    ),
    topic=_any(
        r"discussed",
        r"focused on",
        r"focussed on",
        r"covered",
        r"(?:centred|centered) on",
        r"dealt with",
        r"addressed",
        r"(?:talks|discussions) (?:were )?about",
    ),
    speech=_any(
        r"said",
        r"says",
        r"told",
        r"stated",
        r"added",
        r"explained",
        r"noted",
        r"wrote",
        r"according to (?:him|her|them)",
    ),
    disclosed=_any(
        r"(?:had|has|have) not (?:previously )?been (?:made public|disclosed|reported)",
        r"previously (?:unreported|undisclosed|secret)",
        r"(?:first )?revealed",
        r"disclosed",
        r"first reported",
        r"were kept secret",
        r"was kept secret",
    ),
    alleged=_any(
        r"allegedly",
        r"alleged",
        r"people familiar with",
        r"familiar with the matter",
        r"insiders?",
        r"purportedly",
        r"rumou?red",
        r"(?:is|are|was|were) said to",
        r"sources (?:said|say|close)",
        r"anonymous sources",
        r"suggested that",
    ),
    reported=_any(
        r"according to",
        r"reportedly",
        r"reported",
        r"reports that",
        r"(?:said|says) that",
        r"wrote that",
    ),
    attribution_before=_any(r"according to", r"(?:reported|reports|said|says|wrote) by"),
    attribution_after=_any(
        r"(?:reported|reports|said|says|wrote|writes|revealed) that",
        r"(?:reported|reports|wrote|writes|revealed)(?=\s*[.,;]|$)",
    ),
    talks=_any(
        r"talks",
        r"discussions?",
        r"meetings?",
        r"negotiations?",
        r"dialogues?",
        r"gatherings?",
        r"summit",
        r"rounds?",
    ),
    first_person=_any(r"we", r"our", r"i", r"my"),  # not "us": it folds from "US"
    clause_breaks=re.compile(
        r"\s*(?:;|,\s*(?:while|whereas|but|although)|\s(?:while|whereas|but)(?=\s))\s*"
    ),
    list_joins=_any(r"and", r"or", r"as well as"),
    articles=re.compile(r"^(?:(?:the|a|an|its|their)\s+)+"),
    topic_stops=frozenset(
        {
            "which",
            "that",
            "who",
            "according",
            "while",
            "as",
            "such",
            "including",
            "to",
            "in",
            "where",
            "with",
        }
    ),
    representing=re.compile(r"(?:who |which )?represent(?:ed|ing|s)? (?:the )?([\w' -]+)"),
)

CUES = {"fr": FR, "en": EN}

# Countries a sentence may say a participant represents ("qui représentent les
# États-Unis"), folded, to ISO 3166-1 alpha-2.
COUNTRIES = {
    "etats-unis": "US",
    "united states": "US",
    "us": "US",
    "u.s.": "US",
    "usa": "US",
    "amerique": "US",
    "chine": "CN",
    "china": "CN",
    "royaume-uni": "GB",
    "united kingdom": "GB",
    "uk": "GB",
    "britain": "GB",
    "france": "FR",
    "allemagne": "DE",
    "germany": "DE",
    "canada": "CA",
    "japon": "JP",
    "japan": "JP",
    "inde": "IN",
    "india": "IN",
    "russie": "RU",
    "russia": "RU",
    "suisse": "CH",
    "switzerland": "CH",
    "union europeenne": "EU",
    "european union": "EU",
    "coree du sud": "KR",
    "south korea": "KR",
    "israel": "IL",
    "emirats arabes unis": "AE",
}


def country_in(words: str) -> str | None:
    """The country a folded phrase starts with ("etats-unis, ont participe" → US)."""
    for name, code in sorted(COUNTRIES.items(), key=lambda item: -len(item[0])):
        if words.startswith(name) and not words[len(name) : len(name) + 1].isalnum():
            return code
    return None
