-- cpulevel schema, version 4: the same rules, without ephemeral tables.
--
-- sqlite codes `x IN ('a', 'b', 'c')`, a list of more than two
-- constants, as a look-up in an ephemeral index that it builds and frees
-- each time the expression runs (sqlite3FindInIndex; a list of one or
-- two becomes comparisons).  In a CHECK that is every INSERT and UPDATE
-- of the row: a b-tree opened in memory, a page cleared, the constants
-- inserted, all closed again.  vm has two such CHECKs and change_log one,
-- written again by the trigger of every write: 88k of the 213k
-- instructions of a VM.start (bench/featured, callgrind).  The same rule
-- spelled with OR is a few comparisons.  tests/test_db.c checks that no
-- INSERT or UPDATE of any table builds an ephemeral table.
--
-- A CHECK cannot be altered in place, so both tables are rebuilt by
-- sqlite's procedure (lang_altertable.html, "Making Other Kinds Of Table
-- Schema Changes"; migrations run with foreign keys off, lib/db.c).
-- The row triggers write into change_log and go first: renaming a table
-- re-parses every trigger, and one that names a dropped table fails it.
-- The rows are copied as they are, seq included; the copying fires no
-- trigger, and migcheck reads everything again since the schema changed.

DROP TRIGGER change_log_prune;
DROP TRIGGER host_inserted;
DROP TRIGGER host_updated;
DROP TRIGGER host_deleted;
DROP TRIGGER pool_inserted;
DROP TRIGGER pool_updated;
DROP TRIGGER pool_deleted;
DROP TRIGGER vm_inserted;
DROP TRIGGER vm_updated;
DROP TRIGGER vm_deleted;

CREATE TABLE change_log_4 (
	seq			INTEGER PRIMARY KEY,
	tbl			TEXT NOT NULL
	    CHECK (tbl = 'host' OR tbl = 'pool' OR tbl = 'vm'),
	id			TEXT NOT NULL
);
INSERT INTO change_log_4 (seq, tbl, id)
	SELECT seq, tbl, id FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_4 RENAME TO change_log;

CREATE TABLE vm_4 (
	id			TEXT PRIMARY KEY NOT NULL,
	-- where it runs or is suspended; where it last ran when halted
	host_id			TEXT REFERENCES host(id) ON DELETE SET NULL,
	domain_type		TEXT NOT NULL
	    CHECK (domain_type = 'pv' OR domain_type = 'hvm' OR
		domain_type = 'pvh' OR domain_type = 'pv_in_pvh'),
	power_state		TEXT NOT NULL
	    CHECK (power_state = 'running' OR power_state = 'suspended' OR
		power_state = 'halted'),
	-- last_boot_CPU_flags; NULL where unknown
	vendor			TEXT,
	features		TEXT,
	-- arrived from an older toolstack with its landing host's set
	legacy			INTEGER NOT NULL DEFAULT 0
);
INSERT INTO vm_4 (id, host_id, domain_type, power_state, vendor,
    features, legacy)
	SELECT id, host_id, domain_type, power_state, vendor, features,
	    legacy FROM vm;
DROP TABLE vm;
ALTER TABLE vm_4 RENAME TO vm;
CREATE INDEX vm_host ON vm(host_id);

-- The triggers of version 3, but for one thing: version 3 logged a
-- changed id by `INSERT ... SELECT ... WHERE NEW.id IS NOT OLD.id`, and
-- sqlite stores the rows of an INSERT ... SELECT into a table that has
-- triggers (change_log_prune) in an ephemeral table first: every UPDATE
-- of a host, a pool or a VM paid for one.  The new id is now logged by a
-- trigger of its own whose WHEN says the same.
CREATE TRIGGER change_log_prune AFTER INSERT ON change_log
WHEN NEW.seq % 256 = 0
BEGIN
	DELETE FROM change_log WHERE seq <= NEW.seq - 4096;
END;

CREATE TRIGGER host_inserted AFTER INSERT ON host
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('host', NEW.id);
END;
CREATE TRIGGER host_updated AFTER UPDATE ON host
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('host', OLD.id);
END;
CREATE TRIGGER host_renamed AFTER UPDATE OF id ON host
WHEN NEW.id IS NOT OLD.id
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('host', NEW.id);
END;
CREATE TRIGGER host_deleted AFTER DELETE ON host
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('host', OLD.id);
END;

CREATE TRIGGER pool_inserted AFTER INSERT ON pool
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('pool', NEW.id);
END;
CREATE TRIGGER pool_updated AFTER UPDATE ON pool
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('pool', OLD.id);
END;
CREATE TRIGGER pool_renamed AFTER UPDATE OF id ON pool
WHEN NEW.id IS NOT OLD.id
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('pool', NEW.id);
END;
CREATE TRIGGER pool_deleted AFTER DELETE ON pool
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('pool', OLD.id);
END;

CREATE TRIGGER vm_inserted AFTER INSERT ON vm
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('vm', NEW.id);
END;
CREATE TRIGGER vm_updated AFTER UPDATE ON vm
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('vm', OLD.id);
END;
CREATE TRIGGER vm_renamed AFTER UPDATE OF id ON vm
WHEN NEW.id IS NOT OLD.id
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('vm', NEW.id);
END;
CREATE TRIGGER vm_deleted AFTER DELETE ON vm
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('vm', OLD.id);
END;
