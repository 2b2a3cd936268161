-- The widget's light or dark look per website account: 'auto' (the visitor's system
-- setting, as before), 'light' or 'dark'.
ALTER TABLE accounts ADD COLUMN theme TEXT NOT NULL DEFAULT 'auto';

-- The widget's header names who answers: an organization's first staff members.
CREATE INDEX staff_org ON staff(org_id, created_at, id);
