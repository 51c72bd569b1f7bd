"""Labels of the report's "Housing" section (issue 12), in the four languages
of :mod:`kvarter.report.i18n`, which merges them into its table. Keys are
section headings, the measures and categories of the housing tables, and the
section's sentences (``{}`` fields filled by :mod:`kvarter.report.housing`)."""

# key: (en, da, no, nl)
ROWS: dict[str, tuple[str, str, str, str]] = {
    # section and headings
    "housing": ("Housing", "Bolig", "Bolig", "Wonen"),
    "housing_needs": ("Needs overview", "Behovsoversigt", "Behovsoversikt", "Behoefteoverzicht"),
    "housing_pathways": ("Municipal tenants by pathway to owning", "Kommunale lejere efter vej mod eje",
                         "Kommunale leietakere etter vei til eie", "Gemeentelijke huurders naar route naar eigendom"),
    "housing_checklist": ("Children in dwellings failing the child-suitability checklist",
                          "Børn i boliger, der ikke består tjeklisten for børnevenlighed",
                          "Barn i boliger som ikke består sjekklisten for barnevennlighet",
                          "Kinderen in woningen die niet voldoen aan de checklist voor kindvriendelijkheid"),
    "housing_stock": ("Social-housing stock", "Den almene boligmasse", "Den sosiale boligmassen", "Sociale woningvoorraad"),
    "housing_move_out": ("Move-out rate", "Fraflytningsprocent", "Utflyttingsrate", "Verhuisgraad"),
    "housing_population": ("Population by age", "Befolkning efter alder", "Befolkning etter alder", "Bevolking naar leeftijd"),
    "housing_instruments": ("Suggested focus areas and instruments", "Foreslåede indsatsområder og virkemidler",
                            "Foreslåtte innsatsområder og virkemidler", "Voorgestelde aandachtsgebieden en instrumenten"),
    "housing_assessment": ("Applications assessed for a start loan", "Ansøgninger vurderet for startlån",
                           "Søknader vurdert for startlån", "Aanvragen beoordeeld voor een startlening"),
    # measures
    "crowded_households_share": ("households crowded", "husstande trangt boende", "husholdninger trangbodde", "huishoudens krap behuisd"),
    "crowded_persons_share": ("persons crowded", "personer trangt boende", "personer trangbodde", "personen krap behuisd"),
    "crowded_families_share": ("families with children crowded", "børnefamilier trangt boende", "barnefamilier trangbodde",
                               "gezinnen met kinderen krap behuisd"),
    "crowded_low_income_families_share": ("low-income families crowded", "lavindkomstfamilier trangt boende",
                                          "lavinntektsfamilier trangbodde", "gezinnen met laag inkomen krap behuisd"),
    "persistent_low_income_children_share": ("children, persistent low income (EU)", "børn, vedvarende lavindkomst (EU)",
                                             "barn, vedvarende lavinntekt (EU)", "kinderen, langdurig laag inkomen (EU)"),
    "persistent_low_income_children_share_sqrt": ("children, persistent low income (√)", "børn, vedvarende lavindkomst (√)",
                                                  "barn, vedvarende lavinntekt (√)", "kinderen, langdurig laag inkomen (√)"),
    "renting_share": ("households renting", "husstande til leje", "husholdninger som leier", "huishoudens die huren"),
    "social_assistance_households_share": ("households on social assistance", "husstande på kontanthjælp",
                                           "husholdninger med sosialhjelp", "huishoudens met bijstand"),
    "municipal_dwellings_per_1000": ("municipal dwellings per 1,000 inhabitants", "kommunale boliger pr. 1.000 indbyggere",
                                     "kommunale boliger per 1 000 innbyggere", "gemeentelijke woningen per 1.000 inwoners"),
    "start_loan_applications_per_1000": ("start-loan applications per 1,000 inhabitants",
                                         "startlånsansøgninger pr. 1.000 indbyggere",
                                         "startlånssøknader per 1 000 innbyggere", "startleningaanvragen per 1.000 inwoners"),
    "children_failing_1plus": ("at least one item", "mindst ét punkt", "minst ett punkt", "minstens één punt"),
    "children_failing_3plus": ("three items or more", "tre punkter eller flere", "tre punkter eller flere", "drie punten of meer"),
    # pathways
    "pathway_1": ("1 can buy now", "1 kan købe nu", "1 kan kjøpe nå", "1 kan nu kopen"),
    "pathway_2": ("2 can pay, needs support", "2 kan betale, behøver støtte", "2 kan betale, trenger støtte",
                  "2 kan betalen, heeft steun nodig"),
    "pathway_3": ("3 cannot pay yet", "3 kan ikke betale endnu", "3 kan ikke betale ennå", "3 kan nog niet betalen"),
    "pathway_4": ("4 help into work first", "4 hjælp til arbejde først", "4 hjelp til arbeid først", "4 eerst hulp naar werk"),
    "pathway_5": ("5 family, stable home fast", "5 familie, stabil bolig hurtigt", "5 familie, stabil bolig raskt",
                  "5 gezin, snel een stabiel thuis"),
    "pathway_not_candidate": ("not a candidate", "ikke aktuel", "ikke aktuell", "geen kandidaat"),
    "pathway_unmapped": ("not mapped", "ikke kortlagt", "ikke kartlagt", "niet in kaart gebracht"),
    # checklist items
    "crowding": ("crowding", "trangboethed", "trangboddhet", "krappe behuizing"),
    "damp_rot": ("damp or rot", "fugt eller råd", "fukt eller råte", "vocht of rot"),
    "daylight": ("too little daylight", "for lidt dagslys", "for lite dagslys", "te weinig daglicht"),
    "garden_balcony": ("neither garden nor balcony", "hverken have eller altan", "verken hage eller balkong",
                       "geen tuin of balkon"),
    "noise": ("outside noise", "udendørs støj", "utendørs støy", "lawaai van buiten"),
    "playground": ("playground far away", "legeplads langt væk", "lekeplass langt unna", "speeltuin ver weg"),
    "safety": ("fear of violence or threats", "frygt for vold eller trusler", "frykt for vold eller trusler",
               "angst voor geweld of bedreiging"),
    "traffic": ("traffic unsafe for a five-year-old", "trafik usikker for en femårig", "trafikk utrygg for en femåring",
                "verkeer onveilig voor een vijfjarige"),
    # stock
    "dwellings": ("dwellings", "boliger", "boliger", "woningen"),
    "departments": ("departments", "afdelinger", "avdelinger", "complexen"),
    "addresses": ("addresses", "adresser", "adresser", "adressen"),
    "rooms_1": ("1 room", "1 rum", "1 rom", "1 kamer"),
    "rooms_2": ("2 rooms", "2 rum", "2 rom", "2 kamers"),
    "rooms_3": ("3 rooms", "3 rum", "3 rom", "3 kamers"),
    "rooms_4": ("4 rooms", "4 rum", "4 rom", "4 kamers"),
    "rooms_5_plus": ("5 rooms or more", "5 rum eller flere", "5 rom eller flere", "5 kamers of meer"),
    "social_family": ("social family dwellings", "almene familieboliger", "sosiale familieboliger", "sociale gezinswoningen"),
    "overall": ("overall", "i alt", "i alt", "totaal"),
    # sentences
    "housing_mapped_sentence": (
        "Ownership potential mapped for {share} of municipal tenants in {year} ({n} of {N}); {buy} could buy now "
        "and {support} more could pay but need support to choose buying.",
        "Ejerpotentialet er kortlagt for {share} af de kommunale lejere i {year} ({n} af {N}); {buy} kan købe nu, "
        "og {support} flere kan betale, men behøver støtte til at vælge at købe.",
        "Eierpotensialet er kartlagt for {share} av de kommunale leietakerne i {year} ({n} av {N}); {buy} kan kjøpe nå, "
        "og {support} flere kan betale, men trenger støtte til å velge å kjøpe.",
        "Het eigendomspotentieel is in kaart gebracht voor {share} van de gemeentelijke huurders in {year} ({n} van {N}); "
        "{buy} kunnen nu kopen en {support} anderen kunnen betalen maar hebben steun nodig om voor kopen te kiezen.",
    ),
    "housing_assessed_sentence": (
        "{share} of the {N} applications for municipal housing in {year} were assessed for a start loan.",
        "{share} af de {N} ansøgninger om kommunal bolig i {year} blev vurderet for startlån.",
        "{share} av de {N} søknadene om kommunal bolig i {year} ble vurdert for startlån.",
        "{share} van de {N} aanvragen voor een gemeentelijke woning in {year} werd beoordeeld voor een startlening.",
    ),
    "housing_crowding_sentence": (
        "{households} of households and {persons} of persons live crowded in {year} (Statistics Norway's definition).",
        "{households} af husstandene og {persons} af personerne bor trangt i {year} (SSB's definition).",
        "{households} av husholdningene og {persons} av personene er trangbodde i {year} (SSBs definisjon).",
        "{households} van de huishoudens en {persons} van de personen wonen krap in {year} (definitie van SSB).",
    ),
    "housing_suggest_sentence": (
        "{focus} — suggested in {unit} for {why}. Strategies: {strategies}. Instruments: {instruments}.",
        "{focus} — foreslået i {unit} for {why}. Strategier: {strategies}. Virkemidler: {instruments}.",
        "{focus} — foreslått i {unit} for {why}. Strategier: {strategies}. Virkemidler: {instruments}.",
        "{focus} — voorgesteld in {unit} voor {why}. Strategieën: {strategies}. Instrumenten: {instruments}.",
    ),
}
