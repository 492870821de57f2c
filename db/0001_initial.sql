-- cpulevel schema, version 1.
--
-- featured writes this database; migcheck opens the same file read-only
-- (WAL readers see each committed transaction at once).  Featuresets are
-- stored as xapi's canonical text so that `sqlite3` shows an operator the
-- very strings the protocol and xapi use.  The pool level is stored, not
-- derived on read, so that a reader needs one indexed row per question
-- and history records exactly what VMs were given.

CREATE TABLE pool (
	id			TEXT PRIMARY KEY NOT NULL,
	vendor			TEXT NOT NULL,
	-- the pool level: intersection of the members' default sets
	features_pv_host	TEXT NOT NULL DEFAULT '',
	features_hvm_host	TEXT NOT NULL DEFAULT '',
	-- intersection of the members' max sets
	features_pv		TEXT NOT NULL DEFAULT '',
	features_hvm		TEXT NOT NULL DEFAULT '',
	cpu_count		INTEGER NOT NULL DEFAULT 0,
	socket_count		INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE host (
	id			TEXT PRIMARY KEY NOT NULL,
	pool_id			TEXT REFERENCES pool(id),
	vendor			TEXT NOT NULL,
	hvm_capable		INTEGER NOT NULL DEFAULT 1,
	-- the whole cpu_info map as JSON, as the host reported it
	cpu_info		TEXT NOT NULL,
	-- the featureset keys, canonical, NULL where the map lacks them
	features_pv		TEXT,
	features_hvm		TEXT,
	features_pv_host	TEXT,
	features_hvm_host	TEXT,
	booted_at		TEXT NOT NULL
);
CREATE INDEX host_pool ON host(pool_id);

CREATE TABLE vm (
	id			TEXT PRIMARY KEY NOT NULL,
	-- where it runs or is suspended; where it last ran when halted
	host_id			TEXT REFERENCES host(id) ON DELETE SET NULL,
	domain_type		TEXT NOT NULL
	    CHECK (domain_type IN ('pv', 'hvm', 'pvh', 'pv_in_pvh')),
	power_state		TEXT NOT NULL
	    CHECK (power_state IN ('running', 'suspended', 'halted')),
	-- last_boot_CPU_flags; NULL where unknown
	vendor			TEXT,
	features		TEXT,
	-- arrived from an older toolstack with its landing host's set
	legacy			INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vm_host ON vm(host_id);

-- One row per change of a pool's level.  Not tied to pool by a foreign
-- key: the history of a deleted pool is kept.
CREATE TABLE level_history (
	seq			INTEGER PRIMARY KEY AUTOINCREMENT,
	pool_id			TEXT NOT NULL,
	at			TEXT NOT NULL,
	event			TEXT NOT NULL,
	host_id			TEXT,
	features_pv_host_old	TEXT NOT NULL,
	features_pv_host_new	TEXT NOT NULL,
	features_hvm_host_old	TEXT NOT NULL,
	features_hvm_host_new	TEXT NOT NULL
);
CREATE INDEX level_history_pool ON level_history(pool_id, seq);
