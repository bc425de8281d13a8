-- A recolor's audit also says how much of the element's shading survived (the Pearson
-- correlation of L* inside the mask, original against result) and how many pixels had to lose
-- chroma to fit sRGB; `delta_e` now compares the target with the region's diffuse tone.
ALTER TABLE variants ADD COLUMN lightness_corr DOUBLE PRECISION;
ALTER TABLE variants ADD COLUMN gamut_mapped_px BIGINT;
