"""Measures (tiltak): concrete actions a municipality has taken, is taking or
plans to take.

Sources, most reliable first:

1. activity-plan tables with a "Tiltak"/"Aktivitet" column: one measure per
   row, the other cells kept in `fields` (cost, indicator, time frame);
2. activity plans whose table was flattened into text ("Tiltak
   Resultatmål/indikator Kostnadsestimat Anslått tidsramme Etablere caser …"):
   numbered items (the second run of the same numbers are the indicators) or
   sentences that open with an action;
3. list items under a lead-in that announces measures ("Tiltak og
   resultater", "… de viktigste tiltakene er:", "Hovedtiltak 2010:",
   "… gjennom å:");
4. any other sentence that reports an action (etablert, skal bygge,
   planlegges, opprettelse av …) on something concrete.

Not measures: goals and visions (lists led by "mål", "lykkes i å",
"visjon"), recommendations, hypotheticals ("Ved å satse på … vil det være
mulig"), and what the state or a consultant did.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ingest.extract.common import (
    Context, Unit, clip, is_toc, norm_header, period_of, table_columns, unique_tables, year_range, years_in,
)
from ingest.extract.money import NUM, Money, find_money, money_changes, parse_nok, parse_number
from ingest.extract.nlp import (
    FINITE,
    SETTLE_VERB,
    STARTERS,
    _NEGATION,
    _owner_clause,
    GOAL_WORDS,
    split_run_on,
    action_cues,
    has_goal_start,
    is_narrative,
    sentences,
    status_of,
    tokens,
)
from ingest.records import Cost, Measure, Table

# ---------------------------------------------------------------- context --

MEASURE_LEAD = re.compile(
    # "vil prioritere:", not "prioriteres søkerne i følgende rekkefølge:" (an allocation order)
    r"\b(?:tiltak\w*|\w*tiltak|aktivitet\w*|delprosjekt\w*|prosjekter|innsats\w*|gjennom å|ved å|prioritere(?!s\b)\w*"
    r"|satse\w* på|vil\s+\w+\s+(?:gjøre|gjennomføre|iverksette)"
    r"|forkantarbeid|metoder og tiltak|konkrete resultater|resultater fra|quick wins"
    # a working group's mandate lists its tasks; a service's standing duties ("Boligkontorets oppgaver:") are not measures
    r"|(?:hoved)?satsing(?:er|ene|ar|ane)|mandat(?:et|a)?\b[^:]{0,60}\b(?:oppgaver|oppgåver|punkt\w*))\b",
    re.IGNORECASE,
)
RESULT_LEAD = re.compile(r"\bresultat\w*\b", re.IGNORECASE)
GOAL_LEAD = re.compile(
    r"\b(?:mål\w*|delmål\w*|hovedmål\w*|visjon\w*|lykkes|prinsipp\w*|policy|utfordring\w*|styrker|svakheter"
    r"|muligheter|trusler|suksess\w*|kriteri\w*|strategier|ønsker å oppnå|satsingsområde\w*|fokusområde\w*"
    r"|med fokus på|innsatsområde\w*|stikkord|arbeide for|jobbe for|enige? om å)\b"
    # a heading that names a desired state: "Økt boligsosial aktivitet", "Færre bostedsløse"
    r"|^\W*(?:økt|økte|auka|bedre|betre|flere|fleire|færre|redusert|reduserte|styrket|styrka|mer|meir|mindre)\b",
    re.IGNORECASE,
)
_SKIP_SECTION = re.compile(
    # a contents page, terms, references; not "Programmets innhold" (what the programme held)
    r"^\W*(?:\d+(?:\.\d+)*\.?\s+)?(?:innhold\w*|innhaldsliste)\b|begrep|leserveiledning|swot|litteratur|referanser|kilder",
    re.IGNORECASE,
)
_GENERIC = re.compile(
    r"\bi (?:hver|alle|mange|de fleste|\d+|[a-zæøå]+ av) kommune|\blandsomfattende\b|\bi hel[e]? landet\b|\bi heile landet\b"
    r"|^(?:de (?:aller )?fleste|folk|mange|man|en del|noen|enkelte)\s+(?!av\s)(?:\w+\s+){0,2}?(?:kjøper|selger|bygger|leier|etablerer|tilbyr)\b"
    r"|^(?:kommunene|flertallet|fleirtalet|halvparten|mindretallet|(?:de (?:aller )?fleste|mange|alle|noen|flere|fleire"
    r"|enkelte|andre) kommuner)\b",
    re.IGNORECASE,
)
_NATIONAL_SUBJECT = re.compile(
    r"^(?:husbanken|regjeringen|staten|departementet|stortinget|kommunal- og|nou\b|utvalget|boligutvalget"
    r"|(?:den\s+(?:nye\s+)?)?forskrift(?:en)?\b|(?:den\s+(?:nye\s+)?)?loven\b|lovendring\w*|statsbudsjett\w*"
    r"|stortingsmelding\w*|meldingen\b)",
    re.IGNORECASE,
)
# any mention of taking part: what `_joins_programme` did not accept (an
# invitation, a possibility, the means, someone else taking part) is no measure
_PARTICIPATION = re.compile(
    r"\b(?:delta|deltar|deltatt|deltakelse|deltok|deltaker|deltek|deltok)\b.{0,60}\b(?:\w*program\w*|\w*prosjekt\w*|\w*satsing\w*)"
    ,
    re.IGNORECASE,
)
# Taking part in a programme or project of the state's, or entering an
# agreement with Husbanken, is a measure of the municipality's own (the
# brief, eval/written/BRIEF.md): "Asker kommune deltok i Husbankens
# boligsosiale utviklingsprogram", "Fjell kommune deltek i …", "kommunen
# inngikk i 2011 samarbeidsavtale med Husbanken", "Bystyret besluttet å søke
# Husbanken om deltakelse i prosjektet BASIS", "kommunens deltakelse i …"
_JOINS = re.compile(
    r"\b(?:delta|deltar|deltok|deltatt|deltek|delteke|deltakelse|deltakinga?|deltaking"
    r"|(?:ble|blei|vart)\s+(?:(?:kommunen|kommuna|vi|me|[A-ZÆØÅ]\w+\s+kommune)\s+)?med"
    r"|(?:ble|blei|vart|er|var|blitt)\s+(?:\S+\s+){0,2}?(?:tatt|teke)\s+opp"
    # "gikk inn i programmet", "er i dag med i By- og tettstedsprogrammet", "er deltaker som en av fire kommuner i …"
    r"|(?:gikk|gjekk|går)\s+inn|(?:er|var)\s+(?:(?:i\s+dag|nå|no|fortsatt|framleis|også|òg)\s+)?med"
    r"|(?:er|var)\s+deltak[ae]re?)"
    r"(?:\s+\S+){0,5}?\s+(?:i|på|som)\s+(?:\S+\s+){0,6}?\S*(?:program\w*|prosjekt\w*|satsing\w*|partnerskap\w*"
    r"|samarbeid(?:et|a)?\b|\w*nettverk\w*)"
    r"|\b(?:inngikk|inngått|inngjekk|inngåtte|signerte|signert|underskrev|undertegnet)\b(?:\s+\S+){0,5}?\s+"
    r"(?:\w*samarbeidsavtale\w*|programavtale\w*|partnerskapsavtale\w*|intensjonsavtale\w*|partnerskap)\b"
    # "Formell avtale ble inngått mellom Husbanken og Halden kommune"; "har siden 2013 hatt en samarbeidsavtale med Husbanken"
    r"|\bavtale\w*\s+(?:ble|blei|vart|er|var)\s+inngått\s+(?:\S+\s+){0,3}?(?:med|mellom)\s+Husbanken"
    r"|\b(?:har|hadde)\s+(?:\S+\s+){0,3}?hatt\s+(?:\S+\s+){0,2}?\w*(?:samarbeidsavtale|programavtale|partnerskapsavtale)\w*"
    r"\s+med\s+Husbanken"
    # joining a network: "I 2012 har vi blitt Habitact medlem"
    r"|\b(?:ble|blei|vart|blitt)\s+(?:\S+\s+){0,2}?medlem(?:er)?\b",
    re.IGNORECASE,
)
_JOINS_ACTOR = re.compile(
    r"\b(?:kommunen|kommuna|kommunens|kommunane|\w+\s+kommunes?|heradet|bydel\w*|bystyret|kommunestyret|byrådet"
    r"|formannskapet|rådmann\w*|kommunedirektør\w*)\b|^(?:vi|me)\b|^(?:deltar|deltek|deltok|(?:er|var)\s+(?:i\s+dag\s+|nå\s+|no\s+)?med)\b|\b(?:har|hadde)\s+(?:vi|me)\b"
    # a municipality's name alone: "Molde deltok i Husbankens kommuneprogram fra 2016"
    r"|^(?!(?:Husbanken|IMDi|KS|Staten|Regjeringen|Fylkesmannen|Statsforvalteren|Bufdir|Helsedirektoratet|Kriminalomsorgen"
    r"|NAV|Kartverket|Departementet)\b)[A-ZÆØÅ][a-zæøå]+(?:-[A-ZÆØÅ][a-zæøå]+)?\s+(?:deltok|deltar|deltek|har\s+deltatt)\b"
    # "Asker er en av kommunene som deltar i …"
    r"|^[A-ZÆØÅ]\w+\s+(?:er|var)\s+(?:en|ei|eín|ett)\s+av\s+(?:\S+\s+){0,3}?kommunene\b",
    re.IGNORECASE,
)


def _joins_programme(text: str) -> bool:
    """The municipality takes part in a programme or project, or enters an
    agreement with Husbanken: not an invitation, a possibility, a question of
    whether to, advice, or someone else taking part."""
    m = _JOINS.search(text)
    if not m or not _JOINS_ACTOR.search(text):
        return False
    before = text[max(0, m.start() - 40) : m.start()].lower()
    if re.search(r"\b(?:kan|kunne|må|bør|burde|ønsker|ønskjer|vurder\w*|invitert\w*|inviter\w*|invitasjon\w*|tilbud om"
                 r"|ikke|ikkje|aldri|hvorvidt|om å)\s+(?:\S+\s+){0,3}$", before + " ") and "søke" not in before:
        return False
    if re.search(r"\b(?:ikke|ikkje)\b", m.group(0), re.IGNORECASE):
        return False
    if re.search(r"\b(?:medlem\w*|representant\w*|ansatte|tilsette)\s+(?:\S+\s+)?$", before):
        return False  # "Programgruppens medlemmer deltar i detaljplanlegging av programmet": people's part in it
    if re.match(r"deltak(?:else|ing)", m.group(0), re.IGNORECASE) and (
        re.search(r"\b(?:evaluert|evaluerte|evaluerer|evalueres|(?:evaluering|analyse|vurdering)\s+av)\s+(?:\S+\s+){0,3}$", before)
        or not any(t.lower_ in FINITE or re.fullmatch(r"\w+(?:er|te|de|es|et|ast)", t.lower_) for t in tokens(text))
    ):
        return False  # "Fredrikstad kommune – deltakelse i …" (a title), "… evaluert kommunens deltakelse i …"
    if re.search(r"\b(?:eventuelt|før\s+(?:\S+\s+){1,2})$", before) or re.match(r"(?:da|når)\s+(?:\S+\s+){1,2}$", text[: m.start()], re.IGNORECASE):
        return False  # "før kommunen eventuelt går inn i …", "Da vi gikk inn i programmet, hadde …": the time of something else
    if re.search(r"\b(?:ved|gjennom)\s+(?:sin\s+|si\s+)?$", before) or (m.start() == 0 and re.match(r"deltak", m.group(0), re.I)):
        return False  # "… gjennomføres ved deltakelse i …": the means; "Deltakelse i programmet vil gjøre …": its effect
    return not re.search(r"\bbør\b|\banbefal|\btilr[åa]", text, re.IGNORECASE)


# "inngikk samarbeidsavtale med Husbanken" with no municipality named as the
# one who did (`_joins_programme` takes those that name it): no action cue
_HB_AGREEMENT = re.compile(
    r"^(?:inngikk|inngått|inngår|inngå|signert\w*|underskrevet|undertegnet|laget|inngjekk)\b.{0,40}"
    r"\b(?:samarbeidsavtale|programavtale|partnerskapsavtale|intensjonsavtale)\w*",
    re.IGNORECASE,
)
_NATIONAL_ACTOR = re.compile(
    r"^(?:\w*departement\w*|\w*direktorat\w*|regjeringen|staten|stortinget|husbanken|fylkesmannen|statsforvalteren"
    r"|utvalget|nou|imdi|bufdir|helsedirektoratet|kriminalomsorgen)$",
    re.IGNORECASE,
)
# private actors of the housing market, as the subject: their doing is not a municipal measure
_PRIVATE_SUBJECT = re.compile(
    r"^(?:\S+\s+){0,2}?(?:utbygger\w*|entreprenør\w*|investor\w*|boligbyggelag\w*|bbl\b|obos\b|usbl\b"
    r"|banken\b|bankene\b|eiendomsselskap\w*|eiendomsutvikler\w*|private\b|privat\w*\s+utleier\w*|utleier(?:en|ne)?\b"
    r"|huseier\w*|boligselskap(?:et)?\b|selskapet\b|firmaet\b|stiftelsen\b|studentsamskipnad\w*"
    r"|utbyggjar\w*|eit privat\b|et privat\b|ein privat\b|en privat\b|(?:\S+\s+){0,2}?(?-i:AS|ASA)\b)",
    re.IGNORECASE,
)
_TOO_LITTLE = re.compile(
    r"\b(?:bygg\w*|bygd|kjøp\w*|etabler\w*|skaff\w*)\s+(?:(?:alt)?for|altfor)\s+(?:få|lite|mange|mye|sakte|seint|sent)\b",
    re.IGNORECASE,
)
_EFFECT = re.compile(
    r"\b(?:skal|vil|kan|vert|blir)\s+(?:\w+\s+)?(?:bli\s+)?(?:enklere|lettere|lettare|bedre|betre|vanskeligere|raskere)\s+(?:å|for)\b",
    re.IGNORECASE,
)
# "Seks barnefamilier har kjøpt egen bolig": what came of a measure, told of the
# households it helped; the action is theirs (a result, a figure)
_RESIDENTS_COUNT = re.compile(
    rf"^(?:{NUM}|flere|fleire|mange)\s+(?:\w+\s+)?(?:husstand\w*|hushald\w*|husholdning\w*|\w*famili[ea]\w*|personer"
    r"|leietakere|leietakerne|leigetakarar|deltakere|deltakarar|beboere|bebuarar|ungdommer|flyktninger|flyktningar)"
    r"\s+(?:har|hadde|fikk|fekk|kjøpte|flyttet|flytta|bor|bur)\b",
    re.IGNORECASE,
)
_BODY_DECIDES = {"vedtok", "vedtar", "vedtatt", "vedtek", "oppnevnte", "nedsatte"}
_ANALYSIS = re.compile(r"\b(?:foranalyse\w*|analyse\w*|rapport\w*|evaluering\w*|undersøkelse\w*)\b", re.IGNORECASE)
_HYPOTHETICAL = re.compile(r"^ved å\b|\bvil det være mulig\b|\bdersom\b|\bhvis\b|\balltid\b", re.IGNORECASE)
# "Hvis familien kan klare et lån, tilbyr kommunen startlån": a conditional
# clause first, then a main clause that states what the municipality does.
_CONDITION_FIRST = re.compile(r"^(?:hvis|dersom|når)\b[^,]{3,120},\s*(?P<main>.+)$", re.IGNORECASE | re.DOTALL)
_MAIN_DECIDED = re.compile(
    r"^(?:\w+)\s+(?:kommunen|vi|nav|boligkontoret|tildelingskontoret|\w+ kommune)\b(?!\s+(?:kanskje|eventuelt))",
    re.IGNORECASE,
)
_MAIN_MODAL = re.compile(r"^(?:kan|kunne|vil|ville|bør|må|skulle|burde)\b", re.IGNORECASE)
# what a research institute or an evaluation did, and how a report was made
_RESEARCH_SUBJECT = re.compile(
    r"^(?:\S+\s+){0,3}?(?:NIBR|NOVA|Fafo|SINTEF|Byggforsk|Rambøll|Agderforskning|Møreforsking|Telemarksforsking"
    r"|Asplan Viak|Oxford Research|Deloitte|PwC|KPMG|SSB|Statistisk sentralbyrå|forskerne|forskeren|evaluator\w*|studien|studiet)\b",
    re.IGNORECASE,
)
_METHOD = re.compile(
    r"\b(?:intervju\w*|spørreundersøkelse\w*|dokumentanalyse\w*|dokumentstudie\w*|datainnsamling\w*"
    r"|fokusgruppe\w*|informant\w*|gjennomgang av dokumenter|våre vurderinger|vårt oppdrag)\b",
    re.IGNORECASE,
)
_PREPOSITIONS = {"med", "fra", "av", "til", "i", "hos", "mot", "for", "via", "gjennom", "overfor", "frå", "og"}
# the municipality's own body proposes: "Kommunedirektøren anbefaler at arbeidet … startes opp i 2023"
_OWN_PROPOSAL = re.compile(
    r"^(?:rådmannen|kommunedirektøren|kommunedirektør\w*|administrasjonen|prosjektgruppa|prosjektgruppen"
    r"|arbeidsgruppa|arbeidsgruppen|styringsgruppa|styringsgruppen)\s+(?:anbefaler|tilrår|foreslår|gjer framlegg om)\s+"
    r"(?:at|å)\b",
    re.IGNORECASE,
)
_MUNI_ACTOR = re.compile(r"\b(?:kommunen|\w+ kommune|bydel\w*|rådmann\w*|kommunestyret|bystyret)\b", re.IGNORECASE)
_MODAL_BEFORE = {"kan", "kunne", "må", "bør", "burde", "skulle"}
_ANAPHORA = re.compile(
    r"^(?:dette|disse|boligene|tiltaket|prosjektet|arbeidet|tilbudet|ordningen|teamet|håndboken)\b",
    re.IGNORECASE,
)
_OBJECT = re.compile(
    r"\b\w*(?:bolig(?:er|ene|en)?|botilbud|botiltak|leilighet(?:er|ene)?|bofellesskap\w*|familiehjem|hus|enhet(?:er|ene)?"
    r"|tilbud\w*|team\w*|tjeneste\w*|plan(?:er|en|ene)?|ordning\w*|innspill|prosjekt\w*|forum|kurs\w*|konferanse\w*"
    r"|samling\w*|stilling\w*|koordinator\w*|rutine\w*|retningslinje\w*|modell\w*|skjema\w*|håndbok\w*"
    r"|nettverk\w*|kartlegging\w*|gruppe\w*|forum|møter|rådgiver\w*|sak|kriteri\w*|opplæring|avtale\w*"
    r"|indikator\w*|metode\w*|virksomhet|eiendom\w*|husleie\w*|lån|lånet|tilskudd\w*|støtte\w*|oppfølging\w*"
    r"|arbeidsøkt\w*|opplegg|system\w*|prosesser|caser|notat|vurdering\w*|gjennomgang\w*|leiekontrakt\w*|satser"
    r"|hefte|fagdag\w*|behov\w*|mandat\w*|velferdslab\w*|kontor\w*|boenheter|småhus|leiligheter|tomt\w*"
    r"|\w*boligkompleks\w*|veileder\w*|konsulent\w*|miljøterapeut\w*|medarbeider\w*|strategi\w*|midler|fond\w*|bustad\w*|bustader"
    r"|husvære|eining\w*|leilegheit\w*|tenest\w*|tilbod\w*|tilskot\w*|veiledning\w*|rettleiing\w*"
    r"|register\w*|database\w*|oversikt\w*|venteliste\w*|boligpolitikk\w*|program\w*|prosedyre\w*|fullmakt\w*"
    r"|bosetting\w*|busetjing\w*|hybel\w*|hybler|omsorgsplass\w*|plass(?:er)?|seminar\w*|verksted\w*"
    r"|utvalg\w*|komite\w*|komité\w*|råd|styre|boligsosial\w* handlingsplan\w*|fagdag\w*|arbeidsmøte\w*"
    r"|investering\w*|satsing\w*|\w+løft(?:et)?|brukerundersøk\w*|brukarundersøk\w*|housing first|praksis"
    r"|flyktning\w*|gjeldsbrev\w*|millioner|millionar|kroner|kronar)\b",
    re.IGNORECASE,
)

# --------------------------------------------------------------- activity --

_ACTIVITY_HEADER = re.compile(
    r"\bTiltak\b.{0,80}?\b(?:Resultatmål\S*|Kostnad\S*|Anslått\s+tidsramm\w*|Tidsramme|Ansvar\w*)"
    r"(?:\s+(?:Resultatmål\S*|Kostnad\S*|Anslått\s+tidsramm\w*|Tidsramme|Ansvar\w*|/|indikator))*",
    re.DOTALL,
)
_NUMBERED = re.compile(r"(?:(?<=\s)|^)(\d{1,2})[.)]\s+(?=[A-ZÆØÅ])")
_LEADING_FIGURES = re.compile(r"^(?:[\d.,\s\u00a0–-]+)(?=[A-ZÆØÅ])")
_AMOUNT = re.compile(r"(?<![\d.,])\d{1,3}(?:[ .\u00a0]\d{3})+(?![\d])")
_ACTION_OPENER = re.compile(
    r"^(?:etablere|opprette|nedsette|gjennomføre|arrangere|utarbeide|lage|innføre|kartlegge|iverksette|"
    r"bygge|kjøpe|ansette|tilsette|skaffe|fremskaffe|framskaffe|revidere|rullere|starte|utvide|"
    r"etablering|opprettelse|gjennomgang|kunngjøring|innføring|kartlegging|metode|utarbeidelse|"
    r"det (?:gjennomføres|utarbeides|etableres|opprettes|arrangeres|lages|innføres)|"
    r"\w+gruppen (?:arrangerer|arbeider|gjennomfører|utarbeider|etablerer))\b",
    re.IGNORECASE,
)


_STATUS_WORDS = {
    "planlagt": "planlagt", "ikke startet": "planlagt", "ikke påbegynt": "planlagt",
    "igangsatt": "igangsatt", "pågår": "igangsatt", "påbegynt": "igangsatt", "startet": "igangsatt",
    "i gang": "igangsatt", "gjennomført": "gjennomført", "ferdig": "gjennomført", "avsluttet": "gjennomført",
    "fullført": "gjennomført", "utført": "gjennomført",
}


def _status_cell(text: str) -> str | None:
    low = text.lower()
    for k, v in _STATUS_WORDS.items():
        at = low.find(k)
        if at != -1 and not re.search(r"\b(?:ikke|ikkje)\s+$", low[:at]):  # "ikke gjennomført" is no status
            return v
    return None


_ROW_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,2}\.?\s+(?=\S)")
"""A row's number before its measure ("1.2 Gjennomgang av …")."""


