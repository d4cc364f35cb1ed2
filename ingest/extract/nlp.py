"""The spaCy side of extraction: a blank Norwegian pipeline with a rule-based
sentencizer, and token Matchers for the cue words of measures,
recommendations and status.

No trained pipeline is needed (none is installed): `spacy.blank("nb")` gives
the Norwegian tokenizer with its abbreviation exceptions ("bl.a.", "ca.",
"mill."), the sentencizer splits on end punctuation, and the Matchers work on
token text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

# ------------------------------------------------------------- cue lexicon --

# Verb forms (and a few action nouns) that make a sentence report an action:
# infinitive / present / passive / past participle. "utvikling" and
# "gjennomføring" are left out: they are used for aims as often as for actions.
ACTION_VERB = (
    r"^(?:etabler(?:e|er|es|t|te|ing|a|ast|ingen|inga)"
    r"|opprett(?:e|er|es|et|ing|else|ede|a|ast|elsen|inga|ingen)?"
    r"|bygg(?:e|er|es|et|ing|ingen|je|jer|ja|jast|ast)|bygd|bygde|nybygging|utbygging(?:en)?"
    r"|kjøp(?:e|er|es|t|te|a|ast)|innkjøp\w*"
    r"|anskaff(?:e|er|es|et|else|a|ast)|fremskaff(?:e|er|es|et|else)|framskaff(?:e|er|es|et|ing|a|ast)"
    r"|skaff(?:e|er|es|et|a|ast|ar)"
    r"|utarbeid(?:e|er|es|et|else|a|ast|d|de)"
    r"|innfør(?:e|er|es|t|te|ing|a|ast|de|d)"
    r"|iverksett(?:e|er|es|ing|a|ast)?|iverksatt|igangsett(?:e|er|es)?|igangsatt"
    r"|gjennomfør(?:e|er|es|t|te|a|ast|de)"
    r"|arranger(?:e|er|es|t|te|a|ast)"
    r"|tilsett(?:e|er|es|ing|je|jer|jast|jing)?|tilset(?:je|jast|jing)"
    r"|ansett(?:e|er|es|else)"
    r"|kartlegg(?:e|er|es|ing|je|ja|jast|jer)|kartlagt|kartlagd"
    r"|revider(?:e|er|es|t|a|ast)|revidert"
    r"|implementer(?:e|er|es|t|ing|a|ast)"
    r"|ferdigstil(?:le|ler|les|t|te|la|last)"
    r"|realiser(?:e|er|es|t|ing|a|ast)"
    r"|ombygg(?:e|es|ing|ja|jast)|ombygd"
    r"|rehabiliter(?:e|es|ing|t|a|ast)"
    r"|utvid(?:e|er|es|et|else|a|ast)"
    r"|nedlagt|nedlegg(?:e|es|ing)|salg|salget"
    r"|konverter(?:e|es|t)"
    r"|selg(?:e|er|es|ja|jast)|solgt|solgte|seld|selde"
    r"|oppgrader(?:e|es|ing|t)"
    r"|lage|lages|laget|lagd|laga"
    r"|videreføre|videreføres|videreført|vidareføre|vidareførast|vidareført|gjennomgå|gjennomgås"
    r"|nedsette|nedsettes"
    r"|tilbyr|tilbys|tilbød|tilbyd|tilbyast"
    r"|utvikl(?:e|er|es|et|a|ast)"
    r"|start(?:e|er|es|et|a|ast)"
    r"|vedtatt|vedtas|vedtok|vedteke|vedtekne"
    r"|inngå|inngår|inngås|inngått|inngikk"
    r"|planlegges|planlagt|planleggast|planlagd"
    r"|opprettelse|oppretting"
    r"|involverer|bistår|regulerer|målrettes|endret|endres"
    r"|prioriteres|prioriterast"
    r"|evalueres|evaluerast"
    r"|godkjent|godkjennes|foreslås"
    r"|oppnevn(?:e|er|es|t|te)|oppnemn(?:e|er|d|de|ast)"
    r"|rulleres|rullert|rullerast"
    r"|åpn(?:e|es|et|a)|opn(?:a|ast|e)"
    r"|omorganiser(?:e|es|t)"
    r"|avholdt|avholdes|avholde|rekrutter(?:e|es|t|te)|samlokaliser(?:e|es|t|ing)"
    r"|omgjort|omgjøres|omgjøre|oppføres|oppføre|gjennomgått"
    r"|erstatt(?:e|er|es|et|a|ast)"
    r"|installer(?:e|er|es|t|te|a|ast)|monter(?:e|er|es|t|te|a|ast)|utnevn(?:e|er|es|t|te)"
    r"|markedsfør(?:e|er|es|t|te|a|ast)"
    r")$"
)

# Multi-word action cues.
_RAISED = ["økt", "auka", "styrket", "styrka", "utvidet", "utvida", "forsterket", "forsterka"]
_RAISED_PAST = ["økte", "auka", "styrket", "styrka", "utvidet", "utvida", "forsterket", "forsterka"]
_RAISED_WHAT = [
    "rammen", "ramma", "lånerammen", "låneramma", "bemanningen", "bemanninga", "kapasiteten", "antallet", "talet",
    "tilbudet", "tilbodet", "innsatsen", "bevilgningen", "budsjettet", "staben", "samarbeidet", "oppfølgingen",
    "oppfølginga", "booppfølgingen", "booppfølginga", "tilskuddsmidlene", "tilskotsmidlane", "midlene", "midlane",
    "ressursene", "ressursane", "kompetansen", "bostøtten", "bustøtta",
]
_AGENTS = ["kommunen", "bystyret", "kommunestyret", "bydelen", "vi", "me"]
_SEEK = ["søke", "søkje", "søker", "søkjer", "søkes", "søkt", "søkte", "søkjast"]  # apply (for)
_LOAN = {"LOWER": {"REGEX": r"^(?:\w*lån\w*|gjeldsbrev\w*)$"}}  # a loan or the bond that raises it
_INSTRUMENT = {"LOWER": {"REGEX": r"^(?:startlån\w*|startlåne\w*|\w*tilskudd\w*|\w*tilskot\w*|bostøtte\w*|bustøtte\w*"
                                 r"|virkemidl\w*|verkemidl\w*|husbankmidl\w*)$"}}
"""An instrument of housing policy, whose active use is a measure ("aktiv bruk av startlån")."""
# An adverb between a particle verb and its particle, as a main clause puts
# it: "Vi leier også inn …", "Kommunen satte derfor i gang …"
ADVERBS = frozenset(["også", "òg", "nå", "no", "derfor", "difor", "allerede", "alt", "nylig", "dessuten",
                     "samtidig", "fortsatt", "framleis", "snart"])
"""Adverbs a main clause puts between a verb and what goes with it."""
_ADV = {"LOWER": {"IN": sorted(ADVERBS)}, "OP": "?"}
SETTLE_VERB = re.compile(r"(?:bosett|busett|busetj|bosatt)")
"""Any form of settling people (bosette, busetje): an action that needs no other object."""
SETTLED_PASSIVE = re.compile(r"(?:bosettes|busettast|busetjast|bosatt|busett)")
"""Its passive forms, whose subject is the people settled ("Fem ungdommer skal bosettes")."""
ACTION_PHRASES: list[list[dict]] = [
    [{"LOWER": {"IN": ["satt", "sett", "settes", "setjast", "sattes", "sette", "setter", "setje", "satte"]}}, _ADV,
     {"LOWER": "i"},
     {"LOWER": {"IN": ["gang", "drift"]}}],
    # a decision to act: "har fattet vedtak om å bosette 34 flyktninger", "besluttet å kjøpe"
    [{"LOWER": {"IN": ["fattet", "fatta", "gjort", "gjorde"]}}, {"LOWER": "vedtak"}, {"LOWER": "om"}],
    [{"LOWER": {"IN": ["besluttet", "beslutta", "besluttar", "beslutter", "besluttes", "besluttast"]}}],
    # loans raised for lending on: "opptar startlån", "vedtok å ta opp gjeldsbrev på ti millioner"
    [{"LOWER": {"IN": ["opptar", "oppta", "opptas", "opptek"]}}, _LOAN],
    [{"LOWER": {"IN": ["ta", "tar", "tas", "tatt", "tok", "teke"]}}, {"LOWER": "opp"},
     _LOAN],
    # "har søkt Husbanken om 15 millioner", "søkte samarbeid med private utbyggere"
    [{"LOWER": {"IN": _SEEK}},
     {"LOWER": {"IN": ["husbanken", "fylkesmannen", "statsforvalteren", "imdi", "staten", "departementet"]}}, {"LOWER": "om"}],
    [{"LOWER": {"IN": ["søke", "søkje", "søker", "søkjer", "søkt", "søkte"]}}, {"LOWER": {"IN": ["samarbeid", "samarbeidspartnere"]}}],
    # a plan sent on public consultation: "vert lagt ut på høyring", "sendes på høring"
    [{"LOWER": {"IN": ["lagt", "legges", "leggast", "lagd", "legge", "sendt", "sendes", "sendast", "sende"]}}, _ADV,
     {"LOWER": "ut", "OP": "?"}, {"LOWER": {"IN": ["på", "til"]}},
     {"LOWER": {"IN": ["høring", "høyring", "offentlig", "offentleg"]}}],
    # "Forslaget ligger på høring til 29. april"
    [{"LOWER": {"IN": ["ligger", "ligg", "lå", "låg"]}}, {"LOWER": "ute", "OP": "?"}, {"LOWER": "på"},
     {"LOWER": {"IN": ["offentlig", "offentleg"]}, "OP": "?"}, {"LOWER": {"IN": ["høring", "høyring"]}}],
    # dwellings put up for sale: "Dei to bustadene vert lagde ut for sal", "Følgende boliger legges ut for salg"
    [{"LOWER": {"IN": ["lagt", "lagd", "lagde", "legges", "leggast", "lagt", "legge"]}}, {"LOWER": "ut"}, {"LOWER": "for"},
     {"LOWER": {"IN": ["salg", "sal"]}}],
    # put out to tender or advertised: "lyse ut arbeidet som totalentreprise", "stillinga er lyst ut"
    [{"LOWER": {"IN": ["lyse", "lyser", "lyses", "lyste", "lyst", "lysast"]}}, _ADV, {"LOWER": "ut"}],
    # evaluated, in the passive (an evaluation the municipality has made; not "NIBR har evaluert …")
    [{"LOWER": {"IN": ["ble", "blei", "blir", "vert", "vart", "skal", "vil"]}}, _ADV, {"LOWER": "bli", "OP": "?"},
     {"LOWER": "evaluert"}],
    # active use of an instrument (BRIEF.md): "aktiv bruk av startlån", "har brukt startlån aktivt",
    # "startlån har vore nytta til å kjøpe bustad for to familiar"
    [{"LOWER": {"IN": ["aktiv", "aktivt", "målrettet", "målretta", "offensiv", "systematisk", "økt", "auka"]}},
     {"LOWER": {"IN": ["bruk", "bruke", "bruker", "brukt", "nytte", "nytting"]}}, {"LOWER": "av", "OP": "?"}, _INSTRUMENT],
    [{"LOWER": {"IN": ["brukt", "brukte", "bruker", "bruke", "brukes", "nytta", "nyttar", "nytte", "nyttast", "benyttet",
                       "benytter", "benytte", "benyttes"]}},
     _INSTRUMENT, {"LOWER": {"IN": ["mer", "meir", "enda", "svært"]}, "OP": "?"},
     {"LOWER": {"IN": ["aktivt", "målrettet", "målretta", "offensivt", "systematisk", "strategisk", "bevisst"]}}],
    [_INSTRUMENT, {"LOWER": {"IN": ["har", "er", "ble", "blei", "vart", "vert", "blir"]}},
     {"LOWER": {"IN": ["vore", "vært", "blitt", "vorte"]}, "OP": "?"},
     {"LOWER": {"IN": ["nytta", "brukt", "benyttet", "nytte", "nyttet"]}}, {"LOWER": "til"}],
    # dwellings rented for the purpose: "har kommunen i hovedsak leid boliger på det private markedet"
    [{"LOWER": {"IN": ["leid", "leide", "leigd", "leigde"]}}, {"LOWER": {"IN": ["inn"]}, "OP": "?"},
     {"LOWER": {"REGEX": r"^(?:\w*boliger|\w*bustader|leiligheter|leilegheiter|hybler|hyblar|boenheter)$"}}],
    # "har prioritert søkere med barn" (the perfect: what was done; "er prioritert" is often a rule)
    [{"LOWER": {"IN": ["har", "hadde"]}}, _ADV, {"LOWER": {"IN": ["prioritert", "prioritera"]}}],
    # a guarantee given: "Kommunen stiller i tillegg garanti for depositum"
    [{"LOWER": {"IN": ["stiller", "stilte", "stilt", "stilles", "stillast"]}}, {"LOWER": {"NOT_IN": [",", "."]}, "OP": "{0,2}"},
     {"LOWER": {"REGEX": r"^(?:garanti\w*|kausjon\w*)$"}}],
    # "I planperioden legges det fram en årlig sak"
    [{"LOWER": {"IN": ["legges", "leggast"]}}, {"LOWER": "det", "OP": "?"}, {"LOWER": {"IN": ["fram", "frem"]}},
     {"LOWER": {"NOT_IN": ["for", "til", "i", "på", "av", "som", ",", "."]}}],
    # "har gjort om tre omsorgsboliger til utleieboliger", "har lyst ut en stilling"
    [{"LOWER": {"IN": ["gjort", "gjorde", "gjøres", "gjerast", "gjort"]}}, _ADV, {"LOWER": "om"}],
    [{"LOWER": {"IN": ["lyst", "lyste", "lyses", "lysast"]}}, _ADV, {"LOWER": "ut"}],
    [{"LOWER": {"IN": ["tatt", "ta", "tas", "tok"]}}, _ADV, {"LOWER": "i"}, {"LOWER": "bruk"}],
    # money set aside: "har satt av 30 millioner kroner", "det er sett av midlar til ei stilling"
    [{"LOWER": {"IN": ["satt", "sett", "settes", "setjast", "sette", "setter", "set", "satte"]}}, _ADV, {"LOWER": "av"},
     {"LOWER": {"REGEX": r"^(?:\d[\d,.]*|kr\.?|midler|midlar|penger|pengar|ekstra|om lag|totalt|til sammen|en|ei|et|eit|ein"
                         r"|tomt|tomta|tomter|tomtene|areal|arealet)$"}}],
    [{"LOWER": "tas"}, {"LOWER": {"IN": ["også", "nå", "derfor"]}, "OP": "?"}, {"LOWER": "sikte"}, {"LOWER": "på"}],
    [{"LOWER": {"IN": ["fulgt", "følges"]}}, {"LOWER": "opp"}],
    [{"LOWER": "under"}, {"LOWER": {"IN": ["ombygging", "bygging", "etablering", "oppføring", "planlegging", "utredning"]}}],
    [{"LOWER": {"IN": ["har", "er", "ble", "blitt", "vart", "vorte"]}}, {"LOWER": "det", "OP": "?"},
     {"LOWER": {"IN": ["ansatt", "tilsatt"]}}],
    # "Kommunen har gitt 48 startlån til barnefamilier", "innvilget tilskudd til tilpasning"
    [{"LOWER": {"IN": ["har", "hadde", "ble", "blei", "vart", "er", "kommunen", "kommuna", "vi", "nav", "boligkontoret", "og"]}},
     {"LOWER": {"IN": ["gitt", "ga", "gav", "innvilget", "innvilga", "innvilger", "innvilges", "tildelt", "tildelte",
                       "delt", "delte"]}},
     {"LOWER": "ut", "OP": "?"}, {"LIKE_NUM": True, "OP": "?"},
     {"LOWER": {"REGEX": r"^(?:startlån\w*|tilskudd\w*|tilskot\w*|etableringslån\w*|utbedringslån\w*|boligtilskudd\w*)$"}}],
    # resources added: "Teamet skal styrkes med ett årsverk", "økte bemanningen med to stillinger"
    # (not the present "øker/aukar med …": a trend, often of the state's grants)
    [{"LOWER": {"REGEX": r"^(?:styrke|styrkes|styrket|styrka|styrkast|økes|økte|økt|auka|aukast|utvide|utvides|utvidet|utvida)$"}},
     {"LOWER": {"NOT_IN": ["med"]}, "OP": "{0,2}"}, {"LOWER": "med"},
     {"LOWER": {"REGEX": r"^(?:\d+(?:,\d+)?|en|ett|ei|eit|ein|to|tre|fire|fem|seks|halvt|halv)$"}},
     {"LOWER": {"REGEX": r"^(?:årsverk\w*|stilling\w*|ansatte|tilsette|fagstilling\w*)$"}}],
    # "Kommunen ansatte en bomiljøarbeider": the past tense, not the noun
    # "ansatte" (staff), when an employer comes before it and a count after
    [{"LOWER": {"IN": ["kommunen", "kommuna", "vi", "programmet", "prosjektet", "nav", "bydelen", "rådmannen",
                       "kommunedirektøren", "boligkontoret", "tjenesten", "tenesta", "enheten", "eininga"]}},
     {"LOWER": {"IN": ["ansatte", "tilsette", "tilsatte"]}},
     {"LOWER": {"IN": ["en", "ei", "et", "eit", "ein", "to", "tre", "fire", "fem", "seks", "sju", "syv", "åtte",
                       "ni", "ti", "flere", "fleire", "ny", "nye", "nytt", "egen", "eigen"]}}],
    [{"LOWER": {"REGEX": "^sats(e|er|es)$"}}, {"LOWER": {"IN": ["på", "ekstra"]}}],
    [{"LOWER": "søker"}, {"LOWER": "om"}],
    [{"LOWER": "gjennomgang"}, {"LOWER": {"IN": ["av", "om"]}}],
    [{"LOWER": "bedt"}, {"LOWER": "om"}],
    [{"LOWER": "gått"}, {"LOWER": "gjennom"}],
    [{"LOWER": {"IN": ["opplæring", "kurs"]}}, {"LOWER": {"IN": ["i", "for", "om"]}}],
    [{"LOWER": {"IN": ["leie", "leier", "leies", "leid", "leide", "leige", "leiger", "leigast", "leigd"]}}, _ADV,
     {"LOWER": "inn"}],
    [{"LOWER": {"IN": ["gis", "gitt", "fått", "får", "gir"]}}, {"LOWER": "fullmakt"}],
    [{"LOWER": {"IN": ["prøve", "prøver", "prøves", "prøvd", "prøvde", "prøvast", "prøva"]}}, _ADV, {"LOWER": "ut"}],
    [{"LOWER": {"IN": ["utprøving", "utprøvinga", "utprøvingen"]}}, {"LOWER": "av"}],
    # "Det er satt av 1,5 stilling / 2 mill. kr til …": resources allocated
    [{"LOWER": {"IN": ["satt", "settes", "sette", "setter", "sett", "setjast"]}}, {"LOWER": "av"},
     {"LIKE_NUM": True}],
    [{"LOWER": {"IN": ["avsatt", "avsettes", "øremerket", "øremerkes", "bevilget", "bevilges", "bevilga", "løyvd"]}}],
    [{"LOWER": {"IN": ["søke", "søkje", "søkes", "søkt", "søkte", "søkjast"]}}, {"LOWER": "om"}],
    [{"LOWER": {"IN": ["kome", "kommet", "komme"]}}, {"LOWER": "under"}, {"LOWER": {"IN": ["bygging", "planlegging", "etablering"]}}],
    [{"LOWER": "fremmet"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": "sak"}],
    [{"LOWER": "foreslår"}, {"LOWER": "å"}],
    # "Rådmannen nedsatte en prosjektgruppe", "ble nedsatt": not "nedsatt funksjonsevne"
    [{"LOWER": {"IN": ["nedsatte", "nedsette", "nedsetter", "nedsett", "nedsetje"]}}],
    [{"LOWER": {"IN": ["nedsatt", "nedsett"]}}, {"LOWER": {"IN": ["en", "et", "ei", "eit", "ein", "ny", "nytt", "to", "tre"]}}],
    [{"LOWER": {"IN": ["ble", "blitt", "er", "har", "vart", "vorte", "blir", "vert"]}}, {"LOWER": {"IN": ["nedsatt", "nedsett"]}}],
    # "har lagt fram en prosjektskisse", "Planen legges fram for bystyret"
    [{"LOWER": {"IN": ["lagt", "la", "legge", "legger", "lagd"]}},
     {"LOWER": {"IN": ["fram", "frem"]}},
     {"LOWER": {"NOT_IN": ["for", "til", "i", "på", "av", "som", ",", "."]}}],
    # a document laid before a political body: "Boligmeldingen ble lagt frem for sektorutvalget",
    # "Planen legges fram for bystyret" (not "lagt fram for å …")
    [{"LOWER": {"IN": ["lagt", "legges", "leggast", "lagd", "la", "legge", "legger"]}}, _ADV,
     {"LOWER": {"IN": ["fram", "frem"]}}, {"LOWER": "for"},
     {"LOWER": {"REGEX": r"^(?:\w*styret|\w*styre|\w*utvalg(?:et)?|\w*utval(?:et)?|formannskap\w*|bystyret|politisk\w*"
                         r"|rådmann\w*|kommunedirektør\w*|kontrollutvalg\w*)$"}}],
    # a plan dealt with by a political body: "Oppfølgingen av boligmeldingen ble endelig behandlet av kommunestyret"
    [{"LOWER": {"IN": ["behandlet", "behandla", "behandles", "behandlast", "handsama", "handsamast", "handsamt"]}},
     {"LOWER": {"IN": ["av", "i"]}},
     # (not the allocation committee dealing with applications: "Søknadene behandles av tildelingsutvalget")
     {"LOWER": {"REGEX": r"^(?!tildeling|bolig|lån)(?:\w*styret|\w*utvalget|\w*utvalet|formannskapet)$"}}],
    # refugees settled, in the passive: "Fem ungdommer skal bosettes her", "ble bosatt i 2019"
    [{"LOWER": {"IN": ["skal", "vil", "skulle", "ble", "blei", "blir", "vart", "vert", "er", "blitt"]}}, _ADV,
     {"LOWER": {"IN": ["bosettes", "busettast", "busetjast", "bosatt", "busett", "busette"]}}],
    # "I 2022 ble 35 flyktninger bosatt i kommunen"
    [{"LOWER": {"IN": ["ble", "blei", "vart", "blir", "vert"]}}, {"LIKE_NUM": True},
     {"LOWER": {"REGEX": r"^(?:flyktning\w*|personer|familie\w*|ungdom\w*|mindreårige|einslege|enslige|nye|voksne|barn)$"}},
     {"LOWER": {"REGEX": r"^(?:flyktning\w*|mindreårige|personer)$"}, "OP": "?"},
     {"LOWER": {"IN": ["bosatt", "busett", "busette"]}}],
    # "har søkt kompetansetilskudd i Husbanken" (without "om")
    [{"LOWER": {"IN": _SEEK}},
     {"LOWER": {"REGEX": r"^(?:\w*tilskudd\w*|\w*tilskot\w*|midler|midlane|midlene|startlån\w*|\w*lån)$"}}],
    # "har fått på plass et botilbud", "har tatt over driften"
    [{"LOWER": {"IN": ["fått", "fikk", "får", "få"]}}, {"LOWER": "på"}, {"LOWER": "plass"}],
    [{"LOWER": {"IN": ["tatt", "tok", "tar", "tas"]}}, {"LOWER": "over"}],
    # "Kommunen har økt rammen for startlån": transitive, not "prisene har økt med 12 prosent";
    # "Kommunen økte rammen …", "I 2021 økte kommunen tilskuddsmidlene": the municipality as the agent
    [{"LOWER": {"IN": ["har", "hadde"]}}, {"LOWER": {"IN": _RAISED}}, {"LOWER": {"IN": _RAISED_WHAT}}],
    [{"LOWER": {"IN": _AGENTS}}, {"LOWER": {"IN": _RAISED_PAST}}, {"LOWER": {"IN": _RAISED_WHAT}}],
    [{"LOWER": {"IN": _RAISED_PAST}}, {"LOWER": {"IN": _AGENTS}}, {"LOWER": {"IN": _RAISED_WHAT}}],
    # the passive: "rammen for startlån ble økt fra 40 til 55 mill. kr" (not "prisene har økt")
    [{"LOWER": {"IN": _RAISED_WHAT}}, {"LOWER": {"NOT_IN": [",", "."]}, "OP": "{0,3}"},
     {"LOWER": {"IN": ["ble", "blei", "vart", "er", "blir", "vert", "skal"]}}, _ADV,
     {"LOWER": {"IN": _RAISED + ["økes", "aukast", "styrkes", "utvides"]}}],
    # dwellings rented from others: "leier i tillegg tre leiligheter av private utleiere"
    [{"LOWER": {"IN": ["leier", "leide", "leigde", "leiger", "leid", "leigd"]}}, {"LOWER": {"NOT_IN": [",", "."]}, "OP": "{0,3}"},
     {"LOWER": {"REGEX": r"^(?:\d+|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|flere|fleire)$"}},
     {"LOWER": {"REGEX": r"^(?:\w*bolig\w*|\w*bustad\w*|leilighet\w*|leilegheit\w*|hybl?\w*|enheter|einingar|rom)$"}}],
    # "Det ble holdt et dialogmøte", "Boligene sto ferdige i 2019"
    [{"LOWER": {"IN": ["ble", "blir", "er", "vart", "vert", "blitt"]}}, {"LOWER": "det", "OP": "?"},
     {"LOWER": {"IN": ["holdt", "halde", "haldt"]}}],
    [{"LOWER": {"IN": ["sto", "stod", "står", "ble", "blir", "vart", "vert", "blitt"]}},
     {"LOWER": {"IN": ["ferdig", "ferdige", "innflyttingsklar", "innflyttingsklare"]}}],
    # "har fått tilskudd fra Husbanken", "mottok tilsagn på …"
    [{"LOWER": {"IN": ["fått", "fikk", "mottatt", "mottok", "motteke", "tok"]}},
     {"LOWER": {"REGEX": r"^(?:\w*tilskudd\w*|\w*tilskot\w*|tilsagn\w*|midler|ekstramidler|\w*lånerammen?)$"}}],
    # "har bosatt 60 flyktninger", "Formannskapet har satt ned en arbeidsgruppe"
    [{"LOWER": {"IN": ["har", "hadde", "skal", "vil", "ble"]}}, {"LOWER": {"IN": ["bosatt", "bosette", "busett", "busette"]}}],
    # verb second: "I år vil kommunen bosette 14 flyktninger", "I 2023 har vi busett 12"
    [{"LOWER": {"IN": ["har", "hadde", "skal", "vil", "skulle", "ville"]}},
     {"LOWER": {"IN": ["kommunen", "kommuna", "vi", "me", "heradet"]}}, _ADV,
     {"LOWER": {"IN": ["bosatt", "bosette", "busett", "busette", "busetje"]}}],
    # the municipality settled them: "Kommunen bosatte 96 flyktninger", "Vi busette 19 flyktningar"
    # ("antall bosatte", "dei busette" are the people)
    [{"LOWER": {"IN": ["kommunen", "kommuna", "kommune", "vi", "me", "heradet"]}}, _ADV,
     {"LOWER": {"IN": ["bosatte", "bosetter", "busette", "busett", "buset"]}}],
    [{"LOWER": {"IN": ["satt", "sette", "setter", "settes", "sett"]}}, {"LOWER": "ned"},
     {"LOWER": {"IN": ["en", "et", "ei", "eit", "ein", "ny", "nytt", "to", "tre"]}}],
    [{"LOWER": {"IN": ["har", "er", "ble", "blitt", "vart"]}}, {"LOWER": "oppført"}],
    # "har samordnet arbeidet i en boligtjeneste"
    [{"LOWER": {"IN": ["har", "ble", "er", "blitt", "vart"]}}, {"LOWER": {"IN": ["samordnet", "samordna", "samlet", "samla"]}}],
]

RECOMMEND_WORDS = {
    "bør", "anbefaler", "anbefales", "anbefalt", "anbefalte", "anbefaling", "anbefalingen",
    "anbefalinger", "anbefalingene", "foreslår", "foreslås", "tilrår", "tilrås", "tilråding",
    "tilrådingar", "rår",
}

# Words that make the following infinitive a purpose, not an action:
# "for å utvikle", "bidra til å etablere", "mulighet for å bygge".
_PURPOSE_BEFORE_AA = {"for", "til", "om", "i", "mulig", "evne", "behov"}

GOAL_WORDS = re.compile(
    r"^(?:mål|målet|målene|målsetting\w*|hovedmål\w*|delmål\w*|visjon\w*|formål\w*|effektmål\w*|resultatmål\w*|suksess\w*)$",
    re.IGNORECASE,
)

STATUS_PATTERNS: dict[str, list[str]] = {
    "igangsatt": [
        r"\bigangsatt\b", r"\bsatt i gang\b", r"\bstartet opp\b", r"\ber startet\b", r"\bhar startet\b",
        r"\bpågår\b", r"\bpågående\b", r"\ber i gang\b", r"\bunder (?:ombygging|bygging|arbeid|etablering)\b",
        r"\barbeider (?:nå|i \d{4})\b",
        # Nynorsk
        r"\ber starta\b", r"\bhar starta\b", r"\bstarta opp\b", r"\bsett i gang\b",
    ],
    "planlagt": [
        r"\bplanlagt\b", r"\bplanlegges\b", r"\bplanlegger\b", r"\bskal\b", r"\bvil\b", r"\btas sikte på\b",
        r"\bforeslår\b", r"\bforeslått\b", r"\bforeslås\b", r"\btenkt\b", r"\btenkes\b",
        r"\bsøker om\b", r"\baktuelt å\b",
        # Nynorsk
        r"\bplanlagd\b", r"\bplanlegg\b", r"\btek sikte på\b", r"\bføreslår\b", r"\bføreslått\b",
    ],
    "gjennomført": [
        r"\bgjennomført\b", r"\betablert\b", r"\bopprettet\b", r"\bferdigstilt\b", r"\binnført\b",
        r"\bvedtatt\b", r"\butarbeidet\b", r"\brealisert\b", r"\bkjøpt\b", r"\bsolgt\b", r"\bbygget\b",
        r"\bbygd\b", r"\bnedlagt\b", r"\bansatt\b", r"\butviklet\b", r"\bavsluttet\b", r"\bendret\b",
        r"\brevidert\b", r"\bkartlagt\b", r"\bfulgt opp\b", r"\barrangert\b", r"\bgått gjennom\b",
        r"\bfremmet\b", r"\bbedt om\b", r"\binngått\b",
        # Nynorsk
        r"\boppretta\b", r"\bvedteke\b", r"\butarbeidd\b", r"\butvikla\b", r"\bavslutta\b",
        r"\bendra\b", r"\bfullført\b", r"\bseld\b", r"\bkartlagd\b", r"\b(?:har|er|vart|blei) tilsett\b",
    ],
}
_STATUS_RX = {k: re.compile("|".join(v), re.IGNORECASE) for k, v in STATUS_PATTERNS.items()}


_STATUS_CLAUSE_END = re.compile(r",?\s+(?:som|slik at|for å|fordi|der|hvor|når|dersom|hvis|men)\s", re.IGNORECASE)


def status_of(text: str) -> str | None:
    """planlagt / igangsatt / gjennomført where the wording says so; the
    main clause first ("har kjøpt åtte leiligheter som skal leies ut" is
    done, not planned)."""
    cut = _STATUS_CLAUSE_END.search(text)
    if cut and cut.start() > 0 and (status := _status_in(text[: cut.start()])):
        return status
    return _status_in(text)


def _status_in(text: str) -> str | None:
    for status in ("igangsatt", "planlagt", "gjennomført"):
        if _STATUS_RX[status].search(text):
            return status
    return None


# ---------------------------------------------------------------- pipeline --


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """spacy.blank('nb') with a sentencizer. Built once per process."""
    nlp = spacy.blank("nb")
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", ";", "…"]})
    return nlp


@lru_cache(maxsize=1)
def _matchers() -> tuple[Matcher, Matcher]:
    nlp = get_nlp()
    action = Matcher(nlp.vocab)
    action.add("ACTION_VERB", [[{"LOWER": {"REGEX": ACTION_VERB}}]])
    action.add("ACTION_PHRASE", ACTION_PHRASES)
    rec = Matcher(nlp.vocab)
    rec.add("RECOMMEND", [[{"LOWER": {"IN": sorted(RECOMMEND_WORDS)}}]])
    return action, rec


@dataclass(frozen=True)
class Sentence:
    start: int  # char offsets in the text given to `sentences`
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Sentence spans of `text`. A colon followed by a capital letter also
    ends a sentence when the colon introduces a list ("… gjennom å: Iverksette
    …"), so that the lead-in and the first item are apart."""
    if not text.strip():
        return []
    doc = get_nlp()(text)
    out: list[Sentence] = []
    spans: list[tuple[int, int]] = []
    for sent in doc.sents:
        s, e = sent.start_char, sent.end_char
        # the tokenizer keeps "2011." together, so "… i 2011. Åsterud …" is not split
        base = s
        # (also "… boliger: 120. Innbyggertall …", "… på 14 500. Kommunen …")
        for m in re.finditer(
            r"(?:(?<=\d{4})|(?<=\d/\d\d)|(?<=\d/\d)|(?<=[a-zæøå] \d\d)|(?<=[a-zæøå] \d)"
            r"|(?<=[a-zæøå:] \d\d\d)|(?<=\d \d\d\d)|(?<=: \d)|(?<=: \d\d)"
            # an amount's abbreviated unit ends the sentence: "… 18,5 mill. kr. Vi har …"
            r"|(?<=\d kr)|(?<=mill\. kr)|(?<=mrd\. kr)|(?<=\d mill)|(?<=\d mrd)|(?<=\bosv)|(?<=\bm\.m))"
            # (the next sentence may open with an acronym: "… i 2011. BO7 er etablert …", "… 2019. NAV har …")
            # (or a one-letter word: "… på side 14. I tillegg er vi …")
            r"\.\s+(?=[A-ZÆØÅ](?:[a-zæøå]|[A-ZÆØÅ\d]*\s))(?!Kr\b|Kroner\b|KR\b)",
            text[base:e],
        ):
            spans.append((s, base + m.start() + 1))
            s = base + m.end()
        spans.append((s, e))
    spans = _join_list_semicolons(text, spans)
    # a numbered point after a full stop: "… fra 1.1.2020. 2. Kostnadene …"
    cut_spans0: list[tuple[int, int]] = []
    for s, e in spans:
        base = s
        for m in re.finditer(r"(?<=\.)\s+(?=\d{1,2}\.\s+[A-ZÆØÅ])", text[base:e]):
            cut_spans0.append((s, base + m.start()))
            s = base + m.end()
        cut_spans0.append((s, e))
    spans = [(a, b) for a, b in cut_spans0 if text[a:b].strip()]
    # a section number inside running text starts a heading (PDF text that
    # lost its line breaks): "… av kommunale boliger 5.1 Mål for arbeidet …",
    # also after its label: "… åtte husstander Tiltak 1.3 Boligkontor …"
    cut_spans: list[tuple[int, int]] = []
    for s, e in spans:
        base = s
        for m in re.finditer(r"(?<=[a-zæøå,)] )(?:(?:Tiltak|Aktivitet|Delmål|Mål)\s+)?\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\.?\s+(?=[A-ZÆØÅ][a-zæøå])", text[base:e]):
            if base + m.start() > s:
                cut_spans.append((s, base + m.start() - 1))
                s = base + m.start()
        cut_spans.append((s, e))
    spans = cut_spans
    # web text that lost its full stops: "… i november Det ble etablert …",
    # "… startet i Prosjektet er delt …" — a capitalised pronoun or subject
    # noun after a lower-case word, followed by a finite verb, starts a sentence
    run_spans: list[tuple[int, int]] = []
    for s, e in spans:
        base = s
        for m in _RUN_ON_SUBJECT.finditer(text[base:e]):
            if base + m.start() > s:
                run_spans.append((s, base + m.start() - 1))
                s = base + m.start()
        run_spans.append((s, e))
    spans = run_spans
    for s, e in spans:
        # split after "…: " + capital letter (also "…: - Husnemnda …", "…: «Etablere …")
        pos = s
        for m in re.finditer(r":\s+(?:[-–•]\s+)?[«\"“]?(?=[A-ZÆØÅ])", text[s:e]):
            cut = s + m.start() + 1  # the lead-in ends at the colon; a dash or quote after it is dropped
            piece = text[pos:cut].strip()
            if piece:
                out.append(Sentence(pos, pos + len(text[pos:cut].rstrip()), piece))
            pos = s + m.end()
        piece = text[pos:e].strip()
        if piece:
            lead = len(text[pos:e]) - len(text[pos:e].lstrip())
            out.append(Sentence(pos + lead, pos + lead + len(piece), piece))
    return out


