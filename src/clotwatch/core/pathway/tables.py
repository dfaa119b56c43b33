"""The two NICE NG158 flowcharts as state tables (data, not branching code).

Read a state as: "look at FACT; if it is X go to state Y; if it is not known yet, go to
UNKNOWN or - when there is none - do STEP and come back with the answer".
"""

from __future__ import annotations

from clotwatch.core.pathway import citations as c
from clotwatch.core.pathway.model import Pathway, State, StepSpec

IMMEDIATE = "PT0S"

_INTERIM_AND_SCAN_24H = (
    "Proximal leg vein ultrasound with the result within 24 hours of the request."
)
_DVT_UNLIKELY_ADVICE = (
    "DVT is unlikely: consider alternative diagnoses. Tell the person DVT is unlikely, "
    "explain the signs and symptoms of DVT, and when and where to seek help."
)
_PE_UNLIKELY_ADVICE = (
    "PE is unlikely: consider alternative diagnoses. Tell the person PE is unlikely, explain "
    "the signs and symptoms of DVT and PE, and when and where to seek help."
)


def _common_start(pathway: str, after_pregnancy: str) -> dict[str, State]:
    """Adult check and pregnancy check, shared by both pathways."""
    work_up = f"{pathway}_not_excluded"
    return {
        "start": State(
            "start",
            fact="adult",
            on={"yes": "pregnancy", "no": "under_18"},
            step=StepSpec(
                action="Record the person's age: NICE NG158 applies to adults (18 and over).",
                conclusion="not_assessed",
                citations=(c.ADULTS,),
            ),
        ),
        "under_18": State(
            "under_18",
            step=StepSpec(
                action="Under 18: outside NICE NG158. Refer the same day to a paediatric team "
                "for assessment; do not use this pathway.",
                conclusion="outside_pathway",
                citations=(c.ADULTS,),
                time_limit_text="same day",
                final=True,
            ),
        ),
        "pregnancy": State(
            "pregnancy",
            fact="pregnant",
            on={"yes": "pregnant_refer", "no": after_pregnancy},
            step=StepSpec(
                action="Ask whether the person is pregnant or gave birth in the last 6 weeks: "
                "the Wells scores and D-dimer are not validated in pregnancy.",
                conclusion=work_up,
                citations=(c.PREGNANCY,),
            ),
        ),
        "pregnant_refer": State(
            "pregnant_refer",
            step=StepSpec(
                action="Pregnant or postpartum: outside NICE NG158. Refer immediately for "
                "specialist (obstetric and haematology) assessment; do not use the Wells score "
                "or D-dimer to rule out "
                + ("DVT." if pathway == "dvt" else "PE."),
                conclusion="outside_pathway",
                citations=(c.PREGNANCY,),
                time_limit=IMMEDIATE,
                time_limit_text="immediately",
                final=True,
            ),
        ),
    }


def _scan_states(prefix: str, cite: tuple[str, ...], cite_delayed: tuple[str, ...],
                 on_negative: str) -> dict[str, State]:
    """Proximal ultrasound: result known, or arrange it within 4 h / interim + 24 h."""
    return {
        f"{prefix}_scan": State(
            f"{prefix}_scan",
            fact="ultrasound",
            on={"positive": "dvt_confirmed", "negative": on_negative},
            unknown=f"{prefix}_scan_timing",
        ),
        f"{prefix}_scan_timing": State(
            f"{prefix}_scan_timing",
            fact="ultrasound_within_4h",
            on={"yes": f"{prefix}_scan_4h", "no": f"{prefix}_scan_24h"},
            step=StepSpec(
                action="Request a proximal leg vein ultrasound and find out whether the "
                "result can be had within 4 hours.",
                conclusion="dvt_not_excluded",
                citations=cite,
                time_limit="PT4H",
                time_limit_text="result within 4 hours",
                clock="ultrasound_requested_at",
            ),
        ),
        f"{prefix}_scan_4h": State(
            f"{prefix}_scan_4h",
            step=StepSpec(
                action="Proximal leg vein ultrasound with the result within 4 hours of the "
                "request."
                + (" If the scan is negative, do a D-dimer test." if prefix == "likely" else ""),
                conclusion="dvt_not_excluded",
                citations=cite,
                time_limit="PT4H",
                time_limit_text="result within 4 hours",
                clock="ultrasound_requested_at",
            ),
        ),
        f"{prefix}_scan_24h": State(
            f"{prefix}_scan_24h",
            step=StepSpec(
                action=(
                    "D-dimer test now. " if prefix == "likely" else ""
                ) + _INTERIM_AND_SCAN_24H,
                conclusion="dvt_not_excluded",
                citations=cite_delayed,
                time_limit="PT24H",
                time_limit_text="result within 24 hours",
                clock="ultrasound_requested_at",
                anticoagulation="start",
            ),
        ),
    }


