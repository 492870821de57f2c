-- cpulevel schema, version 3: a log of the rows that changed.
--
-- cpulevel-migcheck keeps the hosts, pools and VMs in memory and answers
-- from there (services/migcheck/view.c).  When sqlite's wal-index says
-- that a transaction was committed, migcheck reads in one read
-- transaction the entries after the last one it applied, re-reads just
-- those rows, and so has exactly the snapshot it read.
--
-- The entries are written by triggers, inside the writer's own
-- transaction: every writer is logged alike, featured by any of its
-- paths, an operator's sqlite3(1) too.  seq is the log's generation; it
-- only grows while the newest entry is kept, and the pruning below keeps
-- at least the last 4096.  A reader that finds its last entry gone (it
-- fell that far behind, or someone emptied the log) reads everything
-- again.  A writer that goes around the triggers changes the schema
-- (dropping them, a migration, a restore through sqlite's backup API):
-- migcheck reads everything again when the schema version moves.

CREATE TABLE change_log (
	seq			INTEGER PRIMARY KEY,
	tbl			TEXT NOT NULL
	    CHECK (tbl IN ('host', 'pool', 'vm')),
	id			TEXT NOT NULL
);

-- Every 256th entry drops the oldest, down to 4096 kept: one delete of
-- up to 256 rows a 256 changes, not one a change.
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
	INSERT INTO change_log (tbl, id) SELECT 'host', NEW.id
	    WHERE NEW.id IS NOT OLD.id;
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
	INSERT INTO change_log (tbl, id) SELECT 'pool', NEW.id
	    WHERE NEW.id IS NOT OLD.id;
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
	INSERT INTO change_log (tbl, id) SELECT 'vm', NEW.id
	    WHERE NEW.id IS NOT OLD.id;
END;
CREATE TRIGGER vm_deleted AFTER DELETE ON vm
BEGIN
	INSERT INTO change_log (tbl, id) VALUES ('vm', OLD.id);
END;
