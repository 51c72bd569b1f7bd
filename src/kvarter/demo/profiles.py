"""The shape of "Demoby" and its neighbours: area profiles and the municipal layout.

A *profile* holds the parameters that make an area what it is (the mean
socio-economic standing of its households, its origin and household-type mix,
its tenure, and shifts in employment, crime and health). The numbers were
tuned so that the synthetic panel reproduces the contrasts in the sources:

* Gentofte's key figures (seed 000): Demoby's small social housing areas
  against the whole municipality show non-western immigrants and descendants
  29 % vs 8 %, single-adult households 67 % vs 46 %, household income about a
  third of the municipal average, and charged persons ×4, charges ×5+ and
  convictions ×6 per 1,000 residents.
* The Danish state's criteria: in the neighbouring municipality Nordby one
  housing area is a parallel society (non-western > 50 % and at least two
  criteria), one is a prevention area (non-western > 30 %) and one is deprived
  without a non-western majority; every other area meets at most one.

Region Hovedstaden holds Demoby, Nordby and Vestby; Sydstrup lies in Region
Sjælland, so that area, municipality, region and country levels all differ.

>>> PROFILES["parallel"].origin[2] > 0.5
True
>>> round(sum(m.share for m in MUNICIPALITIES), 6)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

ORIGINS = ("native", "western", "non_western")
GENERATIONS = ("none", "immigrant", "descendant")
HOUSEHOLD_TYPES = (
    "single_no_children",
    "single_with_children",
    "couple_no_children",
    "couple_with_children",
    "other",
)
EDUCATIONS = (
    "basic",
    "upper_secondary",
    "vocational",
    "short_tertiary",
    "medium_tertiary",
    "long_tertiary",
)
LABOUR_STATUSES = (
    "employed",
    "unemployed",
    "outside_labour_force",
    "in_education",
    "retired",
    "child",
)
TENURES = ("owner", "cooperative", "social_rent", "municipal_rent", "private_rent")


@dataclass(frozen=True)
class Profile:
    """Parameters of one kind of area.

    ``ses`` is the mean of the households' latent socio-economic standing
    (standard-normal scale); ``origin``, ``household_types`` and ``tenure``
    are probabilities in the order of :data:`ORIGINS`,
    :data:`HOUSEHOLD_TYPES` and :data:`TENURES`. ``employment`` shifts the
    employment latent (logit-like scale) and ``employment_trend`` is the
    further shift reached in the last year (slow improvement). ``crime`` and
    ``convictions`` multiply the national charge and conviction risks,
    ``charges`` is the mean number of extra charges per charged person.
    ``income`` multiplies earnings; ``health`` shifts the chronic-condition
    latent.
    """

    ses: float
    origin: tuple[float, float, float]
    household_types: tuple[float, float, float, float, float]
    tenure: tuple[float, float, float, float, float]
    employment: float = 0.0
    employment_trend: float = 0.0
    crime: float = 1.0
    convictions: float = 1.0
    charges: float = 0.4
    income: float = 1.0
    health: float = 0.0
    education: float = 0.0
    social_housing: bool = False


PROFILES: dict[str, Profile] = {
    # Owner-occupied villa quarters of a wealthy municipality (Gentofte-like).
    "affluent": Profile(
        ses=1.0,
        origin=(0.87, 0.08, 0.05),
        household_types=(0.19, 0.04, 0.33, 0.40, 0.04),
        tenure=(0.82, 0.06, 0.0, 0.0, 0.12),
        crime=0.55,
        convictions=0.45,
        charges=0.3,
        income=1.45,
        health=-0.2,
        education=0.3,
    ),
    "average": Profile(
        ses=0.15,
        origin=(0.86, 0.06, 0.08),
        household_types=(0.29, 0.06, 0.29, 0.30, 0.06),
        tenure=(0.55, 0.15, 0.05, 0.0, 0.25),
    ),
    # Flats near the station: cooperative and private rent, many young singles.
    "mixed": Profile(
        ses=-0.05,
        origin=(0.80, 0.08, 0.12),
        household_types=(0.42, 0.07, 0.24, 0.20, 0.07),
        tenure=(0.25, 0.30, 0.05, 0.05, 0.35),
        crime=1.2,
        convictions=1.2,
    ),
    # Ordinary social housing: poorer than average, meets none of the criteria.
    "social": Profile(
        ses=-0.55,
        origin=(0.72, 0.06, 0.22),
        household_types=(0.38, 0.13, 0.18, 0.24, 0.07),
        tenure=(0.0, 0.0, 0.95, 0.05, 0.0),
        employment=0.15,
        crime=1.3,
        convictions=1.3,
        charges=0.5,
        income=1.15,
        health=0.2,
    ),
    # Demoby's small social and municipal housing estates (Gentofte's
    # "udvalgte boligområder"): too small for the state's lists.
    "small_social": Profile(
        ses=-1.3,
        origin=(0.625, 0.07, 0.305),
        household_types=(0.40, 0.14, 0.15, 0.25, 0.06),
        tenure=(0.0, 0.0, 0.60, 0.40, 0.0),
        employment=0.0,
        crime=1.5,
        convictions=2.8,
        charges=1.6,
        income=0.8,
        health=0.4,
        social_housing=True,
    ),
    "deprived": Profile(
        ses=-1.5,
        origin=(0.68, 0.06, 0.26),
        household_types=(0.48, 0.18, 0.12, 0.17, 0.05),
        tenure=(0.0, 0.0, 0.97, 0.03, 0.0),
        employment=-0.25,
        employment_trend=0.45,
        crime=3.2,
        convictions=3.8,
        charges=0.8,
        income=0.8,
        health=0.5,
        education=-0.25,
        social_housing=True,
    ),
    "prevention": Profile(
        ses=-1.0,
        origin=(0.56, 0.06, 0.38),
        household_types=(0.42, 0.16, 0.13, 0.24, 0.05),
        tenure=(0.0, 0.0, 0.97, 0.03, 0.0),
        employment=0.05,
        employment_trend=0.0,
        crime=2.0,
        convictions=1.6,
        charges=0.6,
        income=1.45,
        health=0.3,
        education=-0.35,
        social_housing=True,
    ),
    "parallel": Profile(
        ses=-1.6,
        origin=(0.36, 0.04, 0.60),
        household_types=(0.34, 0.18, 0.10, 0.32, 0.06),
        tenure=(0.0, 0.0, 0.98, 0.02, 0.0),
        employment=-0.25,
        employment_trend=0.5,
        crime=3.2,
        convictions=4.0,
        charges=0.8,
        income=0.8,
        health=0.5,
        education=-0.2,
        social_housing=True,
    ),
}


@dataclass(frozen=True)
class HousingArea:
    """A named social housing area and its share of the municipality's residents."""

    name: str
    profile: str
    share: float


