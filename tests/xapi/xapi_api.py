"""The XenAPI methods the test xapi serves, and their dispatch.

Dispatch follows xapi's generated server (ocaml/idl/ocaml_backend/
gen_server.ml): the parameter count first (MESSAGE_PARAMETER_COUNT_MISMATCH
[method, expected, received], the session not counted, trailing parameters
with defaults optional), then the session (SESSION_INVALID [ref]; on a
supporter reached over TCP, HOST_IS_SLAVE [master address]), then the role
(RBAC_PERMISSION_DENIED [permission, message]), then the call.  An unknown
method with parameters is taken for a host extension: its session is
checked, then MESSAGE_METHOD_UNKNOWN [method].
"""

import time

import xapi_events
import xapi_fields
from xapi_db import ApiError, new_uuid, rfc3339

ROLES = ['read-only', 'vm-operator', 'vm-admin', 'vm-power-admin',
    'pool-operator', 'pool-admin']
MESSAGE_CLS = ['VM', 'Host', 'SR', 'Pool', 'VMPP', 'VMSS', 'PVS_proxy',
    'VDI', 'Certificate']
# message.create's obj_uuid is checked against the class's table.
CLS_TABLE = {'VM': 'VM', 'Host': 'host', 'Pool': 'pool'}


class Method:
    def __init__(self, fn, nreq, nopt=0, session=True, role='read-only',
            locked=True):
        self.fn = fn
        self.locked = locked
        self.nreq = nreq
        self.nopt = nopt
        self.session = session
        self.role = role


