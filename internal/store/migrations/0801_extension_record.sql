-- Calls to and from an extension with record = 1 are recorded (stereo WAV,
-- caller left, callee right) and named in their CDRs.
ALTER TABLE extensions ADD COLUMN record INTEGER NOT NULL DEFAULT 0;
