-- cpulevel schema, version 2: a host's counts as columns.
--
-- Host.boot parses cpu_count and socket_count out of the cpu_info it is
-- given and stores them here with it, so that a pool's sums read two
-- integers per member instead of parsing each member's stored JSON
-- again.  A host stored by version 1 gets its counts from its stored
-- cpu_info, read as version 1 read it: cpu_info_count() is not sqlite's
-- but cpulevel's (lib/db_functions.c), there while featured migrates,
-- and absent from sqlite3(1).

ALTER TABLE host ADD COLUMN cpu_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE host ADD COLUMN socket_count INTEGER NOT NULL DEFAULT 0;

UPDATE host SET
	cpu_count = cpu_info_count(cpu_info, 'cpu_count'),
	socket_count = cpu_info_count(cpu_info, 'socket_count');
