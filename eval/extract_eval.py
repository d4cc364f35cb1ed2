"""Precision and recall of ingest.extract against hand labels.

    .venv/bin/python eval/extract_eval.py            # print + write eval/results/extract.md
    .venv/bin/python eval/extract_eval.py -v         # also list misses and false hits
    .venv/bin/python eval/extract_eval.py --corpus PATH

Labels: eval/labels/<dir>__<stem>.jsonl, one item per line:
    {"type": "measure"|"recommendation"|"figure", "page": N, "text": "short quote",
     "value": 165, "value_to": 7, "year": 2010, "cost_nok": 800000, "by": "Rambøll"}
The file name names the corpus file: pdf__baerum__programplan-boso-2010 →
<corpus>/pdf/baerum__programplan-boso-2010.pdf (any suffix).

Matching: an extracted item matches a label of the same type on the same page
when the label's content words are (mostly) in the item's text: the label
quote is contained in it, or at least 60 % of the label's content tokens
(3+ letters, not stop words) occur in it. Figures must also have the labelled
value (as value or value_to, within 0.5 %). Each label and each item is
matched at most once (best overlap first). Precision = matched items / items,
recall = matched labels / labels.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.extract import extract_items  # noqa: E402
from ingest.extract.learned import norm_words as _norm, overlap  # noqa: E402,F401  (the matching rule, shared)
from ingest.readers import read_file  # noqa: E402
from ingest.records import Document  # noqa: E402

LABELS = REPO / "eval" / "labels"
RESULTS = REPO / "eval" / "results" / "extract.md"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
TYPES = ("measure", "recommendation", "figure")
THRESHOLD = 0.6
# Held-out documents were labelled after the rules were written. Set 1 was
# scored once and then used to fix the rules (so it now flatters them); set 2
# was chosen systematically (every 8th unused file of pages/) afterwards and
# its first score is the honest estimate. Everything else is development.
HELD_OUT_2 = {
    "pages__andebu__forslag-boligsosial-handlingsplan-2011",
    "pages__bodo__veiviseren-bolig-nu",
    "pages__flora__husbanken-bustadsosialt-velferdsprogram",
    "pages__karmoy__saksframlegg-retningslinjer-startlan-2015",
    "pages__midt-norge__bolig-for-velferd-folgestudie-laeringsprosjekter",
    "pages__nasjonal__fafo-housing-first-i-norge-sluttrapport-2015",
    "pages__nasjonal__husbanken-fou-housing-first-sluttrapport-oppsummering",
    "pages__nasjonal__imdi-boveiledning-og-veiledning-i-boligkarriere-2017",
    "pages__nasjonal__nova-innsats-mot-utkastelser-2011",
    "pages__nasjonal__ssb-kostra-midlertidige-botilbud-14-dager",
    "pages__nasjonal__veiviseren-tildelingsavtaler-utleieboliger",
    "pages__sandnes__fylkesmannen-statens-pris-2016",
    "pages__stord__statens-pris-boligsosialt-arbeid-2018",
}
HELD_OUT_3 = {  # labelled and scored once after the last rule change; not tuned on
    "pages__bergen__integrasjon-kommunale-utleieboliger-borettslag-2004",
    "pages__fauske__eiendomsforvaltning-kommunale-boliger-2013",
    "pages__husbanken__ntnu-erfaringer-kommuneprogram-2017",
    "pages__lorenskog__sluttanalyse-ramboll-2015",
    "pages__nasjonal__fafo-samordnet-bosetting-av-flyktninger-2015",
    "pages__nasjonal__husbanken-omradeloft-samarbeidsavtale",
    "pages__nasjonal__moreforsking-boso-forankring-handlingsplan-2010",
    "pages__nasjonal__paa-vei-til-egen-bolig-statusrapport-2-2005",
    "pages__nasjonal__veiviseren-bo-oppfolging-og-tjenester-i-bolig",
    "pages__ostfold-interkommunalt__innovasjon-boligetablering-og-tjenester",
    "pages__stord__husbanken-boligsosialt-velferdsprogram",
}
# Set 4: every municipal plan, report, foranalyse and saksframlegg of pages/
# not labelled before (33 documents, chosen by doc_type from the manifest),
# labelled blind by two labellers who never saw the extractor or its output,
# while the rules were being improved on sets 1-3. Of these, the rule writer
# looked at the extractor's output (never the labels) on at least the six in
# HELD_OUT_4_SEEN while checking precision; the rest were not opened.
HELD_OUT_4 = {
    "pages__alta__vedtatt-kommunedelplan-boligpolitikk-2019",
    "pages__asker__programplan-2012-2015-omtale",
    "pages__averoy__aarsberetning-2022-nav",
    "pages__balsfjord__rapport-boligsosialt-team-2010-2012",
    "pages__bodo__halvaarsrapportering-partnerskapsavtale-2012",
    "pages__drammen__boligsosial-handlingsplan-2012-2014-yumpu",
    "pages__drammen__delrapport-tildelings-og-prioriteringskriterier",
    "pages__flora__nibr-foranalyse-boligsosialt-arbeid-2014",
    "pages__gratangen__boligsosial-handlingsplan-2013",
    "pages__halden__aars-og-halvaarsrapportering-2012",
    "pages__halden__ramboll-foranalyse-boligsosialt-arbeid-2011",
    "pages__hamar__boligplan-boligsosial-del",
    "pages__hitra__boligprogram-2011-2014",
    "pages__klaebu__moteinnkalling-utvalg-omsorg-boligpolitisk-plan-2019",
    "pages__kristiansand__boligsosial-handlingsplan-2011-2015",
    "pages__kristiansund__boligsosialt-program-2002-2005-yumpu",
    "pages__kristiansund__forslag-boligsosialt-program-2006-2009",
    "pages__kristiansund__husbanken-boligsosial-handlingsplan-2011-2014",
    "pages__kvalsund__boligpolitisk-handlingsplan-2013-2016",
    "pages__larvik__utkast-boligsosial-handlingsplan",
    "pages__levanger__saksframlegg-programavtale-husbanken-2016-2020",
    "pages__lillehammer__sluttanalyse-ramboll-2015",
    "pages__lorenskog__program-og-aktivitetsplan-2012-2013",
    "pages__moss__agderforskning-foranalyse-2011",
    "pages__nedre-eiker__revidert-boligsosial-handlingsplan-2011-2014",
    "pages__oslo__groruddalen-programomraade-3-aarsrapport-2009",
    "pages__oslo__nibr-foranalyse-groruddalen-2011",
    "pages__sarpsborg__boligpolitisk-plattform-utkast",
    "pages__skaun__boligsosial-handlingsplan-2014",
    "pages__skien__planprogram-boligsosial-handlingsplan-2015-2019",
    "pages__steinkjer__husnemnda-moteinnkalling-2015",
    "pages__stjordal__kommunestyret-moteinnkalling-boligsosial-handlingsplan-2017",
    "pages__trondheim__boligpolitisk-plan-2018-horingsutkast",
}
HELD_OUT_4_SEEN = {
    "pages__alta__vedtatt-kommunedelplan-boligpolitikk-2019",
    "pages__hitra__boligprogram-2011-2014",
    "pages__kristiansund__forslag-boligsosialt-program-2006-2009",
    "pages__lorenskog__program-og-aktivitetsplan-2012-2013",
    "pages__sarpsborg__boligpolitisk-plattform-utkast",
    "pages__trondheim__boligpolitisk-plan-2018-horingsutkast",
}
# Set 5: every second remaining unlabelled file of pages/ (35 documents:
# national reports, news, web pages), labelled blind like set 4. The rule
# writer ran the extractor over this family of documents to check precision
# (never seeing these labels), so its precision is the less clean estimate.
HELD_OUT_5 = {
    "pages__alesund__nrk-trenger-flere-boliger",
    "pages__asker__boligsosialt-utviklingsprogram-2011-2015",
    "pages__bergen__kommunale-utleieboliger-kriterier",
    "pages__drammen__husbanken-programside-sluttrapport",
    "pages__fjell__husbanken-bustadsosialt-velferdsprogram-2013",
    "pages__flere-kommuner__sosial-boligbygging-planleggerens-rolle",
    "pages__halden__boligsosialt-arbeid-strategi",
    "pages__husbanken__tertialrapporten-2009-3",
    "pages__kongsvinger__husbankens-virkemidler-presentasjon",
    "pages__melhus__forvaltningsrevisjon-utleieboliger",
    "pages__naroy__venstre-boligsatsing-2011",
    "pages__nasjonal__adressa-husbanken-teller-bostedslose-2016",
    "pages__nasjonal__byggforsk-prosjekt-bostedslose-midtveisevaluering-2003",
    "pages__nasjonal__forskning-no-kartlegging-bostedslose-2024",
    "pages__nasjonal__husbanken-aarsrapport-2014",
    "pages__nasjonal__husbanken-bolig-paa-dagsorden-i-nord-2012",
    "pages__nasjonal__husbanken-moreforsking-kunsten-aa-ha-to-fugler-2013",
    "pages__nasjonal__husbanken-prosjektrapport-prosjekt-bostedslose",
    "pages__nasjonal__husbanken-tilskot-til-bustadtiltak",
    "pages__nasjonal__meld-st-17-2012-2013-byggje-bu-leve-kap6",
    "pages__nasjonal__moreforsking-kunsten-aa-ha-to-fugler-omtale",
    "pages__nasjonal__nibr-avtalt-selvbosetting-blant-flyktninger",
    "pages__nasjonal__ntnu-aa-bygge-stein-paa-stein-barnefamilier",
    "pages__nasjonal__oslomet-faerre-bostedslose-2020",
    "pages__nasjonal__ramboll-folgeevaluering-boligetablering-i-distriktene-2014",
    "pages__nasjonal__sivilombudet-startlan-hensynet-til-barna-2022",
    "pages__nasjonal__stprp-11-2008-2009-ei-styrkt-bustotte",
    "pages__nasjonal__veier-mot-maalet-solidarisk-boligpolitikk",
    "pages__nasjonal__veiviseren-samarbeid-med-private",
    "pages__oslo__evaluering-husbankens-innsats-groruddalen-2011",
    "pages__sandnes__forvaltningsrevisjon-kommunale-utleieboliger-2011",
    "pages__sandnes__statens-pris-boligsosialt-arbeid-2016",
    "pages__tromso__husbanken-programside",
    "pages__tromso__prosjekt-bostedslose-prosjektskisse",
    "pages__trondheim__leie-til-eie-ntnu-2019",
}
# Set 6: the remaining 34 unlabelled files of pages/ (national reports, news,
# web pages, a few municipal pages), labelled blind while the rules were
# improved on sets 4-5; the rule writer did not open these files in that
# round (in the round before, it had run the extractor over this family to
# check precision, never seeing labels).
HELD_OUT_6 = {
    "pages__alta__altaposten-boligkrisen-maa-loses-2017",
    "pages__bergen__forvaltningsrevisjon-boligetaten-byradssak-2012",
    "pages__bodo__agenda-sosial-boligpolitikk",
    "pages__drammen__veiviseren-housing-first-ditt-valg-bolig-forst",
    "pages__fjell__nibr-boligsosialt-arbeid-evaluering-2012",
    "pages__gjovik__oa-tomtepolitikk-for-en-ny-tid",
    "pages__hamar__boligplanen-omtale",
    "pages__kongsberg__ramboll-innspill-til-god-praksis-2013",
    "pages__kongsvinger__kommunal-bolig-grunnkrav",
    "pages__midt-norge__husbanken-programarbeid-2013-2016-ti-kommuner",
    "pages__naroysund__leie-av-kommunal-bolig",
    "pages__nasjonal__asplan-viak-evaluering-kompetansetilskudd-2009",
    "pages__nasjonal__fafo-housing-first-i-norge-kartlegging-2014",
    "pages__nasjonal__horingsnotat-ny-boligsosial-lov-2020",
    "pages__nasjonal__husbanken-bolig-for-velferd-2014-2020",
    "pages__nasjonal__husbanken-boligsosial-oversikt-helhetlig-analyse",
    "pages__nasjonal__husbanken-oversikt-boligsosiale-handlingsplaner",
    "pages__nasjonal__husbanken-rekordmange-kandidater-boligsosial-pris",
    "pages__nasjonal__husbanken-veileder-tilskudd-boligsosialt-tiltak",
    "pages__nasjonal__moreforsking-boso-delrapport-2010-kudos",
    "pages__nasjonal__nbbl-kommunalt-eide-boliger-i-borettslag-2007",
    "pages__nasjonal__nibr-bostedslose-i-norge-2012",
    "pages__nasjonal__ntnu-kommuners-fremskaffelse-boliger-flyktninger-2011",
    "pages__nasjonal__proba-kommunenes-praksis-startlan-2012",
    "pages__nasjonal__regjeringen-ny-kartlegging-bustadlause-2012",
    "pages__nasjonal__ssb-kostra-venteliste-tilrettelagt-bolig",
    "pages__nasjonal__telemarksforsking-startlansordningen-2022",
    "pages__nasjonal__veiviseren-bostedslose-i-norge-2016",
    "pages__nasjonal__veiviseren-suksessfaktorer-boligsosialt-arbeid",
    "pages__oslo__plan-groruddalen-fra-verkebyll-til-gronn-idyll-2014",
    "pages__sandnes__kommunal-bolig-retningslinjer-gjennomgangsboliger",
    "pages__sandnes__veiviseren-fra-leie-til-eie",
    "pages__tromso__programavtale-husbanken",
    "pages__tromso__samhandlingsarena-boligpolitiske-utfordringer-2011",
}
HELD_OUT = {
    "pages__ringsaker__by-og-tettstedsprogram-tilvisningsavtaler",
    "pages__tonsberg__husbanken-programside-2014",
    "pages__drammen__aarsrapport-2011",
    "pages__larvik__aarsrapport-2011",
    "pages__hammerfest__sluttrapport-boligforvaltningsenhet-2014",
    "pages__stjordal__s-n-boligsosial-handlingsplan-2019",
    "pages__nesseby__forvaltningsplan-kommunale-boliger-boligsosial-handlingsplan",
    "pages__sarpsborg__husbanken-programside",
    "pages__lillehammer__husbanken-programside",
    "pages__bodo__strategisk-boligarbeid-boligplan-2018-2021",
}
# Scores of each held-out set the first time it was run, before any rule was
# changed in its light (recorded by hand; the live tables below are current).
FIRST_RUN = {
    "held-out 1": {"measure": (23, 9, 6), "recommendation": (0, 0, 0), "figure": (8, 10, 7)},
    "held-out 2": {"measure": (10, 11, 4), "recommendation": (1, 1, 0), "figure": (28, 15, 14)},
    "held-out 3": {"measure": (2, 1, 0), "recommendation": (0, 0, 0), "figure": (3, 2, 2)},
    # sets 4 and 5: run once after the rules were generalised on sets 1-3
    # (only the labels' page numbers were first set to the reader's pages)
    "held-out 4": {"measure": (42, 19, 13), "recommendation": (0, 0, 0), "figure": (3, 5, 3)},
    "held-out 4 (output seen)": {"measure": (2, 2, 2), "recommendation": (0, 0, 0), "figure": (0, 0, 0)},
    "held-out 5": {"measure": (25, 16, 8), "recommendation": (3, 0, 0), "figure": (30, 25, 24)},
    # set 6: run once after the second round of rules (made on sets 4-5)
    "held-out 6": {"measure": (14, 12, 6), "recommendation": (6, 0, 0), "figure": (51, 43, 40)},
    # sets 7 and 8: new texts from outside the corpus (eval/blind/), double-labelled and adjudicated;
    # set 7 run on the rules of round 2 (commit 83f38a0), set 8 after round 3 (commit 45f030c)
    "held-out 7 (new texts, gold)": {"measure": (76, 39, 21), "recommendation": (1, 0, 0), "figure": (55, 45, 40)},
    "held-out 8 (new texts, gold)": {"measure": (45, 33, 16), "recommendation": (1, 0, 0), "figure": (58, 56, 53)},
    # set 9: after round 4 (written on sets 7-8; commit 52ef5ac)
    "held-out 9 (new texts, gold)": {"measure": (71, 39, 23), "recommendation": (0, 0, 0), "figure": (8, 6, 6)},
    # set 10: the same rules (no rule changed after set 9; an actor-based rule was tried and reverted)
    "held-out 10 (new texts, gold)": {"measure": (93, 46, 32), "recommendation": (6, 0, 0), "figure": (84, 65, 57)},
    # sets 11 and 12: rules of round 4 plus the learned model (ingest/extract/learned.py, trained on the
    # corpus and sets 7-10; commit 9939c5b). The rules alone, run on the same commit with --rules-only,
    # gave measures (64, 32, 24) and (40, 26, 12); recommendations and figures are the same.
    # Sets 11, 12 and 17 were re-scored on their frozen commits after `eval/locate_pages.py` set 5, 7 and
    # 6 labels of docplayer transcripts to the reader's page (as for sets 4-5); the labellers had written
    # page 1. Before: set 11 (64, 43, 28), rules (64, 32, 23); set 12 (40, 41, 14), rules (40, 26, 9);
    # set 17 (55, 37, 29), rules (55, 26, 22). Nothing else changed.
    "held-out 11 (new texts, gold)": {"measure": (64, 43, 30), "recommendation": (0, 0, 0), "figure": (29, 30, 19)},
    "held-out 12 (new texts, gold)": {"measure": (40, 41, 17), "recommendation": (1, 1, 0), "figure": (52, 50, 40)},
    # sets 13 and 14: the same rules plus the model retrained on the corpus and sets 7-12 (commit 78f9553;
    # ingest/ unchanged since). The rules alone (--rules-only): measures (47, 27, 14) and (38, 35, 17).
    "held-out 13 (new texts, gold)": {"measure": (47, 34, 19), "recommendation": (2, 0, 0), "figure": (56, 52, 47)},
    "held-out 14 (new texts, gold)": {"measure": (38, 37, 17), "recommendation": (0, 0, 0), "figure": (35, 35, 32)},
    # sets 15 and 16: the model retrained on the corpus and sets 7-14, plus recommendation rules written on
    # sets 7-14 (commit 5bf1668; frozen before either set was collected). The rules alone (--rules-only):
    # measures (49, 35, 18) and (43, 24, 12).
    "held-out 15 (new texts, gold)": {"measure": (49, 45, 20), "recommendation": (0, 0, 0), "figure": (38, 38, 32)},
    "held-out 16 (new texts, gold)": {"measure": (43, 37, 15), "recommendation": (0, 0, 0), "figure": (104, 90, 80)},
    # set 17: the same model plus three guards written on sets 15-16 (commit d409469; frozen before the
    # set was collected). The rules alone (--rules-only): measures (55, 26, 23).
    "held-out 17 (new texts, gold)": {"measure": (55, 37, 30), "recommendation": (2, 0, 0), "figure": (11, 8, 8)},
    # set 18: set 17's extractor plus the recommendation rule written on it (commit 6d455c5, ingest/ as
    # 5531d1b; frozen before the set was collected). The rules alone (--rules-only): measures (20, 11, 5).
    "held-out 18 (new texts, gold)": {"measure": (20, 18, 10), "recommendation": (1, 0, 0), "figure": (25, 26, 17)},
    # set 19: the fine-tuned encoder as second opinion (model trained on the corpus and sets 7-18; commit
    # 759792e, frozen before the set was collected). The regression instead (--no-encoder): measures
    # (27, 19, 12); the rules alone (--rules-only): (27, 15, 11).
    "held-out 19 (new texts, gold)": {"measure": (27, 22, 14), "recommendation": (0, 0, 0), "figure": (19, 29, 12)},
}


WRITTEN = REPO / "eval" / "written"
"""Sets of texts written for the evaluation, labelled twice and adjudicated
(`eval/written/README.md`); each has pages/ and gold/."""
WRITTEN_FIRST_RUN = {
    # set 1: the extractor as the session began (commit 1f1b3bf); round 1 of fixes was then written on it.
    # The regression instead (--no-encoder): measures (147, 126, 89); the rules alone: (147, 103, 79).
    "written 1": {"measure": (147, 127, 90), "recommendation": (24, 10, 8), "figure": (217, 180, 169)},
    # set 2: after round 1 (commit 197a72b; sealed until then). The regression instead: measures
    # (137, 122, 86); the rules alone: (137, 101, 77). The session's first commit (1f1b3bf) on the same set:
    # measures (137, 124, 86), recommendations (28, 15, 13), figures (208, 179, 165).
    "written 2": {"measure": (137, 125, 90), "recommendation": (28, 20, 19), "figure": (208, 181, 165)},
    # set 3: the same commit (nothing in ingest/ changed before it was scored). The regression instead:
    # measures (140, 132, 81); the rules alone: (140, 100, 72). Commit 1f1b3bf on it: measures
    # (140, 125, 82), recommendations (25, 11, 9), figures (229, 199, 188).
    "written 3": {"measure": (140, 127, 82), "recommendation": (25, 20, 20), "figure": (229, 199, 188)},
    # sets 4 and 5: after round 2, written on sets 2 and 3 (commit 6aa59ae; sealed until then). The regression
    # instead: measures (145, 148, 106) and (140, 120, 93); the rules alone: (145, 122, 96) and (140, 103, 86).
    # Commit 1f1b3bf on them: measures (145, 143, 95) and (140, 132, 92), recommendations (25, 15, 14) and
    # (23, 16, 15), figures (211, 174, 153) and (231, 188, 171).
    "written 4": {"measure": (145, 155, 110), "recommendation": (25, 22, 22), "figure": (211, 177, 157)},
    "written 5": {"measure": (140, 132, 96), "recommendation": (23, 19, 19), "figure": (231, 188, 171)},
    # sets 6 and 7: after round 3, written on sets 4 and 5 (commit 4d4ed45, ingest/ as fffa42d; sealed until
    # then). The regression instead: measures (163, 126, 107) and (149, 128, 90); the rules alone:
    # (163, 109, 96) and (149, 103, 78). Commit 1f1b3bf on them: measures (163, 129, 98) and (149, 117, 79),
    # recommendations (39, 21, 18) and (40, 25, 23), figures (231, 203, 179) and (240, 193, 185).
    "written 6": {"measure": (163, 129, 108), "recommendation": (39, 35, 35), "figure": (231, 203, 188)},
    "written 7": {"measure": (149, 128, 93), "recommendation": (40, 32, 31), "figure": (240, 191, 183)},
    # sets 8 and 9: after round 4, written on sets 6 and 7 (commit d441d32; sealed until then). The regression
    # instead: measures (171, 121, 105) and (170, 124, 101); the rules alone: (171, 102, 92) and (170, 103, 88).
    # Commit 1f1b3bf on them: measures (171, 139, 106) and (170, 128, 98), recommendations (43, 30, 27) and
    # (33, 21, 16), figures (248, 213, 198) and (240, 199, 183).
    "written 8": {"measure": (171, 134, 114), "recommendation": (43, 40, 40), "figure": (248, 213, 198)},
    "written 9": {"measure": (170, 129, 105), "recommendation": (33, 29, 28), "figure": (240, 202, 185)},
    # sets 10 and 11: after round 5, written on sets 8 and 9 (commit d234192; sealed until then). The regression
    # instead: measures (133, 118, 91) and (132, 120, 92); the rules alone: (133, 99, 83) and (132, 97, 74).
    # Commit 1f1b3bf on them: measures (133, 136, 92) and (132, 126, 88), recommendations (34, 14, 10) and
    # (26, 16, 16), figures (222, 189, 174) and (201, 171, 155).
    "written 10": {"measure": (133, 130, 98), "recommendation": (34, 23, 23), "figure": (222, 188, 174)},
    "written 11": {"measure": (132, 123, 90), "recommendation": (26, 19, 19), "figure": (201, 171, 155)},
    # sets 12-15: written and adjudicated on 2026-11-24 while the corpus was relabelled, sealed until the
    # session's rules (participation, settling, headline counts) and the models retrained on the relabelled
    # corpus and written sets 1-11 were committed (5501331). The regression instead: measures (151, 147, 108),
    # (159, 137, 110), (161, 135, 106), (185, 134, 120); the rules alone: (151, 129, 97), (159, 111, 89),
    # (161, 117, 93), (185, 123, 110). The session's first extractor (36c56d0 = 1fd9c99's ingest/) on them:
    # measures (151, 152, 106), (159, 138, 109), (161, 128, 100), (185, 148, 126); recommendations and
    # figures as below but for set 12's figures (252, 210, 184). The session's rules with the old models
    # (79625fb): measures (151, 154, 108), (159, 140, 111), (161, 136, 105), (185, 149, 126).
    "written 12": {"measure": (151, 150, 112), "recommendation": (28, 21, 21), "figure": (252, 209, 184)},
    "written 13": {"measure": (159, 145, 115), "recommendation": (15, 10, 10), "figure": (205, 172, 157)},
    "written 14": {"measure": (161, 138, 108), "recommendation": (28, 20, 19), "figure": (277, 207, 189)},
    "written 15": {"measure": (185, 143, 128), "recommendation": (22, 12, 12), "figure": (231, 180, 166)},
    # sets 16-19: written and adjudicated on 2026-11-24 (third session that day) while the session's rules were
    # written on the corpus and sets 1-15, sealed until they were committed (ingest/ as 18d38ae: plan tables'
    # projects, participation in more words, clause splits, adoption notes, votes, active use of instruments;
    # models unchanged). The regression instead: measures (172, 135, 104), (165, 144, 118), (138, 112, 82),
    # (185, 144, 110); the rules alone: (172, 103, 82), (165, 118, 97), (138, 88, 68), (185, 130, 99). The
    # session's first extractor (271c5c3) on them: measures (172, 133, 105), (165, 145, 120), (138, 111, 83),
    # (185, 153, 115); recommendations and figures as below.
    "written 16": {"measure": (172, 134, 106), "recommendation": (15, 13, 13), "figure": (285, 257, 212)},
    "written 17": {"measure": (165, 148, 122), "recommendation": (30, 24, 22), "figure": (239, 225, 205)},
    "written 18": {"measure": (138, 113, 85), "recommendation": (25, 15, 15), "figure": (246, 218, 196)},
    "written 19": {"measure": (185, 155, 118), "recommendation": (13, 13, 13), "figure": (262, 228, 209)},
    # sets 20-23: written and adjudicated on 2026-11-24 (fourth session that day) while that session's rules
    # were written on the corpus and sets 16-19, sealed until they were committed (ingest/ as 6e3f44a: action
    # lists in past tense and coordinated infinitives, a list after "til;", repeats in other word order,
    # documents made each for its purpose, adoption notes need a date; models unchanged). The regression
    # instead: measures (160, 125, 97), (175, 147, 110), (178, 135, 110), (183, 166, 132); the rules alone:
    # (160, 102, 80), (175, 126, 99), (178, 113, 97), (183, 138, 113). The session's first extractor
    # (6b09cd7) on them: the same as below, on every set and type.
    "written 20": {"measure": (160, 124, 97), "recommendation": (22, 19, 18), "figure": (254, 214, 195)},
    "written 21": {"measure": (175, 155, 119), "recommendation": (18, 12, 12), "figure": (254, 201, 182)},
    "written 22": {"measure": (178, 140, 119), "recommendation": (25, 23, 22), "figure": (297, 256, 243)},
    "written 23": {"measure": (183, 172, 137), "recommendation": (17, 11, 11), "figure": (226, 217, 181)},
}

METHOD_NOTES = """## How the labels were made