_SAMT_ACTION = re.compile(r",?\s+samt\s+(?=\w+(?:ing|else|gang)\b)")
"""", samt oppgradering av …": a second action joined to the first."""


def _cell_actions(text: str) -> list[str]:
    """The actions of one measure cell: its sentences, and an action joined
    with "samt" ("Innføring av BOKART …, samt oppgradering av PLANIA")."""
    out = []
    for s in sentences(text):
        out.extend(p.strip() for p in _SAMT_ACTION.split(s.text) if p.strip())
    return out or [text]


def table_measures(ctx: Context) -> list[Measure]:
    """One measure per row of a plan's table; where the row names its project,
    the project is the measure that carries the row's cost, and each action of
    the measure cell is a measure of its own (the cost is not repeated on them)."""
    out: list[Measure] = []
    for table in unique_tables(ctx.doc):
        cols = table_columns(table)
        if "measure" not in cols:
            continue
        header = [" ".join((h or "").split()) for h in table.header]

        def cell(cells: list[str], key: str) -> str:
            return cells[cols[key]] if key in cols and cols[key] < len(cells) else ""

        for r, row in enumerate(table.rows):
            cells = [" ".join((c or "").split()) for c in row]
            mi = cols["measure"]
            text = _ROW_NUMBER.sub("", cells[mi]) if mi < len(cells) else ""
            if not text or norm_header(text) == norm_header(header[mi]):
                continue
            fields = {h or f"kolonne {i + 1}": c for i, (h, c) in enumerate(zip(header, cells)) if c}
            # what the row says of the measure: not who is responsible, when,
            # its status or cost ("Ansvar: Boligkontoret" is no topic of it)
            admin = {cols[k] for k in ("responsible", "time", "status", "cost") if k in cols}
            row_text = " ".join(c for i, c in enumerate(cells) if i not in admin)
            cost_text = cell(cells, "cost")
            amount = parse_nok(cost_text) if cost_text else None
            cost = Cost(amount, cost_text) if amount is not None else None
            period = period_of(cell(cells, "time")) if cell(cells, "time") else None
            status = _status_cell(cell(cells, "status")) if cell(cells, "status") else None
            pg = table.row_pages[r] if r < len(table.row_pages) else table.page
            project = _ROW_NUMBER.sub("", cell(cells, "project"))
            if project and norm_header(project) != norm_header(header[cols["project"]]):
                texts = [project] + _cell_actions(text)
            else:
                texts = [text]
            for k, t in enumerate(texts):
                own = dict(fields)
                if k and "cost" in cols:
                    own.pop(header[cols["cost"]], None)  # the project's cost, on the project
                out.append(
                    Measure(
                        text=clip(t),
                        citation=ctx.citation(pg, table.title),
                        municipality=ctx.municipality,
                        period=period or ctx.period,
                        target_groups=ctx.target_groups(row_text),
                        topics=_with_heading_topics(ctx, ctx.topics(row_text), table.title),
                        cost=cost if k == 0 else None,
                        indicator=cell(cells, "indicator"),
                        status=status,
                        responsible=cell(cells, "responsible"),
                        fields=own,
                    )
                )
    return out


