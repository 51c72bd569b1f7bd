"""Person outcomes in one year, as small vectorised functions of latent traits.

Every outcome depends on the household's socio-economic standing ``s``, the
person's own resources ``e`` (both standard-normal scale), age, origin and
the area's profile, which is what makes origin, education, employment,
income, crime and health correlate and cluster by area the way register data
do. Codes index the tuples in :mod:`kvarter.demo.profiles`.
"""

from __future__ import annotations

import numpy as np

# Education codes 0..5 = basic .. long_tertiary; the age at which each is
# completed (before a person's own delay of 0-2 years).
COMPLETION_AGE = np.array([16, 19, 21, 22, 24, 26])
# Cut points of the education latent (basic | upper secondary | vocational |
# short | medium | long), set so that about 18 % of 30-59-year-olds nationally
# have basic education only, as in Danish registers.
EDUCATION_CUTS = np.array([-0.80, -0.52, 0.28, 0.45, 1.10])
# Employment latent threshold: about 78 % of 18-64-year-olds not in education work.
EMPLOYMENT_CUT = -0.95
UNEMPLOYED, OUTSIDE, IN_EDUCATION, RETIRED, CHILD, EMPLOYED = 1, 2, 3, 4, 5, 0


def education_potential(s, e, birth_year, immigrant, shift=0.0):
    """Highest education a person will complete (code 0-5).

    The latent ``0.55·s + 0.75·e + shift`` is lowered by 0.3 for first-generation
    immigrants and by up to 0.45 for cohorts born before 1965, then cut at
    :data:`EDUCATION_CUTS`.

    >>> education_potential(np.array([-2.0, 0.0, 3.0]), np.zeros(3), np.full(3, 1990), np.zeros(3, bool)).tolist()
    [0, 2, 5]
    """
    cohort = -0.45 * np.clip((1965 - np.asarray(birth_year)) / 30, 0, 1)
    latent = 0.55 * np.asarray(s) + 0.75 * np.asarray(e) + cohort - 0.3 * np.asarray(immigrant) + shift
    return np.searchsorted(EDUCATION_CUTS, latent).astype(np.int8)


def education_attained(potential, age, delay):
    """Education completed by ``age`` (code 0-5, or -1 under 15), and whether
    the person is in education.

    Someone heading for tertiary education holds an upper secondary exam from
    19 (+ delay); everyone is in education from 6 until their potential is
    completed.

    >>> att, inedu = education_attained(np.array([5, 5, 5, 2]), np.array([14, 20, 30, 18]), np.zeros(4, int))
    >>> att.tolist(), inedu.tolist()
    ([-1, 1, 5, 0], [True, True, False, True])
    """
    potential = np.asarray(potential)
    age = np.asarray(age)
    done_at = COMPLETION_AGE[potential] + delay
    attained = np.where(age >= done_at, potential, np.where((potential >= 3) & (age >= 19 + delay), 1, 0))
    attained = np.where(age < 15, -1, attained).astype(np.int8)
    in_education = (age >= 6) & (age < done_at)
    return attained, in_education


def labour_status(z, age, in_education, u):
    """Labour-market status code from the employment latent ``z``.

    Under 15: child; in education: in_education; 65+: retired unless ``z`` is
    far above the threshold (working pensioners up to 69); otherwise employed
    when ``z`` exceeds :data:`EMPLOYMENT_CUT`, else (by the uniform ``u``)
    unemployed, early retired (60-64) or outside the labour force.

    >>> labour_status(np.array([0.0, -3.0, -3.0, 0.0, 0.0]), np.array([40, 40, 62, 70, 10]),
    ...               np.zeros(5, bool), np.array([0.5, 0.1, 0.7, 0.5, 0.5])).tolist()
    [0, 1, 4, 4, 5]
    """
    age = np.asarray(age)
    employed = z > EMPLOYMENT_CUT
    jobless = np.where(u < 0.2, UNEMPLOYED, np.where((age >= 60) & (u > 0.5), RETIRED, OUTSIDE))
    status = np.where(employed, EMPLOYED, jobless)
    status = np.where(age >= 65, np.where((age <= 69) & (z > EMPLOYMENT_CUT + 1.6), EMPLOYED, RETIRED), status)
    status = np.where(in_education & (age >= 15), IN_EDUCATION, status)
    return np.where(age < 15, CHILD, status).astype(np.int8)


def gross_income(status, s, e, attained, age, sex, multiplier, noise, growth):
    """Personal gross income (DKK) by status; earnings rise with education,
    resources, experience and the area's income multiplier.

    >>> gross_income(np.array([0, 2, 5]), np.zeros(3), np.zeros(3), np.array([2, 0, -1]),
    ...              np.array([40, 40, 8]), np.zeros(3), np.ones(3), np.zeros(3), 1.0).round(-3).tolist()
    [413000.0, 150000.0, 0.0]
    """
    age = np.asarray(age, dtype=float)
    experience = 0.25 * np.clip((age - 22) / 20, 0, 1) - 0.1 * np.clip((age - 58) / 10, 0, 1)
    wage = 330_000 * np.exp(
        0.12 * (np.maximum(attained, 0) - 2) + 0.22 * s + 0.15 * e + experience - 0.12 * sex + 0.2 * noise
    ) * multiplier
    by_status = np.select(
        [status == EMPLOYED, status == UNEMPLOYED, status == OUTSIDE, status == IN_EDUCATION, status == RETIRED],
        [wage,
         215_000 * np.exp(0.05 * noise),
         150_000 * np.exp(0.15 * noise),
         np.where(age >= 18, 95_000, 25_000) * np.exp(0.3 * noise),
         190_000 * np.exp(0.25 * s + 0.2 * noise)],
        default=0.0,
    )
    return by_status * growth


def disposable(gross):
    """Gross income after a simplified progressive Danish tax (37 % above
    50,000, 15 % more above 600,000).

    >>> disposable(np.array([40_000.0, 300_000.0, 800_000.0])).tolist()
    [40000.0, 207500.0, 492500.0]
    """
    gross = np.asarray(gross, dtype=float)
    return gross - 0.37 * np.maximum(gross - 50_000, 0) - 0.15 * np.maximum(gross - 600_000, 0)


def crime_risk(age, sex, s, e):
    """Relative risk of being charged or convicted: zero under 15, highest for
    young men, lower with resources.

    >>> crime_risk(np.array([10, 20, 20, 70]), np.array([0, 0, 1, 0]), np.zeros(4), np.zeros(4)).round(2).tolist()
    [0.0, 4.0, 0.8, 0.2]
    """
    age = np.asarray(age)
    by_age = np.select(
        [age < 15, age < 18, age < 25, age < 30, age < 40, age < 50, age < 65],
        [0.0, 2.5, 4.0, 3.0, 2.0, 1.2, 0.6],
        default=0.2,
    )
    return by_age * np.where(np.asarray(sex) == 1, 0.2, 1.0) * np.exp(-0.5 * s - 0.4 * e)


def chronic_probability(age, s, shift):
    """Probability of at least one chronic condition, rising with age and
    falling with resources (logistic).

    >>> chronic_probability(np.array([40, 80]), np.zeros(2), np.zeros(2)).round(3).tolist()
    [0.168, 0.55]
    """
    return 1 / (1 + np.exp(-(-1.6 + 0.045 * (np.asarray(age) - 40) - 0.35 * s + shift)))
