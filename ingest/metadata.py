"""Document metadata with provenance and confidence.

``infer_metadata`` fills every ``ingest.records.Metadata`` field with a
``Field(value, confidence, source)``. A manifest or sidecar value (see
``ingest.manifest``) always wins with confidence 1.0. Otherwise values are
inferred from, in order of weight: the document title, the file name, the
web site / URL and the opening text (first ~3 000 characters), then the
whole text.

Municipality
    ``municipality.value`` is the name *as written in the document's era*:
    a 2012 document about "Fjell kommune" gets "Fjell", although Fjell has
    been part of Øygarden since 2020. ``kommunenummer`` and ``fylke`` are those
    of the *current* successor (4626, Vestland), so filters and comparisons
    work on today's map. ``Municipalities.get()`` resolves both names. A
    document about two to four named municipalities gets them joined with "/"
    ("Asker/Stord/Verdal"), as in the corpus manifest; numbers and counties
    are joined the same way. National documents (Husbanken, NOVA, NIBR, Fafo,
    departments …, or many municipalities side by side) get no municipality
    but a ``publisher``. A report *by* a research institute or consultancy
    *for* one municipality keeps the municipality; the institute is the
    publisher.

Sources: "manifest", "sidecar", "filename", "title", "text", "url", "default".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ingest.municipalities import Municipalities, Municipality, fold
from ingest.records import DOC_TYPES, PROGRAMMES, Field, Metadata, Page

HEAD_CHARS = 3000
BODY_CHARS = 300_000

# --------------------------------------------------------------------------- publishers
# (canonical name, pattern, national). "national" publishers write about the
# country; the others also write reports for single municipalities.
_PUBLISHERS: list[tuple[str, str, bool]] = [
    ("NIBR", r"\bNIBR\b|Norsk institutt for by- og regionforskning|By- og regionforskningsinstituttet", False),
    ("NOVA", r"\bNOVA\b|\bNOva\b|Norsk institutt for forskning om oppvekst", True),
    ("Fafo", r"\bFafo\b", True),
    ("OsloMet", r"\bOsloMet\b|storbyuniversitetet", True),
    ("SSB", r"\bSSB\b|Statistisk sentralbyrå|\bKOSTRA\b", True),
    ("Rambøll", r"\bRamb[øo]ll\b", False),
    ("Proba samfunnsanalyse", r"\bProba\b", True),
    ("Telemarksforsking", r"Telemarksforsking", False),
    ("Agderforskning", r"Agderforskning", False),
    ("Møreforsking", r"Møreforsking", False),
    ("NTNU Samfunnsforskning", r"NTNU Samfunnsforskning|\bNTNU\b", False),
    ("Asplan Viak", r"Asplan Viak", False),
    ("SINTEF Byggforsk", r"\bByggforsk\b|\bSINTEF\b", True),
    ("NBBL", r"\bNBBL\b|Norske Boligbyggelags Landsforbund", True),
    ("IMDi", r"\bIMDi\b|Integrerings- og mangfoldsdirektoratet", True),
    ("Sivilombudet", r"Sivilombudet|\bombudsmannen\b", True),
    ("Regjeringen", r"regjeringen\.no|\bMeld\. St\.|\bSt\.\s?meld\.|\bSt\.\s?prp\.|\bProp\. \d|"
     r"[Dd]epartement(?:et)?\b|\bKRD\b|\bKMD\b|kommunal- og regionalminister|statsråd", True),
    ("Statsforvalteren", r"Statsforvalteren|Fylkesmannen", False),
    ("Husbanken", r"\bHusbank(?:en|ens)\b|\bVeiviseren\b|veiviseren\.no", True),
    ("KS", r"\bKS\b|Kommunesektorens organisasjon", True),
]
_PUBLISHER_RE = [(name, re.compile(p), national) for name, p, national in _PUBLISHERS]
# organisation named as the *client* of a report ("på oppdrag fra Husbanken")
_CLIENT_CTX = re.compile(r"(?:på oppdrag (?:fra|for)|oppdragsgi[vw]er:?|finansiering av|bestilt av)\s*$", re.I)
# organisation named as the *author*
_AUTHOR_CTX = re.compile(
    r"(?:utarbeidet av|gjennomført av|utgiver:?|publisert av:?|forfatter\(e\):?|av)\s*$", re.I
)
# words that, right after a publisher's name, mark it as the author ("NIBR-rapport")
_AUTHOR_AFTER = re.compile(r"^\s*[-–]?\s*(?:rapport|notat|arbeidsnotat)\b|^\s*(?:har|skal)\b", re.I)

# folder/file-name prefixes that mark a national document
_NATIONAL_PREFIXES = {
    "nasjonal", "national", "nasjonalt", "husbanken", "nova", "nibr", "fafo", "oslomet", "ssb",
    "regjeringen", "stortinget", "imdi", "ks", "veiviseren", "kmd", "krd", "staten",
}

# --------------------------------------------------------------------------- doc types
# (doc_type, patterns). Patterns are applied to folded text (lowercase, æ→ae, ø→o, å→a).
_TYPE_RULES: list[tuple[str, list[str]]] = [
    ("halvaarsrapport", [r"halvarsrapport", r"ars-? og halvars"]),
    ("aarsrapport", [r"(?<!halv)arsrapport", r"arsberetning", r"arsmelding"]),
    ("foranalyse", [r"foranalyse"]),
    ("sluttrapport", [r"sluttrapport", r"sluttanalyse", r"sluttevaluering", r"\bprosjektrapport\b",
                      r"rapport fra .{0,40}(?:for)?prosjekt", r"^-?rapport-?\b"]),
    ("programplan", [r"programplan", r"program-? og aktivitetsplan"]),
    ("aktivitetsplan", [r"aktivitetsplan"]),
    ("samarbeidsavtale", [r"samarbeidsavtale", r"intensjonsavtale"]),
    ("saksframlegg", [r"saksframlegg", r"saksfremlegg", r"saksutredning", r"saksfremstilling",
                      r"moteinnkalling", r"moteprotokoll", r"radmannens forslag til vedtak",
                      r"innstilling til", r"\bsak \d{1,3}/\d{2}\b", r"\bps \d{1,3}/\d{2}\b"]),
    ("handlingsplan", [r"handlingsplan", r"boligplan", r"boligpolitisk plan", r"boligpolitisk plattform",
                       r"boligprogram", r"boligsosialt program", r"kommunedelplan for bolig",
                       r"planprogram", r"boligsosial policy", r"forvaltningsplan", r"boligmelding",
                       r"boligsosial strategi(?!en)", r"bustadsosial handlingsplan", r"bustadplan"]),
    ("veileder", [r"veileder", r"rettleiar", r"veiviseren", r"\barbeidsprosess", r"trinnvis",
                  r"tilskudd til", r"tilskot til", r"slik gjor du"]),
]
_TYPE_RE = [(t, [re.compile(p) for p in ps]) for t, ps in _TYPE_RULES]

# cues of a web page / news article (raw text, case-sensitive where it matters)
_ARTICLE_CUES = [
    r"\bPublisert\b", r"\bFoto:", r"\bFOTO:", r"Pressemelding", r"\bNRK\b", r"Budstikka",
    r"Adresseavisen", r"Altaposten", r"Namdalsavisa", r"Stjørdalens Nytt", r"Arbeiderblad",
    r"Agenda Magasin", r"forskning\.no", r"Kommunal Rapport", r"\b(?:mandag|tirsdag|onsdag|torsdag|"
    r"fredag|lørdag|søndag) \d{1,2}\. \w+ \d{4}", r"\s[-–] .{5,200}, sier\b", r"\bsier (?:hun|han)\b",
    r"Denne artikkelen", r"Ansvarlig aktør:", r"Beskrivelse av eksempelet", r"er ansvarlig for dette eksemp",
    r"[Ss]tatens pris for boligsosialt arbeid", r"Følg Husbanken", r"\bLes mer\b", r"Illustrasjonsfoto",
    r"\bAv [A-ZÆØÅ][a-zæøå]+ [A-ZÆØÅ][a-zæøå]+", r"\bdeltar i (?:Boligsosialt|Bustadsosialt|utviklingsprogram)",
    r"\bdeltek i\b", r"^date \d{4}-\d{2}", r"^[A-ZÆØÅ]{3,}[A-ZÆØÅ -]*: [A-ZÆØÅ]", r"\bsier\b",
    r"\barticleimage\b", r"°C\b", r"\bMeny\b", r"\b(?:Del|Tips oss|Abonner)\b",
]
_ARTICLE_RE = [re.compile(p, re.M) for p in _ARTICLE_CUES]
_REPORT_CUES = [
    r"Innholdsfortegnelse|INNHOLDSFORTEGNELSE|\bInnhold\b", r"\bForord\b|\bFORORD\b", r"\bSammendrag\b|SAMMENDRAG",
    r"Side \d+ av \d+", r"\bISBN\b|\bISSN\b", r"-rapport \d{4}:\d+", r"\bRapportnr", r"^\d{1,3} [A-ZÆØÅ]", r"\bKapittel\b",
    r"Kort om publikasjonen|Forfatt[ae]r(?:\(e\))?:|Utgiver:|Oppdragsgi[vw]ar?:", r"\bSaksbehandler:",
]
_REPORT_RE = [re.compile(p, re.M) for p in _REPORT_CUES]
_ANNET_TITLE = re.compile(
    r"kartlegging|evaluering|forvaltningsrevisjon|tertialrapport|statusrapport|meld\. st|st\.prp|"
    r"horingsnotat|horing|prosjektskisse|undersokelse|indikator|kommunal bolig|erfaringer med|"
    r"folgestudie|rapport\b|notat\b|innspill"
)

# --------------------------------------------------------------------------- programmes
_PROGRAMME_RE: list[tuple[str, re.Pattern[str]]] = [
    ("BOSO", re.compile(r"boligsosial[te]? utviklingsprogram|\bboso\b|utviklingsprogrammet")),
    ("Boligsosialt velferdsprogram", re.compile(r"(?:bolig|bustad)sosial[te]? velferdsprogram|velferdsprogrammet")),
    ("Bolig for velferd", re.compile(r"bolig for velferd")),
    ("BASIS", re.compile(r"\bbasis\b(?= (?:boligsosialt|fase|i |prosjekt))|prosjektet basis")),
    ("By- og tettstedsprogram", re.compile(r"by-? og tettstedsprogram")),
]

_YEAR = r"(?:19[89]\d|20[0-3]\d)"
_PERIOD_RE = re.compile(rf"\b({_YEAR})\s*(?:[-–—/]|til)\s*({_YEAR}|\d{{2}})\b")
_YEAR_RE = re.compile(rf"(?<![\d.,:/-])({_YEAR})(?![\d,]|\.\d)")
_MONTHS = ("januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|"
           "jan|feb|mar|apr|jun|jul|aug|sep|okt|nov|des")
# explicit publication year ("NIBR-rapport 2013:5", "Publisert 22.03.2024", "Utgivingsår: 2017")
_PUB_EXPLICIT = [
    re.compile(rf"-rapport\s+({_YEAR}):\d+", re.I),
    re.compile(rf"(?:Publisert|Publication date|Utgivingsår|Utgivelsesår|Utgitt)\D{{0,20}}?(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?)?({_YEAR})", re.I),
]
# weaker dates: "Dato: 02.12.2010", "Oktober 2014", "12.03.2015"
_DATES = [
    re.compile(rf"(?:Dato|Vår dato|Oppdatert|Vedtatt)\D{{0,20}}?(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?)?({_YEAR})", re.I),
    re.compile(rf"\b(?:{_MONTHS})\.?,?\s+({_YEAR})\b", re.I),
    re.compile(rf"\b\d{{1,2}}\.\s?\d{{1,2}}\.\s?({_YEAR})\b"),
]


# a municipality's own case papers: the municipality named in them is the owner
_MUNICIPAL_DOC = re.compile(
    r"Saksbehandler|Arkivsak|Rådmannens forslag|Formannskapet|Kommunestyret|Bystyret|Møtested|"
    r"Vår ref|Utvalgssak|Saksframlegg|Saksfremlegg|kommunestyre"
)
# studies of several (case) municipalities: no single municipality
_MULTI_CASE = re.compile(r"[Cc]ase-?kommun|utvalgte kommuner|kommunene i utvalget|tolv norske kommuner")


@dataclass
class _Evidence:
    """Municipality evidence gathered from one region of the document."""

    title: list[tuple[Municipality, int, int]]
    title_strict: list[tuple[Municipality, int, int]]
    head: list[tuple[Municipality, int, int]]
    head_strict: list[tuple[Municipality, int, int]]
    body_strict: list[tuple[Municipality, int, int]]


def infer_metadata(
    source: str,
    pages: list[Page],
    title_hint: str = "",
    overrides: dict | None = None,
    *,
    meta: dict[str, str] | None = None,
    registry: Municipalities | None = None,
) -> Metadata:
    """Infer metadata for a document; manifest/sidecar ``overrides`` win.

    ``source`` is the file path relative to the ingested root (its name is a
    signal: ``asker__programplan.pdf`` → Asker). ``title_hint`` is the reader's
    title. ``meta`` carries reader hints (``Extracted.meta``: web "site",
    "url", DOCX "created" …).
    """
    reg = registry or Municipalities.load()
    ov = dict(overrides or {})
    ov_src: dict[str, str] = ov.pop("_source", {}) if isinstance(ov.get("_source"), dict) else {}
    meta = meta or {}
    text = "\n\n".join(p.text for p in pages)[:BODY_CHARS]  # long documents: the first ~200 pages decide
    head = text[:HEAD_CHARS]
    stem = PurePosixPath(source.replace("\\", "/")).name
    stem = re.sub(r"\.(?:meta\.json|[A-Za-z0-9]{1,5})$", "", stem)
    prefix, slug = (stem.split("__", 1) + [""])[:2] if "__" in stem else ("", stem)

    md = Metadata()

    # ---------------------------------------------------------------- title
    title = (title_hint or "").strip()
    if "title" in ov and ov["title"]:
        md.title = Field(ov["title"], 1.0, ov_src.get("title", "manifest"))
    elif title:
        md.title = Field(title, 0.8, "title")
    else:
        first = next((ln.strip() for ln in head.split("\n") if ln.strip()), "")
        if first and len(first) <= 200:
            md.title = Field(first, 0.5, "text")
            title = first
        elif slug:
            md.title = Field(slug.replace("-", " ").replace("_", " ").strip(), 0.3, "filename")
    title_text = title or (md.title.value or "")

    # ---------------------------------------------------------------- url
    url = ov.get("url") or meta.get("url") or ""
    if ov.get("url"):
        md.url = Field(ov["url"], 1.0, ov_src.get("url", "manifest"))
    elif meta.get("url"):
        md.url = Field(meta["url"], 0.9, "url")

    # ---------------------------------------------------------------- publisher
    if ov.get("publisher"):
        md.publisher = Field(ov["publisher"], 1.0, ov_src.get("publisher", "manifest"))
    else:
        md.publisher = _infer_publisher(title_text, head, text, meta.get("site", ""), url, prefix)
    national_publisher = bool(md.publisher.value) and any(
        n == md.publisher.value and nat for n, _, nat in _PUBLISHERS
    )
    if md.publisher.value == "Husbanken" and md.publisher.source == "text":
        # Husbanken is named in almost every municipal document as the programme owner
        national_publisher = md.publisher.confidence >= 0.85

    # ---------------------------------------------------------------- municipality
    if "municipality" in ov:
        src = ov_src.get("municipality", "manifest")
        _set_municipality(md, reg, _resolve_names(reg, ov["municipality"]), 1.0, src,
                          raw=ov["municipality"])
    else:
        names, conf, src = _infer_municipality(
            reg, title_text, head, text, prefix, slug, meta.get("site", ""), url,
            national_publisher, md.publisher.value or "",
        )
        _set_municipality(md, reg, names, conf, src)

    # ---------------------------------------------------------------- doc type
    if ov.get("doc_type"):
        md.doc_type = Field(ov["doc_type"], 1.0, ov_src.get("doc_type", "manifest"))
    else:
        md.doc_type = _infer_doc_type(title_text, head, slug, url, meta, n_pages=len(pages))

    # ---------------------------------------------------------------- period / year
    period_f = _infer_period(title_text, head, slug)
    if ov.get("period"):
        md.period = Field(tuple(ov["period"]), 1.0, ov_src.get("period", "manifest"))
    else:
        md.period = period_f
    if ov.get("year"):
        md.year = Field(int(ov["year"]), 1.0, ov_src.get("year", "manifest"))
    else:
        md.year = _infer_year(title_text, head, slug, md.doc_type.value, md.period, meta)

    # ---------------------------------------------------------------- programme
    if ov.get("programme"):
        md.programme = Field(ov["programme"], 1.0, ov_src.get("programme", "manifest"))
    else:
        md.programme = _infer_programme(title_text, head, text)
    return md


# =========================================================================== municipality
def _resolve_names(reg: Municipalities, value: Any) -> list[Municipality]:
    if value is None:
        return []
    parts = value if isinstance(value, list) else re.split(r"\s*[/,;]\s*|\s+og\s+", str(value))
    out = []
    for p in parts:
        m = reg.get(p)
        if m is not None and m not in out:
            out.append(m)
    return out


def _set_municipality(
    md: Metadata, reg: Municipalities, ms: list[Municipality], conf: float, src: str, raw: Any = None
) -> None:
    if not ms:
        md.municipality = Field(None, conf, src)
        md.kommunenummer = Field(None, conf, src)
        md.fylke = Field(None, conf, src)
        if raw:  # a manifest name we cannot resolve: keep it as written
            md.municipality = Field(raw, conf, src)
        return
    cur = [reg.current(m) or m for m in ms]
    md.municipality = Field("/".join(m.name for m in ms), conf, src)
    md.kommunenummer = Field("/".join(c.number for c in cur), conf, src)
    fylker = list(dict.fromkeys(c.fylke for c in cur))
    md.fylke = Field("/".join(fylker), conf, src)


def _from_filename(reg: Municipalities, prefix: str, slug: str) -> tuple[list[Municipality], bool]:
    """(municipalities named by the file name, file name says national)."""
    if prefix:
        p = prefix.lower()
        if p in _NATIONAL_PREFIXES:
            return [], True
        m = reg.get(p.replace("-", " "))
        if m is not None:
            return [m], False
        parts = p.split("-")
        ms = [reg.get(x) for x in parts]
        if len(parts) >= 2 and all(ms):
            return [m for m in ms if m], False
        return [], False
    # no convention: look for a municipality name among the file-name words
    words = [w for w in re.split(r"[\s_.\-]+", slug) if w]
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            cand = " ".join(words[i : i + n])
            if len(cand) < 4 or cand[0].isdigit():
                continue
            m = reg.get(cand)
            if m is not None and m.short_name not in _weak() and fold(m.short_name) == fold(cand):
                return [m], False
    return [], False


def _weak() -> frozenset[str]:
    from ingest.municipalities import WEAK_NAMES

    return WEAK_NAMES


def _from_site(reg: Municipalities, site: str, url: str) -> Municipality | None:
    m = re.search(r"\b([a-z0-9æøå-]+)\.kommune\.no\b", url.lower())
    if m:
        hit = reg.get(m.group(1).replace("-", " "))
        if hit is not None:
            return hit
    m2 = re.match(r"^(.+?)\s+kommune$", site.strip(), re.I)
    if m2:
        return reg.get(m2.group(1))
    return None


_LIST_RE = re.compile(
    r"(?:kommunene|kommunane|mellom kommunene|kommuner(?:ne)?:?)\s+"
    r"((?:[A-ZÆØÅ][\wæøåÆØÅ-]+(?: [A-ZÆØÅ][\wæøå-]+)?,\s*)*[A-ZÆØÅ][\wæøåÆØÅ-]+(?: [A-ZÆØÅ][\wæøå-]+)?"
    r"\s+og\s+[A-ZÆØÅ][\wæøåÆØÅ-]+(?: [A-ZÆØÅ][\wæøå-]+)?)"
)


def _named_list(reg: Municipalities, s: str) -> list[Municipality]:
    """Municipalities listed as 'kommunene A, B og C' (all must resolve)."""
    for m in _LIST_RE.finditer(s):
        names = re.split(r",\s*|\s+og\s+", m.group(1))
        ms = [reg.get(n) for n in names]
        if all(ms):
            return [x for x in ms if x is not None]
    return []


_INSTITUTION_PLACE = re.compile(
    r"\b((?:Møreforsking|Husbanken|Husbankens|NTNU|Høgskulen|Høgskolen|Universitetet|Statsforvalteren|"
    r"Fylkesmannen|Østlandsforskning|Nordlandsforskning|Vestlandsforsking|Kirkens Bymisjon|Frelsesarmeen|"
    r"Revisjon|Kompetansesenter rus)(?:\s+(?:region|Region|avdeling|kontor))?\s+(?:i\s+|på\s+)?)"
    r"([A-ZÆØÅ][a-zæøåA-ZÆØÅ-]+)"
)


def _mask_institutions(s: str) -> str:
    """'Møreforsking Volda', 'Husbanken Hammerfest', 'Høgskulen i Volda': the place
    names the institution's seat, not the document's subject. Replace it by dots."""
    return _INSTITUTION_PLACE.sub(lambda m: m.group(1) + "." * len(m.group(2)), s)


def _score(ev: _Evidence) -> dict[str, float]:
    s: Counter[str] = Counter()
    for m, c, off in ev.title:
        s[m.name] += 5.0
    for m, c, off in ev.title_strict:
        s[m.name] += 2.0
    for m, c, off in ev.head_strict:
        s[m.name] += 1.5 * min(c, 4) + (1.0 if off < 400 else 0.0) + (2.0 if off < 250 else 0.0)
    for m, c, off in ev.head:
        s[m.name] += 0.4 * min(c, 6) + (0.5 if off < 300 else 0.0)
    for m, c, off in ev.body_strict:
        s[m.name] += 0.25 * min(c, 12)
    return dict(s)


def _infer_municipality(
    reg: Municipalities,
    title: str,
    head: str,
    text: str,
    prefix: str,
    slug: str,
    site: str,
    url: str,
    national_publisher: bool,
    publisher: str,
) -> tuple[list[Municipality], float, str]:
    title, head, text = _mask_institutions(title), _mask_institutions(head), _mask_institutions(text)
    ev = _Evidence(
        title=reg.find_in_text(title),
        title_strict=reg.find_in_text(title, strict=True),
        head=reg.find_in_text(head),
        head_strict=reg.find_in_text(head, strict=True),
        body_strict=reg.find_in_text(text[HEAD_CHARS:], strict=True) if len(text) > HEAD_CHARS else [],
    )
    scores = _score(ev)
    by_name: dict[str, Municipality] = {}
    for lst in (ev.title, ev.head, ev.head_strict, ev.body_strict, ev.title_strict):
        for m, _, _ in lst:
            by_name.setdefault(m.name, m)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    s1 = ranked[0][1] if ranked else 0.0
    s2 = ranked[1][1] if len(ranked) > 1 else 0.0
    top = by_name[ranked[0][0]] if ranked else None
    distinct_head = len({m.name for m, _, _ in ev.head})

    # --- text decision
    text_pick: list[Municipality] = []
    text_conf = 0.0
    title_ms = [m for m, _, _ in ev.title]
    listed = _named_list(reg, title) or _named_list(reg, head[:1500])
    if len(listed) < distinct_head and not _named_list(reg, title):
        listed = []  # more municipalities named than listed: a study of many
    early_strict = {m.name for m, _, off in ev.head_strict if off < 250}
    municipal_doc = bool(_MUNICIPAL_DOC.search(head[:2000]))
    ratio = 1.5 if (top is not None and top.name in early_strict) else 1.8
    if 2 <= len(title_ms) <= 4 and len({m.name for m in title_ms}) == len(title_ms) and _named_list(reg, title):
        text_pick, text_conf = _named_list(reg, title), 0.85
    elif title_ms and (len(title_ms) == 1 or scores.get(title_ms[0].name, 0) >= 1.5 * scores.get(title_ms[1].name, 0)):
        text_pick, text_conf = [title_ms[0]], 0.9
    elif 2 <= len(listed) <= 4:
        text_pick, text_conf = listed, 0.7
    elif top is not None and s1 >= 2.5 and s1 >= ratio * s2:
        text_pick, text_conf = [top], min(0.85, 0.45 + 0.06 * s1)
    elif top is not None and s1 >= 1.5 and s1 >= 3 * s2:
        text_pick, text_conf = [top], 0.5
    elif top is not None and len(ranked) == 1 and (ev.head[0][1] >= 2 or ev.head[0][2] < 200):
        text_pick, text_conf = [top], 0.45  # the only place named, early or repeatedly

    # --- national: a national publisher and no municipality named as such, or many side by side
    has_strict = bool(text_pick) and any(m.name == text_pick[0].name for m, _, _ in ev.head_strict)
    national_text = len(listed) >= 5 or bool(_MULTI_CASE.search(head[:2000])) or (
        distinct_head >= 5 and s1 < 6
    )
    if national_publisher and not title_ms and not (2 <= len(listed) <= 4):
        if not (has_strict and (s1 >= 3 or municipal_doc)):
            national_text = True
    if national_text and not title_ms and not (2 <= len(listed) <= 4 and len(listed) == len(text_pick)):
        text_pick = []

    # --- file name and site
    fn_ms, fn_national = _from_filename(reg, prefix, slug)
    site_m = _from_site(reg, site, url)

    if fn_ms:
        mentioned = all(
            scores.get(m.name, 0) > 0 or scores.get((reg.current(m) or m).name, 0) > 0 for m in fn_ms
        )
        if mentioned:
            return fn_ms, 0.95, "filename"
        if text_pick and text_conf >= 0.85 and {m.name for m in text_pick} != {m.name for m in fn_ms}:
            return fn_ms, 0.55, "filename"
        return fn_ms, 0.75, "filename"
    if fn_national:
        if title_ms and ev.title_strict:
            return text_pick, 0.6, "title"
        return [], 0.85 if not text_pick else 0.7, "filename"
    if site_m is not None:
        agree = bool(text_pick) and (reg.current(text_pick[0]) or text_pick[0]).number == site_m.number
        if agree or not text_pick:
            return [text_pick[0] if agree else site_m], 0.9, "url"
    if text_pick:
        src = "title" if title_ms and text_pick[0] in title_ms else "text"
        return text_pick, round(text_conf, 2), src
    if national_text or national_publisher:
        return [], 0.75 if national_publisher else 0.6, "text"
    return [], 0.3, "default"


# =========================================================================== publisher
def _infer_publisher(title: str, head: str, text: str, site: str, url: str, prefix: str) -> Field:
    scores: Counter[str] = Counter()
    first_line = next((ln for ln in head.split("\n") if ln.strip()), "")
    host = re.sub(r"^[a-z]+://", "", url.lower()).split("/")[0]
    for name, rx, _nat in _PUBLISHER_RE:
        if site and rx.search(site):
            scores[name] += 6
        if host and re.search(r"(?:^|\.)" + re.escape(fold(name.split()[0])) + r"\.", fold(host)):
            scores[name] += 3
        if prefix and fold(prefix).startswith(fold(name.split()[0])):
            scores[name] += 3
        if rx.search(title):
            scores[name] += 4
        for m in rx.finditer(head):
            before = head[max(0, m.start() - 30) : m.start()]
            after = head[m.end() : m.end() + 20]
            if _CLIENT_CTX.search(before):
                scores[name] -= 2
                continue
            w = 1.0
            if _AUTHOR_CTX.search(before) or _AUTHOR_AFTER.match(after):
                w = 3.0
            if m.start() < 600:
                w += 1.0
            scores[name] += w
        n_all = len(rx.findall(text[HEAD_CHARS:])) if len(text) > HEAD_CHARS else 0
        scores[name] += 0.1 * min(n_all, 20)
    if first_line and re.match(r"^\s*([A-ZÆØÅ][\wæøå-]+):", first_line):
        lead = re.match(r"^\s*([A-ZÆØÅ][\wæøå-]+):", first_line).group(1)  # "NIBR: …"
        for name, rx, _ in _PUBLISHER_RE:
            if rx.search(lead):
                scores[name] += 4
    # Husbanken runs most programmes and is named in nearly every document:
    # it is the publisher only on its own site or when nothing else is named.
    if "Husbanken" in scores and len([n for n, v in scores.items() if v >= 3]) > 1:
        if not (site and re.search("husbanken", site, re.I)) and "husbanken" not in url.lower():
            scores["Husbanken"] -= 3
    if not scores:
        return Field(None, 0.3, "default")
    name, best = scores.most_common(1)[0]
    if best < 3:
        return Field(None, 0.3, "default")
    rx_best = re.compile(_pub_pattern(name))
    if rx_best.search(title):
        src = "title"
    elif (site and rx_best.search(site)) or (host and fold(name.split()[0]) in fold(host)):
        src = "url"
    else:
        src = "text"
    return Field(name, round(min(0.95, 0.4 + 0.07 * best), 2), src)


def _pub_pattern(name: str) -> str:
    for n, p, _ in _PUBLISHERS:
        if n == name:
            return p
    return re.escape(name)


# =========================================================================== doc type
def _infer_doc_type(
    title: str, head: str, slug: str, url: str, meta: dict[str, str], n_pages: int = 1
) -> Field:
    """Doc type from keyword rules, weighted by where they occur.

    A type word in the title or file name is strong evidence; in the first
    300 characters fairly strong; further into the text weak (reports mention
    plans, articles mention reports). Web/news cues (by-lines, "Foto:",
    "Publisert", quotes with "sier", newspaper names) make an ``artikkel``
    unless the title *is* a document title ("Boligsosial handlingsplan
    2012–2014"); report cues (contents, foreword, ISBN, "Side N av M", many
    pages) speak against an article. Anything else is ``annet``.
    """
    ftitle, fslug = fold(title), fold(slug.replace("-", " ").replace("_", " "))
    fhead = fold(head[:1500])
    first_line = fold(next((ln for ln in head[:1500].split("\n") if ln.strip()), ""))
    strong: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    doc_title: set[str] = set()
    for dtype, pats in _TYPE_RE:
        for rx in pats:
            mt = rx.search(ftitle)
            if mt:
                strong[dtype] += 4
                if mt.start() <= 25 or len(ftitle.split()) <= 6:
                    doc_title.add(dtype)
            if rx.search(fslug):
                strong[dtype] += 3
            hits = [m.start() for m in rx.finditer(fhead)]
            if hits and hits[0] < len(first_line) + 2 and len(first_line) <= 250:
                strong[dtype] += 3  # the opening line: the document's own heading
            elif hits and hits[0] < 300:
                strong[dtype] += 1.5
            if hits:
                weak[dtype] += 1.0 + 0.3 * min(len(hits) - 1, 5)
    for sc in (strong, weak):
        # a half-year report names the annual report; a programme plan its activity plan
        if sc["halvaarsrapport"]:
            sc["aarsrapport"] = 0
        if sc["programplan"]:
            sc["aktivitetsplan"] = 0
        if sc["foranalyse"]:
            sc["sluttrapport"] = 0
    doc_title.discard("aarsrapport") if "halvaarsrapport" in doc_title else None

    head25 = head[:2500]
    article = sum(1 for rx in _ARTICLE_RE if rx.search(head25))
    first = next((ln.strip() for ln in head.split("\n") if ln.strip()), "")
    if len(first) > 200 and not re.search(r"Side \d+ av \d+", first):
        article += 1  # no title line: the text starts with body copy (web/news excerpt)
    report = sum(1 for rx in _REPORT_RE if rx.search(head25)) + (2 if n_pages >= 3 else 0)
    if meta.get("site") or meta.get("html_title"):
        article += 2
    if re.fullmatch(r"[A-ZÆØÅ][\wæøå -]+ kommune", title.strip()) and report == 0:
        article += 2  # a programme page titled just "X kommune"

    def pick(sc: Counter[str]) -> tuple[str, float]:
        return sc.most_common(1)[0] if sc and sc.most_common(1)[0][1] > 0 else ("annet", 0.0)

    best_type, best = pick(strong)
    src = "title" if _title_hit(best_type, ftitle) else ("filename" if _slug_hit(best_type, fslug) else "text")
    if best_type in doc_title:
        return Field(best_type, round(min(0.95, 0.6 + 0.04 * best), 2), "title")
    if article >= 2 and report <= 1:
        return Field("artikkel", round(min(0.85, 0.45 + 0.1 * article), 2), "text")
    if best >= 3:
        return Field(best_type, round(min(0.85, 0.45 + 0.05 * best), 2), src)
    if article >= 1 and report == 0:
        return Field("artikkel", 0.45, "text")
    wtype, wbest = pick(weak)
    if wtype == "saksframlegg" and wbest >= 2.0:
        return Field(wtype, 0.5, "text")
    if best >= 2.5 and report >= 1:
        return Field(best_type, 0.4, src)
    return Field("annet", 0.5 if (_ANNET_TITLE.search(ftitle) or report >= 2) else 0.3,
                 "text" if report else "default")


def _slug_hit(dtype: str, fslug: str) -> bool:
    for t, pats in _TYPE_RE:
        if t == dtype:
            return any(rx.search(fslug) for rx in pats)
    return False


def _title_hit(dtype: str, ftitle: str) -> bool:
    for t, pats in _TYPE_RE:
        if t == dtype:
            return any(rx.search(ftitle) for rx in pats)
    return False


# =========================================================================== year, period
def _periods(s: str) -> list[tuple[int, int]]:
    out = []
    for m in _PERIOD_RE.finditer(s):
        a = int(m.group(1))
        b_raw = m.group(2)
        b = int(b_raw) if len(b_raw) == 4 else (a // 100) * 100 + int(b_raw)
        if a < b <= a + 15:
            out.append((a, b))
    return out


def _infer_period(title: str, head: str, slug: str) -> Field:
    for region, conf, src in ((title, 0.85, "title"), (slug, 0.6, "filename"),
                              (head[:1500], 0.5, "text")):
        ps = _periods(region)
        if ps:
            return Field(ps[0], conf, src)
    return Field(None, 0.0, "default")


def _infer_year(
    title: str, head: str, slug: str, doc_type: str | None, period: Field, meta: dict[str, str]
) -> Field:
    def single_years(s: str) -> list[int]:
        spans = [m.span() for m in _PERIOD_RE.finditer(s)]
        return [int(m.group(1)) for m in _YEAR_RE.finditer(s)
                if not any(a <= m.start() < b for a, b in spans)]

    plan_like = doc_type in ("handlingsplan", "programplan", "aktivitetsplan", "samarbeidsavtale")
    for rx in _PUB_EXPLICIT:
        m = rx.search(head[:2500])
        if m:
            return Field(int(m.group(1)), 0.75, "text")
    ty = single_years(title)
    if ty:
        return Field(ty[0], 0.8, "title")
    if period.value and period.source == "title" and plan_like:
        return Field(period.value[0], 0.7, "title")
    slug_periods = _periods(slug)
    sy = single_years(slug.replace("-", " ").replace("_", " ")) if not slug_periods else []
    if sy:
        return Field(sy[-1], 0.6, "filename")
    if slug_periods:
        return Field(slug_periods[0][0], 0.55, "filename")
    for rx in _DATES:
        m = rx.search(head[:2000])
        if m:
            return Field(int(m.group(1)), 0.55, "text")
    if period.value and period.source == "title":
        return Field(period.value[0], 0.5, "title")
    hy = single_years(head[:2000])
    if hy:
        y, n = Counter(hy).most_common(1)[0]
        return Field(y, 0.45 if n > 1 else 0.35, "text")
    if meta.get("date", "")[:4].isdigit():
        return Field(int(meta["date"][:4]), 0.5, "url")
    if meta.get("created", "")[:4].isdigit():
        return Field(int(meta["created"][:4]), 0.3, "text")
    return Field(None, 0.0, "default")


# =========================================================================== programme
def _infer_programme(title: str, head: str, text: str) -> Field:
    ft, fh, fa = fold(title), fold(head), fold(text[:50_000])
    scores: Counter[str] = Counter()
    for name, rx in _PROGRAMME_RE:
        if name == "BASIS":
            hits_t = len(re.findall(r"\bBASIS\b", title))
            hits_h = len(re.findall(r"\bBASIS\b", head))
            hits_a = len(re.findall(r"\bBASIS\b", text[:50_000]))
        else:
            hits_t, hits_h, hits_a = len(rx.findall(ft)), len(rx.findall(fh)), len(rx.findall(fa))
        s = 4 * bool(hits_t) + 1.0 * min(hits_h, 5) + 0.1 * min(hits_a, 20)
        if s:
            scores[name] = s
    if not scores:
        return Field(None, 0.0, "default")
    (name, best), *rest = scores.most_common()
    second = rest[0][1] if rest else 0.0
    conf = 0.9 if best >= 4 and best >= 2 * second else (0.7 if best >= 2 * second else 0.5)
    src = "title" if re.search(dict(_PROGRAMME_RE)[name], ft) else "text"
    assert name in PROGRAMMES
    return Field(name, conf, src)


assert all(t in DOC_TYPES for t, _ in _TYPE_RULES)
