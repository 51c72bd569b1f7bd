"""Labels of the report's "Initiatives" section (the registry, issue 10), in
the four languages of :mod:`kvarter.report.i18n`, which merges them into its
table. Keys are column names of the registry's published tables and the
values they hold (statuses, designs, directions)."""

# key: (en, da, no, nl)
ROWS: dict[str, tuple[str, str, str, str]] = {
    # section and headings
    "initiatives": ("Initiatives", "Indsatser", "Tiltak", "Initiatieven"),
    "initiatives_by_area": ("Initiatives per area", "Indsatser pr. område", "Tiltak per område", "Initiatieven per gebied"),
    "outcome_indicators": (
        "Outcome indicators: baseline, target and latest value",
        "Effektindikatorer: udgangspunkt, mål og seneste værdi",
        "Resultatindikatorer: utgangspunkt, mål og siste verdi",
        "Uitkomstindicatoren: nulmeting, doel en laatste waarde",
    ),
    "evidence_levels": ("Evidence of effect", "Dokumenteret effekt", "Dokumentert effekt", "Bewijs van effect"),
    "principles_served": ("Principles served", "Principper, indsatserne tjener", "Prinsipper tiltakene tjener",
                          "Principes waaraan de initiatieven bijdragen"),
    # columns
    "name": ("Name", "Navn", "Navn", "Naam"),
    "start": ("Start", "Start", "Start", "Start"),
    "end": ("End", "Slut", "Slutt", "Einde"),
    "target_groups": ("Target groups", "Målgrupper", "Målgrupper", "Doelgroepen"),
    "principles": ("Principles", "Principper", "Prinsipper", "Principes"),
    "partners": ("Partners", "Partnere", "Partnere", "Partners"),
    "evaluations": ("Evaluations", "Evalueringer", "Evalueringer", "Evaluaties"),
    "best_evidence": ("Best evidence", "Bedste evidens", "Beste evidens", "Sterkste bewijs"),
    "evidence_strength": ("Evidence strength (0-5)", "Evidensstyrke (0-5)", "Evidensstyrke (0-5)", "Bewijskracht (0-5)"),
    "strength": ("Strength (0-5)", "Styrke (0-5)", "Styrke (0-5)", "Kracht (0-5)"),
    "example": ("Example", "Eksempel", "Eksempel", "Voorbeeld"),
    "baseline": ("Baseline", "Udgangspunkt", "Utgangspunkt", "Nulmeting"),
    "baseline_year": ("Baseline year", "Udgangsår", "Utgangsår", "Jaar nulmeting"),
    "target": ("Target", "Mål", "Mål", "Doel"),
    "target_year": ("Target year", "Målår", "Målår", "Doeljaar"),
    "municipality_value": ("Municipality", "Kommunen", "Kommunen", "Gemeente"),
    "better": ("Better when", "Bedre når", "Bedre når", "Beter als"),
    "design": ("Design", "Design", "Design", "Opzet"),
    "scale": ("Scale", "Skala", "Skala", "Schaal"),
    "level": ("Level", "Niveau", "Nivå", "Niveau"),
    "effect": ("Effect", "Effekt", "Effekt", "Effect"),
    "effect_low": ("Lower limit", "Nedre grænse", "Nedre grense", "Ondergrens"),
    "effect_high": ("Upper limit", "Øvre grænse", "Øvre grense", "Bovengrens"),
    "follow_up_months": ("Follow-up (months)", "Opfølgning (måneder)", "Oppfølging (måneder)", "Follow-up (maanden)"),
    "principle": ("Principle", "Princip", "Prinsipp", "Principe"),
    "title_en": ("Principle", "Princip", "Prinsipp", "Principe"),
    "title_da": ("Principle", "Princip", "Prinsipp", "Principe"),
    "title_no": ("Principle", "Princip", "Prinsipp", "Principe"),
    "title_nl": ("Principle", "Princip", "Prinsipp", "Principe"),
    "areas": ("Areas", "Områder", "Områder", "Gebieden"),
    # values
    "running": ("running", "i gang", "pågår", "lopend"),
    "planned": ("planned", "planlagt", "planlagt", "gepland"),
    "ended": ("ended", "afsluttet", "avsluttet", "afgerond"),
    "higher": ("higher", "højere", "høyere", "hoger"),
    "lower": ("lower", "lavere", "lavere", "lager"),
    "randomised_trial": ("randomised trial", "lodtrækningsforsøg", "randomisert forsøk", "gerandomiseerd onderzoek"),
    "meta_analysis": ("meta-analysis", "metaanalyse", "metaanalyse", "meta-analyse"),
    "quasi_experiment": ("quasi-experiment", "kvasieksperiment", "kvasieksperiment", "quasi-experiment"),
    "difference_in_differences": ("difference in differences", "forskel i forskelle", "forskjell i forskjeller",
                                  "verschil in verschillen"),
    "staggered_adoption": ("staggered adoption", "forskudt indførelse", "trinnvis innføring", "gespreide invoering"),
    "before_after_with_comparison": ("before and after, with comparison", "før og efter, med sammenligning",
                                     "før og etter, med sammenligning", "voor en na, met vergelijking"),
    "before_after": ("before and after", "før og efter", "før og etter", "voor en na"),
    "cross_sectional": ("cross-sectional", "tværsnit", "tverrsnitt", "dwarsdoorsnede"),
    "qualitative": ("qualitative", "kvalitativ", "kvalitativ", "kwalitatief"),
    "monitoring": ("monitoring", "monitorering", "monitorering", "monitoring"),
    "initiatives_summary": (
        "{n} initiatives run in {m} areas; {e} of them have evidence of strength 3 or more on kvarter's 0-5 "
        "ladder (Maryland level 3, before and after with a comparison group, or stronger).",
        "{n} indsatser kører i {m} områder; {e} af dem har evidens med styrke 3 eller mere på kvarters skala 0-5 "
        "(Maryland niveau 3, før og efter med en sammenligningsgruppe, eller stærkere).",
        "{n} tiltak pågår i {m} områder; {e} av dem har evidens med styrke 3 eller mer på kvarters skala 0-5 "
        "(Maryland nivå 3, før og etter med en sammenligningsgruppe, eller sterkere).",
        "{n} initiatieven lopen in {m} gebieden; {e} daarvan hebben bewijs met kracht 3 of meer op kvarters schaal 0-5 "
        "(Maryland-niveau 3, voor en na met een vergelijkingsgroep, of sterker).",
    ),
    "initiatives_examples": (
        "Initiatives marked “(eksempel)” are invented examples for the demo.",
        "Indsatser mærket “(eksempel)” er opdigtede eksempler til demoen.",
        "Tiltak merket «(eksempel)» er oppdiktede eksempler for demoen.",
        "Initiatieven gemarkeerd met “(eksempel)” zijn verzonnen voorbeelden voor de demo.",
    ),
}