def _unlikely_ddimer_states(
    positive: str, negative: str, conclusion: str, cite_unlikely: str
) -> dict[str, State]:
    """The "Wells unlikely" arm both flowcharts share: a D-dimer with the result within 4 hours,
    or interim anticoagulation while waiting (NG158 words them alike for DVT and PE);
    ``positive`` and ``negative`` name the states a D-dimer result leads to."""
    return {
        "unlikely_ddimer": State(
            "unlikely_ddimer",
            fact="ddimer_non_high",
            on={"positive": positive, "negative": negative},
            unknown="unlikely_ddimer_timing",
        ),
        "unlikely_ddimer_timing": State(
            "unlikely_ddimer_timing",
            fact="ddimer_within_4h",
            on={"yes": "unlikely_ddimer_4h", "no": "unlikely_ddimer_delayed"},
            step=StepSpec(
                action="Request a D-dimer test and find out whether the result can be had "
                "within 4 hours.",
                conclusion=conclusion,
                citations=(cite_unlikely, c.DDIMER),
                time_limit="PT4H",
                time_limit_text="result within 4 hours",
                clock="ddimer_requested_at",
            ),
        ),
        "unlikely_ddimer_4h": State(
            "unlikely_ddimer_4h",
            step=StepSpec(
                action="D-dimer test with the result within 4 hours of the request.",
                conclusion=conclusion,
                citations=(cite_unlikely, c.DDIMER),
                time_limit="PT4H",
                time_limit_text="result within 4 hours",
                clock="ddimer_requested_at",
            ),
        ),
        "unlikely_ddimer_delayed": State(
            "unlikely_ddimer_delayed",
            step=StepSpec(
                action="D-dimer result not available within 4 hours: wait for it under interim "
                "therapeutic anticoagulation.",
                conclusion=conclusion,
                citations=(cite_unlikely, c.INTERIM),
                anticoagulation="start",
            ),
        ),
    }


def _dvt_states() -> dict[str, State]:
    states = _common_start("dvt", after_pregnancy="wells")
    states["wells"] = State(
        "wells",
        fact="wells_dvt",
        on={"likely": "likely_scan", "unlikely": "unlikely_ddimer"},
        step=StepSpec(
            action="Take a history and examine to exclude other causes; if DVT is suspected, "
            "score the two-level DVT Wells score.",
            conclusion="dvt_not_excluded",
            citations=(c.DVT_ASSESS,),
        ),
    )
    # DVT likely (Wells 2 or more).
    states.update(
        _scan_states("likely", (c.DVT_LIKELY_SCAN,), (c.DVT_LIKELY_DELAYED, c.INTERIM),
                     on_negative="likely_scan_negative")
    )
    states["likely_scan_negative"] = State(
        "likely_scan_negative",
        fact="ddimer",
        on={"positive": "likely_repeat_scan", "negative": "dvt_unlikely_scan_ddimer"},
        step=StepSpec(
            action="Proximal scan negative: do a D-dimer test.",
            conclusion="dvt_not_excluded",
            citations=(c.DVT_LIKELY_SCAN, c.DDIMER),
        ),
    )
    states["likely_repeat_scan"] = State(
        "likely_repeat_scan",
        fact="repeat_ultrasound",
        on={"positive": "dvt_confirmed", "negative": "dvt_unlikely_repeat_scan"},
        step=StepSpec(
            action="Negative scan with a positive D-dimer: repeat the proximal leg vein "
            "ultrasound 6 to 8 days after the first scan.",
            conclusion="dvt_not_excluded",
            citations=(c.DVT_LIKELY,),
            time_limit="P8D",
            not_before="P6D",
            time_limit_text="6 to 8 days after the first scan",
            clock="ultrasound_at",
            anticoagulation="stop",
        ),
    )
    # DVT unlikely (Wells 1 or less).
    states.update(
        _unlikely_ddimer_states(
            "unlikely_scan", "dvt_unlikely_ddimer", "dvt_not_excluded", c.DVT_UNLIKELY
        )
    )
    states.update(
        _scan_states("unlikely", (c.DVT_UNLIKELY,), (c.DVT_UNLIKELY, c.INTERIM),
                     on_negative="dvt_unlikely_scan")
    )
    # Outcomes.
    states["dvt_confirmed"] = State(
        "dvt_confirmed",
        step=StepSpec(
            action="Diagnose DVT and treat with anticoagulation.",
            conclusion="dvt_confirmed",
            citations=(c.DVT_LIKELY, c.TREATMENT),
            anticoagulation="treat",
            final=True,
        ),
    )
    for sid, why, cite in (
        ("dvt_unlikely_scan_ddimer", "Proximal scan and D-dimer both negative.", c.DVT_LIKELY),
        ("dvt_unlikely_repeat_scan", "Repeat proximal scan negative.", c.DVT_LIKELY),
        ("dvt_unlikely_ddimer", "Wells 'unlikely' and D-dimer negative.", c.DVT_UNLIKELY),
        ("dvt_unlikely_scan", "Wells 'unlikely', D-dimer positive, proximal scan negative.",
         c.DVT_UNLIKELY),
    ):
        states[sid] = State(
            sid,
            step=StepSpec(
                action=f"{why} {_DVT_UNLIKELY_ADVICE}",
                conclusion="dvt_unlikely",
                citations=(cite, c.RULED_OUT_ADVICE),
                anticoagulation="stop",
                final=True,
            ),
        )
    return states


