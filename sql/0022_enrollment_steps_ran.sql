-- 0022_enrollment_steps_ran: whether the step of a step row ran at all.
--
-- Not every enrollment_steps row is a step that ran. An enrollment that
-- reaches its goal or an exit event while it waits, or whose step vanished
-- at a reload, ends with a row under the step it was waiting for, although
-- that step never ran; `tern stats` counted those rows as runs of the step.
-- The engine now writes ran = false for them. Rows written before this
-- migration are marked by what the engine wrote then: every `goal` row (only
-- the intake writes them), and `exit` rows whose detail is the intake's
-- "on TYPE" or a reload's "... vanished at a reload" (a step's own
-- c:exit("on ...") reason is taken for the intake's: history only).

ALTER TABLE enrollment_steps ADD COLUMN ran boolean NOT NULL DEFAULT true;
UPDATE enrollment_steps SET ran = false
 WHERE outcome = 'goal'
    OR (outcome = 'exit' AND (detail LIKE 'on %' OR detail LIKE '% vanished at a reload'));
COMMENT ON COLUMN enrollment_steps.ran IS
    'false: the enrollment ended (goal, exit event, vanished step) without running this step';