- Read by hand (PDF pages with `pdftotext -f N -l N`, the `.txt`/`.html` files), one short quote per item;
  page numbers are the reader's physical pages (a `pages/*.txt` file is usually one page).
- **Measure**: a concrete action the municipality (or its programme) has taken, is taking or plans:
  build/buy/establish/hire/introduce/map/arrange/produce a plan, incl. items of lists introduced as
  measures or as the means of a goal ("… gjennom å:", "… vil prioritere:"). Not measures: goals, visions,
  sub-goals, principles, vague statements ("ulike tiltak"), what the state or a consultant did.
- **Recommendation**: advice from an analyst/evaluator (Rambøll, NOVA, NIBR …), one per sentence.
- **Figure**: a quantity of dwellings, households, persons, municipalities, money or a percent, stated
  as fact, plan or target; not dates, years, durations, page/section numbers. Money in an activity
  plan is the measure's cost, not a separate figure.
- Development set: after the extractor had run, 11 labels were added to it for consistency with the
  rules above (items missed while labelling); none were removed. Held-out sets were labelled before
  their first run and only page numbers were corrected to the reader's pages. Sets 4 and 5 were labelled
  by two labellers working from a written brief (the rules above), blind to the extractor; the brief
  said "page 1" for every `pages/` file, so before their first run each quote was located in the
  reader's pages by script (28 labels moved, none changed otherwise; one quote's HTML tags removed).
