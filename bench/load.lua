-- wrk script of the benchmark: one operation per run, chosen by the first argument.
--
--   wrk -t2 -c64 -d10s -s bench/load.lua http://127.0.0.1:PORT -- OP TOKEN READ_FILE WRITE_FILE RUN \
--       [APP_TOKEN ATTESTATION_START ATTESTATION_BLOCK [PATH [HEADER]]]
--
-- OP is one of
--   catalog   GET /v1/agreements?agreementType=*                     (token check + catalog)
--   read      GET /v1/customers/{id}/agreements?agreementType=*      (over the read customers)
--   write     POST /v1/customers/{id}/agreements                     (2023 confirmation, write customers)
--   mixed     4 reads, then 1 write, in turn                         (80% reads, 20% writes)
--   attest    POST /v1/attestations/enhanced                         (App-only: a new attestation)
--   attested  POST /v1/customers/{id}/agreements {"attestationId"}   (App-only: one accepted attestation each)
--   path      GET PATH, with the token (unless "none") and HEADER ("Name: value", e.g. a session's
--             Cookie or an MS-ContinuationToken) when given: the list scale run's pages
-- READ_FILE and WRITE_FILE hold one customer id a line. RUN is a number unique to this wrk run
-- within one database: with the thread number and a per-thread counter it makes every write's
-- contact and MS-RequestId distinct, so no write is refused as a duplicate (600061) and none is
-- replayed as a retry. `attested` uses the accepted attestations bench/run prepared for the run:
-- thread t takes ids ATTESTATION_START + (t - 1) * ATTESTATION_BLOCK + its counter.
--
-- done() prints one line starting with WRK that bench/run parses. "status" counts answers with
-- HTTP status >= 400 (wrk's own count); connect/read/write/timeout are socket errors.

local MCA_TEMPLATE = "117a77b0-9360-443b-8795-c6dedc750cf9"
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

local function lines(path)
  local list = {}
  if path and path ~= "-" then
    for line in io.lines(path) do
      if line ~= "" then table.insert(list, line) end
    end
  end
  return list
end

function init(args)
  op = args[1]
  token = args[2]
  readers = lines(args[3])
  writers = lines(args[4])
  run = tonumber(args[5]) or 0
  app_token = args[6] or token
  attestation_start = tonumber(args[7]) or 0
  attestation_block = tonumber(args[8]) or 0
  counter = 0
  headers = { ["Authorization"] = "Bearer " .. token }
  if op == "path" then
    local h = {}
    if token ~= "none" then h["Authorization"] = "Bearer " .. token end
    local name, value = (args[10] or ""):match("^([^:]+):%s*(.*)$")
    if name then h[name] = value end
    fixed = wrk.format("GET", args[9], h)
  end
  catalog = wrk.format("GET", "/v1/agreements?agreementType=*", headers)
end

local function read_request()
  local customer = readers[(counter % #readers) + 1]
  return wrk.format("GET", "/v1/customers/" .. customer .. "/agreements?agreementType=*", headers)
end

local function request_id()
  return string.format("%08x-%04x-4000-8000-%012x", run, thread_number, counter)
end

local function write_request()
  local customer = writers[(counter % #writers) + 1]
  -- thread_number is set by setup() before init() runs in this thread's state.
  local tag = string.format("r%dt%dn%d", run, thread_number, counter)
  local body = '{"primaryContact":{"firstName":"Bench","lastName":"L' .. tag
    .. '","email":"' .. tag .. '@bench.example"},"templateId":"' .. MCA_TEMPLATE
    .. '","dateAgreed":"2024-01-01T00:00:00Z","type":"MicrosoftCustomerAgreement"}'
  local h = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["MS-RequestId"] = request_id(),
  }
  return wrk.format("POST", "/v1/customers/" .. customer .. "/agreements", h, body)
end

local function attest_request()
  local tag = string.format("r%dt%dn%d", run, thread_number, counter)
  local body = '{"country":"US","language":"en-US","companyName":"Bench ' .. tag
    .. '","signatoryFirstName":"Bench","signatoryLastName":"S' .. tag
    .. '","signatoryEmail":"' .. tag .. '@bench.example"}'
  local h = {
    ["Authorization"] = "Bearer " .. app_token,
    ["Content-Type"] = "application/json",
    ["MS-RequestId"] = request_id(),
  }
  return wrk.format("POST", "/v1/attestations/enhanced", h, body)
end

local function attested_request()
  local customer = writers[(counter % #writers) + 1]
  local n = attestation_start + (thread_number - 1) * attestation_block + counter
  local body = string.format('{"attestationId":"00000000-0000-4000-c000-%012d"}', n)
  local h = {
    ["Authorization"] = "Bearer " .. app_token,
    ["Content-Type"] = "application/json",
    ["MS-RequestId"] = request_id(),
  }
  return wrk.format("POST", "/v1/customers/" .. customer .. "/agreements", h, body)
end

function request()
  counter = counter + 1
  if op == "catalog" then
    return catalog
  elseif op == "read" then
    return read_request()
  elseif op == "write" then
    return write_request()
  elseif op == "mixed" then
    if counter % 5 == 0 then return write_request() end
    return read_request()
  elseif op == "attest" then
    return attest_request()
  elseif op == "attested" then
    return attested_request()
  elseif op == "path" then
    return fixed
  end
  error("unknown operation " .. tostring(op))
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect, e.read, e.write, e.timeout))
end
