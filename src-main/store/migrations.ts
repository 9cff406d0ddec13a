/**
 * Numbered migrations. The schema version is PRAGMA user_version; migration N
 * brings a database from version N-1 to N. Each runs in its own transaction
 * together with the version bump, so a failure leaves the previous version intact.
 * Never edit a migration that has shipped: add a new one.
 */
export const migrations: readonly string[] = [
  /* 1: the experiment store */ `
  CREATE TABLE datasets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    source      TEXT NOT NULL,                       -- 'builtin:spam', 'import:file.csv', …
    labels      TEXT NOT NULL DEFAULT '[]',          -- JSON array of label names
    meta        TEXT NOT NULL DEFAULT '{}',          -- JSON: split seed, fractions, tokeniser hints
    created_at  TEXT NOT NULL
  );
  CREATE TABLE examples (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    split       TEXT NOT NULL CONSTRAINT example_split_known CHECK (split IN ('train', 'validation', 'test')),
    label       TEXT NOT NULL,
    text        TEXT NOT NULL CONSTRAINT example_text_not_empty CHECK (length(text) > 0)
  );
  CREATE INDEX examples_by_dataset_split ON examples(dataset_id, split);

  CREATE TABLE task_sets (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    description  TEXT NOT NULL DEFAULT '',
    budget       REAL NOT NULL CONSTRAINT budget_positive CHECK (budget > 0),
    time_budget  REAL CONSTRAINT time_budget_positive CHECK (time_budget IS NULL OR time_budget > 0),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  );
  CREATE TABLE tasks (
    id                  INTEGER PRIMARY KEY,
    task_set_id         INTEGER NOT NULL REFERENCES task_sets(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    name                TEXT NOT NULL CHECK (length(trim(name)) > 0),
    dataset_id          INTEGER REFERENCES datasets(id) ON DELETE RESTRICT,
    attention_cost      REAL NOT NULL CONSTRAINT attention_cost_non_negative CHECK (attention_cost >= 0),
    attention_measured  INTEGER NOT NULL DEFAULT 0 CHECK (attention_measured IN (0, 1)),
    time_cost           REAL NOT NULL CONSTRAINT time_cost_non_negative CHECK (time_cost >= 0),
    time_measured       INTEGER NOT NULL DEFAULT 0 CHECK (time_measured IN (0, 1)),
    weight              REAL NOT NULL DEFAULT 1 CONSTRAINT weight_non_negative CHECK (weight >= 0),
    floor               REAL NOT NULL DEFAULT 0 CONSTRAINT floor_in_unit_interval CHECK (floor BETWEEN 0 AND 1),
    cap                 REAL NOT NULL DEFAULT 1 CONSTRAINT cap_in_unit_interval CHECK (cap BETWEEN 0 AND 1),
    examples            INTEGER CONSTRAINT examples_positive CHECK (examples IS NULL OR examples > 0),
    CONSTRAINT floor_not_above_cap CHECK (floor <= cap),
    CONSTRAINT task_name_unique_in_set UNIQUE (task_set_id, name)
  );
  CREATE INDEX tasks_by_set ON tasks(task_set_id, position);

  CREATE TABLE solves (
    id           INTEGER PRIMARY KEY,
    task_set_id  INTEGER NOT NULL REFERENCES task_sets(id) ON DELETE CASCADE,
    policy       TEXT NOT NULL,
    params       TEXT NOT NULL DEFAULT '{}',   -- JSON: budget, time budget, T, share cap, …
    inputs       TEXT NOT NULL,                -- JSON snapshot of the tasks as solved
    status       TEXT NOT NULL CONSTRAINT solve_status_known CHECK (status IN ('optimal', 'feasible', 'infeasible', 'error')),
    allocation   TEXT,                         -- JSON π
    counts       TEXT,                         -- JSON c
    objective    TEXT NOT NULL DEFAULT '{}',   -- JSON: value, attention, time, …
    duals        TEXT NOT NULL DEFAULT '{}',   -- JSON: attention, time, binding rows
    explanation  TEXT,
    solver_ms    REAL NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
  );
  CREATE INDEX solves_by_set ON solves(task_set_id);

  CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    task_set_id  INTEGER REFERENCES task_sets(id) ON DELETE SET NULL,
    solve_id     INTEGER REFERENCES solves(id) ON DELETE SET NULL,
    name         TEXT NOT NULL DEFAULT '',
    config       TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CONSTRAINT run_status_known
                   CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
    backend      TEXT,
    environment  TEXT NOT NULL DEFAULT '{}',
    seed         INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    error        TEXT,
    notes        TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX runs_by_status ON runs(status);

  -- The log: appended in batches while a run trains. Indexed in append order so a
  -- commit touches a few pages at the end of the index, not one page per series.
  CREATE TABLE metric_points (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    metric     TEXT NOT NULL,
    task       TEXT NOT NULL DEFAULT '',    -- '' for run-level metrics
    epoch      INTEGER NOT NULL CHECK (epoch >= 0),
    step       INTEGER NOT NULL CHECK (step >= 0),
    value      REAL NOT NULL,
    attention  REAL NOT NULL DEFAULT 0,     -- attention units spent so far
    wall_ms    REAL NOT NULL DEFAULT 0      -- wall time since the run started
  );
  CREATE INDEX metric_points_by_run ON metric_points(run_id, epoch, step);

  -- The read model: a finished run's points packed per (metric, task) as float64
  -- quintuples (epoch, step, value, attention, wall_ms). Derived from metric_points
  -- when a run stops; dropped when the run logs again (resume). Compare reads these.
  CREATE TABLE metric_series (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    metric  TEXT NOT NULL,
    task    TEXT NOT NULL,
    n       INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (run_id, metric, task)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch       INTEGER NOT NULL CHECK (epoch >= 0),
    kind        TEXT NOT NULL CONSTRAINT checkpoint_kind_known CHECK (kind IN ('latest', 'best')),
    path        TEXT NOT NULL,
    metric      REAL,                       -- validation accuracy for 'best'
    created_at  TEXT NOT NULL,
    CONSTRAINT one_checkpoint_per_kind UNIQUE (run_id, kind)
  );
  `,
  /* 2: the engine that solved each solve (HiGHS, glpk.js, …), with its version */ `
  ALTER TABLE solves ADD COLUMN engine TEXT;
  `,
  /* 3: runs logged by any script through the MLflow-compatible tracking API, beside the lab's own */ `
  CREATE TABLE experiments (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL CONSTRAINT experiment_name_unique UNIQUE,
    artifact_location  TEXT NOT NULL DEFAULT '',
    lifecycle_stage    TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    tags               TEXT NOT NULL DEFAULT '{}',
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL
  );
  -- MLflow's clients log to experiment "0" when none is set
  INSERT INTO experiments (id, name, created_ms, updated_ms) VALUES (0, 'Default', 0, 0);
  ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'lab' CHECK (source IN ('lab', 'mlflow'));
  ALTER TABLE runs ADD COLUMN experiment_id INTEGER REFERENCES experiments(id);
  ALTER TABLE runs ADD COLUMN external_id TEXT;         -- MLflow's run id (32 hex digits)
  ALTER TABLE runs ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active';
  ALTER TABLE runs ADD COLUMN kv_tags TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE runs ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
  ALTER TABLE runs ADD COLUMN start_ms INTEGER;
  ALTER TABLE runs ADD COLUMN end_ms INTEGER;
  CREATE UNIQUE INDEX runs_by_external_id ON runs(external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX runs_by_experiment ON runs(experiment_id, start_ms) WHERE experiment_id IS NOT NULL;
  -- each (run, key)'s latest value, as MLflow defines it (largest step, then timestamp): search and
  -- order by read this row, not every point
  CREATE TABLE latest_metrics (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   REAL NOT NULL,
    step    INTEGER NOT NULL,
    ts      INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  `,
  /* 4: learning-curve fits (from runs, or typed by hand) and studies, so the app can list and reopen them */ `
  CREATE TABLE curve_fits (
    id           INTEGER PRIMARY KEY,
    task_set_id  INTEGER NOT NULL REFERENCES task_sets(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL CONSTRAINT curve_fit_source_known CHECK (source IN ('runs', 'manual')),
    run_ids      TEXT NOT NULL DEFAULT '[]',   -- JSON: the runs whose points were fitted
    tasks        TEXT NOT NULL,                -- JSON: per task { task, curve, rmse, points, fallback }
    created_at   TEXT NOT NULL
  );
  CREATE INDEX curve_fits_by_set ON curve_fits(task_set_id);

  CREATE TABLE studies (
    id           INTEGER PRIMARY KEY,
    task_set_id  INTEGER REFERENCES task_sets(id) ON DELETE SET NULL,
    name         TEXT NOT NULL,
    options      TEXT NOT NULL,                -- JSON: budget, policies, seeds, epochs, pilot share, model
    status       TEXT NOT NULL CONSTRAINT study_status_known
                   CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
    phase        TEXT NOT NULL DEFAULT '',
    owner_pid    INTEGER,                      -- the process driving it; another door leaves it alone while that lives
    pilot_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    curve_fit_id INTEGER REFERENCES curve_fits(id) ON DELETE SET NULL,
    run_ids      TEXT NOT NULL DEFAULT '{}',   -- JSON: policy → run ids
    report       TEXT,                         -- JSON: the report's numbers and its Markdown
    error        TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
  );
  `,
  /* 5: comparing 10,000 runs — finals to sort and filter on, series that fit in their pages, saved views */ `
  -- Each run's last value per (metric, task), and for task '' the mean over its tasks (or a
  -- run-level metric's own last value): what the runs list sorts and filters on, in SQL.
  CREATE TABLE run_finals (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    metric  TEXT NOT NULL,
    task    TEXT NOT NULL,
    value   REAL NOT NULL,
    PRIMARY KEY (run_id, metric, task)
  ) WITHOUT ROWID;
  INSERT INTO run_finals (run_id, metric, task, value)
    SELECT run_id, metric, task, value FROM (
      SELECT run_id, metric, task, value, row_number() OVER (PARTITION BY run_id, metric, task ORDER BY epoch DESC, step DESC) AS k
      FROM metric_points) WHERE k = 1;
  INSERT INTO run_finals (run_id, metric, task, value)
    SELECT run_id, metric, '', avg(value) FROM run_finals WHERE task != '' GROUP BY run_id, metric
    ON CONFLICT (run_id, metric, task) DO UPDATE SET value = excluded.value;

  -- metric_series as a rowid table: a WITHOUT ROWID row over ~1 KB spills into an overflow
  -- page of its own (a 2 KB blob took 8 KB); a rowid table keeps it in the leaf page.
  CREATE TABLE metric_series_rows (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    metric  TEXT NOT NULL,
    task    TEXT NOT NULL,
    n       INTEGER NOT NULL,
    data    BLOB NOT NULL
  );
  INSERT INTO metric_series_rows (run_id, metric, task, n, data) SELECT run_id, metric, task, n, data FROM metric_series ORDER BY run_id, metric, task;
  DROP TABLE metric_series;
  ALTER TABLE metric_series_rows RENAME TO metric_series;
  CREATE UNIQUE INDEX metric_series_key ON metric_series(run_id, metric, task);
  -- a stopped run's packed series are its record; the log keeps only runs that may still log
  DELETE FROM metric_points WHERE run_id IN (SELECT run_id FROM metric_series);

  CREATE INDEX runs_by_task_set ON runs(task_set_id);

  -- named views of the compare screen (selection, grouping, axis, metric, smoothing, …) as JSON
  CREATE TABLE saved_views (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  `,
  /* 6: a tracked or imported run's whole-number seed param is its seed (runs imported before showed 0) */ `
  UPDATE runs SET seed = CAST(trim(json_extract(config, '$.seed')) AS INTEGER)
  WHERE source = 'mlflow' AND seed = 0 AND typeof(json_extract(config, '$.seed')) = 'text'
    AND trim(json_extract(config, '$.seed')) GLOB '[0-9]*' AND NOT trim(json_extract(config, '$.seed')) GLOB '*[^0-9]*'
    AND length(trim(json_extract(config, '$.seed'))) <= 15;
  `,
];

export const SCHEMA_VERSION = migrations.length;
