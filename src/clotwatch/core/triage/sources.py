"""The clinical sources the triage rules and advice are written from.

Each rule and each piece of advice names one of these. The citation strings are shown to users
(``sources`` in the result) and in ``docs/triage.md``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A guideline page or paper: a short id, the citation shown to users, and where to read it."""

    id: str
    citation: str
    url: str


_ALL = (
    Source("nhs_dvt", "NHS: Deep vein thrombosis (DVT)",
           "https://www.nhs.uk/conditions/deep-vein-thrombosis-dvt/"),
    Source("nhs_pe", "NHS: Pulmonary embolism",
           "https://www.nhs.uk/conditions/pulmonary-embolism/"),
    Source("nhs_leg_cramps", "NHS: Leg cramps", "https://www.nhs.uk/conditions/leg-cramps/"),
    Source("nice_ng158",
           "NICE NG158: Venous thromboembolic diseases: diagnosis, management and thrombophilia "
           "testing (2020, updated 2023)", "https://www.nice.org.uk/guidance/ng158"),
    Source("nice_cks_dvt", "NICE CKS: Deep vein thrombosis (red flags and referral)",
           "https://cks.nice.org.uk/topics/deep-vein-thrombosis/"),
    Source("wells_dvt_2003",
           "Wells PS et al. Evaluation of D-dimer in the diagnosis of suspected deep-vein "
           "thrombosis. N Engl J Med 2003;349:1227-35. doi:10.1056/NEJMoa023153",
           "https://doi.org/10.1056/NEJMoa023153"),
    Source("left_rule",
           "Chan WS et al. Suspected pregnancy-related deep vein thrombosis: can we use a "
           "clinical prediction rule (LEFt)? Ann Intern Med 2009;151:85-92. PMID 19620161",
           "https://pubmed.ncbi.nlm.nih.gov/19620161/"),
    Source("rcog_gtg37",
           "RCOG Green-top Guidelines 37a and 37b: Reducing the risk of venous thromboembolism "
           "during pregnancy and the puerperium; Thromboembolic disease in pregnancy and the "
           "puerperium: acute management (2015)",
           "https://www.rcog.org.uk/guidance/browse-all-guidance/green-top-guidelines/"),
    Source("who_wright",
           "WHO Research Into Global Hazards of Travel (WRIGHT) project: final report of "
           "phase I (2007); Kuipers S et al. PLoS Med 2007;4:e290. "
           "doi:10.1371/journal.pmed.0040290",
           "https://doi.org/10.1371/journal.pmed.0040290"),
    Source("nhs_oedema", "NHS: Swollen ankles, feet and legs (oedema)",
           "https://www.nhs.uk/conditions/oedema/"),
    Source("nhs_cellulitis", "NHS: Cellulitis", "https://www.nhs.uk/conditions/cellulitis/"),
    Source("nhs_phlebitis", "NHS: Phlebitis (superficial thrombophlebitis)",
           "https://www.nhs.uk/conditions/phlebitis/"),
    Source("nhs_pad",
           "NHS: Peripheral arterial disease; NICE CG147 (acute limb ischaemia is an "
           "emergency)", "https://www.nhs.uk/conditions/peripheral-arterial-disease-pad/"),
    Source("nhs_leg_ulcer", "NHS: Venous leg ulcer",
           "https://www.nhs.uk/conditions/venous-leg-ulcer/"),
    Source("nhs_sprains", "NHS: Sprains and strains",
           "https://www.nhs.uk/conditions/sprains-and-strains/"),
    Source("nhs_palpitations", "NHS: Heart palpitations",
           "https://www.nhs.uk/conditions/heart-palpitations/"),
    Source("kahn_2009_pts",
           "Kahn SR et al. Definition of post-thrombotic syndrome of the leg for use in "
           "clinical investigations. J Thromb Haemost 2009;7:879-83. "
           "doi:10.1111/j.1538-7836.2009.03294.x",
           "https://doi.org/10.1111/j.1538-7836.2009.03294.x"),
    Source("safety_unknown",
           "clotwatch triage contract: an unknown answer is never read as \"no\"",
           "docs/triage.md"),
)

SOURCES: dict[str, Source] = {s.id: s for s in _ALL}
