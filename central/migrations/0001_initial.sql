-- The schema as it stood before migrations were versioned (every statement is idempotent,
-- so a database made by the earlier code takes this migration unchanged). `{BLOB}` is the
-- backend's byte type: BLOB on SQLite, BYTEA on PostgreSQL.
CREATE TABLE IF NOT EXISTS idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, kiosk_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL, status BIGINT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS applications (app_key TEXT PRIMARY KEY, receipt_no TEXT NOT NULL UNIQUE,
  case_number TEXT NOT NULL, kiosk_id TEXT NOT NULL, item_code TEXT NOT NULL, submitted_on TEXT NOT NULL,
  received_at BIGINT NOT NULL, status TEXT NOT NULL, message TEXT, expected_on TEXT, id_hash TEXT NOT NULL,
  body TEXT NOT NULL, reviewed_by TEXT, reviewed_at BIGINT);
CREATE INDEX IF NOT EXISTS applications_id_hash ON applications (id_hash);
CREATE INDEX IF NOT EXISTS applications_received ON applications (received_at);
CREATE TABLE IF NOT EXISTS materials (app_key TEXT NOT NULL, code TEXT NOT NULL, photos BIGINT NOT NULL,
  bytes BIGINT NOT NULL, PRIMARY KEY (app_key, code));
CREATE TABLE IF NOT EXISTS uploads (upload_id TEXT PRIMARY KEY, app_key TEXT NOT NULL, code TEXT NOT NULL,
  size BIGINT NOT NULL, sha256 TEXT NOT NULL, received BIGINT NOT NULL, stored BIGINT NOT NULL,
  created_at BIGINT NOT NULL, UNIQUE (app_key, code, sha256));
CREATE TABLE IF NOT EXISTS upload_chunks (upload_id TEXT NOT NULL, chunk_offset BIGINT NOT NULL,
  data {BLOB} NOT NULL, PRIMARY KEY (upload_id, chunk_offset));
CREATE TABLE IF NOT EXISTS supplements (supplement_id TEXT PRIMARY KEY, app_key TEXT NOT NULL,
  kiosk_id TEXT NOT NULL, materials TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS supplement_answers (supplement_id TEXT PRIMARY KEY, app_key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS supplement_answers_app ON supplement_answers (app_key);
CREATE TABLE IF NOT EXISTS payments (order_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, item_code TEXT NOT NULL,
  amount_fen BIGINT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
  paid_at BIGINT);
CREATE TABLE IF NOT EXISTS slot_counts (slot_id TEXT PRIMARY KEY, booked BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS bookings (booking_no TEXT PRIMARY KEY, slot_id TEXT NOT NULL, item_code TEXT NOT NULL,
  phone TEXT NOT NULL, kiosk_id TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ratings (rating_id TEXT PRIMARY KEY, receipt_no TEXT, kiosk_id TEXT NOT NULL,
  stars BIGINT NOT NULL, reasons TEXT NOT NULL, follow_up_due TEXT, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS complaints (ticket_no TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, phone TEXT NOT NULL,
  topic TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS kiosks (kiosk_id TEXT PRIMARY KEY, version TEXT, uptime_secs BIGINT,
  last_seen BIGINT, clock_drift BIGINT, reader TEXT, printer TEXT, camera TEXT, gpio TEXT, paper TEXT,
  pending BIGINT, dead BIGINT, oldest_pending_age BIGINT, last_sent_at BIGINT, last_errors TEXT,
  heartbeats BIGINT NOT NULL DEFAULT 0, submissions BIGINT NOT NULL DEFAULT 0,
  refused BIGINT NOT NULL DEFAULT 0, last_refused_at BIGINT, last_submission_at BIGINT);
CREATE TABLE IF NOT EXISTS certificates (fingerprint TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL,
  issued_at BIGINT NOT NULL, revoked_at BIGINT);
CREATE TABLE IF NOT EXISTS operators (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
  failed BIGINT NOT NULL DEFAULT 0, locked_until BIGINT, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (token_hash TEXT PRIMARY KEY, operator TEXT NOT NULL, csrf TEXT NOT NULL,
  expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (at BIGINT NOT NULL, operator TEXT NOT NULL, action TEXT NOT NULL,
  subject TEXT NOT NULL);
