-- A partner persona's own emulator clock and service date, for shared test environments where
-- several suites use one emulator: a partner with a row here reads its own clock (has_clock) and
-- its own service-date setting (service_date; NULL = the emulator's), everyone else the global ones.
CREATE TABLE partner_time (
    partner_tenant_id TEXT PRIMARY KEY REFERENCES partners (tenant_id) ON DELETE CASCADE,
    has_clock         BOOLEAN NOT NULL,
    offset_ms         BIGINT NOT NULL,
    frozen_at_ms      BIGINT,
    service_date      TEXT
);