- **Relabelled 2026-11-24** (`eval/relabel/README.md`): the corpus was labelled a second time,
  independently, from `eval/written/BRIEF.md`, and every disagreement with the first labels was
  adjudicated by the brief. The gold (301 measures, 46 recommendations, 180 figures; the first labels
  had 228, 39 and 195) counts programme participation, the steps of making a plan, settlement decisions
  and list items one per action, as the blind and written sets do. The first labels scored against the
  gold: measures P 0.86 / R 0.65, recommendations 0.85 / 0.72, figures 0.86 / 0.93. The split into
  development and held-out documents is unchanged; the first runs below were scored on the first labels.

## Known weaknesses

- Measures in running prose of unseen text: pooled first-run recall 0.29, precision 0.48 (table
  below). The rules were then generalised over Norwegian patterns rather than sentences (Nynorsk verb
  forms and -ast passives, "ble det + participle", relative clauses whose subject is the municipality,
  action nouns with a result or a time, coordinated main clauses as separate measures, decision points
  and "vil kommunen:" lists, conditions before a decided main clause) with guards against purpose
  lists, postnominal participles, generic/national/research actors, Husbank programme agreements and
  tables of contents. Held-out sets 1–3 have been read while doing so, so their current scores flatter
  the rules. The blind sets 4 and 5 then gave measures P 0.68 / R 0.31 and P 0.50 / R 0.32 (first
  run): on unseen text the rules still missed most measures that a reader finds.
