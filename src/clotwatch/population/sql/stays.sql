-- Inpatient stays with their arrival (ED / observation) and CMS108 window, one row per
-- inpatient encounter (table cw_stays, read by screen.sql). Sources: docs/population.md.
WITH
codes AS ({{CODES}}),
-- Exact codes are joined by equality (a hash join); the few prefix and range entries apart, so
-- no row is compared with every code of its system (the measure's value sets hold thousands).
codes_exact AS (SELECT codeset, system, code FROM codes WHERE code IS NOT NULL),
codes_pattern AS (SELECT codeset, system, prefix, lo, hi FROM codes
                  WHERE code IS NULL AND approach IS NULL AND num_lo IS NULL),
-- Inpatient encounters (class in the inpatient_encounter code set) that began by --as-of.
enc AS (
  SELECT e.encounter_id, e.patient_id, e.patient_ref, e.status,
         cw_ts(e.period_start) AS admitted, cw_ts(e.period_end) AS discharged_at,
         cw_date(e.period_start) AS admit_day, cw_date(e.period_end) AS discharge_day
  FROM v_encounter e
  JOIN codes k ON k.codeset = 'inpatient_encounter' AND k.system = e.class_system
                AND k.code = upper(e.class_code)
  WHERE coalesce(e.status, '') NOT IN ('cancelled', 'entered-in-error', 'planned')
    AND cw_ts(e.period_start) IS NOT NULL
    AND cw_ts(e.period_start) <= cw_ts({{AS_OF}})
    AND ({{SINCE}} IS NULL OR cw_ts(e.period_start) >= cw_ts({{SINCE}}))
),
proc AS (SELECT * FROM cw_procedures),
-- CMS108: a completed general or neuraxial anesthesia that ended on the day after admission
-- also opens "the day of or the day after" its end for every numerator reason (and for the
-- comfort measures exclusion); the window then ends two days after admission.
anes AS (
  SELECT enc.encounter_id, min(p.procedure_id) AS anesthesia_id
  FROM enc JOIN proc p ON p.patient_id = enc.patient_id
  WHERE p.anesthesia AND p.status = 'completed'
    AND cw_date_of(p.t_end) = cw_add_days(enc.admit_day, 1)
  GROUP BY enc.encounter_id
),
-- The arrival (CMS108FHIR v0.2.003 FromDayOfStartOfHospitalizationToDayAfterAdmission, with
-- CQMCommon 2.2.000 hospitalizationWithObservation()): the start of the last finished
-- observation stay (Encounter.type in observation_services) that ended 1 hour or less before
-- the admission, and before that of the last finished emergency department visit
-- (emergency_department_visit) that ended 1 hour or less before the observation stay, or
-- the admission when there was none. Ties on the end are broken by the encounter id.
visit AS (
  SELECT t.encounter_id, t.patient_id, cw_ts(t.period_start) AS v_start,
         cw_ts(t.period_end) AS v_end,
         max(CASE WHEN k.codeset = 'observation_services' THEN TRUE END) AS obs,
         max(CASE WHEN k.codeset = 'emergency_department_visit' THEN TRUE END) AS ed
  FROM v_encounter_type t
  JOIN codes k ON k.codeset IN ('emergency_department_visit', 'observation_services')
               AND k.system = t.system AND k.code = upper(t.code)
  WHERE t.status = 'finished' AND cw_ts(t.period_start) IS NOT NULL
    AND cw_ts(t.period_end) IS NOT NULL
  GROUP BY t.encounter_id, t.patient_id, t.period_start, t.period_end
),
obs_visit AS (
  SELECT enc.encounter_id,
         max_by(v.v_start, cw_ts_text(v.v_end) || v.encounter_id) AS obs_start,
         max_by(v.encounter_id, cw_ts_text(v.v_end) || v.encounter_id) AS obs_id
  FROM enc JOIN visit v ON v.patient_id = enc.patient_id AND v.obs
  WHERE v.v_end <= enc.admitted AND cw_seconds(enc.admitted) - cw_seconds(v.v_end) <= 3600
  GROUP BY enc.encounter_id
),
ed_visit AS (
  SELECT x.encounter_id,
         max_by(v.v_start, cw_ts_text(v.v_end) || v.encounter_id) AS ed_start,
         max_by(v.encounter_id, cw_ts_text(v.v_end) || v.encounter_id) AS ed_id
  FROM (SELECT enc.encounter_id, enc.patient_id, coalesce(o.obs_start, enc.admitted) AS v_from
        FROM enc LEFT JOIN obs_visit o ON o.encounter_id = enc.encounter_id) x
  JOIN visit v ON v.patient_id = x.patient_id AND v.ed
  WHERE v.v_end <= x.v_from AND cw_seconds(x.v_from) - cw_seconds(v.v_end) <= 3600
  GROUP BY x.encounter_id
)
-- The reference time of the risk assessment: 24 h after admission (NICE NG89 1.1.1: assess
-- on admission; CMS108 allows the day after), never later than --as-of.
SELECT enc.*,
       CASE WHEN cw_seconds(admitted) + 86400 > cw_seconds(cw_ts({{AS_OF}}))
            THEN cw_ts({{AS_OF}}) ELSE cw_ts_add_day(admitted) END AS t_ref,
       cw_days(coalesce(discharge_day, cw_date({{AS_OF}})), admit_day) AS los_days,
       coalesce(ed.ed_start, o.obs_start, enc.admitted) AS arrived,
       cw_date_of(coalesce(ed.ed_start, o.obs_start, enc.admitted)) AS arrival_day,
       coalesce(ed.ed_id, o.obs_id) AS arrival_encounter,
       coalesce(enc.discharged_at, cw_ts({{AS_OF}})) AS stay_end,
       a.anesthesia_id,
       cw_add_days(enc.admit_day, CASE WHEN a.anesthesia_id IS NULL THEN 1 ELSE 2 END)
         AS window_end
FROM enc
LEFT JOIN anes a ON a.encounter_id = enc.encounter_id
LEFT JOIN obs_visit o ON o.encounter_id = enc.encounter_id
LEFT JOIN ed_visit ed ON ed.encounter_id = enc.encounter_id

