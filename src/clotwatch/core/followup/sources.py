"""The sources the follow-up programmes and alert rules are written from.

Each programme and each alert rule names one or more of these ids. ``section`` says where in the
source the number is; ``checked`` records how the number was checked against the source (or that
it could not be checked from the material available, so a reviewer knows what to look at first).
Triage sources are reused by id where the follow-up rule is the triage rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from clotwatch.core.triage.sources import SOURCES as TRIAGE_SOURCES


@dataclass(frozen=True)
class Source:
    """A guideline or paper: id, citation (DOI/PMID or URL), the section, how it was checked."""

    id: str
    citation: str
    url: str
    section: str = ""
    checked: str = ""


_OWN = (
    Source("nice_ng89",
           "NICE NG89: Venous thromboembolism in over 16s: reducing the risk of hospital-acquired "
           "deep vein thrombosis or pulmonary embolism (2018, updated 2019)",
           "https://www.nice.org.uk/guidance/ng89",
           "1.5-1.13 (surgical and orthopaedic recommendations): extended prophylaxis 28 days "
           "after major cancer surgery in the abdomen or pelvis; 28 days (hip fracture, elective "
           "hip replacement), 14 days (elective knee replacement)",
           "28 days (cancer surgery): NICE evidence table 'Extend pharmacological prophylaxis to "
           "28 days postoperatively for patients who have had major cancer surgery in the "
           "abdomen or pelvis'; hip 28-35 days / knee 14 days: VTE Matters summary table of NG89"),
    Source("nice_ng158_treatment",
           "NICE NG158: Venous thromboembolic diseases: diagnosis, management and thrombophilia "
           "testing (2020, updated 2023), section 1.6 (anticoagulation treatment: at least 3 "
           "months; supporting adherence)",
           "https://www.nice.org.uk/guidance/ng158/chapter/Recommendations",
           "1.6: anticoagulation treatment for at least 3 months, then review; 'follow the "
           "recommendations on ... supporting adherence' (NICE medicines adherence)",
           "adherence wording: Medscape summary of NG158; 'at least 3 months': ASH/ACCP (Kearon "
           "2014, doi:10.1182/blood-2013-12-512681) and NG158 1.6; the NG158 page text with "
           "the exact number was not in the stored material: verify at the URL"),
    Source("villalta_kahn_2009",
           "Kahn SR et al. Definition of post-thrombotic syndrome of the leg for use in clinical "
           "investigations: a recommendation for standardization. J Thromb Haemost "
           "2009;7:879-83. doi:10.1111/j.1538-7836.2009.03294.x",
           "https://doi.org/10.1111/j.1538-7836.2009.03294.x",
           "Villalta 0-4 none, 5-14 PTS (5-9 mild, 10-14 moderate), >= 15 or a venous ulcer "
           "severe; PTS is diagnosed after the acute phase (from 3 months)",
           "bands: clotwatch.core.instruments VILLALTA (golden tests); 'after the acute phase "
           "(3-6 months)': MDCalc Villalta page; the Kahn abstract does not state the timing; "
           "the VAS 2022 Delphi (Cosmi, doi:10.3389/fcvm.2022.762443, Table 1) agreed on 6 "
           "months, not on 1 month: from day 90 is the earlier end of that range"),
    Source("rcog_gtg37a",
           "RCOG Green-top Guideline No. 37a: Reducing the risk of venous thromboembolism during "
           "pregnancy and the puerperium (April 2015)",
           "https://www.rcog.org.uk/guidance/browse-all-guidance/green-top-guidelines/",
           "Executive summary and Appendix I: postnatal LMWH for at least 6 weeks (high risk), "
           "at least 10 days (intermediate risk); the puerperium is 6 weeks",
           "checked against the guideline text (2015 edition): '6 weeks postnatally', 'at least "
           "10 days postpartum'; Appendix I: 'At least 6 weeks' / 'At least 10 days'"),
    Source("kuipers_2007",
           "Kuipers S et al. The absolute risk of venous thrombosis after air travel: a cohort "
           "study of 8,755 employees of international organisations. PLoS Med 2007;4:e290. "
           "doi:10.1371/journal.pmed.0040290 (WHO WRIGHT project, phase I)",
           "https://doi.org/10.1371/journal.pmed.0040290",
           "Methods: exposed for a post-flight period of 8 weeks after a flight of 4 hours or "
           "more; risk highest in the first week",
           "checked against the paper's abstract: 'participants were considered exposed for a "
           "postflight period of 8 wk'; WHO WRIGHT report: risk about doubles after > 4 h"),
    Source("wells_dvt_2003", TRIAGE_SOURCES["wells_dvt_2003"].citation,
           TRIAGE_SOURCES["wells_dvt_2003"].url,
           "calf swelling at least 3 cm larger than the other side (NICE NG158 Table 1)",
           "NICE NG158 Table 1 text: 'Calf swelling at least 3 cm larger than asymptomatic "
           "side'"),
    Source("lebleu_2021",
           "Lebleu J et al. Predicting physical activity recovery after hip and knee "
           "arthroplasty? A longitudinal cohort study. Braz J Phys Ther 2021;25(1):30-39. "
           "doi:10.1016/j.bjpt.2019.12.002. PMID 31874729",
           "https://doi.org/10.1016/j.bjpt.2019.12.002",
           "Results: 132 patients wearing a fitness tracker from a week before to 3 months "
           "after TKA/THA; daily steps rose week by week and reached the pre-operative level "
           "at week 7",
           "checked against the abstract and highlights (PMC7817856): 'Patients reached their "
           "pre-operative PA level at week 7'. The paper gives no alert cut-off: the "
           "immobility thresholds are clotwatch_movement's"),
    Source("clotwatch_movement",
           "clotwatch movement-alert decision (no published cut-off: half the patient's own "
           "baseline for 3 days in a row; 48 hours without step data; the reasoning is in "
           "clotwatch.core.followup.movement and docs/follow-up.md, for a clinic to review)",
           "docs/follow-up.md"),
    Source("clotwatch_followup",
           "clotwatch follow-up decision (no published threshold; written down in "
           "docs/follow-up.md so that a clinic can review and change it)",
           "docs/follow-up.md"),
)

# Triage's own sources, for the rules that are the triage rules.
_REUSED = tuple(Source(s.id, s.citation, s.url) for s in TRIAGE_SOURCES.values()
                if s.id in ("nhs_dvt", "nhs_pe", "nhs_pad", "safety_unknown"))

SOURCES: dict[str, Source] = {s.id: s for s in (*_OWN, *_REUSED)}
