DROP INDEX variants_format_of;
ALTER TABLE variants DROP COLUMN priming;
ALTER TABLE variants DROP COLUMN canvas_sha;
ALTER TABLE variants DROP COLUMN source_rect;
ALTER TABLE variants DROP COLUMN format_of;
ALTER TABLE variants DROP COLUMN format;
