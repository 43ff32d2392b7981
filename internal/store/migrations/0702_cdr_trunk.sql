-- Calls through the phone network (sip/b2bua trunk legs): the trunk used and
-- the number on the trunk side (the DID called inbound, the E.164 number sent
-- outbound); both empty for calls between extensions.
ALTER TABLE cdrs ADD COLUMN trunk TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN trunk_number TEXT NOT NULL DEFAULT '';
