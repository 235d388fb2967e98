-- A version may carry a name a person gave it ("Første udkast"): a document's named
-- versions (issue 17). Versions kept automatically have none.
ALTER TABLE file_version ADD COLUMN label TEXT;
