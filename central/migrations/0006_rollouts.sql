-- Firmware: the image version and slot each kiosk reports, staged rollouts of a signed
-- bundle (the share of the fleet offered it, widening by itself while failures stay under
-- the threshold) and each kiosk's progress with one.
ALTER TABLE kiosks ADD COLUMN firmware_version TEXT;
ALTER TABLE kiosks ADD COLUMN firmware_slot TEXT;
CREATE TABLE IF NOT EXISTS rollouts (rollout_id BIGINT PRIMARY KEY, version TEXT NOT NULL, bundle TEXT NOT NULL,
  sha256 TEXT NOT NULL, size BIGINT NOT NULL, percent BIGINT NOT NULL, halt_after BIGINT NOT NULL,
  state TEXT NOT NULL, reason TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS rollout_kiosks (rollout_id BIGINT NOT NULL, kiosk_id TEXT NOT NULL, stage TEXT NOT NULL,
  percent BIGINT, reason TEXT, updated_at BIGINT NOT NULL, PRIMARY KEY (rollout_id, kiosk_id));