- Sets 4 and 5 have since been studied too (their current scores are no longer blind either). Second
  round of general patterns: a document of no single municipality (national report, national news)
  gives measures only where a municipality is named ("X kommune"); web text that lost its full stops
  is split before a pronoun or municipal body/role + finite verb ("… i november Det ble …"); a colon
  before a dash or a quote ends a lead-in; appointing and setting up groups (oppnevne, nedsette, sette
  ned), applying for/receiving grants, laying a document before a body, opening/completing facilities,
  "fått på plass", "tatt over", "har økt/styrket + resource"; lists of main efforts (hovedsatsinger), a
  mandate's tasks and "følgende ble gjennomført:" lead-ins; decision points that approve or ask; a
  committee that decides is a municipal body; guards for private market actors as subject ("Utbyggeren
  har planlagt …"), "bygges for få", "Les også:" links, title pages, a document as subject ("Vedlegg 1
  gir …"), "bygge videre på", "skal bli enklere å". Recommendations: a request ("ber … om å", "bes om
  å") or an opinion with advice ("mener … kan … ved at", "er viktig å") by an organisation named in the
  sentence; Sivilombudet added. Sets 4+5 pooled measures went from P 0.60 / R 0.31 to P 0.92 / R 0.54
  on the same, now-seen documents; expect a fresh blind set to score lower, and measure recall on
  unseen text is still short of the 0.75 goal.
- The fresh blind set 6 (34 national reports, news and web pages; first run after the second round)
  confirmed it: measures P 0.50 / R 0.43 (14 labels), recommendations 0 of 6 (five of them a list of
  what successful municipalities do, which the labeller counted as Rambøll's advice), figures
  P 0.93 / R 0.78. Figures meet the goal on unseen text in both blind runs (sets 4–5: P 0.90 /
  R 0.82); measures do not: first-person and news prose ("Vi bygde …", "har kommunen satt av et
  eget boligfond …", "signerte i dag en programavtale") and actions described as results ("Gjennom
  prosjektet har deltagerne fått tett oppfølging …") are the misses.
- With no unseen text left in the corpus, four new blind sets were built from outside it (`eval/blind/`:
  sets 7 to 10, 137 municipal texts). Each was labelled twice, independently and blind to the
  extractor, then adjudicated; each was scored once on a frozen commit (table below). Round 3 of rules
  was written on set 7 and round 4 on sets 7 and 8. These rounds covered decisions to act ("fattet
  vedtak om å", "vedtok å"), loans raised for lending, applications to Husbanken, plans on hearing,
  services in the present tense, and action items under a heading that names an aim. They also added
  guards for judgements, adoption stamps, allocation rules, conditions put to the reader and
  assessments. The first runs did not move: measures P 0.54 / R 0.28 (set 7, round 2), 0.48 / 0.36
  (set 8, round 3), 0.59 / 0.32 (set 9, round 4) and 0.70 / 0.34 (set 10, round 4 again). Each
  round lifts the text it was written on
  (set 7: 0.54 / 0.28 to 0.79 / 0.45) and not the next set.
- How far two people agree (`eval/agreement.py`, B's labels scored against A's with the same matching
  rule): on measures, P 0.79 / R 0.76 (sets 4 and 6), 0.74 / 0.86 (set 7), 0.93 / 0.95 (set 8),
  0.83 / 0.88 (set 9) and 0.91 / 0.90 (set 10), pooled 0.84 / 0.87 over 204 documents; on figures
  0.94 / 0.92 pooled. The goal is about the level of human agreement; the extractor is far below it,
  mostly on recall.
- A learned sentence classifier was tried as an alternative (char n-gram TF-IDF, or e5 sentence vectors,
  plus structural features; logistic regression). Trained on every other labelled document, it was
  scored on sets 4-5 and 6 against the rules as they were at each set's first run (git worktrees of those
  commits). Its F1 was 0.42 and 0.38 against 0.43 and 0.46 for the rules, and its union with the rules
  gave 0.44 and 0.41. With a few hundred labelled measures it does not generalise better, so it was
  not adopted. Once sets 7–9 were labelled, the same classifier was retrained on the corpus and sets
  7–9 (about 520 measure labels) and scored on set 10 against the frozen round-4 rules. At its
  default threshold it reached F1 0.54 (P 0.54 / R 0.53) against the rules' 0.46 (P 0.70 / R 0.34);
  its union with the rules at threshold 0.7 reached F1 0.51 (P 0.66 / R 0.42). It gains with data where the
  rules do not, which makes more labelled text, not more rules, the next step; it is not in the
  pipeline yet.
- Of the measures round 4 still misses on sets 7–9 (114), 91 hold no action cue at all: the wording
  varies more than a lexicon can list. An actor-based rule was also tried: a municipal body as the
  subject of any finite verb, with states, opinions and possession left out. It found one more
  corpus label for 18 more items (P 0.92 to 0.85) and was dropped.
- Still missed on sets 4/5 (deliberately or for want of a general rule): goal-like items the labellers
  took as measures (items under "… enige om å arbeide for:", "Økt …"/"Bedre …" headings, "Fase 1
  hadde som målsetting å utarbeide …"); Husbank programme agreements ("Formell avtale ble inngått
  mellom Husbanken og X kommune", "… inngikk en intensjonsavtale") — left out by design, as the
  development labels do not count them; "organisert som prosjekt" (the development labels leave out
  the same wording); actions inside purpose clauses ("… for å utvikle og utarbeide interne rutiner");
  words glued together by the PDF text layer ("Kommunestyret vedtokboligsosialhandlingsplanfor");
  routine reporting ("rapporterer … til kommunestyret"), service descriptions without an action verb
  ("De som søker … møter en saksbehandler som går gjennom …"), possession stated as a measure
  ("Sandnes har et eget boligkontor", "Kommunen har en tinglyst tilvisningsrett …").
- Still false: statements about how something was built ("Boligene er bygd som et tilbygg …"),
  intentions to avoid something ("vil unngå stigmatisering og satser på …"), general descriptions
  presented as a list ("to pilarer innenfor boligsosialt arbeid: Fremskaffe …"). In a municipal
  document, descriptions of national surveys with no actor named ("Kartleggingen ble gjennomført …")
  are still taken; in a national one they are now dropped.
- Flattened tables: rows that open with a year are read (cells grouped by the header's column count,
  units from the column headers); tables with years in the header and a label per row are not.
  Bare "enheter" counts as dwellings only beside a dwelling word.
- A table row continued over a page break is merged by the PDF reader and keeps the first page, so
  one Bærum recommendation is cited on page 10 instead of 11.
"""


SPLITS = ("development", "held-out 1", "held-out 2", "held-out 3", "held-out 4", "held-out 4 (output seen)", "held-out 5", "held-out 6")


def _split(stem: str) -> str:
    if stem in HELD_OUT_4_SEEN:
        return "held-out 4 (output seen)"
    for name, members in (("held-out 1", HELD_OUT), ("held-out 2", HELD_OUT_2), ("held-out 3", HELD_OUT_3),
                          ("held-out 4", HELD_OUT_4), ("held-out 5", HELD_OUT_5), ("held-out 6", HELD_OUT_6)):
        if stem in members:
            return name
    return "development"


@dataclass
class Score:
    labels: int = 0
    items: int = 0
    matched: int = 0
    extra: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))

    def add(self, other: "Score") -> None:
        self.labels += other.labels
        self.items += other.items
        self.matched += other.matched
        for k, v in other.extra.items():
            self.extra[k].extend(v)

    @property
    def precision(self) -> float | None:
        return self.matched / self.items if self.items else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.labels if self.labels else None


def load_labels(path: Path) -> list[dict]:
    """The labels of one file (one JSON object per line; blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_file(corpus: Path, label_file: Path) -> Path:
    folder, _, stem = label_file.stem.partition("__")
    hits = sorted((corpus / folder).glob(f"{stem}.*"))
    if not hits:
        raise FileNotFoundError(f"{label_file.name}: no {folder}/{stem}.* in {corpus}")
    return hits[0]


def load_document(path: Path, corpus: Path) -> Document:
    ex = read_file(path)
    data = path.read_bytes()
    source = path.relative_to(corpus).as_posix()
    doc = Document(
        doc_id=hashlib.sha256(data).hexdigest()[:16], source=source, format=ex.format, pages=ex.pages,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
    )
    try:  # metadata (municipality …) when that module is there
        from ingest.metadata import infer_metadata

        doc.metadata = infer_metadata(source, ex.pages, ex.title)
    except Exception:  # noqa: BLE001 - the eval measures extraction, not metadata
        pass
    return doc


def item_text(item: Any) -> str:
    return item.text


def _value_ok(label: dict, item: Any) -> bool:
    if "value" not in label:
        return True
    want = float(label["value"])
    for got in (item.value, item.value_to):
        if got is not None and abs(got - want) <= max(0.005 * abs(want), 1e-9):
            return True
    return False


_LINE_HYPHEN = re.compile(r"(?<=[a-zæøå])- (?=[a-zæøå])(?!(?:og|eller|samt|til|enn)\b)")


def quote_text(text: str) -> str:
    """A label's quote as the readers give the text: a word a labeller
    quoted across a line-end hyphen ("gjennomgangsbo- liger") is joined, as
    `ingest.clean.dehyphenate` joins it; "rus- og psykisk" keeps its hyphen."""
    return _LINE_HYPHEN.sub("", text)


def match(labels: list[dict], items: list[tuple[str, Any]]) -> tuple[list[tuple[dict, Any]], list[dict], list[tuple[str, Any]]]:
    pairs = []
    for li, lab in enumerate(labels):
        for ii, (typ, it) in enumerate(items):
            if typ != lab["type"] or it.citation.page != lab["page"]:
                continue
            if typ == "figure" and not _value_ok(lab, it):
                continue
            s = overlap(quote_text(lab["text"]), item_text(it))
            if s >= THRESHOLD:
                pairs.append((s, li, ii))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_l: set[int] = set()
    used_i: set[int] = set()
    matched = []
    for s, li, ii in pairs:
        if li in used_l or ii in used_i:
            continue
        used_l.add(li)
        used_i.add(ii)
        matched.append((labels[li], items[ii][1]))
    missed = [lab for i, lab in enumerate(labels) if i not in used_l]
    false = [it for i, it in enumerate(items) if i not in used_i]
    return matched, missed, false


def score_doc(labels: list[dict], measures, recs, figures) -> tuple[dict[str, Score], list, list]:
    items = [("measure", m) for m in measures] + [("recommendation", r) for r in recs] + [("figure", f) for f in figures]
    matched, missed, false = match(labels, items)
    scores = {t: Score() for t in TYPES}
    for lab in labels:
        scores[lab["type"]].labels += 1
    for typ, _ in items:
        scores[typ].items += 1
    for lab, it in matched:
        sc = scores[lab["type"]]
        sc.matched += 1
        if lab["type"] == "recommendation" and "by" in lab:
            sc.extra["by"].append((it.by or "") == lab["by"])
        if lab["type"] == "recommendation" and "theme" in lab:
            sc.extra["theme"].append(it.theme == lab["theme"])
        if lab["type"] == "measure" and "cost_nok" in lab:
            sc.extra["cost"].append(it.cost is not None and abs(it.cost.amount_nok - lab["cost_nok"]) < 1)
        if lab["type"] == "figure" and "year" in lab:
            sc.extra["year"].append(it.year == lab["year"])
        if lab["type"] == "figure" and "value_to" in lab:
            sc.extra["value_to"].append(it.value_to == lab["value_to"])
        if lab["type"] == "figure" and "breakdown" in lab:
            sc.extra["breakdown"].append(dict(it.breakdown) == {k: float(v) for k, v in lab["breakdown"].items()})
    return scores, missed, false


def fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def second_opinion():
    """The fine-tuned encoder as `boso ingest` uses it (see
    `index.collection.Index.second_opinion`); raises when it cannot load,
    so a score is never silently the regression's."""
    from index.embed import _resolve
    from ingest.extract.encoder_model import EncoderMeasureModel

    return EncoderMeasureModel.load(_resolve(None)[0])


def run(corpus: Path, verbose: bool = False, labels_dir: Path = LABELS, learned: bool = True,
        second=None) -> str:
    rows = []
    totals = {t: Score() for t in TYPES}
    per_group: dict[str, dict[str, Score]] = defaultdict(lambda: {t: Score() for t in TYPES})
    per_split: dict[str, dict[str, Score]] = defaultdict(lambda: {t: Score() for t in TYPES})
    label_files = sorted(labels_dir.glob("*.jsonl"))
    t0 = time.time()
    extract_seconds = 0.0
    for lf in label_files:
        labels = load_labels(lf)
        path = corpus_file(corpus, lf)
        doc = load_document(path, corpus)
        t = time.time()
        measures, recs, figures = extract_items(doc, learned=learned, second=second)
        extract_seconds += time.time() - t
        scores, missed, false = score_doc(labels, measures, recs, figures)
        group = lf.stem.split("__", 1)[0]
        split = _split(lf.stem)
        for typ in TYPES:
            totals[typ].add(scores[typ])
            per_group[group][typ].add(scores[typ])
            per_split[split][typ].add(scores[typ])
        rows.append((lf.stem + ("" if split == "development" else f" ({split})"), scores))
        if verbose:
            print(f"\n## {lf.stem}")
            for lab in missed:
                print(f"  MISS  {lab['type'][:4]} p{lab['page']}: {lab['text'][:90]}" + (f" [{lab.get('value')}]" if "value" in lab else ""))
            for typ, it in false:
                extra = f" [{it.value} {it.unit}]" if typ == "figure" else ""
                print(f"  FALSE {typ[:4]} p{it.citation.page}: {it.text[:90]}{extra}")

    lines = [
        "# Extraction evaluation (measures, recommendations, figures)",
        "",
        f"Generated by `eval/extract_eval.py` on {time.strftime('%Y-%m-%d')}: {len(label_files)} labelled documents, "
        f"extraction {extract_seconds:.1f} s in all (reading the files {time.time() - t0 - extract_seconds:.1f} s).",
        "",
        "Matching rule: same type, same page, label quote contained in the item text or ≥ 60 % of its content "
        "tokens present; figures must also carry the labelled value. One-to-one. Goal: P ≥ 0.85, R ≥ 0.75.",
        "",
        "## Overall",
        "",
        "| type | labels | extracted | matched | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    all_sc = Score()
    for typ in TYPES:
        sc = totals[typ]
        all_sc.add(sc)
        lines.append(f"| {typ} | {sc.labels} | {sc.items} | {sc.matched} | {fmt(sc.precision)} | {fmt(sc.recall)} |")
    lines.append(f"| **all** | {all_sc.labels} | {all_sc.items} | {all_sc.matched} | {fmt(all_sc.precision)} | {fmt(all_sc.recall)} |")
    lines += ["", "Attributes of matched items (share correct):", ""]
    for typ in TYPES:
        for k, v in sorted(totals[typ].extra.items()):
            lines.append(f"- {typ} `{k}`: {sum(v)}/{len(v)}")
    lines += ["", "## Development vs held-out", "",
              "Development documents were used to write and tune the rules; held-out documents were labelled "
              "afterwards. Each held-out set was scored blind once (see \"First run\" below); sets 1–5 were then "
              "read while generalising the rules, so their current scores are no longer blind.", "",
              "| split | type | labels | extracted | matched | P | R |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for split in SPLITS:
        sc_by = per_split[split]
        for typ in TYPES:
            sc = sc_by[typ]
            lines.append(f"| {split} | {typ} | {sc.labels} | {sc.items} | {sc.matched} | {fmt(sc.precision)} | {fmt(sc.recall)} |")
    lines += ["", METHOD_NOTES.rstrip()]
    lines += ["", "### First run of each held-out set (before any fix made in its light)", "",
              "The honest estimate for unseen text. Labels / extracted / matched.", "",
              "| set | type | labels | extracted | matched | P | R |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    pooled = {t: [0, 0, 0] for t in TYPES}
    for split, by_type in FIRST_RUN.items():
        for typ in TYPES:
            lab, ext, mat = by_type[typ]
            pooled[typ] = [a + b for a, b in zip(pooled[typ], (lab, ext, mat))]
            if lab or ext:
                lines.append(f"| {split} | {typ} | {lab} | {ext} | {mat} | {fmt(mat / ext if ext else None)} | {fmt(mat / lab if lab else None)} |")
    for typ in TYPES:
        lab, ext, mat = pooled[typ]
        lines.append(f"| **pooled** | {typ} | {lab} | {ext} | {mat} | {fmt(mat / ext if ext else None)} | {fmt(mat / lab if lab else None)} |")
    if labels_dir == LABELS:
        lines += written_sets(learned, second)
    lines += ["", "## By corpus folder", "", "| folder | type | labels | extracted | P | R |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for g, sc_by in sorted(per_group.items()):
        for typ in TYPES:
            sc = sc_by[typ]
            if sc.labels or sc.items:
                lines.append(f"| {g} | {typ} | {sc.labels} | {sc.items} | {fmt(sc.precision)} | {fmt(sc.recall)} |")
    lines += ["", "## By document", "", "| document | M labels/extracted | M P | M R | R labels/extracted | R P | R R | F labels/extracted | F P | F R |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for stem, scores in rows:
        cells = []
        for typ in TYPES:
            sc = scores[typ]
            cells += [f"{sc.labels}/{sc.items}", fmt(sc.precision), fmt(sc.recall)]
        lines.append(f"| {stem} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def score_set(corpus: Path, labels_dir: Path, learned: bool = True, second=None) -> dict[str, Score]:
    """Scores of one label folder against the texts of `corpus`."""
    totals = {t: Score() for t in TYPES}
    for lf in sorted(labels_dir.glob("*.jsonl")):
        doc = load_document(corpus_file(corpus, lf), corpus)
        scores, _, _ = score_doc(load_labels(lf), *extract_items(doc, learned=learned, second=second))
        for typ in TYPES:
            totals[typ].add(scores[typ])
    return totals


def written_sets(learned: bool = True, second=None) -> list[str]:
    """The report's section on the written sets: their scores now and each
    set's first run."""
    sets = sorted((d for d in WRITTEN.glob("set-*") if (d / "gold").is_dir()), key=lambda d: int(d.name[4:]))
    if not sets:
        return []
    lines = ["", "## Written sets (texts written for the evaluation, `eval/written/`)", "",
             "Realistic municipal texts written for boso, labelled twice from `eval/written/BRIEF.md` and "
             "adjudicated. Cleaner than real documents: the two labellers agreed on measures at P/R 0.90–0.99 "
             "here, against 0.85 / 0.84 on real text, and the extractor scores higher on them than on the "
             "real blind sets. Read them as a check on defects, not as the estimate for real documents.", "",
             "| set | type | labels | extracted | matched | P | R |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for d in sets:
        sc_by = score_set(d, d / "gold", learned, second)
        for typ in TYPES:
            sc = sc_by[typ]
            lines.append(f"| {d.name} now | {typ} | {sc.labels} | {sc.items} | {sc.matched} | {fmt(sc.precision)} | {fmt(sc.recall)} |")
    lines += ["", "First runs (each set scored once before any fix made in its light):", "",
              "| set | type | labels | extracted | matched | P | R |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    pooled = {t: [0, 0, 0] for t in TYPES}
    for split, by_type in WRITTEN_FIRST_RUN.items():
        for typ in TYPES:
            lab, ext, mat = by_type[typ]
            pooled[typ] = [a + b for a, b in zip(pooled[typ], (lab, ext, mat))]
            lines.append(f"| {split} | {typ} | {lab} | {ext} | {mat} | {fmt(mat / ext if ext else None)} | {fmt(mat / lab if lab else None)} |")
    for typ in TYPES:
        lab, ext, mat = pooled[typ]
        lines.append(f"| **pooled** | {typ} | {lab} | {ext} | {mat} | {fmt(mat / ext if ext else None)} | {fmt(mat / lab if lab else None)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("-v", "--verbose", action="store_true", help="list missed labels and false items")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--rules-only", action="store_true",
                    help="measures from the rules alone, without the learned model (implies --no-write)")
    ap.add_argument("--no-encoder", action="store_true",
                    help="the regression alone, without the fine-tuned encoder's second opinion (implies --no-write)")
    ap.add_argument("--labels", type=Path, default=LABELS,
                    help="score the label files of this folder (e.g. a new blind set kept outside the repo); implies --no-write")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    second = None if args.rules_only or args.no_encoder else second_opinion()
    report = run(args.corpus, args.verbose, args.labels, learned=not args.rules_only, second=second)
    print(report)
    if not args.no_write and args.labels == LABELS and not args.rules_only and not args.no_encoder:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report, encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
