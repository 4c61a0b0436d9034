-- What the host did about a failure: 'halted' (the handler stopped at this
-- block) or 'skipped' (the log was dead-lettered and indexing went on).
ALTER TABLE wraith_failures ADD COLUMN action TEXT NOT NULL DEFAULT 'halted'
    CHECK (action IN ('halted', 'skipped'));
