CREATE TABLE experiments (
    id SERIAL PRIMARY KEY,
    master_id INTEGER NOT NULL REFERENCES masters(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    primary_metric TEXT NOT NULL,
    guardrail_metrics TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL CHECK (method IN ('frequentist', 'sequential', 'bayesian')),
    variance_model TEXT NOT NULL,
    correction TEXT NOT NULL DEFAULT 'holm',
    alpha DOUBLE PRECISION NOT NULL DEFAULT 0.05,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE experiment_arms (
    id SERIAL PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    variant_id INTEGER REFERENCES variants(id) ON DELETE CASCADE,
    is_control BOOLEAN NOT NULL,
    label TEXT NOT NULL,
    planned_weight DOUBLE PRECISION
);
CREATE INDEX experiment_arms_experiment ON experiment_arms(experiment_id);
