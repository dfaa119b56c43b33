-- Mechanical prophylaxis in the device resources, per inpatient encounter (table cw_devices,
-- read by screen.sql; a stage of its own so the findings query stays small for Spark's
-- analyser). Sources: docs/population.md.
WITH
codes AS ({{CODES}}),
codes_exact AS (SELECT codeset, system, code FROM codes WHERE code IS NOT NULL),
e AS (SELECT encounter_id, patient_id, arrival_day, window_end FROM cw_stays),
-- The device resources, which CMS108FHIR v0.2.003 does not read (its
-- mechanical prophylaxis is a Procedure "Application of ..." done or not done, or a
-- ServiceRequest not placed): a device of the measure's device value sets (vte_mechanical_device,
-- by Device.type) in use (DeviceUseStatement active or completed, its timing starting in the
-- window), or not ordered (DeviceRequest do-not-perform, QI-Core DeviceNotRequested, an order
-- intent, authored in the window) for the patient's refusal or a medical reason. Reported
-- beside the row (prophylaxis_not_counted), never counted: docs/population.md.
mech_device AS (
  SELECT DISTINCT d.device_id FROM v_device d
  JOIN codes_exact k ON k.codeset = 'vte_mechanical_device' AND k.system = d.system
                    AND k.code = upper(d.code)
),
device_use_f AS (
  SELECT e.encounter_id,
    min_by(u.statement_id, cw_ts_text(cw_ts(u.timing_start)) || u.statement_id) AS device_use_id
  FROM e JOIN v_device_use_statement u ON u.patient_id = e.patient_id
  JOIN mech_device d ON d.device_id = u.device_id
  WHERE u.status IN ('active', 'completed')
    AND cw_date_of(cw_ts(u.timing_start)) >= e.arrival_day
    AND cw_date_of(cw_ts(u.timing_start)) <= e.window_end
  GROUP BY e.encounter_id
),
device_request AS (
  SELECT DISTINCT r.request_id, r.patient_id, cw_ts(r.authored) AS t, r.reason_system,
         r.reason_code
  FROM v_device_request r
  LEFT JOIN codes_exact k ON k.codeset = 'vte_mechanical_device' AND k.system = r.system
                         AND k.code = upper(r.code)
  LEFT JOIN mech_device d ON d.device_id = r.device_id
  WHERE r.do_not_perform AND r.intent IN {{ORDER_INTENTS}}
    AND (k.code IS NOT NULL OR d.device_id IS NOT NULL)
),
device_request_f AS (
  SELECT e.encounter_id, min(r.request_id) AS device_not_ordered_id
  FROM e JOIN device_request r ON r.patient_id = e.patient_id
  JOIN codes_exact kr ON kr.codeset IN ('patient_refusal', 'medical_reason')
                     AND kr.system = r.reason_system AND kr.code = upper(r.reason_code)
  WHERE cw_date_of(r.t) >= e.arrival_day AND cw_date_of(r.t) <= e.window_end
  GROUP BY e.encounter_id
)

SELECT e.encounter_id, u.device_use_id, r.device_not_ordered_id
FROM e
LEFT JOIN device_use_f u ON u.encounter_id = e.encounter_id
LEFT JOIN device_request_f r ON r.encounter_id = e.encounter_id
WHERE u.device_use_id IS NOT NULL OR r.device_not_ordered_id IS NOT NULL