@dataclass(frozen=True)
class Municipality:
    """A municipality: its region, share of all persons, map position, housing
    areas and the profiles its ordinary neighbourhoods cycle through."""

    name: str
    code: str
    region: str
    share: float
    lat: float
    lon: float
    housing: tuple[HousingArea, ...]
    neighbourhoods: tuple[str, ...]
    neighbourhood_names: tuple[str, ...]


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality(
        "Demoby", "DEM", "Region Hovedstaden", 0.50, 55.745, 12.545,
        housing=(
            HousingArea("Kildeparken", "small_social", 0.018),
            HousingArea("Mosegården", "small_social", 0.016),
            HousingArea("Bøgevangen", "small_social", 0.014),
            HousingArea("Skovbrynet", "small_social", 0.014),
            HousingArea("Lindehaven", "small_social", 0.012),
        ),
        neighbourhoods=("affluent", "affluent", "average", "affluent", "mixed", "affluent"),
        neighbourhood_names=(
            "Hellerup Strand", "Ordrup Krat", "Vangede By", "Dyssegård", "Jægersborg",
            "Skovshoved", "Bernstorff", "Charlottenlund", "Gentoftegade", "Kildegård",
            "Tranegård", "Søgårdsvej", "Maglegård", "Hyldegård", "Munkegård", "Ermelund",
        ),
    ),
    Municipality(
        "Nordby", "NOR", "Region Hovedstaden", 0.25, 55.805, 12.455,
        housing=(
            HousingArea("Nordparken", "parallel", 0.12),
            HousingArea("Engvejen", "prevention", 0.10),
            HousingArea("Stationsbyen", "deprived", 0.10),
            HousingArea("Vænget", "social", 0.10),
        ),
        neighbourhoods=("average", "mixed", "average"),
        neighbourhood_names=(
            "Nordby Centrum", "Søborg Mark", "Højmarken", "Bakkegården", "Ryetbyen",
            "Kongevejen", "Møllemosen", "Lundebjerg",
        ),
    ),
    Municipality(
        "Vestby", "VES", "Region Hovedstaden", 0.10, 55.735, 12.375,
        housing=(HousingArea("Vestervang", "social", 0.26),),
        neighbourhoods=("average", "affluent"),
        neighbourhood_names=("Vestby Landsby", "Ålholm", "Ballerup Nord", "Egebjerg", "Kirkebakken"),
    ),
    Municipality(
        "Sydstrup", "SYD", "Region Sjælland", 0.15, 55.455, 11.835,
        housing=(
            HousingArea("Sydparken", "social", 0.17),
            HousingArea("Åbakken", "social", 0.17),
        ),
        neighbourhoods=("average", "mixed", "average"),
        neighbourhood_names=(
            "Sydstrup Bymidte", "Ringstedvej", "Præstemarken", "Havnekvarteret", "Skovbo",
            "Næstvedvej",
        ),
    ),
)

COUNTRY = "Danmark"
