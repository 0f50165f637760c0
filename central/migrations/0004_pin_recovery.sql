-- One-time technician PIN recovery codes: at most one open code per kiosk, kept only as a
-- keyed hash, used up when the kiosk redeems it.
CREATE TABLE IF NOT EXISTS pin_recovery (kiosk_id TEXT PRIMARY KEY, code_hash TEXT NOT NULL,
  issued_by TEXT NOT NULL, issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
