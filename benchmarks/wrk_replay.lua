-- wrk script for benchmarks/cds_patient_view.py --client wrk: sends requests built beforehand.
--
--   wrk -t 1 -c N -d 600s --timeout 60s -s wrk_replay.lua URL -- REQUESTS_FILE TARGET [PAUSE_MS]
--
-- REQUESTS_FILE holds whole HTTP/1.1 requests, each as "<byte length>\n<bytes>" (the Python
-- side builds them: a fresh signed JWT in each, so no request is ever sent twice). Each is sent
-- once, in order; the thread stops once TARGET responses have arrived. Printed at the end, for
-- the Python side to read: "sent N", "non200 N" (responses other than 200; their first status
-- as "status S") and every latency ("lat <microseconds> <count>"). One wrk thread only.
--
-- wrk's main thread sleeps for the whole -d duration even once the thread has stopped, so the
-- thread writes "wrk_replay: done" to stderr when it stops, and the Python side then sends wrk
-- SIGINT (which ends that sleep; wrk then reports as usual).
--
-- PAUSE_MS (optional, > 0): before each request a connection waits a random time, exponential
-- with this mean (ms), so that N connections offer about N * 1000 / PAUSE_MS calls a second at
-- random moments (an open load), rather than each sending again as soon as it is answered.
-- Printed at the end: "pauses N MS", how many pauses were drawn and their sum.
-- globals, not locals: done() reads them from the thread with thread:get
requests, count, sent, received, non200, first_status, target = {}, 0, 0, 0, 0, 0, 0
pause_ms, paused, paused_ms = 0, 0, 0

function setup(thread)
  threads = threads or {}
  table.insert(threads, thread)
end

function init(args)
  requests, count = {}, 0
  local file = assert(io.open(args[1], "rb"))
  while true do
    local line = file:read("*l")
    if not line then break end
    count = count + 1
    requests[count] = file:read(tonumber(line))
  end
  file:close()
  target = tonumber(args[2])
  pause_ms = tonumber(args[3] or "0")
  -- each wrk thread has its own Lua state: seed it from the clock and this state's address
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  sent, received, non200, first_status = 0, 0, 0, 0
end

function delay()
  if pause_ms <= 0 then return 0 end
  -- exponential pause: the gaps between a Poisson stream's arrivals; at most 4 s, under the
  -- server's keep-alive timeout (uvicorn: 5 s), which would otherwise close an idle
  -- connection under wrk (a read error) at low rates
  local ms = math.min(4000, math.floor(-pause_ms * math.log(1 - math.random()) + 0.5))
  paused, paused_ms = paused + 1, paused_ms + ms
  return ms
end

function request()
  sent = sent + 1
  if sent > count then
    -- never send a request twice (a replayed token would be refused and counted as an error)
    error("wrk_replay: more requests asked for than were built; build more spares")
  end
  return requests[sent]
end

function response(status, headers, body)
  received = received + 1
  if status ~= 200 then
    non200 = non200 + 1
    if first_status == 0 then first_status = status end
  end
  if received == target then
    io.stderr:write("wrk_replay: done\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests_stats)
  local thread = threads[1]
  io.write(string.format("sent %d\n", thread:get("sent")))
  io.write(string.format("non200 %d\n", thread:get("non200")))
  io.write(string.format("pauses %d %d\n", thread:get("paused"), thread:get("paused_ms")))
  io.write(string.format("status %d\n", thread:get("first_status")))
  io.write(string.format("errors %d %d %d %d %d\n", summary.errors.connect, summary.errors.read,
                         summary.errors.write, summary.errors.status, summary.errors.timeout))
  -- latency(i): the i-th distinct value and its count (past the last one wrk answers 0)
  for i = 1, summary.requests do
    local value, n = latency(i)
    if value == 0 or n == 0 then break end
    io.write(string.format("lat %d %d\n", value, n))
  end
end