def _pe_states() -> dict[str, State]:
    states = _common_start("pe", after_pregnancy="gestalt")
    states["gestalt"] = State(
        "gestalt",
        fact="gestalt_below_15",
        on={"yes": "perc", "no": "route"},
        step=StepSpec(
            action="Take a history, examine and do a chest X-ray to exclude other causes; "
            "then estimate the clinical probability of PE (is it below 15%, with other "
            "diagnoses feasible?).",
            conclusion="pe_not_excluded",
            citations=(c.PE_ASSESS, c.PERC),
        ),
    )
    states["perc"] = State(
        "perc",
        fact="perc",
        on={"negative": "pe_ruled_out_perc", "positive": "route"},
        step=StepSpec(
            action="Low clinical suspicion: apply the PERC rule (all 8 criteria).",
            conclusion="pe_not_excluded",
            citations=(c.PERC,),
        ),
    )
    states["pe_ruled_out_perc"] = State(
        "pe_ruled_out_perc",
        step=StepSpec(
            action="Gestalt below 15% and all PERC criteria negative: stop the PE work-up. "
            + _PE_UNLIKELY_ADVICE,
            conclusion="pe_ruled_out_perc",
            citations=(c.PERC, c.RULED_OUT_ADVICE),
            final=True,
        ),
    )
    states["route"] = State(
        "route", fact="pe_route", on={"wells": "wells", "years": "years_items"},
        step=StepSpec(action="Choose the route.", conclusion="pe_not_excluded",
                      citations=(c.PE_WELLS,)),
    )
    states["wells"] = State(
        "wells",
        fact="wells_pe",
        on={"likely": "ctpa", "unlikely": "unlikely_ddimer"},
        step=StepSpec(
            action="Score the two-level PE Wells score.",
            conclusion="pe_not_excluded",
            citations=(c.PE_WELLS,),
        ),
    )
    # CTPA, shared by Wells 'likely', Wells 'unlikely' with a positive D-dimer, and YEARS.
    ctpa_cites = (c.PE_LIKELY, c.PE_UNLIKELY, c.VQ)
    states["ctpa"] = State(
        "ctpa",
        fact="ctpa",
        on={"positive": "pe_confirmed", "negative": "ctpa_negative"},
        unknown="ctpa_timing",
    )
    states["ctpa_timing"] = State(
        "ctpa_timing",
        fact="ctpa_immediately",
        on={"yes": "ctpa_now", "no": "ctpa_delayed"},
        step=StepSpec(
            action="Request CTPA (V/Q SPECT if contrast is contraindicated or radiation risk "
            "is high) and find out whether it can be done immediately.",
            conclusion="pe_not_excluded",
            citations=ctpa_cites,
            time_limit=IMMEDIATE,
            time_limit_text="immediately",
        ),
    )
    states["ctpa_now"] = State(
        "ctpa_now",
        step=StepSpec(
            action="CTPA immediately (V/Q SPECT if contrast is contraindicated or radiation "
            "risk is high).",
            conclusion="pe_not_excluded",
            citations=ctpa_cites,
            time_limit=IMMEDIATE,
            time_limit_text="immediately",
        ),
    )
    states["ctpa_delayed"] = State(
        "ctpa_delayed",
        step=StepSpec(
            action="CTPA cannot be done immediately: CTPA as soon as it can be done.",
            conclusion="pe_not_excluded",
            citations=(*ctpa_cites, c.INTERIM),
            time_limit_text="as soon as possible",
            anticoagulation="start",
        ),
    )
    states["ctpa_negative"] = State(
        "ctpa_negative",
        fact="dvt_suspected",
        on={"yes": "leg_scan", "no": "pe_unlikely_ctpa"},
        step=StepSpec(
            action="CTPA negative: is DVT suspected? If so, a proximal leg vein ultrasound "
            "should be considered.",
            conclusion="pe_not_excluded",
            citations=(c.PE_LIKELY,),
        ),
    )
    states["leg_scan"] = State(
        "leg_scan",
        fact="ultrasound",
        on={"positive": "vte_confirmed", "negative": "pe_unlikely_leg_scan"},
        step=StepSpec(
            action="CTPA negative and DVT suspected: consider a proximal leg vein ultrasound.",
            conclusion="pe_not_excluded",
            citations=(c.PE_LIKELY,),
        ),
    )
    # PE unlikely (Wells 4 or less).
    states.update(
        _unlikely_ddimer_states("ctpa", "pe_unlikely_ddimer", "pe_not_excluded", c.PE_UNLIKELY)
    )
    # YEARS route.
    states["years_items"] = State(
        "years_items",
        fact="years_items",
        on={"answered": "years_ddimer"},
        step=StepSpec(
            action="YEARS: record the three items (clinical signs of DVT, haemoptysis, PE the "
            "most likely diagnosis).",
            conclusion="pe_not_excluded",
            citations=(c.YEARS,),
        ),
    )
    states["years_ddimer"] = State(
        "years_ddimer",
        fact="years",
        on={"excluded": "pe_excluded_years", "ctpa": "ctpa"},
        step=StepSpec(
            action="YEARS: quantitative D-dimer with the result within 4 hours; if it cannot "
            "be had within 4 hours, wait for it under interim therapeutic anticoagulation.",
            conclusion="pe_not_excluded",
            citations=(c.YEARS, c.PE_UNLIKELY, c.INTERIM),
            time_limit="PT4H",
            time_limit_text="result within 4 hours",
            clock="ddimer_requested_at",
        ),
    )
    # Outcomes.
    states["pe_confirmed"] = State(
        "pe_confirmed",
        step=StepSpec(
            action="Diagnose PE and treat with anticoagulation.",
            conclusion="pe_confirmed",
            citations=(c.PE_LIKELY, c.TREATMENT),
            anticoagulation="treat",
            final=True,
        ),
    )
    states["vte_confirmed"] = State(
        "vte_confirmed",
        step=StepSpec(
            action="Proximal DVT found after a negative CTPA: diagnose DVT and treat with "
            "anticoagulation.",
            conclusion="vte_confirmed",
            citations=(c.PE_LIKELY, c.TREATMENT),
            anticoagulation="treat",
            final=True,
        ),
    )
    states["pe_excluded_years"] = State(
        "pe_excluded_years",
        step=StepSpec(
            action="PE excluded by YEARS without imaging. " + _PE_UNLIKELY_ADVICE,
            conclusion="pe_excluded_years",
            citations=(c.YEARS, c.RULED_OUT_ADVICE),
            anticoagulation="stop",
            final=True,
        ),
    )
    for sid, why, cite in (
        ("pe_unlikely_ctpa", "CTPA negative and DVT not suspected.", c.PE_LIKELY),
        ("pe_unlikely_leg_scan", "CTPA and proximal leg vein ultrasound negative.",
         c.PE_LIKELY),
        ("pe_unlikely_ddimer", "Wells 'unlikely' and D-dimer negative.", c.PE_UNLIKELY),
    ):
        states[sid] = State(
            sid,
            step=StepSpec(
                action=f"{why} {_PE_UNLIKELY_ADVICE}",
                conclusion="pe_unlikely",
                citations=(cite, c.RULED_OUT_ADVICE),
                anticoagulation="stop",
                final=True,
            ),
        )
    return states


DVT = Pathway(
    id="dvt",
    title="Suspected deep vein thrombosis (NICE NG158)",
    start="start",
    states=_dvt_states(),
    citation=c.NG158,
)
PE = Pathway(
    id="pe",
    title="Suspected pulmonary embolism (NICE NG158; YEARS as an alternative route)",
    start="start",
    states=_pe_states(),
    citation=c.NG158,
)
PATHWAYS = {"dvt": DVT, "pe": PE}
