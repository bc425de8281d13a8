-- Worker processes can die in native code: `crashes` counts the claims that ended that way, so a
-- job that kills its worker twice is failed instead of being handed to the next one.
ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
-- Import jobs report rows stored out of rows in the file, and leave their outcome (the import's
-- id and counts) for the progress page, which may be served by another instance.
ALTER TABLE jobs ADD COLUMN units_done BIGINT;
ALTER TABLE jobs ADD COLUMN units_total BIGINT;
ALTER TABLE jobs ADD COLUMN outcome TEXT;
-- Diff, leak and overlay pictures, rendered once with the variant instead of on every view.
CREATE TABLE variant_pictures (
    variant_id INTEGER PRIMARY KEY NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    diff_sha TEXT NOT NULL,
    leak_sha TEXT NOT NULL,
    overlay_sha TEXT NOT NULL
);
-- The hallucination-ceiling count of a variant, valid while its master's set of rejected
-- variants is the one `rejected_key` names.
CREATE TABLE mask_ceilings (
    variant_id INTEGER PRIMARY KEY NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    rejected_key TEXT NOT NULL,
    hits INTEGER NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
