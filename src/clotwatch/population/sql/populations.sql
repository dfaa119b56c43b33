-- CMS108 / VTE-1 populations over the scored findings (table `scored`); the rules follow
-- CMS108FHIR v0.2.003 (CQL CMS108VTEProphylaxisFHIR 0.2.003); sources in docs/population.md.
-- ip_out: why an encounter is not in the initial population. "The window" is from the day of
-- arrival (emergency department or observation stay just before, else admission) to the day
-- after admission, or to the day after an anesthesia that ended the day after admission
-- (window_end, screen.sql).
SELECT f.*,
  CASE WHEN f.residential_stay IS NOT NULL
         THEN 'not a hospital admission (Encounter.type SNOMED CT ' || f.residential_stay
              || ': a long-term residential facility)'
       WHEN f.age IS NULL THEN 'age unknown (no full birthDate)'
       WHEN f.age < 18 THEN 'under 18 at admission'
       WHEN f.vte_dx IS NOT NULL THEN 'VTE diagnosis during the stay (Condition/' || f.vte_dx || ')'
       WHEN f.obstetric_dx IS NOT NULL THEN 'obstetric condition (Condition/' || f.obstetric_dx || ')'
  END AS ip_out,
  -- Denominator exclusions, in the measure's order; the first that applies is shown.
  CASE WHEN f.discharged IS NOT NULL AND f.los_days < 2 THEN 'length of stay under 2 days'
       WHEN f.icu_location IS NOT NULL THEN 'ICU by the day after admission, 1 day or more'
       WHEN f.principal_mental_or_stroke IS NOT NULL
         THEN 'principal diagnosis of mental disorder or stroke'
       WHEN f.selected_surgery_id IS NOT NULL
         THEN 'principal procedure is a SCIP VTE selected surgery'
       WHEN f.comfort_ref IS NOT NULL THEN 'comfort measures by the day after admission'
  END AS exclusion,
  CASE WHEN f.discharged IS NOT NULL AND f.los_days < 2 THEN 'Encounter/' || f.encounter_id
       WHEN f.icu_location IS NOT NULL
         THEN 'Encounter/' || f.encounter_id || ' Location/' || f.icu_location
       WHEN f.principal_mental_or_stroke IS NOT NULL THEN 'Condition/' || f.principal_mental_or_stroke
       WHEN f.selected_surgery_id IS NOT NULL
         THEN 'Encounter/' || f.encounter_id || ' Procedure/' || f.selected_surgery_id
       WHEN f.comfort_ref IS NOT NULL THEN f.comfort_ref
  END AS exclusion_ev,
  CASE WHEN f.prophylaxis_at IS NOT NULL
            AND cw_date_of(f.prophylaxis_at) <= cw_add_days(f.admit_day, 1)
            AND cw_ts_text(f.prophylaxis_at) < f.admitted AND f.arrival_encounter IS NOT NULL
         THEN 'prophylaxis in the emergency department or observation stay before admission'
       WHEN f.prophylaxis_at IS NOT NULL
            AND cw_date_of(f.prophylaxis_at) <= cw_add_days(f.admit_day, 1)
         THEN 'prophylaxis by the end of the day after admission'
       WHEN f.prophylaxis_at IS NOT NULL AND cw_date_of(f.prophylaxis_at) <= f.window_end
         THEN 'prophylaxis the day of or the day after anesthesia'
       WHEN f.oral_xa_id IS NOT NULL
            AND coalesce(f.af_id, f.prior_vte_id, f.hip_knee_id) IS NOT NULL
         THEN 'oral factor Xa inhibitor with atrial fibrillation, prior VTE or hip/knee replacement'
       WHEN f.low_risk_obs IS NOT NULL THEN 'low risk for VTE documented'
       WHEN f.inr_obs IS NOT NULL THEN 'INR above 3.0'
       WHEN f.therapeutic_id IS NOT NULL THEN 'anticoagulant given'
       WHEN coalesce(f.refusal_id, f.mech_refusal_ref) IS NOT NULL
         THEN 'patient refused prophylaxis'
       WHEN (f.medical_reason_a IS NOT NULL AND f.mech_medical_reason_a IS NOT NULL)
            OR (f.medical_reason_p IS NOT NULL AND f.mech_medical_reason_p IS NOT NULL)
         THEN 'medical reason for no prophylaxis documented'
  END AS numerator,
  CASE WHEN f.prophylaxis_at IS NOT NULL
            AND cw_date_of(f.prophylaxis_at) <= cw_add_days(f.admit_day, 1)
            AND cw_ts_text(f.prophylaxis_at) < f.admitted AND f.arrival_encounter IS NOT NULL
         THEN f.prophylaxis_ref || ' Encounter/' || f.arrival_encounter
       WHEN f.prophylaxis_at IS NOT NULL
            AND cw_date_of(f.prophylaxis_at) <= cw_add_days(f.admit_day, 1) THEN f.prophylaxis_ref
       WHEN f.prophylaxis_at IS NOT NULL AND cw_date_of(f.prophylaxis_at) <= f.window_end
         THEN f.prophylaxis_ref || ' Procedure/' || f.anesthesia_id
       WHEN f.oral_xa_id IS NOT NULL
            AND coalesce(f.af_id, f.prior_vte_id, f.hip_knee_id) IS NOT NULL
         THEN 'MedicationAdministration/' || f.oral_xa_id || ' '
              || CASE WHEN f.af_id IS NOT NULL THEN 'Condition/' || f.af_id
                      WHEN f.prior_vte_id IS NOT NULL THEN 'Condition/' || f.prior_vte_id
                      ELSE 'Procedure/' || f.hip_knee_id END
       WHEN f.low_risk_obs IS NOT NULL THEN 'Observation/' || f.low_risk_obs
       WHEN f.inr_obs IS NOT NULL THEN 'Observation/' || f.inr_obs
       WHEN f.therapeutic_id IS NOT NULL THEN 'MedicationAdministration/' || f.therapeutic_id
       WHEN f.refusal_id IS NOT NULL THEN f.refusal_id
       WHEN f.mech_refusal_ref IS NOT NULL THEN f.mech_refusal_ref
       WHEN f.medical_reason_a IS NOT NULL AND f.mech_medical_reason_a IS NOT NULL
         THEN f.medical_reason_a || ' ' || f.mech_medical_reason_a
       WHEN f.medical_reason_p IS NOT NULL AND f.mech_medical_reason_p IS NOT NULL
         THEN f.medical_reason_p || ' ' || f.mech_medical_reason_p
  END AS numerator_ev
FROM scored f