def _first_amount(text: str) -> tuple[float, str] | None:
    money = find_money(text)
    if money:
        return money[0].amount, money[0].text
    for m in _AMOUNT.finditer(text):
        v = parse_number(m.group(0))
        if v is not None and v >= 10_000:
            return v, m.group(0)
    return None


_PROJECT_NAME = re.compile(r"\bStrategi\s*\d*\s*,\s*(?P<name>Prosjekt\s+\S.*)", re.DOTALL)
_PROJECT_END = re.compile(r"\s+(?:Tiltak\b|\d{1,2}[.)]\s|(?P<verb>[A-ZÆØÅ]\w+)\b)")


def _project_name(text: str) -> str | None:
    """The project a flattened activity table is about: "Strategi 1, Prosjekt
    Samhandling fra søknad om bolig til innflytting Avklare roller …" gives
    "Prosjekt Samhandling fra søknad om bolig til innflytting"; the name ends
    at the "Tiltak" header, the first numbered action or a capitalised verb
    (the strategy's own words)."""
    m = _PROJECT_NAME.search(text)
    if not m:
        return None
    name = m.group("name")
    for e in _PROJECT_END.finditer(name):
        if e.group("verb") is None or e.group("verb").lower() in STARTERS:
            name = name[: e.start()]
            break
    name = name.strip(" ,.")
    return name if 1 <= len(name.split()) <= 14 else None


def activity_measures(ctx: Context) -> tuple[list[Measure], set[int]]:
    """Measures of activity plans flattened into a paragraph; returns the
    block ids handled so the sentence rules skip them."""
    out: list[Measure] = []
    handled: set[int] = set()
    for b in ctx.blocks:
        if b.kind == "heading":
            continue
        m = _ACTIVITY_HEADER.search(b.text)
        if not m:
            continue
        handled.add(id(b))
        body_start = m.end()
        body = b.text[body_start:]
        section = b.section_text
        found: list[tuple[int, str]] = []  # (offset in body, text)
        indicators: dict[int, str] = {}
        numbered = list(_NUMBERED.finditer(body))
        seen_numbers: dict[int, int] = {}
        if len(numbered) >= 2 and numbered[0].group(1) == "1" and numbered[1].group(1) == "2":
            for i, nm in enumerate(numbered):
                n = int(nm.group(1))
                seg_end = numbered[i + 1].start() if i + 1 < len(numbered) else len(body)
                seg = body[nm.end():seg_end].strip()
                sents = sentences(seg)
                if n not in seen_numbers:
                    seen_numbers[n] = len(found)
                    found.append((nm.start(), seg))
                else:
                    first = sents[0].text if sents else seg
                    indicators[seen_numbers[n]] = first
                    for s in sents[1:]:
                        t = _LEADING_FIGURES.sub("", s.text).strip()
                        if t and action_cues(tokens(t)):
                            found.append((nm.end() + s.start, t))
        else:
            first_content = True
            pieces = [
                (s.start + a, s.text[a:e].strip()) for s in sentences(body) for a, e in split_run_on(s.text)
            ]
            for start, t in pieces:
                if not t or len(t.split()) < 3:
                    continue
                doc = tokens(t)
                if _ACTION_OPENER.match(t) or (action_cues(doc) and not is_narrative(doc)) or first_content:
                    found.append((start, t))
                first_content = False
        if not found:
            continue
        amount = _first_amount(body)
        per = period_of(body) or ctx.period
        project = _project_name(b.text)
        if project:
            # the project carries the section's cost; its actions follow
            found.insert(0, (-1, project))
            indicators = {k + 1: v for k, v in indicators.items()}
        for k, (off, text) in enumerate(found):
            fields = {"Prosjekt": project} if project and k else {}
            cost = None
            if k == 0 and amount:
                cost = Cost(amount[0], amount[1])
                fields["Kostnadsestimat"] = amount[1]
                fields["kostnad_gjelder"] = "hele prosjektet (avsnittet)"
            out.append(
                Measure(
                    text=clip(text, 300),
                    citation=ctx.citation(b.page, section),
                    municipality=ctx.municipality,
                    period=per,
                    target_groups=ctx.target_groups(text),
                    topics=ctx.topics(f"{section} {text} {indicators.get(k, '')}"),
                    cost=cost,
                    indicator=indicators.get(k, ""),
                    status=None,
                    fields=fields,
                )
            )
    return out, handled


# ---------------------------------------------------------------- prose ----

_VAGUE = re.compile(
    r"\b(?:ulike|flere|en rekke|mange|diverse|andre|noen|ymse|fleire)\s+(?:tiltak|virkemidler|verkemiddel"
    # "flere typer småhus" names what was built; "ulike former for hjelp" does not
    r"|(?:former|typer)(?!\s+(?:av\s+)?\w*(?:bolig|hus|leilighet|bustad|husvære)\w*))\b",
    re.IGNORECASE,
)
_SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s")
_NUMBERED_MEASURE = re.compile(r"^(?:tiltak|aktivitet|tiltaksnummer)\s+\d{1,2}(?:\.\d{1,2})*\b", re.IGNORECASE)
_TOC = re.compile(r"(?:\.{3,}|…)\s*\d+")


# "For å nå målene vil kommunen prioritere:": the means to a goal, item by item
_MEANS_LEAD = re.compile(
    r"\b(?:for å nå|for å oppnå)\b.{0,40}\b(?:vil|skal)\s+(?:kommunen|vi|me|\w+\s+kommune)\b"
    r"|\b(?:vil|skal)\s+(?:kommunen|vi|me|\w+\s+kommune)\s+(?:prioritere|satse på|gjennomføre|iverksette)\s*:",
    re.IGNORECASE,
)


_INLINE_BULLET = re.compile(r"\s[-–•▪]\s+(?=[A-ZÆØÅ])")
_NEXT_SECTION = re.compile(r"\s+\d{1,2}\.(?:\s+(?=[A-ZÆØÅ])|\s*$)")
"""Where the next numbered section of a run-on page starts ("… for 2020 6. Behov for bistand …")."""


