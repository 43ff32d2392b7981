-- Configured mailboxes (the `mailboxes:` section of the YAML file). The
-- IMAP and SMTP URLs carry their passwords in plain text: the appliance
-- must present them to the servers, so they cannot be hashed.
CREATE TABLE mail_mailbox_configs (
	name          TEXT PRIMARY KEY,
	imap_url      TEXT NOT NULL,
	smtp_url      TEXT NOT NULL DEFAULT '',
	queue         TEXT NOT NULL,
	from_addr     TEXT NOT NULL DEFAULT '',
	acknowledge   INTEGER NOT NULL DEFAULT 0,
	poll_interval INTEGER NOT NULL DEFAULT 0  -- milliseconds, 0 = default
);
