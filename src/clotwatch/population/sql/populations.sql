-- CMS108 / VTE-1 populations over the scored findings (table `scored`); sources in
-- docs/population.md. ip_out: why an encounter is not in the initial population.
SELECT f.*,
  CASE WHEN f.age IS NULL THEN 'age unknown (no full birthDate)'
       WHEN f.age < 18 THEN 'under 18 at admission'
       WHEN f.vte_dx IS NOT NULL THEN 'VTE diagnosis during the stay (Condition/' || f.vte_dx || ')'
       WHEN f.obstetric_dx IS NOT NULL THEN 'obstetric condition (Condition/' || f.obstetric_dx || ')'
       WHEN f.los_days > 120 THEN 'length of stay over 120 days'
  END AS ip_out,
  CASE WHEN f.discharged IS NOT NULL AND f.los_days < 2 THEN 'length of stay under 2 days'
       WHEN f.comfort_id IS NOT NULL THEN 'comfort measures by the day after admission'
       WHEN f.icu_location IS NOT NULL THEN 'ICU by the day after admission, 1 day or more'
       WHEN f.principal_mental_or_stroke IS NOT NULL
         THEN 'principal diagnosis of mental disorder or stroke'
  END AS exclusion,
  CASE WHEN f.discharged IS NOT NULL AND f.los_days < 2 THEN 'Encounter/' || f.encounter_id
       WHEN f.comfort_id IS NOT NULL THEN 'Procedure/' || f.comfort_id
       WHEN f.icu_location IS NOT NULL THEN 'Encounter/' || f.encounter_id || ' location ' || f.icu_location
       WHEN f.principal_mental_or_stroke IS NOT NULL THEN 'Condition/' || f.principal_mental_or_stroke
  END AS exclusion_ev,
  CASE WHEN f.prophylaxis_at IS NOT NULL
            AND cw_date_of(f.prophylaxis_at) <= cw_add_days(f.admit_day, 1)
         THEN 'prophylaxis by the end of the day after admission'
       WHEN f.prophylaxis_at IS NOT NULL AND f.surgery_end_day IS NOT NULL
            AND cw_date(f.surgery_end_day) <= cw_add_days(f.admit_day, 1)
            AND cw_date_of(f.prophylaxis_at) >= cw_date(f.surgery_end_day)
            AND cw_date_of(f.prophylaxis_at) <= cw_add_days(cw_date(f.surgery_end_day), 1)
         THEN 'prophylaxis the day of or the day after surgery'
       WHEN f.low_risk_obs IS NOT NULL THEN 'low risk for VTE documented'
       WHEN f.anticoagulant_id IS NOT NULL THEN 'anticoagulant given by the day after admission'
       WHEN f.refusal_id IS NOT NULL THEN 'patient refused prophylaxis'
       WHEN f.medical_reason_id IS NOT NULL THEN 'medical reason for no prophylaxis documented'
  END AS numerator,
  CASE WHEN f.prophylaxis_at IS NOT NULL
            AND (cw_date_of(f.prophylaxis_at) <= cw_add_days(f.admit_day, 1)
                 OR f.surgery_end_day IS NOT NULL) THEN f.prophylaxis_ref
       WHEN f.low_risk_obs IS NOT NULL THEN 'Observation/' || f.low_risk_obs
       WHEN f.anticoagulant_id IS NOT NULL THEN 'MedicationAdministration/' || f.anticoagulant_id
       WHEN f.refusal_id IS NOT NULL THEN 'MedicationAdministration/' || f.refusal_id
       WHEN f.medical_reason_id IS NOT NULL THEN 'MedicationAdministration/' || f.medical_reason_id
  END AS numerator_ev
FROM scored f