# A semicolon after a preposition opens a list, as a colon would: "… prioriteres
# innkjøp og bygging av omsorgsboliger til; personer med utviklingshemming, …"
_LIST_SEMICOLON = re.compile(r"\b(?:til|for|av|med|om|mot|som|er|blant\s+annet|følgende|følgjande)\s*;\s*$", re.IGNORECASE)


def _join_list_semicolons(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and _LIST_SEMICOLON.search(text[out[-1][0] : out[-1][1]]) and text[s:e].lstrip()[:1].islower():
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


_RUN_ON_SUBJECT = re.compile(
    r"(?<=[a-zæøå0-9] )(?=(?:Det|Dette|Disse|Vi|Den|Kommunen|Prosjektet|Arbeidet|Planen|Programmet|Hun|Han"
    r"|Kommunestyret|Bystyret|Formannskapet|Rådmannen|Kommunedirektøren|Programleder(?:en)?|Prosjektleder(?:en)?"
    r"|Teamet|Tiltaket|Boligkontoret|Styringsgruppen|Arbeidsgruppen|Prosjektgruppen|Utvalget)"
    r"\s+(?:\w+\s+)?(?:er|har|var|ble|blir|vil|skal|fikk|hadde|vart|vert)\b"
    # the programme by name: "… Fagutvikling og nettverk Boligsosialt utviklingsprogram i Asker vil ta i bruk BMS …"
    r"|(?:Boligsosialt|Bustadsosialt)\s+(?:utviklingsprogram|velferdsprogram)(?:\s+i\s+[A-ZÆØÅ]\w+)?"
    r"\s+(?:er|har|var|ble|blir|vil|skal|vart|vert)\b"
    # a goal heading flattened into the text: "… arbeidet Hovedmål II Boligkapasiteten …"
    r"|(?:Hovedmål|Delmål|Effektmål|Resultatmål)\s+(?:[IVX]+\b|\d|[A-ZÆØÅ])"
    # a measure's labelled field: "… åtte husstander Status: gjennomført", "… 40 husstander Kostnad: 2,4 mill."
    r"|(?:Status|Kostnad|Kostnader|Budsjett|Ansvar|Ansvarlig|Frist|Tidsplan|Finansiering|Målgruppe|Mål|Resultat"
    r"|Resultater|Indikator)\s*:"
    # an adverbial that opens a sentence, never capitalised inside one:
    # "… de mest vanskeligstilte Gjennom egne anskaffelser skal …"
    r"|(?:Gjennom|Samtidig|Videre|Derfor|I\s+tillegg|I\s+perioden|For\s+å)\s+[a-zæøå0-9])"
)


def tokens(text: str) -> Doc:
    return get_nlp().make_doc(text)


_NOMINAL = re.compile(
    r"^(?:etablering|opprettelse|oppretting|bygging|ombygging|innføring|kartlegging|utarbeidelse|anskaffelse"
    r"|fremskaffelse|framskaffelse|iverksetting|rehabilitering|utvidelse|implementering|realisering|oppgradering"
    r"|gjennomgang|etableringen|opprettelsen|opprettingen|byggingen|utbygging|utbyggingen|ombyggingen|innføringen"
    r"|kartleggingen|utarbeidelsen|anskaffelsen|fremskaffelsen|iverksettingen|rehabiliteringen|utvidelsen"
    r"|salg|salget|kjøp|kjøpet|innkjøpet|etableringa|byggjing)$"
)
# "… gjennom å etablere", "… har vedtatt å bygge": the infinitive is the action.
_MEANS_BEFORE_AA = {
    "gjennom", "ved", "foreslår", "foreslått", "besluttet", "bestemt", "vedtok", "vedtatt", "valgt", "planlegger",
    "begynt", "startet", "mulighet", "prioritert", "prioriterer", "prioriterte", "prioritere", "satset", "bestemte",
    "vedteke", "valt", "byrja", "starta",
}
# "arbeider med å etablere": work under way
_WORKING_ON = {"arbeider", "arbeidet", "jobber", "jobbet", "held", "holder", "arbeidar", "jobbar"}
_NEGATION = {"ikke", "aldri", "ingen", "verken"}
_SUBCLAUSE = {"som", "fordi", "dersom", "hvis", "når", "om", "hvordan", "hvorfor", "hvilke", "hvilken", "hvilket", "hva"}


_CLAUSE_START = {"et", "en", "ei", "det", "de", "vi", "kommunen", "dette", "den", "han", "hun", "man", "disse"}


_PEOPLE = re.compile(
    r"^(?:husstander|husstandar|husholdninger|hushaldningar|familier|familiar|barnefamilier|personer|personar"
    r"|leietakere|leigetakarar|beboere|bebuarar|deltakere|deltakarar|brukere|brukarar|ungdommer|flyktninger"
    r"|flyktningar|søkere|søkjarar)$"
)
_STAFF_DET = {"dei", "de", "alle", "våre", "sine", "for", "og", "til", "med", "nye", "fleire", "flere", "av"}
_AUX = {"er", "ble", "blir", "har", "blitt", "vært", "var", "vert", "vart", "skal", "vil", "kan"}
_NUMBER_WORDS = {
    "to", "tre", "fire", "fem", "seks", "sju", "syv", "åtte", "ni", "ti", "elleve", "tolv", "femten", "tjue",
    "tretti", "førti", "femti", "hundre", "ytterligere", "enda",
}


_NOT_NOUN = {
    "en", "et", "ei", "den", "det", "de", "i", "på", "med", "av", "til", "for", "som", "og", "nye", "flere", "alle",
    "nå", "også", "fra", "ved", "under", "etter", "før", "om", "seg", "sin", "sitt", "sine", "ut", "opp", "inn",
}


def _in_subclause(doc: Doc, i: int) -> bool:
    """Is token i inside a relative/conditional clause ("… som Elverum Hus AS
    bygger")? A clause ends at punctuation or at "og/men" + a new subject;
    a relative clause inside the subject ("De som har potensiale … blir fulgt
    opp") is closed once a second finite verb follows it."""
    finite_after = 0
    for j in range(i - 1, -1, -1):
        t = doc[j]
        if t.text in (",", ";", ":", "(", "–", "-"):
            return False
        if t.lower_ in ("og", "men") and j + 1 < i and doc[j + 1].lower_ in _CLAUSE_START:
            return False
        if t.lower_ == "og" and [x.lower_ for x in doc[j + 1 : min(i, j + 3)]] in (["å"], ["til", "å"]):
            return False  # a second infinitive: "søkje Husbanken om tilskot og til å lyse ut …"
        if t.lower_ in FINITE:
            finite_after += 1
        if t.lower_ in _SUBCLAUSE:
            if j == 0 and t.text == "Som":
                return False  # "Som svar på dette vart det bygd …", "Som ledd i …": "as", no antecedent
            if t.lower_ == "som" and _owner_clause(doc, j + 1, i):
                return False  # "… som kommunen vil kartlegge": the municipality's own action
            return finite_after < 2
    return False


# The one acting in a relative clause that reports the municipality's own
# action: "… tema som kommunen vil kartlegge", "… boliger som vi skal bygge".
_OWNER = {
    "kommunen", "vi", "rådmannen", "kommunestyret", "bystyret", "formannskapet", "bydelen", "administrasjonen",
    "kommuna", "kommunedirektøren", "boligkontoret", "tildelingskontoret", "etaten", "nav",
}
_OWNER_AUX = {"skal", "vil", "har", "planlegger", "ønsker", "hadde", "skulle", "ville"}


def _owner_clause(doc: Doc, a: int, b: int) -> bool:
    """tokens a..b-1 (after 'som', before the cue) are '<owner> <aux> [å]'."""
    words = [t.lower_ for t in doc[a:b]]
    if not words or len(words) > 5:
        return False
    has_owner = any(w in _OWNER or w.endswith("kommune") for w in words[:3])
    return has_owner and any(w in _OWNER_AUX for w in words)


_NOMINAL_OK_BEFORE = {
    "ved", "gjennom", "om", "prioriteres", "prioriterer", "herunder", "inkludert", "blant", "er", "ble", "blir",
    "starter", "startet", "pågår", "igangsatt", "planlegges", "skal", "vil", "derfor",
}
_ADJ_BEFORE = {
    "eller", "tidligere", "av", "en", "et", "ei", "den", "det", "de", "i", "på", "til", "med", "ved", "for", "nylig", "alle", "disse",
    "dette", "sin", "sitt", "sine", "vår", "våre", "kommunens", "nye", "allerede",
}


_AUX_VERBS = {
    "har", "hadde", "er", "var", "ble", "blir", "vil", "skal", "kan", "må", "bør", "blitt", "vært", "vert", "vart",
    "skulle", "ville", "kunne", "burde", "få", "får", "fikk",
}


def _postnominal_participle(doc: Doc, s: int) -> bool:
    """A participle right after a noun in a clause that already has its own
    (non-auxiliary) finite verb modifies that noun: "bygger på praksis
    utarbeidet med …", "viser tiltak gjennomført i fjor"."""
    first = doc[s].lower_
    if not re.search(r"(?:et|t|d)$", first) or first.endswith(("te", "de")) or s < 2:
        return False
    prev = doc[s - 1]
    if not prev.is_alpha or prev.lower_ in _AUX_VERBS or prev.lower_ in _NOT_NOUN or prev.lower_ in FINITE:
        return False
    for j in range(s - 2, -1, -1):
        t = doc[j].lower_
        if t in (",", ";", ":", "og", "men", "eller") or t in SUBORDINATORS:
            return False
        if t in _AUX_VERBS:
            return False
        if t in FINITE:
            return True
    return False


def _in_purpose_list(doc: Doc, s: int) -> bool:
    """Is the bare infinitive at s a later item of "for å X, Y og Z"? Looks
    back for a purpose "å" with no finite verb in between."""
    for j in range(s - 1, max(-1, s - 16), -1):
        t = doc[j].lower_
        if t in FINITE or t in (".", ";", ":"):
            return False
        if t == "å":
            return j >= 1 and doc[j - 1].lower_ in _PURPOSE_BEFORE_AA
    return False


_BASED_ON_FILLERS = frozenset(
    "videre vidare i stor grad blant annet anna mellom hovedsakelig hovudsakleg særlig særleg først og fremst også òg".split()
)


def _based_on(doc: Doc, e: int) -> bool:
    """Is "bygg…" at e-1 "based on" ("bygger i stor grad på erfaringene")? Only
    adverbs may stand between it and "på"."""
    for t in doc[e : e + 5]:
        if t.lower_ == "på":
            return True
        if t.lower_ not in _BASED_ON_FILLERS:
            return False
    return False


def action_cues(doc: Doc) -> list[Span]:
    """Spans of action cues that report an action: not a purpose clause ("for
    å utvikle"), not negated, not inside a relative or conditional clause,
    not reflexive ("etablere seg"), not an adjective ("vedtatt kommuneplan"),
    and an action noun only with its object and in a predicate position
    ("opprettelse av nytt botiltak")."""
    action, _ = _matchers()
    out: list[Span] = []
    infinitive = False  # an infinitive cue was taken
    for _, s, e in action(doc):
        span = doc[s:e]
        first = span[0].lower_
        if e < len(doc) and doc[e].lower_ == "seg" and first.startswith(("etabler", "utvikl", "start", "skaff", "kjøp")):
            continue
        if first == "bedt" and e < len(doc) and doc[e].lower_ == "å":
            continue  # "blir bedt om å melde fra": asked to, not an order placed
        if first.startswith(("bygg", "bygd")) and e < len(doc) and doc[e].lower_ in ("færre", "flere", "fleire", "mindre", "mer"):
            if any(t.lower_ == "enn" for t in doc[e : e + 8]):
                continue  # "har blitt bygd færre boliger enn …": a comparison
        if first.startswith("bygg") and _based_on(doc, e):
            continue  # "bygger (videre / i stor grad) på strategien": based on, not building
        if re.match(r"(?:åpn|opn)", first) and e < len(doc) and doc[e].lower_ in ("for", "opp", "seg", "dørene", "døra", "døren"):
            continue  # "åpner for at …": allows, not opens something
        if first in ("la", "legge", "legger") and s >= 1 and doc[s - 1].lower_ in ("å",) and e < len(doc) and doc[e].lower_ == "til":
            continue  # "legge fram til rette" is not a document laid before a body
        if first.startswith("inngå") or first == "inngikk":
            # "inngå en avtale" is an action; "inngår i planen" only says what belongs where
            if not any(re.match(r"\w*(?:avtale|kontrakt|samarbeid|partnerskap|leieforhold)", t.lower_) for t in doc[e : e + 6]):
                continue
        if first.startswith("beslutt") and not any(t.lower_ == "å" for t in doc[e : e + 4]):
            continue  # "besluttet at målgruppene skal være …": a decision on aims; "besluttet å kjøpe" acts
        if first in ("tilsette", "tilsett", "tilsatte") and s >= 1 and doc[s - 1].lower_ in _STAFF_DET:
            continue  # "dei tilsette": the employees
        # "å etablere", and the passive "å bli etablert" / "å få godkjent"
        aa = s - 1 if s >= 1 and doc[s - 1].lower_ == "å" else None
        if aa is None and s >= 2 and doc[s - 1].lower_ in ("bli", "bli", "verte", "få", "være") and doc[s - 2].lower_ == "å":
            aa = s - 2
        if aa is None and s >= 2 and doc[s - 1].lower_ in ("og", ",", "eller", "samt") and _in_purpose_list(doc, s):
            continue  # "for å betra oversikta, sikra eigna bustader og utvikla …"
        if aa is not None:
            # (over an adverb: "planlegger derfor å bygge", "har også vedtatt å kjøpe")
            b = aa - 1
            while b >= 1 and doc[b].lower_ in ADVERBS:
                b -= 1
            before = doc[b].lower_ if b >= 0 else ""
            med_paa = aa >= 2 and before == "på" and doc[aa - 2].lower_ == "med"
            working = (
                aa >= 2 and before == "med" and doc[aa - 2].lower_ in _WORKING_ON
                # "har arbeidet med å …" is the verb; "i arbeidet med å …" the noun
                and (not doc[aa - 2].lower_.endswith(("et", "ed")) or (aa >= 3 and doc[aa - 3].lower_ in ("har", "hadde")))
            )
            # a second infinitive under the same verb: "prioritere å få på plass …, og å lage …",
            # "fullmakt til å søkje Husbanken om tilskot og til å lyse ut arbeidet"
            coordinated = infinitive and (
                before in ("og", ",") or (before == "til" and b >= 1 and doc[b - 1].lower_ == "og")
            )
            authorised = before == "til" and b >= 1 and doc[b - 1].lower_ in ("fullmakt", "fullmakta", "fullmakten")
            if before not in _MEANS_BEFORE_AA and not (med_paa or working or coordinated or authorised):
                continue
        if _NOMINAL.match(first):
            has_object = (len(span) > 1 and span[1].lower_ == "av") or (e < len(doc) and doc[e].lower_ in ("av", "og"))
            predicate = s <= 1 or any(t.lower_ in _NOMINAL_OK_BEFORE for t in doc[max(0, s - 4) : s])
            if not (has_object and predicate):
                continue
        passive_det = s >= 2 and doc[s - 1].lower_ == "det" and doc[s - 2].lower_ in _AUX
        if (
            len(span) == 1
            and s >= 1
            and not passive_det
            and doc[s - 1].lower_ in _ADJ_BEFORE
            and e < len(doc)
            and doc[e].is_alpha
            and doc[e].lower_ not in _NOT_NOUN
            and doc[e].lower_ not in _NUMBER_WORDS
            and not _NOMINAL.match(first)
            and first.endswith(("t", "te", "de", "d"))
        ):
            continue  # "styres av vedtatt kommuneplan", "de etablerte boligene"
        if any(t.lower_ in _NEGATION for t in doc[max(0, s - 2) : min(len(doc), e + 1)]):
            continue
        if _in_subclause(doc, s):
            continue
        if _postnominal_participle(doc, s):
            continue  # "Retningslinjene bygger på praksis utarbeidet med grunnlag i …"
        if (
            any(t.like_num and "/" not in t.text for t in doc[max(0, s - 2) : s])
            and s >= 1 and doc[s - 1].lower_ in ("har", "hadde", "er")
        ):
            continue  # "… 2 har kjøpt egen bolig": people counted, not an action taken
        k = s - 1 if s >= 1 and doc[s - 1].lower_ in ("har", "hadde", "er", "var", "ble") else s
        settled = SETTLED_PASSIVE.match(span[-1].lower_) is not None
        if (
            not settled  # "Fem ungdommer skal bosettes": the people are who is settled
            and k >= 2
            and _PEOPLE.match(doc[k - 1].lower_)
            and any(t.like_num or t.text[:1].isdigit() or t.lower_ in _NUMBER_WORDS for t in doc[max(0, k - 4) : k - 1])
        ):
            continue  # "(har) 20-30 husstander (har) kjøpt sin egen bolig": what the households did
        out.append(span)
        infinitive = infinitive or aa is not None
    return out


def recommend_cues(doc: Doc) -> list[Span]:
    _, rec = _matchers()
    return [doc[s:e] for _, s, e in rec(doc)]


# ------------------------------------------------------- list-item shapes --

# Words that open an item of a flattened list: infinitives, action nouns and
# participles. A capitalised one in the middle of a "sentence" after a
# lower-case word marks where a lost line break was ("… området Innarbeide
# systemer …").
STARTERS = frozenset(
    """
    etablere opprette bygge kjøpe anskaffe fremskaffe framskaffe utarbeide innføre iverksette
    gjennomføre arrangere tilsette ansette kartlegge revidere implementere ferdigstille realisere
    utvide lage nedsette utvikle videreutvikle starte inngå undersøke prioritere organisere øke
    innarbeide tilrettelegge utrede avklare styrke samordne koordinere innhente utforme evaluere
    gjennomgå identifisere sørge sikre dekke finne tildele redusere skaffe bosette tilby invitere
    involvere vurdere benytte forbedre forenkle tydeliggjøre integrere oppdatere informere
    synliggjøre rekruttere opprettholde omorganisere samlokalisere utbedre
    etablering opprettelse oppretting bygging nybygging innkjøp anskaffelse fremskaffelse
    utarbeidelse innføring iverksetting kartlegging gjennomgang ombygging rehabilitering utvidelse
    kunngjøring følgeevaluering ansettelse tilsetting omorganisering oppgradering
    gjennomført utarbeidet etablert opprettet innført arrangert vedtatt kjøpt startet igangsatt
    """.split()
)
# Recommendation lists also open with comparatives: "Ny gjennomgang …", "Bedre …".
REC_STARTERS = STARTERS | {"ny", "nye", "bedre", "økt", "mer", "styrket", "tettere"}

FINITE = frozenset(
    """
    er har var ble blir vil skal kan må får gir viser ser mener ønsker arbeider tilbyr
    disponerer sto står ligger bør gjelder omfatter handler betyr innebærer fikk hadde
    kom går vet tror sier fremstår representerer bygger beskriver
    """.split()
)
SUBORDINATORS = frozenset("som at der hvor når om fordi dersom hvis".split())


def is_narrative(doc: Doc, window: int = 5) -> bool:
    """A main-clause finite verb near the start: 'Kommunen har …',
    'Dette er …' — prose, not a list item ('Etablere en modell som er …')."""
    for tok in doc[:window]:
        low = tok.lower_
        if low in SUBORDINATORS:
            return False
        if low in FINITE:
            return True
    return False


def has_goal_start(doc: Doc, window: int = 4) -> bool:
    return any(GOAL_WORDS.match(t.text) for t in doc[:window])


def split_run_on(text: str, starters: frozenset[str] = STARTERS) -> list[tuple[int, int]]:
    """Char spans of `text` split before a capitalised starter word that
    follows a lower-case word (a list whose line breaks were lost)."""
    doc = tokens(text)
    cuts = [0]
    for i in range(1, len(doc)):
        t, prev = doc[i], doc[i - 1]
        if not t.text[:1].isupper() or t.text.isupper():
            continue
        if t.lower_ not in starters:
            continue
        if not ((prev.is_alpha and prev.text.islower()) or prev.like_num) and prev.text not in (")", "»", "”"):
            continue
        if i + 1 < len(doc) and doc[i + 1].text[:1].isupper() and doc[i + 1].is_alpha:
            continue  # "Kartlegging Team" — a name, not an item
        cuts.append(t.idx)
    cuts.append(len(text))
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]
