"""Labels of the report's benchmarks section in its four languages (en, da,
no, nl), merged into :data:`kvarter.report.i18n.LABELS`."""

# key: (en, da, no, nl)
ROWS: dict[str, tuple[str, str, str, str]] = {
    "benchmarks": ("Benchmarks", "Benchmarking", "Sammenligning", "Benchmarks"),
    "benchmark_areas": ("The city's areas against the city", "Byens områder mod hele byen",
                        "Byens områder mot hele byen", "De buurten van de stad tegen de stad"),
    "benchmark_municipalities": ("Municipalities against their size class", "Kommuner mod deres størrelsesklasse",
                                 "Kommuner mot sin størrelsesklasse", "Gemeenten tegen hun grootteklasse"),
    "funnel": ("Funnel plot", "Tragtdiagram", "Traktdiagram", "Trechterdiagram"),
    "spine": ("Spine chart", "Rygsøjlediagram", "Ryggradsdiagram", "Ruggengraatdiagram"),
    "reference": ("Reference", "Reference", "Referanse", "Referentie"),
    "reference_group": ("Reference group", "Referencegruppe", "Referansegruppe", "Referentiegroep"),
    "precision": ("Persons counted", "Personer talt med", "Personer telt", "Getelde personen"),
    "target": ("Target", "Mål", "Mål", "Doel"),
    "difference": ("Difference", "Forskel", "Forskjell", "Verschil"),
    "percentile_rank": ("Percentile rank", "Percentilrang", "Persentilrang", "Percentielrang"),
    "z_score": ("z-score", "z-værdi", "z-verdi", "z-score"),
    "group": ("Group", "Gruppe", "Gruppe", "Groep"),
    "row": ("Row", "Række", "Rad", "Rij"),
    "name": ("Name", "Navn", "Navn", "Naam"),
    "unit": ("Unit", "Enhed", "Enhet", "Eenheid"),
    "limits_95": ("95 % limits", "95 %-grænser", "95 %-grenser", "95%-grenzen"),
    "limits_998": ("99.8 % limits", "99,8 %-grænser", "99,8 %-grenser", "99,8%-grenzen"),
    "group_range": ("range of the group", "gruppens spænd", "gruppens spenn", "spreiding van de groep"),
    "middle_half": ("middle 50 %", "midterste 50 %", "midterste 50 %", "middelste 50%"),
    "below_998": ("below the 99.8 % limit", "under 99,8 %-grænsen", "under 99,8 %-grensen", "onder de 99,8%-grens"),
    "below_95": ("below the 95 % limit", "under 95 %-grænsen", "under 95 %-grensen", "onder de 95%-grens"),
    "inside": ("inside the limits", "inden for grænserne", "innenfor grensene", "binnen de grenzen"),
    "above_95": ("above the 95 % limit", "over 95 %-grænsen", "over 95 %-grensen", "boven de 95%-grens"),
    "above_998": ("above the 99.8 % limit", "over 99,8 %-grænsen", "over 99,8 %-grensen", "boven de 99,8%-grens"),
    "benchmark_reference_note": (
        "The reference is the group's pooled value with the unit included; a reference without the unit is "
        "not published, since beside the group's total it would give the unit away.",
        "Referencen er gruppens samlede værdi med enheden selv; en reference uden enheden offentliggøres ikke, "
        "da den sammen med gruppens total ville afsløre enheden.",
        "Referansen er gruppens samlede verdi med enheten selv; en referanse uten enheten publiseres ikke, "
        "fordi den sammen med gruppens total ville avsløre enheten.",
        "De referentie is de gepoolde waarde van de groep met de eenheid zelf; een referentie zonder de eenheid "
        "wordt niet gepubliceerd, omdat die naast het groepstotaal de eenheid zou onthullen.",
    ),
    "overdispersion_found": (
        "Overdispersion found (φ = {phi}): the limits drawn are widened ({limits}).",
        "Overspredning fundet (φ = {phi}): de viste grænser er udvidet ({limits}).",
        "Overspredning funnet (φ = {phi}): grensene som vises er utvidet ({limits}).",
        "Overdispersie gevonden (φ = {phi}): de getoonde grenzen zijn verbreed ({limits}).",
    ),
    "no_overdispersion": (
        "No overdispersion (φ = {phi}): plain {limits} limits.",
        "Ingen overspredning (φ = {phi}): almindelige {limits} grænser.",
        "Ingen overspredning (φ = {phi}): vanlige {limits} grenser.",
        "Geen overdispersie (φ = {phi}): gewone {limits} grenzen.",
    ),
    "outside_998_count": (
        "{n} of {total} units lie outside the 99.8 % limits.",
        "{n} af {total} enheder ligger uden for 99,8 %-grænserne.",
        "{n} av {total} enheter ligger utenfor 99,8 %-grensene.",
        "{n} van de {total} eenheden liggen buiten de 99,8%-grenzen.",
    ),
}
