"""The test xapi's database: objects, generations, sessions, messages.

It keeps what xapi's database keeps for event.from (README.md, "event.from"):
a generation counter bumped by every write, and per row the generation it
was created and last modified at; deleted rows are remembered in memory
only, so a restart forgets them as xapi's does.  Sessions are not saved
(the session class is PersistNothing).  Messages live beside the tables
with their own generation counter, as xapi's do.
"""

import json
import os
import threading
import time
import uuid as uuidlib

import xapi_fields

NULL = 'OpaqueRef:NULL'
STATE_FORMAT = 'testxapi-state/1'


class ApiError(Exception):
    """A XenAPI failure: code and string parameters."""

    def __init__(self, code, *params):
        super().__init__(code)
        self.code = code
        self.params = [str(p) for p in params]

    def description(self):
        return [self.code] + self.params


def new_ref():
    return 'OpaqueRef:' + str(uuidlib.uuid4())


def new_uuid():
    return str(uuidlib.uuid4())


def rfc3339(t=None):
    """Date.to_rfc3339 of xapi's Clock.Date for a UTC time."""
    return time.strftime('%Y%m%dT%H:%M:%SZ', time.gmtime(t))


class I32(int):
    """An Rpc.Int32 (valid_ref_counts): <i4> in XML-RPC, not a string."""


class Row:
    __slots__ = ('rec', 'ctime', 'mtime')

    def __init__(self, rec, ctime, mtime):
        self.rec = rec
        self.ctime = ctime
        self.mtime = mtime


class Database:
    def __init__(self, state_path=None):
        self.cond = threading.Condition()
        self.state_path = state_path
        self.gen = 0
        self.tables = {cls: {} for cls in xapi_fields.CLASSES}
        self.deleted = []       # (cls, ref, ctime, dtime), memory only
        self.messages = {}      # ref -> (record, message generation)
        self.msg_deleted = []   # (ref, message generation), memory only
        self.msg_gen = 0
        self.sessions = {}      # ref -> dict(user, role, root), memory only
        self.token_floor = 0
        self.role = {'master': True, 'master_address': ''}
        self.pending_flags = {}  # VM ref -> last_boot_CPU_flags to write
        self.epoch = 0           # bumped by lose_tokens, wakes waiters

    # -- persistence --------------------------------------------------

    def load(self):
        if not self.state_path or not os.path.exists(self.state_path):
            return False
        with open(self.state_path) as f:
            st = json.load(f)
        if st.get('format') != STATE_FORMAT:
            raise SystemExit('%s: not a test xapi state file'
                % self.state_path)
        self.gen = st['generation']
        for cls, rows in st['tables'].items():
            self.tables[cls] = {ref: Row(xapi_fields.tag(cls, r['record']),
                r['ctime'], r['mtime']) for ref, r in rows.items()}
        self.messages = {ref: (xapi_fields.tag('message', m['record']),
            m['gen'])
            for ref, m in st['messages'].items()}
        self.msg_gen = st['msg_gen']
        self.token_floor = st.get('token_floor', 0)
        self.role = st['role']
        self.pending_flags = st.get('pending_flags', {})
        return True

    def save(self):
        """Write the state file atomically: a temporary file, fsync, rename."""
        if not self.state_path:
            return
        st = {
            'format': STATE_FORMAT,
            'generation': self.gen,
            'tables': {cls: {ref: {'ctime': r.ctime, 'mtime': r.mtime,
                'record': r.rec} for ref, r in rows.items()}
                for cls, rows in self.tables.items()},
            'messages': {ref: {'record': rec, 'gen': g}
                for ref, (rec, g) in self.messages.items()},
            'msg_gen': self.msg_gen,
            'token_floor': self.token_floor,
            'role': self.role,
            'pending_flags': self.pending_flags,
        }
        tmp = self.state_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(st, f)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, self.state_path)

    def lose_tokens(self):
        """Make every token issued so far fail to parse.

        The generations of all rows move up to a new floor, silently, so
        that every token issued from now on is at or above it (or 0).
        """
        with self.cond:
            self.gen += 1
            self.token_floor = self.gen
            for rows in self.tables.values():
                for r in rows.values():
                    r.ctime = r.mtime = self.gen
            self.deleted = []
            self.epoch += 1
            self.save()
            self.cond.notify_all()

    # -- writes (caller holds self.cond) ------------------------------

    def _bump(self):
        self.gen += 1
        self.cond.notify_all()
        return self.gen

    def create(self, cls, rec, ref=None):
        ref = ref or new_ref()
        full = xapi_fields.default_record(cls)
        full.update(rec)
        xapi_fields.tag(cls, full)
        g = self._bump()
        self.tables[cls][ref] = Row(full, g, g)
        return ref

    def set(self, cls, ref, **fields):
        row = self.row(cls, ref)
        row.rec.update(fields)
        xapi_fields.tag(cls, row.rec)
        row.mtime = self._bump()

    def destroy(self, cls, ref):
        row = self.tables[cls].pop(ref)
        self.deleted.append((cls, ref, row.ctime, self._bump()))

    def add_message(self, rec):
        ref = new_ref()
        xapi_fields.tag('message', rec)
        self.msg_gen += 1
        self.messages[ref] = (rec, self.msg_gen)
        self.cond.notify_all()
        return ref

    def destroy_message(self, ref):
        if ref not in self.messages:
            raise ApiError('HANDLE_INVALID', 'message', ref)
        del self.messages[ref]
        self.msg_gen += 1
        self.msg_deleted.append((ref, self.msg_gen))
        self.cond.notify_all()

    # -- reads (caller holds self.cond) -------------------------------

    def row(self, cls, ref):
        try:
            return self.tables[cls][ref]
        except KeyError:
            raise ApiError('HANDLE_INVALID', cls, ref) from None

    def get(self, cls, ref):
        return self.row(cls, ref).rec

    def by_uuid(self, cls, uuid):
        for ref, r in self.tables[cls].items():
            if r.rec.get('uuid') == uuid:
                return ref
        raise ApiError('UUID_INVALID', cls, uuid)

    def find(self, cls, key):
        """A ref from a ref, a uuid or a name_label (for the control side)."""
        rows = self.tables[cls]
        if key in rows:
            return key
        for ref, r in rows.items():
            if key in (r.rec.get('uuid'), r.rec.get('name_label')):
                return ref
        raise ApiError('HANDLE_INVALID', cls, key)

    def pool_ref(self):
        return next(iter(self.tables['pool']), None)

    def valid_ref_counts(self):
        """Every table's row count, by lower-case table name (xapi_event.ml)."""
        counts = {cls.lower(): I32(len(rows))
            for cls, rows in self.tables.items()}
        counts['session'] = I32(len(self.sessions))
        return counts
