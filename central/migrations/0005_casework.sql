-- The reviewer's work on a case: who it is assigned to, a decision per material (合格 or
-- 需补正 with a standard reason), and the case's history (submitted, reviews, supplements).
ALTER TABLE applications ADD COLUMN assigned_to TEXT;
CREATE TABLE IF NOT EXISTS material_reviews (app_key TEXT NOT NULL, code TEXT NOT NULL, verdict TEXT NOT NULL,
  reason TEXT, note TEXT, reviewer TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (app_key, code));
CREATE TABLE IF NOT EXISTS case_events (app_key TEXT NOT NULL, n BIGINT NOT NULL, at BIGINT NOT NULL,
  actor TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT, PRIMARY KEY (app_key, n));
-- The front desk: a complaint's state and the reply (sealed) that goes to the citizen's
-- number by SMS; the SMS queue (phone and text sealed) for the gateway.
ALTER TABLE complaints ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
ALTER TABLE complaints ADD COLUMN reply TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN replied_by TEXT;
ALTER TABLE complaints ADD COLUMN replied_at BIGINT;
CREATE TABLE IF NOT EXISTS sms_outbox (sms_id TEXT PRIMARY KEY, phone TEXT NOT NULL, body TEXT NOT NULL,
  subject TEXT NOT NULL, state TEXT NOT NULL, created_at BIGINT NOT NULL, sent_at BIGINT);
-- A kiosk's heartbeats over the last day, one row per five minutes (bounded: older rows go
-- with the next heartbeat), for its page's chart.
CREATE TABLE IF NOT EXISTS heartbeat_buckets (kiosk_id TEXT NOT NULL, bucket BIGINT NOT NULL,
  beats BIGINT NOT NULL, pending BIGINT NOT NULL, devices_ok BIGINT NOT NULL, PRIMARY KEY (kiosk_id, bucket));
