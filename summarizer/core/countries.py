"""Names of countries, to tell a country from a city or a region.

The labelling mode fills ``country`` from a place the text names; a 1.5B model often
names none, a city ("Texas"), or the venue of a meeting.  The recogniser's GPE label
covers cities and states as well, so the library keeps its own short list: sovereign
states by their usual English short names and common alternative spellings.
"""

from __future__ import annotations

import re

_NAMES = """
afghanistan, albania, algeria, andorra, angola, antigua and barbuda, argentina, armenia,
australia, austria, azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium,
belize, benin, bhutan, bolivia, bosnia and herzegovina, bosnia, botswana, brazil, brunei,
bulgaria, burkina faso, burundi, cambodia, cameroon, canada, cape verde,
central african republic, chad, chile, china, colombia, comoros, congo,
democratic republic of the congo, drc, costa rica, cote d'ivoire, ivory coast, croatia, cuba,
cyprus, czech republic, czechia, denmark, djibouti, dominica, dominican republic, east timor,
timor-leste, ecuador, egypt, el salvador, equatorial guinea, eritrea, estonia, eswatini,
swaziland, ethiopia, fiji, finland, france, gabon, gambia, georgia, germany, ghana, greece,
grenada, guatemala, guinea, guinea-bissau, guyana, haiti, honduras, hungary, iceland, india,
indonesia, iran, iraq, ireland, israel, italy, jamaica, japan, jordan, kazakhstan, kenya,
kiribati, kosovo, kuwait, kyrgyzstan, laos, latvia, lebanon, lesotho, liberia, libya,
liechtenstein, lithuania, luxembourg, madagascar, malawi, malaysia, maldives, mali, malta,
marshall islands, mauritania, mauritius, mexico, micronesia, moldova, monaco, mongolia,
montenegro, morocco, mozambique, myanmar, burma, namibia, nauru, nepal, netherlands,
new zealand, nicaragua, niger, nigeria, north korea, north macedonia, macedonia, norway, oman,
pakistan, palau, palestine, panama, papua new guinea, paraguay, peru, philippines, poland,
portugal, qatar, romania, russia, rwanda, saint kitts and nevis, saint lucia,
saint vincent and the grenadines, samoa, san marino, sao tome and principe, saudi arabia,
senegal, serbia, seychelles, sierra leone, singapore, slovakia, slovenia, solomon islands,
somalia, south africa, south korea, south sudan, spain, sri lanka, sudan, suriname, sweden,
switzerland, syria, taiwan, tajikistan, tanzania, thailand, togo, tonga, trinidad and tobago,
tunisia, turkey, turkiye, turkmenistan, tuvalu, uganda, ukraine, united arab emirates, uae,
united kingdom, uk, britain, great britain, united states, us, usa, united states of america,
uruguay, uzbekistan, vanuatu, vatican, venezuela, vietnam, yemen, zambia, zimbabwe
"""
COUNTRIES = frozenset(" ".join(n.split()) for n in _NAMES.split(","))


def key(name: str) -> str:
    """A name as the list holds it: lower case, no stops, "the" and "Republic of" away."""
    low = name.lower().replace(".", "").replace("’", "'").strip()
    low = re.sub(r"^(?:the\s+)?(?:republic of\s+)?", "", low)
    return " ".join(low.split())


def is_country(name: str) -> bool:
    """Whether ``name`` is a country's name ("Syria", "the U.S.", "UK"), not a city,
    a province or a region."""
    return key(name) in COUNTRIES
