"""Primary publications behind the instruments, each with its DOI and/or PMID."""

from __future__ import annotations

from clotwatch.core.instruments.model import Citation

WELLS_DVT_2003 = Citation(
    "Wells PS, Anderson DR, Rodger M, et al. Evaluation of D-dimer in the diagnosis of suspected "
    "deep-vein thrombosis. N Engl J Med 2003;349:1227-35",
    doi="10.1056/NEJMoa023153",
    pmid="14507948",
)
WELLS_DVT_1997 = Citation(
    "Wells PS, Anderson DR, Bormanis J, et al. Value of assessment of pretest probability of "
    "deep-vein thrombosis in clinical management. Lancet 1997;350:1795-8",
    doi="10.1016/S0140-6736(97)08140-3",
    pmid="9428249",
)
WELLS_PE_2000 = Citation(
    "Wells PS, Anderson DR, Rodger M, et al. Derivation of a simple clinical model to categorize "
    "patients probability of pulmonary embolism: increasing the models utility with the "
    "SimpliRED D-dimer. Thromb Haemost 2000;83:416-20",
    pmid="10744147",
)
CHRISTOPHER_2006 = Citation(
    "van Belle A, Buller HR, Huisman MV, et al. Effectiveness of managing suspected pulmonary "
    "embolism using an algorithm combining clinical probability, D-dimer testing, and computed "
    "tomography (Christopher study). JAMA 2006;295:172-9",
    doi="10.1001/jama.295.2.172",
    pmid="16403929",
)
GENEVA_REVISED_2006 = Citation(
    "Le Gal G, Righini M, Roy PM, et al. Prediction of pulmonary embolism in the emergency "
    "department: the revised Geneva score. Ann Intern Med 2006;144:165-71",
    doi="10.7326/0003-4819-144-3-200602070-00004",
    pmid="16461960",
)
GENEVA_SIMPLIFIED_2008 = Citation(
    "Klok FA, Mos IC, Nijkeuter M, et al. Simplification of the revised Geneva score for "
    "assessing clinical probability of pulmonary embolism. Arch Intern Med 2008;168:2131-6",
    doi="10.1001/archinte.168.19.2131",
    pmid="18955643",
)
PERC_2004 = Citation(
    "Kline JA, Mitchell AM, Kabrhel C, Richman PB, Courtney DM. Clinical criteria to prevent "
    "unnecessary diagnostic testing in emergency department patients with suspected pulmonary "
    "embolism. J Thromb Haemost 2004;2:1247-55",
    doi="10.1111/j.1538-7836.2004.00790.x",
    pmid="15304025",
)
YEARS_2017 = Citation(
    "van der Hulle T, Cheung WY, Kooij S, et al. Simplified diagnostic management of suspected "
    "pulmonary embolism (the YEARS study): a prospective, multicentre, cohort study. "
    "Lancet 2017;390:289-97",
    doi="10.1016/S0140-6736(17)30885-1",
    pmid="28549662",
)
ADJUST_PE_2014 = Citation(
    "Righini M, Van Es J, Den Exter PL, et al. Age-adjusted D-dimer cutoff levels to rule out "
    "pulmonary embolism: the ADJUST-PE study. JAMA 2014;311:1117-24",
    doi="10.1001/jama.2014.2135",
    pmid="24643601",
)
CAPRINI_2005 = Citation(
    "Caprini JA. Thrombosis risk assessment as a guide to quality patient care. "
    "Dis Mon 2005;51:70-8",
    doi="10.1016/j.disamonth.2005.02.003",
    pmid="15900257",
)
BAHL_2010 = Citation(
    "Bahl V, Hu HM, Henke PK, et al. A validation study of a retrospective venous "
    "thromboembolism risk scoring method. Ann Surg 2010;251:344-50",
    doi="10.1097/SLA.0b013e3181b7fca6",
    pmid="19779324",
)
PADUA_2010 = Citation(
    "Barbar S, Noventa F, Rossetto V, et al. A risk assessment model for the identification of "
    "hospitalized medical patients at risk for venous thromboembolism: the Padua Prediction "
    "Score. J Thromb Haemost 2010;8:2450-7",
    doi="10.1111/j.1538-7836.2010.04044.x",
    pmid="20738765",
)
IMPROVE_2011 = Citation(
    "Spyropoulos AC, Anderson FA Jr, FitzGerald G, et al. Predictive and associative models to "
    "identify hospitalized medical patients at risk for VTE. Chest 2011;140:706-14",
    doi="10.1378/chest.10-1944",
    pmid="21436241",
)
KHORANA_2008 = Citation(
    "Khorana AA, Kuderer NM, Culakova E, Lyman GH, Francis CW. Development and validation of a "
    "predictive model for chemotherapy-associated thrombosis. Blood 2008;111:4902-7",
    doi="10.1182/blood-2007-10-116327",
    pmid="18216292",
)
VILLALTA_KAHN_2009 = Citation(
    "Kahn SR, Partsch H, Vedantham S, Prandoni P, Kearon C. Definition of post-thrombotic "
    "syndrome of the leg for use in clinical investigations: a recommendation for "
    "standardization (Villalta scale; Villalta S et al. Haemostasis 1994;24 Suppl 1:158a). "
    "J Thromb Haemost 2009;7:879-83",
    doi="10.1111/j.1538-7836.2009.03294.x",
    pmid="19175497",
)
CONSTANS_2008 = Citation(
    "Constans J, Salmi LR, Sevestre-Pietri MA, et al. A clinical prediction score for upper "
    "extremity deep venous thrombosis. Thromb Haemost 2008;99:202-7",
    doi="10.1160/TH07-08-0485",
    pmid="18217155",
)
HAS_BLED_2010 = Citation(
    "Pisters R, Lane DA, Nieuwlaat R, et al. A novel user-friendly score (HAS-BLED) to assess "
    "1-year risk of major bleeding in patients with atrial fibrillation: the Euro Heart Survey. "
    "Chest 2010;138:1093-100",
    doi="10.1378/chest.10-0134",
    pmid="20299623",
)
NICE_NG158 = Citation(
    "NICE guideline NG158. Venous thromboembolic diseases: diagnosis, management and "
    "thrombophilia testing (2020, updated 2023)",
    url="https://www.nice.org.uk/guidance/ng158",
)
