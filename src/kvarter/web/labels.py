"""The web app's own words in the report's four languages; everything else
(column headings, statuses, categories) comes from the report's label table
(:func:`kvarter.report.i18n.label`), so page and report say the same thing."""

from __future__ import annotations

from kvarter.report.i18n import LANGUAGES, check_lang
from kvarter.report.i18n import label as report_label

_ROWS: dict[str, tuple[str, str, str, str]] = {
    "app_title": ("kvarter — neighbourhood monitor", "kvarter — kvartersmonitor", "kvarter — nabolagsmonitor",
                  "kvarter — wijkmonitor"),
    "nav_map": ("Map", "Kort", "Kart", "Kaart"),
    "nav_screening": ("Screening", "Screening", "Screening", "Screening"),
    "nav_segregation": ("Segregation", "Segregation", "Segregering", "Segregatie"),
    "nav_benchmarks": ("Benchmarks", "Benchmarks", "Sammenligning", "Benchmarks"),
    "nav_effects": ("Effects", "Effekter", "Effekter", "Effecten"),
    "nav_housing": ("Housing", "Bolig", "Bolig", "Wonen"),
    "nav_registry": ("Registry", "Register", "Register", "Register"),
    "nav_methods": ("Methods", "Metode", "Metode", "Methode"),
    "nav_api": ("API", "API", "API", "API"),
    "area_page": ("Area", "Område", "Område", "Gebied"),
    "municipality_page": ("Municipality", "Kommune", "Kommune", "Gemeente"),
    "colour_by": ("Colour by", "Farv efter", "Farge etter", "Kleur op"),
    "designation_colour": ("designation", "udpegning", "utpeking", "aanwijzing"),
    "show": ("Show", "Vis", "Vis", "Toon"),
    "profile_against": ("Profile against the municipality", "Profil mod kommunen", "Profil mot kommunen",
                        "Profiel ten opzichte van de gemeente"),
    "criteria_margins": ("Criteria met and the margins", "Opfyldte kriterier og marginer",
                         "Oppfylte kriterier og marginer", "Vervulde criteria en marges"),
    "list_history": ("List history", "Listehistorik", "Listehistorikk", "Lijstgeschiedenis"),
    "what_to_leave": ("What would it take to leave the list", "Hvad skal der til for at komme af listen",
                      "Hva skal til for å komme av listen", "Wat is er nodig om van de lijst af te komen"),
    "what_to_leave_text": (
        "A criterion that is met stops being met when its value moves past the threshold by the margin shown.",
        "Et opfyldt kriterium ophører med at være opfyldt, når værdien flytter sig forbi tærsklen med den viste margin.",
        "Et oppfylt kriterium slutter å være oppfylt når verdien flytter seg forbi terskelen med marginen som vises.",
        "Een vervuld criterium is niet langer vervuld als de waarde de drempel met de getoonde marge passeert."),
    "benchmarks_area": ("Benchmarks", "Benchmarks", "Sammenligning", "Benchmarks"),
    "initiatives_here": ("Initiatives in the area", "Indsatser i området", "Tiltak i området",
                         "Initiatieven in het gebied"),
    "trends": ("Trends", "Udvikling", "Utvikling", "Ontwikkeling"),
    "areas": ("Areas", "Områder", "Områder", "Gebieden"),
    "key_figures": ("Key figures", "Nøgletal", "Nøkkeltall", "Kerncijfers"),
    "screening_title": ("Screening", "Screening", "Screening", "Screening"),
    "criteria_only_latest": (
        "Criteria and margins are published for the report year {year}; other years show the lists.",
        "Kriterier og marginer offentliggøres for rapportåret {year}; andre år viser listerne.",
        "Kriterier og marginer publiseres for rapportåret {year}; andre år viser listene.",
        "Criteria en marges worden gepubliceerd voor het rapportjaar {year}; andere jaren tonen de lijsten."),
    "no_effects": (
        "No effects are published yet: the publication holds no evaluation. Run an evaluation and publish it to see "
        "what works for whom here.",
        "Der er endnu ikke offentliggjort effekter: publikationen indeholder ingen evaluering.",
        "Ingen effekter er publisert ennå: publikasjonen inneholder ingen evaluering.",
        "Er zijn nog geen effecten gepubliceerd: de publicatie bevat geen evaluatie."),
    "no_housing": (
        "No housing figures are published: the store holds no households.",
        "Der er ingen boligtal: lageret indeholder ingen husstande.",
        "Ingen boligtall er publisert: lageret inneholder ingen husholdninger.",
        "Er zijn geen woongegevens gepubliceerd: de opslag bevat geen huishoudens."),
    "no_benchmarks": ("No benchmarks are published.", "Der er ingen benchmarks.", "Ingen sammenligninger er publisert.",
                      "Er zijn geen benchmarks gepubliceerd."),
    "no_initiatives": ("The registry holds no initiatives yet.", "Registret indeholder endnu ingen indsatser.",
                       "Registeret inneholder ennå ingen tiltak.", "Het register bevat nog geen initiatieven."),
    "housing_note": (
        "Needs overview and pathways by area; the caseworker's working list of households is never published.",
        "Behovsoversigt og forløb pr. område; sagsbehandlerens arbejdsliste over husstande offentliggøres aldrig.",
        "Behovsoversikt og boligløp per område; saksbehandlerens arbeidsliste over husholdninger publiseres aldri.",
        "Overzicht van behoeften en woonpaden per gebied; de werklijst van de consulent wordt nooit gepubliceerd."),
    "designation_name": ("Designation", "Udpegning", "Utpeking", "Aanwijzing"),
    "initiative": ("Initiative", "Indsats", "Tiltak", "Initiatief"),
    "history_of": ("History", "Historik", "Historikk", "Geschiedenis"),
    "add_initiative": ("Add an initiative", "Tilføj en indsats", "Legg til et tiltak", "Initiatief toevoegen"),
    "edit_initiative": ("Edit this initiative", "Redigér indsatsen", "Rediger tiltaket", "Initiatief bewerken"),
    "login": ("Log in", "Log ind", "Logg inn", "Inloggen"),
    "logout": ("Log out", "Log ud", "Logg ut", "Uitloggen"),
    "token": ("Token", "Token", "Token", "Token"),
    "login_needed": ("Log in with the server's token to add or edit initiatives.",
                     "Log ind med serverens token for at tilføje eller redigere indsatser.",
                     "Logg inn med serverens token for å legge til eller redigere tiltak.",
                     "Log in met het token van de server om initiatieven toe te voegen of te bewerken."),
    "logged_in": ("Logged in: you can add and edit initiatives.", "Logget ind: du kan tilføje og redigere indsatser.",
                  "Logget inn: du kan legge til og redigere tiltak.",
                  "Ingelogd: je kunt initiatieven toevoegen en bewerken."),
    "save": ("Save", "Gem", "Lagre", "Opslaan"),
    "f_id": ("Id (letters, digits, - and _)", "Id (bogstaver, tal, - og _)", "Id (bokstaver, tall, - og _)",
             "Id (letters, cijfers, - en _)"),
    "f_name": ("Name", "Navn", "Navn", "Naam"),
    "f_description": ("Description", "Beskrivelse", "Beskrivelse", "Beschrijving"),
    "f_areas": ("Areas", "Områder", "Områder", "Gebieden"),
    "f_target_groups": ("Target groups (comma-separated)", "Målgrupper (kommasepareret)",
                        "Målgrupper (kommaseparert)", "Doelgroepen (kommagescheiden)"),
    "f_principles": ("Principles (set:number, comma-separated)", "Principper (sæt:nummer, kommasepareret)",
                     "Prinsipper (sett:nummer, kommaseparert)", "Principes (set:nummer, kommagescheiden)"),
    "f_start": ("Start", "Start", "Start", "Start"),
    "f_end": ("End", "Slut", "Slutt", "Einde"),
    "f_status": ("Status", "Status", "Status", "Status"),
    "f_author": ("Your name", "Dit navn", "Ditt navn", "Je naam"),
    "f_reason": ("Reason for the change", "Begrundelse", "Begrunnelse", "Reden van de wijziging"),
    "version": ("Version", "Version", "Versjon", "Versie"),
    "api_reference": ("API reference", "API-reference", "API-referanse", "API-referentie"),
    "api_intro": (
        "Every page has a JSON twin at the same path with .json; writes need Authorization: Bearer TOKEN.",
        "Hver side har en JSON-tvilling på samme sti med .json; skrivninger kræver Authorization: Bearer TOKEN.",
        "Hver side har en JSON-tvilling på samme sti med .json; skriving krever Authorization: Bearer TOKEN.",
        "Elke pagina heeft een JSON-tweeling op hetzelfde pad met .json; schrijven vereist Authorization: Bearer TOKEN."),
    "method": ("Method", "Metode", "Metode", "Methode"),
    "path": ("Path", "Sti", "Sti", "Pad"),
    "description": ("Description", "Beskrivelse", "Beskrivelse", "Beschrijving"),
    "auth": ("Token needed", "Kræver token", "Krever token", "Token nodig"),
    "error": ("Error", "Fejl", "Feil", "Fout"),
    "json_twin": ("JSON", "JSON", "JSON", "JSON"),
    "notes": ("Notes", "Noter", "Merknader", "Opmerkingen"),
    "published_tables": ("Published tables", "Offentliggjorte tabeller", "Publiserte tabeller",
                         "Gepubliceerde tabellen"),
    "not_on_list": ("Not on any list in {year}.", "Ikke på nogen liste i {year}.", "Ikke på noen liste i {year}.",
                    "Op geen enkele lijst in {year}."),
    "on_lists": ("On the list(s) in {year}: {lists}.", "På listen/listerne i {year}: {lists}.",
                 "På listen(e) i {year}: {lists}.", "Op de lijst(en) in {year}: {lists}."),
    "building": ("The publication is being built; try again in a moment.",
                 "Publikationen bygges; prøv igen om lidt.", "Publikasjonen bygges; prøv igjen om litt.",
                 "De publicatie wordt opgebouwd; probeer het zo opnieuw."),
}

LABELS: dict[str, dict[str, str]] = {k: dict(zip(LANGUAGES, v, strict=True)) for k, v in _ROWS.items()}


def t(key: str, lang: str, **params) -> str:
    """A web label in ``lang`` (the report's label table when the key is not the web app's own).

    >>> t("nav_map", "da"), t("year", "nl"), t("not_on_list", "en", year=2024)
    ('Kort', 'Jaar', 'Not on any list in 2024.')
    """
    check_lang(lang, "web page")
    row = LABELS.get(key)
    text = row[lang] if row else report_label(key, lang)
    return text.format(**params) if params else text
