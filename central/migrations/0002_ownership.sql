-- Ownership and proof (the trust issue): idempotency keys belong to the kiosk that used
-- them; uploads, bookings and payments carry their owner and their secrets' hashes; an
-- application keeps the hashes of its proofs (the receipt's QR token, the applicant's ID
-- tail) and the payment state the central decided; kiosks get their receipt prefix at
-- enrolment; certificates carry their expiry; wrong proofs are counted for back-off.
CREATE TABLE idempotency_v2 (scope TEXT NOT NULL, kiosk_id TEXT NOT NULL, key TEXT NOT NULL,
  fingerprint TEXT NOT NULL, status BIGINT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, kiosk_id, key));
INSERT INTO idempotency_v2 (scope, kiosk_id, key, fingerprint, status, body, created_at)
  SELECT scope, kiosk_id, key, fingerprint, status, body, created_at FROM idempotency;
DROP TABLE idempotency;
ALTER TABLE idempotency_v2 RENAME TO idempotency;
ALTER TABLE applications ADD COLUMN token_hash TEXT;
ALTER TABLE applications ADD COLUMN id_tail_hash TEXT;
ALTER TABLE applications ADD COLUMN agent_hash TEXT;
ALTER TABLE applications ADD COLUMN payment TEXT NOT NULL DEFAULT 'not-required';
ALTER TABLE applications ADD COLUMN payment_order TEXT;
ALTER TABLE uploads ADD COLUMN kiosk_id TEXT;
ALTER TABLE uploads ADD COLUMN supplement_id TEXT;
UPDATE uploads SET kiosk_id = (SELECT a.kiosk_id FROM applications a WHERE a.app_key = uploads.app_key);
ALTER TABLE bookings ADD COLUMN cancel_hash TEXT;
ALTER TABLE payments ADD COLUMN app_key TEXT;
CREATE UNIQUE INDEX payments_app_key ON payments (app_key);
CREATE TABLE provider_notifications (notification_id TEXT PRIMARY KEY, order_id TEXT NOT NULL,
  received_at BIGINT NOT NULL);
ALTER TABLE kiosks ADD COLUMN receipt_prefix TEXT;
CREATE UNIQUE INDEX kiosks_receipt_prefix ON kiosks (receipt_prefix);
ALTER TABLE certificates ADD COLUMN expires_at BIGINT;
CREATE TABLE proof_failures (subject TEXT PRIMARY KEY, failures BIGINT NOT NULL, last_at BIGINT NOT NULL);
ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'supervisor';
ALTER TABLE sessions ADD COLUMN last_seen BIGINT;
