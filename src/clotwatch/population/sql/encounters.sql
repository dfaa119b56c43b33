-- The rows of encounters.csv / encounters.parquet (table `populations`).
SELECT encounter_id, patient_id, admitted, age, instrument, risk_total, risk_total_min,
  risk_total_max, risk_category, cw_ts_text(prophylaxis_at) AS prophylaxis_started,
  ip_out IS NULL AS in_denominator,
  ip_out IS NULL AND exclusion IS NOT NULL AS excluded,
  CASE WHEN ip_out IS NULL THEN exclusion END AS exclusion_reason,
  ip_out IS NULL AND exclusion IS NULL AND numerator IS NOT NULL AS in_numerator,
  CASE WHEN ip_out IS NULL AND exclusion IS NULL THEN numerator END AS numerator_reason,
  ip_out IS NULL AND exclusion IS NULL AND numerator IS NULL AS gap,
  discharged, encounter_status, los_days AS length_of_stay_days, ward, patient_group, sex, bmi,
  improve_total, improve_total_min, improve_total_max, improve_category,
  prophylaxis_type, prophylaxis_ref AS prophylaxis_evidence, active_bleeding, anticoagulated,
  ip_out IS NULL AS in_initial_population, ip_out AS initial_population_reason,
  CASE WHEN ip_out IS NULL THEN exclusion_ev END AS exclusion_evidence,
  CASE WHEN ip_out IS NULL AND exclusion IS NULL THEN numerator_ev END AS numerator_evidence,
  prophylaxis_not_counted
FROM populations