def _lead_mode(text: str) -> str | None:
    """'measure', 'goal' or None for a list lead-in. Goal words win unless
    the lead-in names measures outright ("tiltak", "gjennom å")."""
    if _party_demand(text):
        return "goal"  # "Kari Nilsen (SV) fremmet følgende tilleggsforslag:": a party's proposal, not a decision
    if re.search(r"tiltak|gjennom å|ved å", text, re.IGNORECASE) or _MEANS_LEAD.search(text):
        return "measure"
    if _DONE_LEAD.search(text) and not GOAL_LEAD.search(text) and not _RESEARCH_SUBJECT.match(text):
        return "measure"
    if _DECISION_LEAD.search(text):
        return "decision"
    if GOAL_LEAD.search(text) or _SCHEME_LEAD.search(text):
        return "goal"
    if MEASURE_LEAD.search(text) or _WILL_LEAD.search(text):
        return "measure"
    return None


# "I 2012 ble følgende gjennomført:", "Dette er gjort i 2013:", "Vi har jobbet med:": what was done
_DONE = r"(?:gjennomført|iverksatt|etablert|gjort|utført|igangsatt|satt i gang|sett i gang|gjennomførte|gjennomført)"
_DONE_LEAD = re.compile(
    rf"(?:\bfølgende\s+(?:er\s+|ble\s+|har\s+blitt\s+|vart\s+)?{_DONE}"
    rf"|\b{_DONE}\s+(?:følgende|blant annet|bl\.\s?a\.)"
    rf"|\b(?:er|ble|blitt|vart|har vi|har kommunen)\s+(?:\w+\s+){{0,2}}?{_DONE}"
    r"|\b(?:har|hadde)\s+(?:\w+\s+){0,2}?(?:jobbet|arbeidet|jobba|arbeidd)\s+med"
    r"|\bresultert i|\bfått til|\bhovedgrep\w*(?:\s+(?:er|var))?)"
    r"(?:\s+(?:i|per|pr\.?)\s+\d{4})?\s*:\s*$",
    re.IGNORECASE,
)
# "Rådmannens forslag til vedtak:", "Innstilling:": the points of a decision
_DECISION_LEAD = re.compile(
    r"\b(?:forslag til vedtak|innstilling|framlegg til vedtak|tilråding|vedtak)\s*:?\s*$", re.IGNORECASE
)
# "I planperioden vil kommunen:", "Kommunen skal i 2021:", "Vi vil:"
_WILL_LEAD = re.compile(
    r"(?:\b(?:vil|skal|planlegger|kjem til å|kommer til å)\s+(?:kommunen|vi|\w+\s+kommune)(?:\s+\S+){0,4}"
    r"|\b(?:kommunen|vi|\w+\s+kommune)\s+(?:vil|skal)(?:\s+\S+){0,4})\s*(?:å\s*)?:\s*$",
    re.IGNORECASE,
)
# what a scheme can be used for or who may get it, on a service page:
# "Startlånet kan gis som toppfinansiering til:", "Du kan få startlån hvis:"
_SCHEME_LEAD = re.compile(
    r"\b(?:kan|kunne)\s+(?:\w+\s+){0,3}?(?:gis|gjevast|brukes|brukast|benyttes|nyttast|søkes|søkjast|innvilges"
    r"|tildeles|få|søke(?:\s+om)?)\b[^:]*:\s*$|\b(?:hvis|dersom|viss|når)\s*:\s*$",
    re.IGNORECASE,
)
_NOTED = re.compile(r"\btil (?:orientering|etterretning)\b", re.IGNORECASE)


def _group_name_only(ctx: Context, text: str) -> bool:
    """An item that only names a target group ("Bostedsløse", "Løslatte fra
    fengsel"): who a list is about, not something done."""
    return len(text.split()) <= 6 and bool(ctx.target_groups(text)) and not action_cues(tokens(text))


def _is_heading_intro(block) -> bool:
    """The item list's lead-in is a bare heading (no colon, a few words), not a sentence."""
    intro = (block.intro or "").strip()
    last = re.split(r"(?<=[.!?:])\s+|\n", intro)[-1].strip() if intro else ""
    return bool(last) and not last.endswith(":") and len(last.split()) <= 6 and bool(block.section) and last == block.section[-1].strip()


def _label_lead(text: str) -> bool:
    """'Tiltak:' or '… angst Tiltak:' — a one- or two-word label, not a lead-in."""
    words = text.rstrip(": ").split()
    caps = [i for i, w in enumerate(words) if w[:1].isupper()]
    tail = words[caps[-1]:] if caps else words
    return len(tail) <= 2 and (len(words) <= 2 or (caps and caps[-1] > 0 and words[caps[-1] - 1][:1].islower()))


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 15 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


_FORM_PROMPT = re.compile(
    r"\b(?:[Gg]i en kort|[Gg]jør rede for|[Bb]eskriv|[Ff]ortell et|[Hh]vordan ligger|[Ff]oreligger det)\b"
    r"|\w\s+(?:Hvilke|Hvordan|Hva|Hvor|Antall)\s"
)
_AFTER_CUE_NATIONAL = re.compile(
    r"^\s*av\s+(?:\S+\s+){0,2}(?:\w*departement\w*|husbanken|staten|regjeringen|stortinget|fylkesmannen|statsforvalteren)\b",
    re.IGNORECASE,
)


# "Vedlegg 1 gir en gjennomgang av …", "Rapport danner grunnlag for …": what a document contains
_DOC_SUBJECT = re.compile(
    r"^(?:rapport(?:en)?|vedlegg(?:et)?|tabell(?:en)?|figur(?:en)?|kapittel(?:et)?|notatet|dokumentet|oversikten)"
    r"(?:\s+\d+(?:\.\d+)*)?\s+(?:gir|viser|danner|beskriver|inneholder|gjelder|omhandler|oppsummerer|presenterer|tar)\b",
    re.IGNORECASE,
)
# a title page: "-RAPPORT- «Utvikle …", "BOLIGSOSIAL HANDLINGSPLAN Vedtatt i …"
_TITLE_PAGE = re.compile(r"^[\W\d]*[A-ZÆØÅ]{4,}\b[\W]*(?:[A-ZÆØÅ]{2,}\b|«)")
_AUTHORSHIP = re.compile(r"^(?:utarbeidet|utarbeida|utarbeidd|skrevet|skrive|laget|laga|utført)\s+av\b", re.IGNORECASE)
"""A document's colophon ("Utarbeidet av Agenda Kaupang for Vefsn kommune, mars 2019.")."""
# the points of a decision: "Husnemnda godkjenner søknaden og ber rådmannen …"
_DECISION_VERB = re.compile(
    r"^(?:\S+\s+){0,3}?(?:godkjenner|godkjennes|vedtar|vedtek|vedtas|ber\s+(?:om|rådmannen|kommunedirektøren|administrasjonen))\b",
    re.IGNORECASE,
)


def _is_action_sentence(unit: Unit, text: str | None = None, min_words: int = 5, guards_only: bool = False) -> bool:
    """Prose that reports a concrete action (see module doc). `guards_only`:
    only whether no guard rejects it (a question, a goal, a modal, the state
    or a consultant acting, a judgement …), whether or not it has an action
    cue: what `learned` asks before it adds a sentence the rules passed by."""
    text = unit.text if text is None else text
    doc = tokens(text)
    if len(text.split()) < min_words or text.rstrip().endswith("?") or _mostly_upper(text):
        return False
    if re.match(r"\d+(?:[ .,]\d+)*\s+(?!av\b)[a-zæøå%]", text) or _FORM_PROMPT.search(text):
        return False
    if _RESIDENTS_COUNT.match(text) and not _CLAUSE_JOIN.search(text):
        return False  # (its clause after "og kommunen har …" may still be one: `_clauses`)
    if len(_TOC.findall(text)) >= 2 or re.match(r"^(?:denne|dette)\s+(?:rapporten|notatet|dokumentet)\b|^rapporten\b", text, re.I) or _DOC_SUBJECT.match(text):
        return False  # "62 prosent av boligene …" is a figure; forms ask, they do not report
    if _joins_programme(text) and not _party_demand(text) and not _HYPOTHETICAL.search(text):
        return True
    cues = raw_cues = action_cues(doc)
    # a modal "kan/må/bør" just before the cue: possible, not decided
    cues = [c for c in cues if not any(t.lower_ in _MODAL_BEFORE for t in doc[max(0, c.start - 3) : c.start])]
    # "gjennomført de mål …": the object is a goal
    cues = [c for c in cues if not any(GOAL_WORDS.match(t.text) for t in doc[c.end : c.end + 3])]
    # "etablert av Kommunal- og moderniseringsdepartementet": the state's action
    cues = [c for c in cues if not _AFTER_CUE_NATIONAL.match(text[c.end_char :])]
    if re.search(r"husbanken", text, re.IGNORECASE):
        cues = [c for c in cues if not _HB_AGREEMENT.match(text[c.start_char :])]
    # "seks direktorater gjennomførte den": the state acts, unless the municipality does too
    if not _MUNI_ACTOR.search(text):
        cues = [
            c for c in cues
            if not any(
                _NATIONAL_ACTOR.match(t.text) and (t.i == 0 or doc[t.i - 1].lower_ not in _PREPOSITIONS)
                and not (t.lower_ == "utvalget" and c[0].lower_ in _BODY_DECIDES)
                for t in doc[: c.start]
            )
        ]
    # "Gjennom … kan vi vedta": the main clause is only a possibility
    cond = _CONDITION_FIRST.match(text)
    main_doc = tokens(cond.group("main")) if cond else doc
    # (a modal right after "som"/"at" belongs to a subordinate clause: "… et utvalg som skulle revidere …")
    # (and a modal after the action verb is in its object clause: "vedtok at gruppen skulle bestå av …")
    # (a sentence with no cue of its own, judged by `learned`: its whole opening)
    limit = min([c.start for c in cues if c.start > 0] + [10]) if not (cond or guards_only) else 10
    first_finite = next(
        (
            t.lower_ for t in main_doc[:limit]
            if (t.lower_ in FINITE or t.lower_ in _MODAL_BEFORE)
            and not (t.i >= 1 and main_doc[t.i - 1].lower_ in ("som", "at", "der", "dersom", "hvis", "om"))
        ),
        None,
    )
    if first_finite in _MODAL_BEFORE:
        return False
    if _NOT_AN_ACTION.search(text) or _RECORD.search(text) or _STOCK.search(text):
        return False
    if _party_demand(text):
        return False  # "Nå krever opposisjonen at kommunen kjøper …": a party's demand, not a decision
    asked = _ASKED_TO.search(text)
    if asked and not _DECIDES.search(text) and _ASKED_WHO.search(text):
        return False
    service = bool(_SERVICE.match(text)) and not any(t.lower_ in _NEGATION for t in doc[:8])
    if not cues and not service and (raw_cues or not guards_only):
        return False  # (every action the sentence names was ruled out above)
    if has_goal_start(doc) or _VAGUE.search(text):
        return False
    hyp = _HYPOTHETICAL.search(text)
    if hyp and not cond:
        # "Kommunen skal kjøpe 100 boliger, og vil vurdere … dersom …": the
        # condition belongs to the second clause; judge the first on its own
        cut = next((m for m in _CLAUSE_JOIN.finditer(text, 0, hyp.start())), None)
        if cut is not None and len(text[: cut.start()].split()) >= min_words:
            return _is_action_sentence(unit, text[: cut.start()], min_words)
    if hyp:
        main = cond.group("main") if cond else ""
        if not (main and _MAIN_DECIDED.match(main) and not _MAIN_MODAL.match(main) and not _HYPOTHETICAL.search(main)):
            return False
        if not guards_only and not any(c.start_char >= cond.start("main") for c in cues):
            return False
    national = (
        _NATIONAL_SUBJECT.match(text)
        and not re.match(r"^\w+\s+og\s+(?:kommunen|\w+\s+kommune)\b", text, re.I)
        # a committee that decides is a municipal body ("Utvalget vedtok at …"); a national one proposes
        and not re.match(r"^utvalget\s+(?:har\s+)?(?:vedtok|vedtar|vedtatt|vedtek|oppnevnte|nedsatte)\b", text, re.I)
    )
    if national or _PARTICIPATION.search(text) or _GENERIC.search(text):
        return False
    if _PRIVATE_SUBJECT.match(text) and not _MUNI_ACTOR.search(text):
        return False  # "Utbyggeren har planlagt 120 leiligheter": a developer's project
    if _EFFECT.search(text):
        return False  # "Det skal dermed bli enklere å …": a consequence, not an action
    if _TOO_LITTLE.search(text):
        return False  # "Det bygges for få boliger": a judgement on the market
    if _ANALYSIS.search(text) and unit_mentions_recommender(text):
        return False
    if _RESEARCH_SUBJECT.match(text) or (_METHOD.search(text) and not _MUNI_ACTOR.search(text)):
        return False
    if not _MUNI_ACTOR.search(text) and unit_mentions_recommender(text, national=False):
        return False  # "NOVA (…) ble opprettet i 1996": the institute's doing
    if re.search(r"\bbør\b|\banbefal", text, re.IGNORECASE) and not _OWN_PROPOSAL.match(text):
        return False
    if re.search(r"\bhar som mål\b|\bmålet (?:er|om)\b", text, re.IGNORECASE):
        return False
    if guards_only:
        return True
    # an action noun as the topic of a statement: "Fremskaffelse av boliger beskriver …"
    if (
        all(c.start <= 1 and _ACTION_NOUN.match(c[0].lower_) for c in cues)
        and is_narrative(doc, 8)
        and not _RESULT_OF_ACTION.search(text)
    ):
        return False
    if service:
        return True
    # something concrete near the action: "etablert 120 boliger", "BO7 er etablert"
    for c in cues:
        # "vedtok å ta opp gjeldsbrev", "fattet vedtak om å bosette": a decision to act
        if _DECISION_CUE.match(c[0].lower_) and any(t.lower_ == "å" for t in doc[c.end : c.end + 4]):
            return True
        # "… er tema som kommunen vil kartlegge": the antecedent is the object,
        # and the clause names the municipality as the one who acts
        som = [t.i for t in doc[max(0, c.start - 6) : c.start] if t.lower_ == "som"]
        if som and _owner_clause(doc, som[-1] + 1, c.start):
            return True
        near = doc[max(0, c.start - 12) : min(len(doc), c.end + 12)]
        if _OBJECT.search(near.text):
            return True
        if SETTLE_VERB.match(c[-1].lower_) or c[-1].lower_ in ("høring", "høyring"):
            return True  # settling people, a hearing: the measure itself ("Kommunen skal bosette fem ungdommer i mai")
    return False


