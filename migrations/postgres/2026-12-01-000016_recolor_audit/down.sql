ALTER TABLE variants DROP COLUMN gamut_mapped_px;
ALTER TABLE variants DROP COLUMN lightness_corr;
