-- IVR flows and calendars of the configuration file's `flows:` and
-- `calendars:` sections, the funnel of both faces, and web-to-voice codes.
CREATE TABLE ivr_flows (
	name       TEXT PRIMARY KEY,
	number     TEXT NOT NULL DEFAULT '',
	definition TEXT NOT NULL             -- JSON of the flow as written in the file
);
CREATE TABLE ivr_calendars (
	name TEXT PRIMARY KEY,
	spec TEXT NOT NULL                   -- JSON of the calendar as written in the file
);
CREATE TABLE ivr_funnel (
	id      INTEGER PRIMARY KEY,
	flow    TEXT NOT NULL,
	node    TEXT NOT NULL,
	face    TEXT NOT NULL,               -- voice | web
	step    TEXT NOT NULL,               -- enter | choice | leave
	choice  TEXT NOT NULL DEFAULT '',
	session TEXT NOT NULL DEFAULT '',
	at      INTEGER NOT NULL             -- unix seconds
);
CREATE INDEX ivr_funnel_flow ON ivr_funnel (flow, node);
CREATE TABLE ivr_codes (
	code       TEXT PRIMARY KEY,
	queue      TEXT NOT NULL,
	context    TEXT NOT NULL,            -- JSON of the web visit's context
	expires_at INTEGER NOT NULL          -- unix seconds
);
