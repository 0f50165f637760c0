-- Certificate renewal: a certificate issued to replace another names it; the old one is
-- revoked once the new one is used.
ALTER TABLE certificates ADD COLUMN replaces TEXT;
