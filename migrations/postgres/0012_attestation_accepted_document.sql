-- What the customer accepted on the enhanced attestation's acceptance page: the language the page
-- showed the agreement in (one of the attestation's country's languages) and the template (the
-- document's version). The agreement made from the attestation records the same language; its
-- template is the one accepted. Null for what was stored before (the attestation's own language
-- and the template of its agreement stand for them).
ALTER TABLE enhanced_attestations ADD COLUMN accepted_language TEXT;
ALTER TABLE enhanced_attestations ADD COLUMN accepted_template_id TEXT;
ALTER TABLE agreements ADD COLUMN language TEXT;