class Api:
    def __init__(self, db, users, auth_fail_delay=5.0):
        self.db = db
        self.users = users          # name -> (password, role)
        self.auth_fail_delay = auth_fail_delay
        self.methods = self._methods()

    # -- the method table ---------------------------------------------

    def _methods(self):
        m = {
            'session.login_with_password': Method(self.login, 2, 2, False),
            'session.logout': Method(self.logout, 0),
            'event.from': Method(self.event_from, 3, locked=False),
            'event.inject': Method(self.event_inject, 2, locked=False),
            'message.create': Method(self.message_create, 5,
                role='pool-operator'),
            'message.destroy': Method(self.message_destroy, 1,
                role='pool-operator'),
            'message.get_all': Method(
                lambda s: list(self.db.messages), 0),
            'message.get_all_records': Method(self.message_records, 0),
            'message.get_record': Method(self.message_record, 1),
            'message.get_since': Method(self.message_since, 1),
            'message.get_by_uuid': Method(self.message_by_uuid, 1),
        }
        for cls, fields in xapi_fields.CLASSES.items():
            m[cls + '.get_all_records'] = Method(
                lambda s, c=cls: self.all_records(c), 0)
            m[cls + '.get_all'] = Method(
                lambda s, c=cls: list(self.db.tables[c]), 0)
            m[cls + '.get_record'] = Method(
                lambda s, r, c=cls: dict(self.db.get(c, r)), 1)
            m[cls + '.get_by_uuid'] = Method(
                lambda s, u, c=cls: self.db.by_uuid(c, u), 1)
            for (f, _, _) in fields:
                m['%s.get_%s' % (cls, f)] = Method(
                    lambda s, r, c=cls, f=f: self.db.get(c, r)[f], 1)
        m['system.listMethods'] = Method(
            lambda: sorted(self.methods), 0, session=False)
        return m

    # -- dispatch -----------------------------------------------------

    def call(self, name, params, transport):
        """Run a call; return its value or raise ApiError."""
        meth = self.methods.get(name)
        if meth is None:
            if params:
                sess = self.check_session(params[0], transport)
                self.check_role(sess, 'host.call_extension', 'pool-admin')
            raise ApiError('MESSAGE_METHOD_UNKNOWN', name)
        args = list(params)
        if meth.session:
            if not args:
                raise ApiError('MESSAGE_PARAMETER_COUNT_MISMATCH', name,
                    meth.nreq, -1)
            session = args.pop(0)
        if len(args) < meth.nreq or (meth.nopt == 0 and len(args) > meth.nreq):
            raise ApiError('MESSAGE_PARAMETER_COUNT_MISMATCH', name,
                meth.nreq, len(args))
        args = args[:meth.nreq + meth.nopt]
        if not meth.session:
            if name == 'session.login_with_password':
                return meth.fn(*args, transport=transport)
            return meth.fn(*args)
        sess = self.check_session(session, transport)
        self.check_role(sess, name.lower(), meth.role)
        if not meth.locked:
            return meth.fn(session, *args)
        with self.db.cond:
            return meth.fn(session, *args)

    def check_session(self, ref, transport):
        with self.db.cond:
            sess = self.db.sessions.get(ref) if isinstance(ref, str) else None
            if sess is None:
                raise ApiError('SESSION_INVALID', ref)
            if not self.db.role['master'] and transport == 'tcp':
                raise ApiError('HOST_IS_SLAVE', self.master_address())
            return sess

    def check_role(self, sess, permission, role):
        if sess['root'] or ROLES.index(sess['role']) >= ROLES.index(role):
            return
        allowed = ROLES[ROLES.index(role):][::-1]
        raise ApiError('RBAC_PERMISSION_DENIED', permission,
            'No permission in user session. (Roles with this permission: '
            '%s)' % ', '.join(allowed))

    def master_address(self):
        addr = self.db.role.get('master_address')
        if addr:
            return addr
        pool = self.db.pool_ref()
        if pool is None:
            return ''
        master = self.db.tables['pool'][pool].rec['master']
        row = self.db.tables['host'].get(master)
        return row.rec['address'] if row else ''

    # -- session ------------------------------------------------------

    def login(self, uname, pwd, version='1.1', originator='', transport='tcp'):
        """xapi_session.ml: the local unix socket is trusted as root."""
        if transport == 'unix':
            return self._new_session(uname, 'pool-admin', True)
        with self.db.cond:
            if not self.db.role['master']:
                raise ApiError('HOST_IS_SLAVE', self.master_address())
        user = self.users.get(uname)
        if user is None or user[0] != pwd:
            time.sleep(self.auth_fail_delay)
            raise ApiError('SESSION_AUTHENTICATION_FAILED', uname,
                'Authentication failure')
        return self._new_session(uname, user[1], uname == 'root')

    def _new_session(self, uname, role, root):
        ref = 'OpaqueRef:' + new_uuid()
        with self.db.cond:
            self.db.sessions[ref] = {'user': uname, 'role': role,
                'root': root}
        return ref

    def logout(self, session):
        self.db.sessions.pop(session, None)
        self.db.cond.notify_all()
        return ''

    # -- reads --------------------------------------------------------

    def all_records(self, cls):
        return {ref: dict(r.rec) for ref, r in self.db.tables[cls].items()}

    def event_from(self, session, classes, token, timeout):
        if not isinstance(classes, list) or not isinstance(token, str):
            raise ApiError('INTERNAL_ERROR', 'Failure("type error")')
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise ApiError('INTERNAL_ERROR',
                'Failure("float_of_string")') from None
        return xapi_events.event_from(self.db, session, classes, token,
            timeout)

    def event_inject(self, session, cls, ref):
        return xapi_events.inject(self.db, cls, ref)

    # -- messages -----------------------------------------------------

    def message_create(self, session, name, priority, cls, obj_uuid, body):
        try:
            priority = int(priority)
        except (TypeError, ValueError):
            raise ApiError('INTERNAL_ERROR',
                'Failure("int_of_string")') from None
        if cls not in MESSAGE_CLS:
            raise ApiError('INVALID_VALUE', cls)
        table = CLS_TABLE.get(cls)
        if table is None or not any(r.rec['uuid'] == obj_uuid
                for r in self.db.tables[table].values()):
            raise ApiError('UUID_INVALID', cls, obj_uuid)
        rec = {'uuid': new_uuid(), 'name': name, 'priority': priority,
            'cls': cls, 'obj_uuid': obj_uuid, 'timestamp': rfc3339(),
            'body': body}
        ref = self.db.add_message(rec)
        self.db.save()
        return ref

    def message_destroy(self, session, ref):
        self.db.destroy_message(ref)
        self.db.save()
        return ''

    def message_records(self, session):
        return {ref: dict(rec) for ref, (rec, _) in self.db.messages.items()}

    def message_record(self, session, ref):
        if ref not in self.db.messages:
            raise ApiError('HANDLE_INVALID', 'message', ref)
        return dict(self.db.messages[ref][0])

    def message_since(self, session, since):
        since = str(since)
        return {ref: dict(rec) for ref, (rec, _) in self.db.messages.items()
            if rec['timestamp'] > since}

    def message_by_uuid(self, session, uuid):
        for ref, (rec, _) in self.db.messages.items():
            if rec['uuid'] == uuid:
                return ref
        raise ApiError('UUID_INVALID', 'message', uuid)
