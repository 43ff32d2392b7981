-- International minutes used per extension and day (sip/tollfraud), so a
-- restart does not hand out a fresh daily budget.
CREATE TABLE international_usage (
	extension TEXT NOT NULL,
	day       TEXT NOT NULL,    -- YYYY-MM-DD in the appliance time zone
	seconds   INTEGER NOT NULL,
	PRIMARY KEY (extension, day)
);
