-- Web-to-voice codes are purged and counted by their expiry at every issue.
CREATE INDEX ivr_codes_expires ON ivr_codes (expires_at);
