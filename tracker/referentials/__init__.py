"""Referentials: certifications (fiches RNCP), blocks, competences, tracks, conditions of award,
and their exchange formats (RNCP open-data XML, CASE 1.0 JSON, Moodle CSV)."""
