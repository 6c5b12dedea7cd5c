-- wrk script for the benchmark runner (bench/load.py).
--
-- Always: done() writes the summary and latency percentiles as JSON to $BENCH_REPORT, so
-- the runner reads exact numbers instead of parsing wrk's rounded text.
-- With $BENCH_BODIES set: each thread POSTs its own pre-signed bodies, in order, from the
-- file "$BENCH_BODIES.<thread index>" (one "<Stripe-Signature>\t<json>" per line), never one
-- twice; the runner learns how many each thread sent from done().

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

if os.getenv("BENCH_BODIES") then
  local bodies = {}
  local sigs = {}

  function init(args)
    local file = os.getenv("BENCH_BODIES") .. "." .. index
    for line in io.lines(file) do
      local tab = string.find(line, "\t", 1, true)
      sigs[#sigs + 1] = string.sub(line, 1, tab - 1)
      bodies[#bodies + 1] = string.sub(line, tab + 1)
    end
    sent = 0
    exhausted = 0
  end

  function request()
    if sent >= #bodies then
      -- Out of bodies: stop this thread rather than send an event twice. The runner sizes
      -- the files with room to spare and reports an exhausted run as invalid.
      exhausted = 1
      wrk.thread:stop()
      return wrk.format("GET", "/__bench_exhausted__")
    end
    sent = sent + 1
    return wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["Stripe-Signature"] = sigs[sent],
    }, bodies[sent])
  end
end

function done(summary, latency, requests)
  local sent = {}
  local exhausted = 0
  for _, thread in ipairs(threads) do
    sent[#sent + 1] = tostring(thread:get("sent") or 0)
    exhausted = exhausted + (thread:get("exhausted") or 0)
  end
  local e = summary.errors
  local out = io.open(os.getenv("BENCH_REPORT"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"sent": [%s], "exhausted": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean,
    table.concat(sent, ", "), exhausted))
  out:close()
end
