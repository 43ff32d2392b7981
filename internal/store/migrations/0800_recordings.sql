-- A call's recording: the WAV file's path relative to the data directory
-- ("" when the call was not recorded).
ALTER TABLE cdrs ADD COLUMN recording TEXT NOT NULL DEFAULT '';
