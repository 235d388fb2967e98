-- A working folder found by its folder (issue 17): the drive asks, for the folders on a
-- path, whether one is a pupil's working folder, to make it read-only once the assignment
-- has closed for them. Asked on writes to a pupil's own drive, so it must be an index lookup.
CREATE INDEX assignment_work_folder ON assignment_work (tenant_id, folder_id);
