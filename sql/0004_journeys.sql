-- 0004_journeys: enrollments, their step log, the outbox and segments.
--
-- An enrollment is a row, not a sleeping coroutine (DESIGN.md 1.3): the
-- engine claims due rows with FOR UPDATE SKIP LOCKED, runs one step, and in
-- the same transaction writes the decision, the step log and the outbox.

CREATE TABLE enrollments (
    contact_id     bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    id             bigint GENERATED ALWAYS AS IDENTITY,
    journey        text NOT NULL,
    tenant         text NOT NULL DEFAULT 'default',
    status         text NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'waiting', 'parked', 'exited', 'completed')),
    step           text NOT NULL,              -- the step to run next
    step_seq       int NOT NULL DEFAULT 0,     -- steps run so far; (id, step_seq) is the idempotency key
    vars           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(vars) = 'object'),
    wake_at        timestamptz,                -- when `step` is due; NULL: only an event wakes it
    wait_event     text,                       -- wait_for: the awaited event type
    wait_matched   text,                       -- wait_for: step when it arrives
    trigger_event  uuid,                       -- the event that entered or woke it
    attempts       int NOT NULL DEFAULT 0,     -- failed tries of the current step
    last_error     text,                       -- file:line of the last script error
    entered_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    converted_at   timestamptz,                -- goal reached
    ended_at       timestamptz,
    end_reason     text,
    PRIMARY KEY (contact_id, id)
);
-- What the scheduler claims.
CREATE INDEX enrollments_due ON enrollments (wake_at) WHERE status IN ('active', 'waiting', 'parked');
-- At most one live enrollment per contact and journey (re-entry is decided by the engine).
CREATE UNIQUE INDEX enrollments_live ON enrollments (contact_id, journey)
    WHERE status IN ('active', 'waiting', 'parked');
CREATE INDEX enrollments_journey ON enrollments (journey, status);

CREATE TABLE enrollment_steps (
    contact_id    bigint NOT NULL,
    enrollment_id bigint NOT NULL,
    seq           int NOT NULL,
    journey       text NOT NULL,
    step          text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('wait', 'go', 'exit', 'goal', 'error', 'capped', 'deferred')),
    detail        text,
    ran_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, enrollment_id, seq),   -- a step never runs twice
    FOREIGN KEY (contact_id, enrollment_id) REFERENCES enrollments (contact_id, id) ON DELETE CASCADE
);
CREATE INDEX enrollment_steps_funnel ON enrollment_steps (journey, step, outcome);

CREATE TABLE outbox (
    contact_id      bigint NOT NULL,
    id              uuid NOT NULL,                  -- becomes X-Tern-Message and messages.id
    enrollment_id   bigint,
    step_seq        int,
    send_index      smallint NOT NULL DEFAULT 0,    -- n-th c:send within the step
    journey         text,
    step            text,
    tenant          text NOT NULL DEFAULT 'default',
    template        text NOT NULL,
    category        text NOT NULL DEFAULT 'marketing' CHECK (category IN ('marketing', 'transactional')),
    priority        smallint NOT NULL DEFAULT 50 CHECK (priority BETWEEN 0 AND 100),
    data            jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'retry', 'parked', 'skipped')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (contact_id, id)
);
-- One mail per send of a step, however often the step is retried.
CREATE UNIQUE INDEX outbox_once ON outbox (contact_id, enrollment_id, step_seq, send_index)
    WHERE enrollment_id IS NOT NULL;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'retry');
-- Caps count what a contact was sent per category in a window.
CREATE INDEX outbox_caps ON outbox (contact_id, category, sent_at) WHERE status = 'sent';

CREATE TABLE segments (
    name         text PRIMARY KEY,
    tenant       text REFERENCES tenants (id),   -- NULL: every tenant
    kind         text NOT NULL CHECK (kind IN ('sql', 'lua')),
    definition   text NOT NULL,
    refreshed_at timestamptz,
    member_count bigint NOT NULL DEFAULT 0
);

CREATE TABLE segment_memberships (
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    segment    text NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT now(),
    left_at    timestamptz,                      -- NULL while a member
    PRIMARY KEY (contact_id, segment, entered_at)
);
CREATE UNIQUE INDEX segment_members_current ON segment_memberships (segment, contact_id)
    WHERE left_at IS NULL;
