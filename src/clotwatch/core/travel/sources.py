"""The sources of the long-journey plan, each cited once; the plan's rules name them by key."""

from __future__ import annotations

from typing import NamedTuple


class Source(NamedTuple):
    """A publication the plan follows, with what it says that the plan uses."""

    key: str
    citation: str
    says: str


WHO_WRIGHT = Source(
    "who-wright-2007",
    "World Health Organization. WHO Research Into Global Hazards of Travel (WRIGHT) project: "
    "final report of phase I. Geneva: WHO; 2007.",
    "The risk of venous thromboembolism approximately doubles after a long-haul flight "
    "(more than 4 hours) and with other travel with prolonged seated immobility; it rises with "
    "the length of the journey and stays raised for some weeks.",
)
ACCP_2012 = Source(
    "accp-2012-kahn",
    "Kahn SR, Lim W, Dunn AS, et al. Prevention of VTE in nonsurgical patients: Antithrombotic "
    "Therapy and Prevention of Thrombosis, 9th ed: American College of Chest Physicians "
    "Evidence-Based Clinical Practice Guidelines. Chest 2012;141(2 Suppl):e195S-e226S. "
    "doi:10.1378/chest.11-2296",
    "Long-distance travellers at increased risk (previous VTE, recent surgery or trauma, active "
    "malignancy, pregnancy, estrogen use, advanced age, limited mobility, severe obesity, known "
    "thrombophilic disorder): frequent ambulation, calf muscle exercise, an aisle seat if "
    "feasible (Grade 2C); properly fitted below-knee graduated compression stockings of 15-30 "
    "mm Hg at the ankle during travel (Grade 2C). Other long-distance travellers: no stockings "
    "(Grade 2C). No aspirin or anticoagulants to prevent VTE on the journey (Grade 2C).",
)
BSH_2011 = Source(
    "bsh-2011-watson",
    "Watson HG, Baglin TP. Guidelines on travel-related venous thrombosis. Br J Haematol "
    "2011;152(1):31-34. PMID: 21083651",
    "Keeping mobile is a reasonable precaution for every traveller on journeys over 3 hours "
    "(2B). Highest risk: major surgery within 1 month, active malignancy, previous unprovoked or "
    "travel-related VTE, or more than one risk factor; risk is assessed individually (1C). A "
    "thrombosis up to 8 weeks after a journey may be travel-related. No evidence links "
    "dehydration with travel-related VTE.",
)
HEALY_2010 = Source(
    "healy-2010",
    "Healy B, Levin E, Perrin K, Weatherall M, Beasley R. Prolonged work- and computer-related "
    "seated immobility and risk of venous thromboembolism. J R Soc Med 2010;103(11):447-454. "
    "doi:10.1258/jrsm.2010.100155",
    "Sitting at least 2 hours at a time without getting up was linked with venous "
    "thromboembolism (odds ratio 2.8).",
)
CLOTWATCH = Source(
    "clotwatch",
    "clotwatch's own choice (no source gives a figure); docs/activity.md says why.",
    "",
)

SOURCES: dict[str, Source] = {s.key: s for s in (WHO_WRIGHT, ACCP_2012, BSH_2011, HEALY_2010,
                                                  CLOTWATCH)}