_ACTION_NOUN = re.compile(r"\w+(?:ing|else|gang)(?:en|a)?$|salg(?:et)?$|kjøp(?:et)?$")
# a service the municipality runs, told in the present tense: "Vi veileder
# flyktningen den første tiden", "Kommunen bruker pengene … til å kjøpe …",
# "Ungdom får miljøterapeutisk oppfølging"
_SERVICE = re.compile(
    r"^(?:(?:vi|kommunen|\w+ kommune|boligkontoret|bustadkontoret|tildelingskontoret|nav(?: \w+)?|teamet|tjenesten|bydel(?:en|ene)?"
    r"|etaten|boligtjenesten|bustadtenesta|flyktningtjenesten|eierskapsenheten)\s+(?:nå\s+|også\s+|i dag\s+|blant annet\s+)?"
    # (not the standing services of an information page: "Kommunen leier ut boliger til …", "tildeler", "tilbyr")
    r"(?:veileder|rettleier|bistår|hjelper|forbereder|følger opp|kjøper|bygger(?!\s+(?:videre\s+|vidare\s+|i stor grad\s+|blant annet\s+)?på\b)|leier inn"
    r"|setter av|samarbeider med|bruker\s+(?:\S+\s+){1,8}?til å)"
    r"|(?:\w+\s+){1,3}(?:får|fikk)\s+(?:\w+\s+){0,2}(?:oppfølging|veiledning|rettleiing|bistand|booppfølging|botrening)"
    r"|det (?:gis|gies|tilbys)\s+(?:\w+\s+){0,6}?(?:oppfølging|veiledning|tilbud|bistand|hjelp))\b",
    re.IGNORECASE,
)
# "kommunen er bedt om å bosette 170", "ble anmodet om å", "vert bede om at
# Fitjar tar imot": the state asks; what the municipality then decides is its
# measure. (The council asking its administration, "Administrasjonen er bedt
# om å utrede …", is the municipality's own doing.)
_ASKED_TO = re.compile(
    r"\b(?:bedt|bede|beden|anmodet|anmoda|oppmodet|oppmoda|ba|bad)\s+(?:av\s+\S+(?:\s+\S+)?\s+)?"
    r"(?:(?:\S+\s+){0,3}?(?:kommunen|kommune|\w+)\s+)?om\s+(?:å|at)\b",
    re.IGNORECASE,
)
_ASKED_WHO = re.compile(
    r"\bkommunen\b|\bkommune\b|\bimdi\b|\bfylkesmann\w*|\bstatsforvalt\w*|\bregjering\w*|\bstaten\b"
    r"|\bdepartement\w*|\budi\b|\bbufdir\b|\bhusbanken\b",
    re.IGNORECASE,
)
_DECIDES = re.compile(r"\bved(?:tok|tatt|tek|teke|tak)\b|\bbesluttet\b|\bsa ja\b", re.IGNORECASE)
# Statements that mention an action without reporting one: a judgement ("Det
# blir viktig at kommunen sikrer …", "er det nødvendig at bydelene
# fremskaffer …"), a document's adoption stamp ("(Vedtatt av kommunestyret i
# sak 10/25 …)"), an allocation rule ("skal primært prioriteres til …"), a
# sentence put to the reader ("Har du ikke klart å skaffe …", "Du har
# nedsatt funksjonsevne og må …": a service page), a reference
# or the subject of a case ("Det vises til …", "Saken gjelder …") and the
# description of a model ("… går ut på at man kjøper …"), a wish ("Vi kjøper
# gjerne …").
_NOT_AN_ACTION = re.compile(
    r"\b(?:gjerne|helst)\b|"
    r"\b(?:er|blir|vil være|var|vert|blei)\s+(?:det\s+)?(?:svært\s+|veldig\s+|særlig\s+)?"
    r"(?:viktig|nødvendig|avgjørende|ønskelig|naudsynt)\s+(?:at|å)\b"
    r"|^\W*vedtatt\s+(?:av|i)\b(?!(?:\S+\s+){14})"
    r"|\bprioriter(?:es|ast)\s+(?:\w+\s+){0,2}?(?:til|for)\s+(?!å\b)"
    r"|^\W*(?:(?:dersom|hvis|viss|om|når|har|er|kan|vil|skal|må|bor|trenger|ønsker|får|blir)\s+)?(?:du|dere)\b(?=\s+\w)"
    r"|^(?:det\s+vises\s+til|saken\s+gjelder|viser\s+til)\b"
    r"|\bgår ut på at\b"
    # an assessment or an explanation: "har i begrenset grad fremskaffet …", "Det betyr at …"
    r"|\bi (?:begrenset|begrensa|liten|lita|avgrenset|avgrensa) grad\b"
    r"|^(?:det betyr at|dette for å|grunnlaget for)\b",
    re.IGNORECASE,
)
# What a record or a report counts, not an action: a vote ("Innstillingen ble
# vedtatt med 9 mot 2 stemmer", "Møteboken godkjennes") and a year's count of
# loans or grants granted ("Det ble innvilget 81 startlån på til sammen …",
# statistics the labels keep as figures).
_RECORD = re.compile(
    r"^(?:møteboken|møteboka|protokollen)\s+(?:ble\s+|vart\s+)?godkjen\w*"
    r"|\binnstilling\w*\b.{0,40}\b(?:ble|vart|blei)\s+(?:enstemmig\s+)?(?:vedtatt|vedteke|tiltrådt)"
    # "Innstillingens punkt 1–3 enstemmig vedtatt.", "Kommunedirektøren sitt framlegg pkt. 1–3 vart samrøystes vedteke."
    r"|^(?:votering\s*:\s*)?(?:\S+\s+){0,3}?(?:\w*innstilling\w*|\w*forslag\w*|\w*framlegg\w*)\b.{0,60}?\s"
    r"(?:(?:ble|vart|blei)\s+)?(?:enstemmig|einstemmig|samrøystes)\s+(?:vedtatt|vedteke|vedtekne|tiltrådt)\W*$"
    r"|^votering\s*:\s*(?:enstemmig|einstemmig|samrøystes)\s+(?:vedtatt|vedteke)"
    r"|\s›\s"  # a web page's breadcrumb: "Trondheim kommune › Bolig › Kjøpe bolig"
    r"|\bmed\s+\d+\s+mot\s+\d+\s+stemmer\b"
    # (the count opens its sentence or clause: "Kommunen tok opp 350 mill. kr i lån …, og det ble innvilget 262
    # startlån" is a measure, whose second clause `_clauses` then keeps with it)
    r"|^(?:\S+\s+){0,4}?innvilg(?:et|a|ede|de|ar|er)\s+(?:kommunen\s+|vi\s+|det\s+)?(?:totalt\s+|til sammen\s+)?"
    r"\d[\d\s\u00a0]*\s+(?:nye\s+)?(?:startlån|lån|tilskudd|tilskot|søknader|husstander)\b",
    re.IGNORECASE,
)
# The housing stock, not an action: "Steinkjer kommune eier 356 utleieboliger og leier inn 28 fra private",
# "Per 1. januar 2024 disponerte kommunen 871 boliger", "Luster kommune har i dag 58 kommunale utleigebustader"
_STOCK = re.compile(
    r"\b(?:(?:kommunen|\w+\s+kommune)\s+(?:eier|eig|eide|åtte|disponerer|disponerte|rår over)(?:\s+og\s+leier)?"
    r"|(?:eier|eide|disponerer|disponerte)\s+kommunen"
    r"|(?:kommunen|\w+\s+kommune)\s+(?:har|hadde)\s+(?:i dag|per\s+\S+(?:\s+\S+)?|totalt|til sammen)\s+(?=(?:\S+\s+){0,2}?\d"
    r"[\d\s]*\s+(?:\S+\s+)?(?:utleie|omsorgs)?(?:boliger|bustader|leiligheter|leilegheiter|boenheter)))"
    r"\s+(?:\S+\s+){0,5}?\d",
    re.IGNORECASE,
)
_PARTY = re.compile(
    r"(?i:\b(?:opposisjonen|arbeiderpartiet|fremskrittspartiet|sosialistisk venstreparti|kristelig folkeparti"
    r"|senterpartiet|miljøpartiet\s+de\s+grønne|partiet|ungdomsrådet|gruppeleder\w*)\b)"
    r"|\b(?:Høyre|Venstre|Rødt|FrP|Frp|KrF|Ap|AP|SV|Sp|SP|MDG)\b|\((?:H|V|R|Ap|SV|Sp|KrF|FrP|MDG)\)"
)
_PARTY_ASKS = re.compile(
    r"\b(?:krever|krevde|fremme\w*\b.{0,60}?\w*forslag|foreslår|foreslo|foreslått|vil ha|ønsker|mener|meiner"
    r"|(?:har\s+)?(?:bedt|ber|bad|ba)\s+om)\b",
    re.IGNORECASE,
)
def _party_demand(text: str) -> bool:
    """A party, the opposition or a council of residents asks or holds an opinion: no decision."""
    return bool(_PARTY.search(text) and _PARTY_ASKS.search(text))


