-- Procedures by code, one row per procedure (table cw_procedures, read by stays.sql and
-- screen.sql). Sources of every rule: docs/population.md.
WITH
codes AS ({{CODES}}),
-- Exact codes are joined by equality (a hash join); the few prefix and range entries apart, so
-- no row is compared with every code of its system (the measure's value sets hold thousands).
codes_exact AS (SELECT codeset, system, code FROM codes WHERE code IS NOT NULL),
codes_pattern AS (SELECT codeset, system, prefix, lo, hi, approach, num_lo, num_hi FROM codes
                  WHERE code IS NULL),
-- The code sets each procedure's codings fall in.
proc_hits AS (
  SELECT p.procedure_id, k.codeset FROM v_procedure p
  JOIN codes_exact k ON k.system = p.system AND k.code = upper(p.code)
  WHERE k.codeset IN ('comfort_measures', 'vte_prophylaxis_mechanical', 'vte_selected_surgery',
                        'hip_knee_replacement', 'general_neuraxial_anesthesia')
  UNION
  SELECT p.procedure_id, k.codeset FROM v_procedure p
  JOIN codes_pattern k ON k.system = p.system AND k.prefix IS NOT NULL
                      AND substr(upper(p.code), 1, length(k.prefix)) = k.prefix
  WHERE k.codeset IN ('comfort_measures', 'vte_prophylaxis_mechanical', 'vte_selected_surgery',
                        'hip_knee_replacement', 'general_neuraxial_anesthesia')
    AND k.approach IS NULL
),
-- Operations by their code: the code set surgical_procedure_code, the one clotwatch.fhir reads
-- for "recent surgery" (CodeEntry.matches: an exact code; ICD-10-PCS section 0 by its prefix
-- and the approach, the 5th of 7 characters; CPT by its numeric range).
operation AS (
  SELECT p.procedure_id FROM v_procedure p
  JOIN codes_exact k ON k.codeset = 'surgical_procedure_code' AND k.system = p.system
                    AND k.code = upper(trim(p.code))
  UNION
  SELECT p.procedure_id FROM v_procedure p
  JOIN codes_pattern k ON k.codeset = 'surgical_procedure_code' AND k.system = p.system
  WHERE (k.approach IS NOT NULL AND length(trim(p.code)) = 7
         AND substr(upper(trim(p.code)), 1, length(k.prefix)) = k.prefix
         AND instr(k.approach, substr(upper(trim(p.code)), 5, 1)) > 0)
     OR (k.approach IS NULL AND k.prefix IS NOT NULL
         AND substr(upper(trim(p.code)), 1, length(k.prefix)) = k.prefix)
     OR (k.num_lo IS NOT NULL AND cw_regexp(trim(p.code), '^[0-9]+$')
         AND TRY_CAST(trim(p.code) AS BIGINT) BETWEEN k.num_lo AND k.num_hi)
)
-- Procedures, by code (never by name): surgery (an operation's code, or the surgical
-- category when a record carries one: docs/population.md), mechanical prophylaxis, comfort
-- measures, SCIP VTE selected surgery, hip or knee replacement, general or neuraxial
-- anesthesia; with the status reason of a procedure not done.
SELECT p.procedure_id, p.patient_id, p.encounter_id, p.status, p.reason_system,
       p.reason_code, cw_ts(p.performed_start) AS t_start, cw_ts(p.performed_end) AS t_end,
       -- a procedure not done: when it was recorded (QI-Core recorded), else its time
       coalesce(cw_ts(p.recorded), cw_ts(p.performed_start)) AS t_noted,
       max(CASE WHEN ks.codeset = 'surgical_procedure' OR op.procedure_id IS NOT NULL
                THEN TRUE END) AS surgical,
       max(CASE WHEN kc.codeset = 'comfort_measures' THEN TRUE END) AS comfort,
       max(CASE WHEN kc.codeset = 'vte_prophylaxis_mechanical' THEN TRUE END) AS mechanical,
       max(CASE WHEN kc.codeset = 'vte_selected_surgery' THEN TRUE END) AS selected_surgery,
       max(CASE WHEN kc.codeset = 'hip_knee_replacement' THEN TRUE END) AS hip_knee,
       max(CASE WHEN kc.codeset = 'general_neuraxial_anesthesia' THEN TRUE END) AS anesthesia
FROM v_procedure p
LEFT JOIN codes ks ON ks.codeset = 'surgical_procedure' AND ks.system = p.category_system
                  AND ks.code = upper(p.category_code)
LEFT JOIN proc_hits kc ON kc.procedure_id = p.procedure_id
LEFT JOIN (SELECT DISTINCT procedure_id FROM operation) op ON op.procedure_id = p.procedure_id
WHERE p.status IN ('completed', 'in-progress', 'not-done')
GROUP BY p.procedure_id, p.patient_id, p.encounter_id, p.status, p.reason_system,
         p.reason_code, p.performed_start, p.performed_end, p.recorded

