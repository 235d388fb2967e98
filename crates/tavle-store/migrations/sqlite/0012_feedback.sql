-- A teacher's feedback on a hand-in: text, a grade on the 7-point scale, when it was
-- returned to the pupil (who sees nothing of it before), and whether a new hand-in is asked for.
ALTER TABLE hand_in ADD COLUMN feedback TEXT;
ALTER TABLE hand_in ADD COLUMN grade TEXT;
ALTER TABLE hand_in ADD COLUMN returned_at INTEGER;
ALTER TABLE hand_in ADD COLUMN resubmission_requested INTEGER NOT NULL DEFAULT 0;