_DECISION_CUE = re.compile(r"^(?:vedtok|vedtatt|vedtar|vedtek|fattet|fatta|gjort|gjorde|beslutt\w*)$")
# "Salg av boliger … har gitt bedre bomiljø", "Etableringen av … i 2015": the
# action took place; "Fremskaffelse av boliger beskriver …" is only a topic.
_RESULT_OF_ACTION = re.compile(
    r"\b(?:har|hadde)\s+(?:\w+\s+)?(?:gitt|ført|medført|bidratt|resultert|skjedd)\b|\bde siste \d+\s+år"
    r"|\b(?:i|fra|siden)\s+(?:19|20)\d\d\b|\d0-tallet",
    re.IGNORECASE,
)


def unit_mentions_recommender(text: str, national: bool = True) -> bool:
    """Does `text` name an analyst or evaluator? `national=False` leaves out
    Husbanken and the housing committee (partners more often than authors)."""
    from ingest.vocabulary import Vocabulary

    found = Vocabulary.load().match_recommenders(text)
    if not national:
        found = [f for f in found if not re.match(r"husbanken|boligutvalget", str(f), re.IGNORECASE)]
    return bool(found)


_NAMED_MUNI = re.compile(r"\b[A-ZÆØÅ][\w-]+\s+(?:kommune|kommunes|bydel|bystyre|kommunestyre)\b|\b(?:[Bb]ydel|[Kk]ommunestyret i|[Bb]ystyret i)\s+[A-ZÆØÅ]")


_LINK_LEAD = re.compile(r"^(?:les|se|sjå)\s+(?:også|mer|meir|og)\b[^.]{0,20}:\s*$", re.IGNORECASE)
_HEAD_BEFORE_LABEL = re.compile(r"^(?P<head>.{20,}?)[,;]\s+(?:\S+\s+){0,2}\S+:$", re.DOTALL)


def budget_blocks(ctx: Context) -> set[int]:
    """Blocks of a budget table (budsjett and regnskap): amounts, no measures."""
    return {id(b) for b in ctx.blocks if re.search(r"budsjett", b.text, re.I) and re.search(r"regnskap", b.text, re.I)}


def outside_guards(ctx: Context, u: Unit, budget: set[int] | None = None) -> bool:
    """Is `u` where the rules never take a measure from, whatever it says: a
    goal or principle by its context (`prose_measures` runs first), a
    skipped section (contents, terms, references), a table of contents, a
    title page, a link to another article, a budget table, or a national
    document's sentence that names no municipality? (`budget`: the budget
    blocks, `budget_blocks(ctx)`, computed once per document by the caller.)"""
    b = u.block
    if u.index in ctx.goal_units:
        return True
    budget = budget_blocks(ctx) if budget is None else budget
    if any(_SKIP_SECTION.search(h) for h in b.section) or is_toc(b.text) or id(b) in budget:
        return True
    prev = ctx.units[u.index - 1].text if u.index else ""
    if _TITLE_PAGE.match(u.text) or _AUTHORSHIP.match(u.text) or _LINK_LEAD.match(prev):
        return True
    return ctx.national and not _NAMED_MUNI.search(u.text)


def passes_guards(ctx: Context, u: Unit, budget: set[int] | None = None) -> bool:
    """No rule rejects `u` as a measure (it may still have no action cue)."""
    return not outside_guards(ctx, u, budget) and _is_action_sentence(u, min_words=3, guards_only=True)


_ADOPTED_NOTE = re.compile(
    r"(?:^|[?.]\s+|,\s+)(?P<note>(?:vedtatt|vedteke|fastsatt|fastsett)\s+(?:i|av)\s+(?:[A-ZÆØÅ][\w-]+\s+)?"
    r"(?:kommunestyret?|bystyret?|formannskapet|heradsstyret?|bydelsutvalget)\b(?:\s*,?\s*(?:den\s+)?"
    r"(?:\d{1,2}\.\s*(?:\d{1,2}\.\s*\d{2,4}|[a-zæøå]+\s+\d{4})|sak\s+[\d/]+))+\W*)",
    re.IGNORECASE,
)
"""A plan's line on its adoption, with its date or case number and nothing more
(a title page's "Vedtatt av kommunestyret den." whose date was lost says nothing)."""


def _opens_with_action(text: str) -> bool:
    """An item of an action list: a capitalised infinitive or action noun first ("Tilrettelegge for …")."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first[:1].isupper() and first.lower() in STARTERS and len(text.split()) >= 3


def _lead_in(block) -> str:
    """The last sentence of the text an item's list hangs from ("… Kommunen vil:")."""
    return re.split(r"(?<=[.!?])\s+", block.intro.strip())[-1]


def prose_measures(ctx: Context, skip_units: set[int], skip_blocks: set[int]) -> list[Measure]:
    """Measures from list items and sentences (sources 3 and 4)."""
    out: list[Measure] = []
    mode: str | None = None  # list mode after a lead-in: "measure" / "goal" / None
    first_after_lead = False
    label_lead = False  # "Tiltak: …" — a label for one sentence, not a list
    prev_block = None
    last_measure_unit: int | None = None
    item_modes: dict[int, str | None] = {}
    skip_blocks = skip_blocks | budget_blocks(ctx)

    def emit(u: Unit, text: str) -> None:
        nonlocal last_measure_unit
        # a document of no particular municipality (a national report, a news
        # item on the whole country): only an action of a named municipality
        if ctx.national and not _NAMED_MUNI.search(text):
            return
        if _TITLE_PAGE.match(text) or _AUTHORSHIP.match(text) or _RECORD.match(text):
            return  # (a vote or an approved protocol, whatever list it stands in)
        m = _measure_from_text(ctx, u, text)
        if m.status is None and u.block.kind == "item" and u.block.intro:
            # an item says no more than its lead-in: "Kommunen vil:" (planned),
            # "Følgende tiltak er gjennomført:" (done)
            m.status = status_of(_lead_in(u.block))
        out.append(m)
        last_measure_unit = u.index

    for u in ctx.units:
        b = u.block
        if prev_block is not None and b is not prev_block:
            carried = prev_block.text.rstrip().endswith(":")
            page_break = b.page != prev_block.page and b.kind == prev_block.kind == "para" and mode == "measure"
            if not (carried or page_break):
                mode, first_after_lead = None, False
        prev_block = b
        if id(b) in skip_blocks or u.index in skip_units:
            continue
        if any(_SKIP_SECTION.search(h) for h in b.section) or is_toc(b.text):
            continue
        text = u.text
        doc = tokens(text)
        # a plan's note of its adoption: "Vedtatt i Kommunestyret 27. mars 2014", "…, fastsatt av kommunestyret 12.12.13"
        if note := _ADOPTED_NOTE.search(text):
            emit(u, note.group("note") if note.group("note")[:1].isupper() else text)
            mode, first_after_lead = None, False
            continue

        # a list whose line breaks were lost, its items after " - " ("5. Planlagte aktiviteter
        # 2. halvår 2019 - Oppstart av boligsosialt team - Søknad om kompetansetilskudd …")
        if len(_INLINE_BULLET.findall(text)) >= 2 and not u.is_heading:
            lead, *items = _INLINE_BULLET.split(text)
            lead_mode = _lead_mode(lead.rstrip(" :") + ":") if lead.strip() else None
            if lead_mode in ("measure", None):
                taken = False
                for item in items:
                    item = _NEXT_SECTION.split(item)[0].strip()
                    if len(item.split()) < 3 or _mostly_upper(item):
                        continue
                    if lead_mode == "measure" or _is_action_sentence(u, item, min_words=3):
                        emit(u, item)
                        taken = True
                if taken:
                    mode, first_after_lead = None, False
                    continue
        if b.kind == "item" and b.intro:
            if id(b) not in item_modes:
                item_modes[id(b)] = _lead_mode(_lead_in(b))
            item_mode = item_modes[id(b)]
            if item_mode == "measure":
                results_only = RESULT_LEAD.search(b.intro) and not re.search(r"tiltak", b.intro, re.IGNORECASE)
                if results_only:
                    if _is_action_sentence(u, min_words=4):
                        for part in _clauses(u, text):
                            emit(u, part)
                elif u.sent.start == 0 and not b.text.rstrip().endswith(":") and not _group_name_only(ctx, b.text):
                    # the whole item (one ending in a colon leads a sub-list); an item
                    # that reports several actions in sentences of their own ("Natthjemmet
                    # ble nedlagt i 2011. BO7 er etablert med 24 leiligheter.") gives each
                    acts = [x for x in itertools.takewhile(lambda x: x.block is b, ctx.units[u.index:])
                            if _is_action_sentence(x, min_words=4)]
                    if len(acts) >= 2:
                        for x in acts:
                            emit(x, x.text)
                    else:
                        emit(u, b.text)
                continue
            if item_mode == "goal":
                ctx.goal_units.add(u.index)
                # a list under a heading that names an aim ("Økt boligpolitisk
                # aktivitet") whose item opens with what will be done
                # ("Bygge og finansiere utleieboliger …") is the means to the aim
                if _is_heading_intro(b) and u.sent.start == 0 and _ACTION_OPENER.match(text) and _is_action_sentence(u, min_words=3):
                    emit(u, text)
                continue
            # a point of a decision, or an item of a plain list: an action in
            # few words ("Handlingsplanen vedtas.")
            if item_mode == "decision" or item_mode is None:
                first_sentence = u.sent.start == 0
                decided = item_mode == "decision" and bool(_DECISION_VERB.match(text)) and not _RECORD.search(text)
                if not _NOTED.search(text) and (decided or _is_action_sentence(u, min_words=3 if first_sentence else 5)):
                    for part in ([text] if decided else _clauses(u, text)):
                        emit(u, part)
                continue

        # "Les også: Kommunen kjøper hus …": a link to another article
        if _LINK_LEAD.match(text):
            mode, first_after_lead = "link", True
            continue
        if mode == "link":
            mode, first_after_lead = None, False
            continue
        # a lead-in that ends with a colon sets the mode for what follows
        if text.rstrip().endswith(":"):
            mode, first_after_lead = _lead_mode(text), True
            label_lead = bool(_label_lead(text))
            # "Teamet ble opprettet i 2010, Tiltakets formål:": a report, then a label
            head = _HEAD_BEFORE_LABEL.match(text)
            if head and _is_action_sentence(u, head.group("head")):
                emit(u, head.group("head"))
            continue

        if u.is_heading:
            # a headline that reports an action: "Bygger 400 nye boliger …"
            # a headline verb is finite ("Bygger 400 nye boliger"); a participle
            # opens a title ("Vedtatt plan - …") unless a number follows
            verbal = [
                c for c in action_cues(doc)
                if c.start <= 1 and not _ACTION_NOUN.match(c[0].lower_)
                and (re.search(r"(?:er|ar)$", c[-1].lower_) or any(t.like_num for t in doc[c.end : c.end + 3]))
            ]
            if not _SECTION_NUMBER.match(text) and verbal:
                if _is_action_sentence(u, min_words=4) and not re.match(r"^\w+\s+planlagt", text):
                    emit(u, text)
            continue

        measure = False
        if mode == "goal" and _NUMBERED_MEASURE.match(text):
            # "Tiltak 3.1 Booppfølgingsteam Et tverrfaglig team ble opprettet …":
            # a numbered measure ends the goal it stands under
            mode, first_after_lead = None, False
        if mode == "measure":
            narrative = is_narrative(doc) or has_goal_start(doc)
            if first_after_lead and not (label_lead and narrative):
                measure = len(text.split()) >= 3 and not _mostly_upper(text)
            elif not label_lead and _opens_with_action(text):
                # the list goes on, item by item, though a relative clause
                # makes the item read like a report ("Innarbeide systemer som bidrar til …")
                measure = True
            elif label_lead or narrative:
                mode = "goal" if has_goal_start(doc) and not is_narrative(doc) else None
                measure = mode is None and _is_action_sentence(u)
            else:
                measure = len(text.split()) >= 3 and not _mostly_upper(text)
        elif mode == "goal":
            ctx.goal_units.add(u.index)
            if first_after_lead and not label_lead:
                measure = False
            elif is_narrative(doc) and not has_goal_start(doc):
                mode = None
                measure = _is_action_sentence(u)
        else:
            if has_goal_start(doc) and not is_narrative(doc, window=8):
                mode, first_after_lead = "goal", False
                ctx.goal_units.add(u.index)
                continue
            measure = _is_action_sentence(u) or (
                mode == "decision" and bool(_DECISION_VERB.match(text)) and not _NOTED.search(text)
            )
            if measure and _ANAPHORA.match(text) and any(
                unit_mentions_recommender(x.text) for x in ctx.units[max(0, u.index - 4) : u.index]
            ):
                measure = False  # "Dette ble gjennomført …" about the consultant's analysis
        first_after_lead = False

        if not measure:
            continue
        if (
            _ANAPHORA.match(text)
            and last_measure_unit is not None
            and last_measure_unit == u.index - 1
            and out
            and out[-1].citation.page == u.page
        ):
            prev = out[-1]
            prev.text = clip(f"{prev.text} {text}")
            prev.status = prev.status or status_of(text)
            _add_money(prev, text)
            last_measure_unit = u.index
            continue
        for part in _clauses(u, text) if mode is None else [text]:
            emit(u, part)
    return out


