-- Format siblings: a variant re-framed for a placement (1:1, 4:5, 9:16, 1.91:1). It keeps its
-- source's variable, value and parent; `format_of` is the source variant (NULL: the master),
-- `source_rect` is where the source's pixels sit in `canvas_sha` (the canvas at the source's
-- resolution, before resampling to the delivery size kept in `result_sha`).
ALTER TABLE variants ADD COLUMN format TEXT;
ALTER TABLE variants ADD COLUMN format_of INTEGER;
ALTER TABLE variants ADD COLUMN source_rect TEXT;
ALTER TABLE variants ADD COLUMN canvas_sha TEXT;
-- The priming check's report (JSON), written with the audit.
ALTER TABLE variants ADD COLUMN priming TEXT;
CREATE INDEX variants_format_of ON variants (format_of);
