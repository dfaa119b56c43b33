"""Where each pathway step comes from.

Recommendation numbers 1.1.1-1.1.4 were checked against the text of NICE NG158 on
nice.org.uk. Where a number could not be checked, the step cites NG158 and the topic of the
recommendation instead of guessing a number (see docs/pathway.md).
"""

NG158 = (
    "NICE NG158: Venous thromboembolic diseases: diagnosis, management and thrombophilia "
    "testing (2020, updated 2023). https://www.nice.org.uk/guidance/ng158"
)
ADULTS = "NICE NG158: for adults (18 and over) with suspected DVT or PE"
PREGNANCY = (
    "Outside NICE NG158: the Wells scores and D-dimer are not validated in pregnancy; "
    "RCOG Green-top Guideline No. 37b (2015), thromboembolic disease in pregnancy and the "
    "puerperium: acute management"
)
DVT_ASSESS = "NICE NG158 1.1.1-1.1.2: history and examination; 2-level DVT Wells score"
DVT_LIKELY_SCAN = (
    "NICE NG158 1.1.3: DVT likely - proximal leg vein ultrasound with the result within "
    "4 hours if possible; D-dimer if the scan is negative"
)
DVT_LIKELY_DELAYED = (
    "NICE NG158 1.1.4: scan result not available within 4 hours - D-dimer, interim "
    "therapeutic anticoagulation, and a scan with the result within 24 hours"
)
DVT_LIKELY = (
    "NICE NG158 1.1, DVT likely (Wells 2 points or more): positive scan - diagnose DVT and "
    "treat; negative scan and positive D-dimer - stop interim anticoagulation and repeat the "
    "proximal scan 6 to 8 days later; negative scan and negative D-dimer - DVT unlikely"
)
DVT_UNLIKELY = (
    "NICE NG158 1.1, DVT unlikely (Wells 1 point or less): D-dimer with the result within "
    "4 hours (interim therapeutic anticoagulation if not possible); positive - proximal scan "
    "within 4 hours, or interim anticoagulation and a scan within 24 hours; negative D-dimer "
    "or negative scan - stop interim anticoagulation, consider an alternative diagnosis"
)
RULED_OUT_ADVICE = (
    "NICE NG158 1.1: when DVT or PE is not confirmed, tell the person it is unlikely, discuss "
    "the signs and symptoms and when and where to seek further help"
)
INTERIM = (
    "NICE NG158 1.1, interim therapeutic anticoagulation: choose one that can be continued if "
    "the diagnosis is confirmed (apixaban or rivaroxaban; LMWH if unsuitable)"
)
TREATMENT = "NICE NG158 1.2: anticoagulation treatment for confirmed DVT or PE"
PE_ASSESS = (
    "NICE NG158 1.1, signs or symptoms of PE: history, examination and chest X-ray to exclude "
    "other causes"
)
PERC = (
    "NICE NG158 1.1, signs or symptoms of PE: if clinical suspicion is low (gestalt < 15%, "
    "other diagnoses feasible) consider PERC; if all criteria are negative, stop (PERC is not "
    "validated in COVID-19). Kline JA et al. J Thromb Haemost 2004;2:1247-55, "
    "doi:10.1111/j.1538-7836.2004.00790.x"
)
PE_WELLS = "NICE NG158 1.1, signs or symptoms of PE: 2-level PE Wells score"
PE_LIKELY = (
    "NICE NG158 1.1, PE likely (Wells more than 4 points): CTPA immediately, or interim "
    "therapeutic anticoagulation if it cannot be done immediately; if CTPA is negative and DVT "
    "is suspected, consider a proximal leg vein ultrasound"
)
PE_UNLIKELY = (
    "NICE NG158 1.1, PE unlikely (Wells 4 points or less): D-dimer with the result within "
    "4 hours (interim anticoagulation if not possible); positive - CTPA immediately; "
    "negative - stop interim anticoagulation, consider an alternative diagnosis"
)
VQ = (
    "NICE NG158 1.1: V/Q SPECT (or planar V/Q) instead of CTPA when contrast is "
    "contraindicated (allergy, creatinine clearance < 30 mL/min) or radiation risk is high"
)
YEARS = (
    "YEARS (an alternative route, not part of NG158): van der Hulle T et al. Lancet "
    "2017;390:289-97, doi:10.1016/S0140-6736(17)30885-1, PMID:28549662"
)
DDIMER = "NICE NG158 1.1, D-dimer testing: fully quantitative assay; age-adjusted threshold over 50"