_ACTION_FINITE = (
    r"(?:kjøpte|kjøper|solgte|selger|bygde|leide|leier|leigde|leiger|etablerte|oppretta|opprettet|opprettar"
    r"|innførte|innfører|startet|starta|starter|tilsatte|inngikk|vedtok|søkte|gjennomførte|gjennomfører"
    r"|arrangerte|utarbeidet|utarbeidde|bosatte|busette|styrket|styrka|utvidet|utvida|økte|auka)"
)
_FINITE_JOIN = r"(?:har|hadde|skal|vil|er|ble|blir|vert|vart|planlegger|kjøper|bygger|etablerer|tilbyr|foreslås|foreslår|deltar|deltok|deltek)"
_CLAUSE_JOIN = re.compile(
    # ("…, og at …": the second of two reported decisions or proposals)
    r"(?:,\s*(?:og\s+)?at(?=\s+(?:det|kommunen|vi|\w+)\s+\w+)|,\s*(?:og|men|samt|mens|medan)|\s+og|;)\s+(?="
    # (after "at" any clause follows; the other joins need a new subject or a finite verb:)
    r"(?<=at\s)|"
    # a time first: "…, og i 2018 vart det oppretta …", "…, og fra høsten vil det bli holdt …"
    r"(?:(?:(?:i|fra|frå|fram til|siden|sidan|etter|innen|innan)\s+)?(?:\d{4}|høsten|hausten|våren|sommeren|vinteren"
    r"|januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember)(?:\s+\d{4})?\s+)?"
    r"(?:"
    # a new subject: a pronoun or the municipality, then a finite verb
    rf"(?:(?:det|kommunen|vi|de|dei|hun|han|rådmannen|\w+ kommune)\s+)?{_FINITE_JOIN}\b"
    # an impersonal passive: "…, og det etableres faste samarbeidsmøter …"
    r"|det\s+\w{3,}(?:es|ast)\b"
    # after a comma, a definite noun: "…, og lånegruppa er utvida …"
    rf"|(?<=,\sog\s)\w{{3,}}(?:en|et|a|ene|ane|na)\s+(?:{_FINITE_JOIN}|var|blei|tok|tek|tar|\w{{3,}}(?:es|ast))\b"
    # after a comma, any one-word subject with an auxiliary and a passive or participle:
    # "…, og startlån skal markedsføres aktivt …"
    r"|(?<=,\sog\s)\w{3,}\s+(?:skal|vil|er|ble|blei|vart|vert|blir|har)\s+(?:\w+\s+)?\w{3,}(?:es|ast|et|t|a|d)\b"
    # after a plain "og", a definite subject of its own, a passive past and its agent:
    # "… lagt frem for sektorutvalget og oppfølgingen av boligmeldingen ble endelig behandlet av kommunestyret"
    r"|(?<=\sog\s)\w{3,}(?:en|et|a|ene|ane|na)\s+(?:\S+\s+){0,3}?(?:ble|blei|vart)\s+(?:\w+\s+)?\w{3,}(?:et|t|a|d)\s+av\b"
    # a name after "mens"/"medan": "…, medan Fjaler har sett i gang …"
    rf"|(?:(?<=mens\s)|(?<=medan\s))\w+\s+(?:{_FINITE_JOIN}|var|tok|fekk|fikk)\b"
    # the same subject, a second action verb: "…, og leier i tillegg tre leiligheter", "…, og kjøpte …"
    rf"|(?<=,\sog\s){_ACTION_FINITE}\b"
    # after ", og"/", mens", a subject of some words of its own, then a passive or a perfect:
    # "…, mens tre store eneboliger som sto tomme, er solgt", "…, og rammen for startlån ble økt …",
    # "…, og salgsinntekten på 4,1 mill. kr er avsatt til …" (not a relative clause: "…, og boliger som er …")
    r"|(?:(?<=,\sog\s)|(?<=,\smens\s)|(?<=,\smedan\s))(?!(?:som|at|der|når|hvor)\b)(?:\S+\s+){1,7}?"
    r"(?:er|ble|blei|vart|vert|blir|har|skal|vil)\s+(?:\w+\s+)?\w{2,}(?:es|ast|et|t|a|d)\b"
    r"))",
    re.IGNORECASE,
)


def _clauses(unit: Unit, text: str) -> list[str]:
    """Main clauses joined by "og"/"men" that each report an action ("Kommunen
    har skaffet bolig til alle, og har laget en plan for …") are separate
    measures; otherwise the sentence is one."""
    if (lead := _NOMINAL_LIST_LEAD.match(text)) and len(items := _nominal_items(text[lead.end():])) >= 2:
        return items
    if len(docs := _deliverables(text)) >= 3:
        return docs
    cuts = [m for m in _CLAUSE_JOIN.finditer(text)]
    if not cuts:
        return _participle_list(text)
    parts = _pieces(text, cuts)
    good = [p for p in parts if len(p.split()) >= 4 and _is_action_sentence(unit, p, min_words=4)]
    if _RESIDENTS_COUNT.match(text):
        return good  # "Mange familier har kjøpt bolig, og kommunen har skaffet …": only the municipality's part
    if len(good) >= 2:
        # each clause may list actions itself: "Kommunen har kjøpt 6 boliger og solgt 4, og det ble vedtatt …"
        return [q for p in good for q in _participle_list(p)]
    # one action clause, which may list actions itself: "Kommunen har kjøpt fem boliger og bygd
    # fire nye, og antallet utleieboliger har økt fra 38 til 47."
    return _participle_list(text)


# Documents a municipality makes, each with its own purpose: "… skal det utarbeides
# rutiner for kommunens låneopptak, oppfølgingsrutiner for brukergrupper …, retningslinjer
# for husutvalgets arbeid … og retningslinjer for …" is one measure per document.
_DELIVERABLE = (
    r"(?:\w*rutine(?:r|ne)?|retningslinje(?:r|ne)?|\w*plan(?:er|en|ene)?|maler|mal|\w*avtale(?:r|ne)?|skjema(?:er|ene)?"
    r"|prosedyre(?:r|ne)?|veileder(?:e|en)?|brosjyre(?:r|ne)?|kriterie(?:r|ne)?|\w*system(?:er|et)?)"
)
_MAKE = re.compile(
    r"\b(?:utarbeid\w*|lage[ns]?|laget|utvikle[ts]?|utviklet|revider\w*|etabler\w*|innfør\w*)\s+(?=" + _DELIVERABLE + r"\s+(?:for|om|ved)\b)",
    re.IGNORECASE,
)
_NEXT_DELIVERABLE = re.compile(r"(?:,\s+|\s+og\s+)(?=" + _DELIVERABLE + r"\s+(?:for|om|ved)\b)", re.IGNORECASE)


def _deliverables(text: str) -> list[str]:
    make = _MAKE.search(text)
    if make is None:
        return []
    cuts = list(_NEXT_DELIVERABLE.finditer(text, make.end()))
    if len(cuts) < 2:
        return []
    return _pieces(text, cuts)


def _pieces(text: str, cuts: list[re.Match[str]]) -> list[str]:
    """The text between the cuts (each cut's own text dropped)."""
    parts, pos = [], 0
    for c in cuts:
        parts.append(text[pos : c.start()].strip())
        pos = c.end()
    parts.append(text[pos:].strip())
    return parts


# "Tiltak i perioden er kjøp av 15 boliger, ombygging av … og ansettelse av …",
# "Blant tiltakene i planen er å bygge …, og å innføre …": a list in one sentence
_NOMINAL_LIST_LEAD = re.compile(
    r"^(?:blant\s+(?:de\s+\w+\s+)?tiltak\w*(?:\s+i\s+\w+)?|tiltak\w*(?:\s+i\s+\w+)?)\s+(?:er|var)\s+",
    re.IGNORECASE,
)
_NOMINAL_SPLIT = re.compile(r",\s+(?:og\s+)?|\s+og\s+(?=(?:å\s+)?\w+(?:ing|ingen|else|elsen|kjøp|salg|bygging)\b|å\s)")


def _nominal_items(rest: str) -> list[str]:
    """The items of a list in one sentence, each an action noun or an infinitive."""
    parts = [p.strip(" .") for p in _NOMINAL_SPLIT.split(rest) if p.strip(" .")]
    ok = [p for p in parts if len(p.split()) >= 3 and re.match(r"(?:å\s+)?\w+(?:ing|ingen|else|elsen)\b|(?:kjøp|salg|bygging|å)\b", p, re.I)]
    return ok if len(ok) == len(parts) else []


_AUX = re.compile(r"^(?:har|hadde|er|var|ble|blei|vart|blitt|vorte)$")


def _participle_list(text: str) -> list[str]:
    """One auxiliary, several actions: "Kommunen har etablert et boligkontor,
    kjøpt 16 boliger og innført gjengs leie" is three measures, the later
    ones from their participle on. Each part after the first must open with
    an action cue, and every part must carry one."""
    doc = tokens(text)
    cues = action_cues(doc)
    if len(cues) < 2:
        return [text]
    aux = any(_AUX.match(t.lower_) for t in doc[max(0, cues[0].start - 4) : cues[0].end])
    # or past tenses: "Kommunen kjøpte 14 boliger og solgte samtidig 9", "… etablerte …, innførte …"
    past = cues[0].start <= 4 and all(re.search(r"(?:te|de|et)$", c[0].lower_) for c in cues)
    cut_at = []
    for c in cues[1:]:
        i = c.start
        if (aux or past) and i >= 2 and (doc[i - 1].text == "," or doc[i - 1].lower_ == "og"):
            # (", og startet …": the cut goes before the comma)
            j = i - 2 if doc[i - 1].lower_ == "og" and doc[i - 2].text == "," else i - 1
            cut_at.append(doc[j].idx)
        elif i >= 3 and doc[i - 1].lower_ == "å" and any(doc[b.start - 1].lower_ == "å" for b in cues if 0 < b.start < i) and (
            doc[i - 2].lower_ == "og" or (doc[i - 2].lower_ == "til" and doc[i - 3].lower_ == "og")
        ):
            # two infinitives under one verb: "… vil prioritere å få på plass …, og å lage …",
            # "får fullmakt til å søkje Husbanken om tilskot og til å lyse ut arbeidet …"
            j = next(k for k in range(i - 1, -1, -1) if doc[k].lower_ == "og")
            cut_at.append(doc[j - 1].idx if doc[j - 1].text == "," else doc[j].idx)
    if not cut_at:
        return [text]
    parts, pos = [], 0
    for at in cut_at:
        parts.append(text[pos:at].strip(" ,"))
        pos = at
    parts.append(text[pos:].strip(" ,"))
    parts = [re.sub(r"^,?\s*og\s+(?:til\s+)?(?:å\s+)?", "", p) for p in parts]
    if any(re.match(r"(?:mottatt|motteke|fått|fenge)\b", p, re.IGNORECASE) for p in parts[1:]):
        return [text]  # "søkt kompetansetilskudd, og mottatt tilsagn": what it received is no second action
    if any(len(p.split()) < 3 or not action_cues(tokens(p)) for p in parts):
        return [text]
    return parts


def _cost_amounts(text: str) -> list[Money]:
    """The amounts of `text` that can be a measure's cost: not the two ends
    of a change ("økt rammen fra 20 til 45 mill. kr" costs neither)."""
    money = find_money(text)
    changed = {id(x) for ch in money_changes(text, money) for x in (ch.before, ch.after)}
    return [mo for mo in money if id(mo) not in changed]


def _add_money(m: Measure, text: str) -> None:
    if m.cost is None:
        money = _cost_amounts(text)
        if money:
            m.cost = Cost(money[0].amount, money[0].text)


_COST_NEXT = re.compile(
    r"^(?:kostnad(?:en|ene|ane)?|kostnadsramme[n]?|tiltaket|prosjektet|dette|det)\s+(?:\S+\s+){0,3}?"
    r"(?:koster|kostar|kostet|kosta|er\s+(?:beregnet|berekna|anslått|stipulert|kalkulert|budsjettert)\s+til"
    r"|beløper\s+seg\s+til|utgjør|utgjer)\b"
    r"|^(?:kostnad(?:er)?|budsjett|ramme|økonomi)\s*:",
    re.IGNORECASE,
)
"""A sentence that gives the cost of what the sentence before it described
("… bygge åtte omsorgsboliger. Kostnaden er beregnet til kr 32 000 000.")."""


_LABELLED = re.compile(
    r"^(?P<label>mål|målsetting|målsetjing|resultatmål|resultat|resultater|resultata|effekt|oppnådd)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
"""A labelled sentence after a measure: its target ("Mål: …") or what came
of it ("Resultat: …"); the label may stand as a sentence of its own."""
_STATUS_LABEL = re.compile(r"^status\s*:\s*(?P<rest>.+)$", re.IGNORECASE | re.DOTALL)


@dataclass
class _After:
    cost: Cost | None = None
    indicator: str = ""
    result: str = ""
    status: str | None = None
    status_stated: bool = False  # a "Status: …" label, even one that names none ("ikke gjennomført")


def _after(ctx: Context, u: Unit) -> _After:
    """What the sentences right after a measure, in the same paragraph, say
    of it: its cost ("Kostnaden er beregnet til …"), its target ("Mål: …"),
    its result ("Resultat: …") and its status ("Status: gjennomført"). Stops
    at the first sentence that is none of these."""
    out = _After()
    i = u.index + 1
    while i < len(ctx.units) and i <= u.index + 4 and ctx.units[i].block is u.block:
        text = ctx.units[i].text
        if _COST_NEXT.match(text) and out.cost is None and (money := _cost_amounts(text)):
            out.cost = Cost(money[0].amount, money[0].text)
        elif m := _STATUS_LABEL.match(text):
            out.status, out.status_stated = out.status or _status_cell(m.group("rest")), True
        elif m := _LABELLED.match(text):
            rest = m.group("rest").strip()
            if not rest and i + 1 < len(ctx.units) and ctx.units[i + 1].block is u.block:
                i += 1
                rest = ctx.units[i].text
            if not rest:
                break
            if m.group("label").lower().startswith("res") or m.group("label").lower() in ("effekt", "oppnådd"):
                out.result = out.result or clip(rest)
            else:
                out.indicator = out.indicator or clip(rest)
        else:
            break
        i += 1
    return out


def _with_heading_topics(ctx: Context, topics: list[str], heading: str) -> list[str]:
    """A measure's own topics, then those of the heading it stands under
    ("Tiltak for å redusere ventelister" → ventelister): a measure listed
    under a topic is about it, whether or not its sentence names it."""
    return topics + [t for t in ctx.topics(heading) if t not in topics] if heading else topics


def _measure_from_text(ctx: Context, u: Unit, text: str) -> Measure:
    # a period only where the sentence states one: the document's own period
    # (a plan's 2016–2026) says little about a measure mentioned in passing
    per = year_range(text)
    if per is None:
        ys = years_in(text)
        per = (min(ys), max(ys)) if ys else None
    money = _cost_amounts(text)
    after = _after(ctx, u)
    return Measure(
        text=clip(text),
        citation=ctx.citation(u.page, u.block.section_text),
        municipality=ctx.municipality,
        period=per,
        target_groups=ctx.target_groups(text),
        topics=_with_heading_topics(ctx, ctx.topics(text), u.block.section[-1] if u.block.section else ""),
        cost=Cost(money[0].amount, money[0].text) if money else after.cost,
        indicator=after.indicator,
        # a stated "Status: …" over what the wording implies
        status=after.status if after.status_stated else status_of(text),
        fields={"Resultat": after.result} if after.result else {},
    )


def extract_measures(ctx: Context, skip_units: set[int]) -> tuple[list[Measure], set[int]]:
    """All measures of the document (tables, flattened activity plans, lists
    and prose), and the ids of the activity-plan blocks (whose amounts are
    costs, not figures). `skip_units`: sentences already taken as
    recommendations."""
    measures = table_measures(ctx)
    act, handled = activity_measures(ctx)
    measures += act
    measures += prose_measures(ctx, skip_units, handled)
    return _dedupe(measures), handled


def _dedupe(measures: list[Measure]) -> list[Measure]:
    """One measure per text and page; and a measure a later page repeats,
    in the same words (a plan quoting its own goals in the chapter on
    organisation), is kept where it first appears, unless it was cut off
    there ("… til;")."""
    out: list[Measure] = []
    seen: set[tuple[int, str]] = set()
    for m in measures:
        key = (m.citation.page, re.sub(r"\W+", " ", m.text.lower()).strip()[:160])
        if key in seen:
            continue
        seen.add(key)
        out.append(m)
    words = [re.sub(r"\W+", " ", m.text.lower()).strip() for m in out]
    cut_off = [bool(re.search(r"[;:,]\W*$", m.text)) for m in out]  # "… omsorgsboliger til;": the list went on
    repeated: set[int] = set()
    for i, m in enumerate(out):
        for j in range(i + 1, len(out)):
            n = out[j]
            if n.citation.page == m.citation.page or i in repeated or j in repeated:
                continue
            short, long_ = sorted((words[i], words[j]), key=len)
            # (in other words' order too: "… har Asker kommune inngått avtale med Husbanken om …")
            if len(short.split()) < 8 or not set(short.split()) <= set(long_.split()):
                continue
            first, later = (i, j) if m.citation.page < n.citation.page else (j, i)
            repeated.add(first if cut_off[first] and not cut_off[later] else later)
    return [m for i, m in enumerate(out) if i not in repeated]


__all__ = ["extract_measures", "table_measures", "activity_measures", "prose_measures", "passes_guards", "budget_blocks"]
